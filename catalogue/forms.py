"""Forms of the browse, search and team pages. Filters are validated like any input: a bad value
becomes a field error shown above the table, never a 500."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.fields import BoundedDateField

from .models import Instrument, Investigation, Technique

# sort value -> ordering; the last key is unique so keyset pagination is exact.
INVESTIGATION_SORTS: dict[str, list[str]] = {
    "-date": ["-start_date", "-id"],
    "date": ["start_date", "id"],
    "proposal": ["name", "id"],
    "-proposal": ["-name", "-id"],
    "beamline": ["instrument__name", "-start_date", "-id"],
    "-beamline": ["-instrument__name", "-start_date", "-id"],
}
SORT_LABELS = {
    "-date": "Newest first",
    "date": "Oldest first",
    "proposal": "Proposal A–Z",
    "-proposal": "Proposal Z–A",
    "beamline": "Beamline A–Z",
    "-beamline": "Beamline Z–A",
}


class InvestigationFilterForm(forms.Form):
    q = forms.CharField(
        label="Keyword",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": "Proposal, title, summary…", "type": "search"}
        ),
    )
    beamline = forms.ModelChoiceField(
        queryset=Instrument.objects.order_by("name"),
        to_field_name="name",
        required=False,
        empty_label="All beamlines",
        error_messages={"invalid_choice": "Unknown beamline."},
    )
    technique = forms.ModelChoiceField(
        queryset=Technique.objects.order_by("name"),
        to_field_name="name",
        required=False,
        empty_label="All techniques",
        error_messages={"invalid_choice": "Unknown technique."},
    )
    start = BoundedDateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the start date as YYYY-MM-DD."},
    )
    end = BoundedDateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the end date as YYYY-MM-DD."},
    )
    sort = forms.ChoiceField(
        choices=list(SORT_LABELS.items()),
        required=False,
        error_messages={"invalid_choice": "Unknown sort order “%(value)s”."},
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
        return data

    @property
    def sort_key(self) -> str:
        return (self.cleaned_data.get("sort") if hasattr(self, "cleaned_data") else None) or "-date"

    @property
    def ordering(self) -> list[str]:
        return INVESTIGATION_SORTS[self.sort_key]

    def filter(self, queryset: QuerySet[Investigation]) -> QuerySet[Investigation]:
        """Apply the filters that are valid (invalid ones are reported, not applied)."""
        data = self.cleaned_data
        if data.get("beamline"):
            queryset = queryset.filter(instrument=data["beamline"])
        if data.get("technique"):
            queryset = queryset.filter(techniques=data["technique"])
        if data.get("start"):
            queryset = queryset.filter(end_date__gte=_day_start(data["start"]))
        if data.get("end"):
            queryset = queryset.filter(start_date__lt=_day_start(data["end"]) + timedelta(days=1))
        if data.get("q"):
            queryset = queryset.filter(keyword_q(data["q"]))
        return queryset


def keyword_q(text: str) -> Q:
    """Proposal, title or summary has the words: the GIN-indexed search vector on PostgreSQL
    (a LIKE over every summary scans the table), icontains on SQLite."""
    from . import search

    if search.is_postgresql():
        return Q(search_vector=search.postgresql_query(text))
    return Q(name__icontains=text) | Q(title__icontains=text) | Q(summary__icontains=text)


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AddCollaboratorForm(forms.Form):
    user = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        widget=forms.TextInput(
            attrs={"placeholder": "jdoe or jane.doe@example.org", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, investigation: Investigation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.investigation = investigation

    def clean_user(self):
        from portal.models import User

        text = self.cleaned_data["user"].strip()
        user = (
            User.objects.filter(is_active=True)
            .filter(Q(username__iexact=text) | Q(email__iexact=text))
            .order_by("id")
            .first()
        )
        if user is None:
            raise forms.ValidationError("No user with that name or e-mail.")
        if self.investigation.members.filter(user=user).exists():
            raise forms.ValidationError(f"{user.display_name} is already in the team.")
        return user


class AccessRequestForm(forms.Form):
    proposal = forms.CharField(
        label="Proposal",
        max_length=100,
        help_text="The proposal name, e.g. MX-2468, as written on the proposal.",
        widget=forms.TextInput(attrs={"placeholder": "MX-2468"}),
    )
    message = forms.CharField(
        label="Message to the principal investigator",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_proposal(self) -> str:
        return self.cleaned_data["proposal"].strip().upper()


class RestoreEmailForm(forms.Form):
    """An anonymous visitor's request for a dataset from tape: where to send the link that starts
    it (and, later, the news that it is back)."""

    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        error_messages={"required": "Give the address we should send the link to."},
    )
