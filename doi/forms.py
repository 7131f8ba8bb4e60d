from __future__ import annotations

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory

from . import metadata as md
from . import publications
from .models import Author, Contributor, DataCollection


class CollectionForm(forms.ModelForm):
    """Descriptive metadata. Saving never requires it: reserve and mint do (services check).
    `version` names the version the form was rendered from (see services.collection_claim_edit).
    """

    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    class Meta:
        model = DataCollection
        fields = ["title", "abstract", "keywords", "licence"]
        widgets = {
            "abstract": forms.Textarea(attrs={"rows": 5}),
            "keywords": forms.TextInput(
                attrs={"placeholder": "lysozyme, room temperature, serial crystallography"}
            ),
        }
        help_texts = {
            "title": "Required to reserve or mint.",
            "abstract": "Required to reserve or mint: what the data is and how it was collected.",
        }

    def clean_keywords(self) -> str:
        return ", ".join(
            dict.fromkeys(k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip())
        )


class PersonForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = ["given_name", "family_name", "orcid", "affiliation"]
        widgets = {
            name: forms.TextInput(attrs={"placeholder": placeholder, "class": "form-control-sm"})
            for name, placeholder in (
                ("given_name", "Given name"),
                ("family_name", "Family name"),
                ("orcid", "ORCID iD (optional)"),
                ("affiliation", "Affiliation (optional)"),
            )
        }

    def clean_orcid(self) -> str:
        value = self.cleaned_data["orcid"].strip().removeprefix("https://orcid.org/").upper()
        if value and not md.orcid_is_valid(value):
            raise forms.ValidationError("Not a valid ORCID iD (e.g. 0000-0002-1825-0097).")
        return value


class ContributorForm(PersonForm):
    class Meta(PersonForm.Meta):
        model = Contributor


class PeopleFormSet(BaseInlineFormSet):
    """Rows in the order their hidden ORDER fields give (the up/down buttons rewrite them, see
    `move_row`): so a move, a ticked "Remove" and a new row all survive a form that comes back
    with an error, and are saved together when it does not."""

    ordering_widget = forms.HiddenInput

    def rows(self) -> list[forms.Form]:
        """The forms in display order: by ORDER, then new rows (no ORDER) as they came."""

        def key(pair: tuple[int, forms.Form]) -> tuple[int, int]:
            index, form = pair
            raw = form[forms.formsets.ORDERING_FIELD_NAME].value()
            try:
                return (int(raw), index) if raw not in (None, "") else (2**31, index)
            except (TypeError, ValueError):
                return (2**31, index)

        return [form for _, form in sorted(enumerate(self.forms), key=key)]

    def save(self, commit: bool = True) -> list:
        saved = super().save(commit=commit)
        if commit:
            for position, form in enumerate(self.ordered_forms):
                if form.instance.position != position:
                    form.instance.position = position
                    type(form.instance).objects.filter(pk=form.instance.pk).update(
                        position=position
                    )
        return saved


def move_row(data, prefix: str) -> None:
    """Apply a posted `move="<prefix>-<index>:up|down"` to the ORDER values of `data` (a mutable
    copy of request.POST), among the rows already saved. Anything unreadable moves nothing."""
    target, _, direction = data.get("move", "").partition(":")
    try:
        total = int(data.get(f"{prefix}-INITIAL_FORMS", ""))
    except ValueError:
        return
    total = max(0, min(total, 1000))

    def order(index: int) -> tuple[int, int]:
        try:
            return int(data.get(f"{prefix}-{index}-ORDER", "")), index
        except ValueError:
            return 2**31, index

    rows = sorted(range(total), key=order)
    names = [f"{prefix}-{index}" for index in rows]
    if target not in names:
        return
    at = names.index(target)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(rows):
        return
    rows[at], rows[to] = rows[to], rows[at]
    for position, index in enumerate(rows, start=1):
        data[f"{prefix}-{index}-ORDER"] = str(position)


AuthorFormSet = inlineformset_factory(
    DataCollection,
    Author,
    form=PersonForm,
    formset=PeopleFormSet,
    extra=1,
    can_delete=True,
    can_order=True,
)
ContributorFormSet = inlineformset_factory(
    DataCollection,
    Contributor,
    form=ContributorForm,
    formset=PeopleFormSet,
    extra=0,
    can_delete=True,
    can_order=True,
)


class MintConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        label="I understand that minting makes these datasets public now, whatever their embargo, "
        "and that they can no longer be removed from this DOI.",
    )


class PublicationLinkForm(forms.Form):
    """One paper, by DOI or PubMed id, in any of the forms people paste."""

    paper = forms.CharField(
        max_length=300,
        label="DOI or PubMed id of the paper",
        widget=forms.TextInput(attrs={"placeholder": "10.1107/S2059798326000001 or PMID 31234567"}),
    )

    def clean_paper(self) -> tuple[str, str]:
        return publications.parse_identifier(self.cleaned_data["paper"])
