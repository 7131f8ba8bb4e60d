from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory

from . import metadata as md
from . import publications
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


class PublicationLinkForm(forms.Form):
    """One paper, by DOI or PubMed id, in any of the forms people paste."""

    paper = forms.CharField(
        max_length=300,
        label="DOI or PubMed id of the paper",
        widget=forms.TextInput(attrs={"placeholder": "10.1107/S2059798326000001 or PMID 31234567"}),
    )

    def clean_paper(self) -> tuple[str, str]:
        return publications.parse_identifier(self.cleaned_data["paper"])
