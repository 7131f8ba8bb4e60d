from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory

from . import metadata as md
from .models import Author, DataCollection


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
        fields = ["title", "abstract", "keywords", "related_publications", "licence"]
        widgets = {
            "abstract": forms.Textarea(attrs={"rows": 5}),
            "related_publications": forms.Textarea(
                attrs={"rows": 2, "placeholder": "e.g. 10.1107/S2059798326000001"}
            ),
            "keywords": forms.TextInput(
                attrs={"placeholder": "lysozyme, room temperature, serial crystallography"}
            ),
        }
        labels = {"related_publications": "Related publications (DOIs)"}
        help_texts = {
            "title": "Required to reserve or mint.",
            "abstract": "Required to reserve or mint: what the data is and how it was collected.",
            "related_publications": "One DOI per line, once the paper has one.",
        }

    def clean_related_publications(self) -> str:
        lines = [
            md.normalise_doi(line)
            for line in self.cleaned_data["related_publications"].splitlines()
        ]
        lines = [line for line in lines if line]
        bad = [line for line in lines if not md.DOI_RE.match(line)]
        if bad:
            raise forms.ValidationError(
                f"Not a DOI: {', '.join(bad)} (expected e.g. 10.1107/abc123)."
            )
        return "\n".join(lines)

    def clean_keywords(self) -> str:
        return ", ".join(
            dict.fromkeys(k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip())
        )


class AuthorForm(forms.ModelForm):
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


AuthorFormSet = inlineformset_factory(
    DataCollection, Author, form=AuthorForm, extra=1, can_delete=True, can_order=False
)


class MintConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        label="I understand that minting makes these datasets public now, whatever their embargo, "
        "and that they can no longer be removed from this DOI.",
    )
