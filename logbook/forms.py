from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.http import QueryDict
from django.utils import timezone

from catalogue import access

from .dates import OUT_OF_RANGE, in_range
from .models import Category, EventType, Tag
from .services import MAX_TITLE_LENGTH
from .store import EventQuery

ORDER_CHOICES = [("newest", "Newest first"), ("oldest", "Oldest first")]
# "refers": by the time a note says it is about; the rest by when they were written.
SORT_CHOICES = [("written", "Time written"), ("refers", "Time referred to")]
TYPE_CHOICES = [
    (EventType.ANNOTATION, "Annotations"),
    (EventType.NOTIFICATION, "Notifications"),
    (EventType.BROADCAST, "Broadcasts"),
    (EventType.ATTACHMENT, "Images"),
]
CATEGORY_CHOICES = [
    (Category.COMMANDLINE, "Command lines"),
    (Category.COMMENT, "Comments"),
    (Category.ERROR, "Errors"),
    (Category.INFO, "Info"),
    (Category.DEBUG, "Debug"),
    (Category.FILE, "Files"),
]


CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class LogbookDateField(forms.DateField):
    """A date between 1900 and 2200: the timeline adds a day to it and shows it in local time."""

    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value) -> None:
        super().validate(value)
        if value and not in_range(value):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")


class LogbookDateTimeField(forms.DateTimeField):
    """A local date and time (the browser's picker), in the years the logbook computes with."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def validate(self, value) -> None:
        super().validate(value)
        if value and not in_range(value):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")


class FilterForm(forms.Form):
    """The timeline's filters; they live in the query string so views are shareable."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    type = forms.MultipleChoiceField(required=False, choices=TYPE_CHOICES, widget=CHECKBOXES)
    category = forms.MultipleChoiceField(
        required=False, choices=CATEGORY_CHOICES, widget=CHECKBOXES
    )
    tag = forms.MultipleChoiceField(required=False, choices=[], widget=CHECKBOXES)
    author = forms.CharField(required=False, max_length=150)
    day = LogbookDateField(required=False)
    start = LogbookDateField(required=False, label="From")
    end = LogbookDateField(required=False, label="To")
    order = forms.ChoiceField(required=False, choices=ORDER_CHOICES)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    removed = forms.BooleanField(required=False, label="Removed events")

    def __init__(self, *args, tags: list[Tag], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [(t.name, t.name) for t in tags]

    def summary(self, *, can_restore: bool) -> list[str]:
        """The filters in force, for people (the PDF's header, a download's label)."""
        data = self.cleaned_data if self.is_valid() else {}
        labels = {**dict(TYPE_CHOICES), **dict(CATEGORY_CHOICES)}
        out = []
        if data.get("q"):
            out.append(f"search “{data['q']}”")
        for name in ("type", "category"):
            if data.get(name):
                out.append(", ".join(str(labels[v]) for v in data[name]).lower())
        if data.get("tag"):
            out.append("tagged " + ", ".join(data["tag"]))
        if data.get("author", "").strip():
            out.append(f"by {data['author'].strip()}")
        if data.get("day"):
            out.append(f"on {data['day']:%d %b %Y}")
        else:
            out += [
                f"{word} {data[k]:%d %b %Y}"
                for k, word in (("start", "from"), ("end", "to"))
                if data.get(k)
            ]
        if data.get("removed") and can_restore:
            out.append("removed events only")
        if data.get("order") == "oldest":
            out.append("oldest first")
        return out

    def query(self, base: EventQuery, *, can_restore: bool) -> EventQuery:
        data = self.cleaned_data if self.is_valid() else {}
        tz = timezone.get_current_timezone()

        def at(day) -> datetime:
            return timezone.make_aware(datetime.combine(day, time.min), tz)

        date_from = date_to = None
        if data.get("day"):
            date_from, date_to = at(data["day"]), at(data["day"] + timedelta(days=1))
        else:
            date_from = at(data["start"]) if data.get("start") else None
            date_to = at(data["end"] + timedelta(days=1)) if data.get("end") else None
        return EventQuery(
            **{
                k: getattr(base, k)
                for k in (
                    "investigation_id",
                    "instrument_name",
                    "beamline_only",
                    "broadcasts_between",
                    "all_broadcasts",
                )
            },
            types=tuple(data.get("type") or ()),
            categories=tuple(data.get("category") or ()),
            tags=tuple(data.get("tag") or ()),
            usernames=(data["author"].strip(),) if data.get("author", "").strip() else (),
            date_from=date_from,
            date_to=date_to,
            text=data.get("q") or "",
            removed=bool(data.get("removed")) and can_restore,
            newest_first=data.get("order") != "oldest",
            by_refers_to=data.get("sort") == "refers",
        )


def scope_filters(data: QueryDict, *, user, scope) -> tuple[FilterForm, EventQuery, list[Tag]]:
    """The filters of a logbook's timeline (and of its PDF): the form, its query, the scope's tags
    the user may see."""
    tags = list(access.visible_tags(user).filter(**scope.tag_filter()))
    form = FilterForm(data, tags=tags)
    return form, form.query(scope.base_query(), can_restore=scope.can_write), tags


class EntryForm(forms.Form):
    """An annotation: rich text (HTML, sanitised on the server), tags, an optional image."""

    title = forms.CharField(required=False, max_length=MAX_TITLE_LENGTH)
    content = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "data-rich-text": "1"}),
        help_text="Paste images straight into the text.",
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma separated; new tags are created.",
        widget=forms.TextInput(attrs={"list": "logbook-tag-names"}),
    )
    image = forms.FileField(required=False, help_text="PNG, JPEG, GIF or WebP")
    refers_to = LogbookDateTimeField(
        required=False,
        label="Refers to",
        help_text="Written after the fact? The time it is about.",
    )
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    # The version an edit started from (see `logbook.store.version_of`).
    version = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    broadcast = forms.BooleanField(required=False, label="Broadcast to every logbook (staff)")

    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("title") or (data.get("content") or "").strip() or data.get("image")):
            raise forms.ValidationError("Write something, or attach an image.")
        return data


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "colour"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}
