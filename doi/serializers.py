from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import metadata as md
from .models import Author, DataCollection, Doi, Licence


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["given_name", "family_name", "orcid", "affiliation"]

    def validate_orcid(self, value: str) -> str:
        value = value.strip().removeprefix("https://orcid.org/").upper()
        if value and not md.orcid_is_valid(value):
            raise serializers.ValidationError("Not a valid ORCID iD (e.g. 0000-0002-1825-0097).")
        return value


class DoiSerializer(serializers.ModelSerializer):
    landing_page = serializers.SerializerMethodField(
        help_text="The portal's landing page (absolute: SITE_URL, as registered at DataCite)."
    )
    url = serializers.SerializerMethodField(help_text="The DOI as a resolver link.")

    class Meta:
        model = Doi
        fields = [
            "identifier",
            "kind",
            "state",
            "url",
            "landing_page",
            "registered_at",
            "minted_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_landing_page(self, doi: Doi) -> str:
        return doi.landing_url

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, doi: Doi) -> str:
        return f"https://doi.org/{doi.identifier}"


@extend_schema_field({"type": "object", "description": "DataCite JSON (schema 4.5 attributes)"})
class _DataCiteField(serializers.JSONField):
    pass


class DoiDetailSerializer(DoiSerializer):
    datacite = _DataCiteField(source="metadata")

    class Meta(DoiSerializer.Meta):
        fields = [*DoiSerializer.Meta.fields, "datacite"]


class _ListOf(serializers.ListField):
    """A list in and out, stored by the model another way (a relation, a comma-separated text):
    `read` makes the list from the instance, so the schema describes one field both ways."""

    def __init__(self, *, read: Callable[[DataCollection], list], **kwargs) -> None:
        self.read = read
        super().__init__(**kwargs)

    def get_attribute(self, instance: DataCollection) -> list:
        return self.read(instance)


class CollectionSerializer(serializers.ModelSerializer):
    """Datasets by id (only the caller's mintable ones are accepted); authors in citation order."""

    datasets = _ListOf(
        read=lambda c: sorted(d.pk for d in c.datasets.all()),
        child=serializers.IntegerField(),
        required=False,
    )
    authors = AuthorSerializer(many=True, required=False)
    doi = DoiSerializer(read_only=True, allow_null=True, help_text="null until reserved")
    licence = serializers.ChoiceField(choices=Licence.choices, required=False)
    keywords = _ListOf(
        read=lambda c: c.keyword_list,
        child=serializers.CharField(max_length=200),
        required=False,
    )
    related_publications = _ListOf(
        read=lambda c: c.publication_list,
        child=serializers.CharField(max_length=255),
        required=False,
    )
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The version this edit started from: a PATCH naming an older one gets 409 "
        "and changes nothing. Leave it out to edit whatever is current.",
    )

    class Meta:
        model = DataCollection
        fields = [
            "id",
            "title",
            "abstract",
            "keywords",
            "related_publications",
            "licence",
            "datasets",
            "authors",
            "state",
            "failure",
            "doi",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["state", "failure", "created_at", "updated_at"]

    def validate_related_publications(self, values: list[str]) -> list[str]:
        values = [md.normalise_doi(v) for v in values if v.strip()]
        bad = [v for v in values if not md.DOI_RE.match(v)]
        if bad:
            raise serializers.ValidationError(f"Not a DOI: {', '.join(bad)}")
        return values
