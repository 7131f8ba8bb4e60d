from __future__ import annotations

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
    landing_page = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

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

    def get_landing_page(self, doi: Doi) -> str:
        return doi.landing_url

    def get_url(self, doi: Doi) -> str:
        return f"https://doi.org/{doi.identifier}"


class DoiDetailSerializer(DoiSerializer):
    datacite = serializers.JSONField(source="metadata")

    class Meta(DoiSerializer.Meta):
        fields = [*DoiSerializer.Meta.fields, "datacite"]


class CollectionSerializer(serializers.ModelSerializer):
    """Datasets by id (only the caller's mintable ones are accepted); authors in citation order."""

    # Lists on the way in; to_representation writes them on the way out.
    datasets = serializers.ListField(
        child=serializers.IntegerField(), required=False, write_only=True
    )
    authors = AuthorSerializer(many=True, required=False)
    doi = DoiSerializer(read_only=True)
    licence = serializers.ChoiceField(choices=Licence.choices, required=False)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, write_only=True
    )
    related_publications = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, write_only=True
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

    def to_representation(self, collection: DataCollection) -> dict:
        data = super().to_representation(collection)
        data["datasets"] = sorted(d.pk for d in collection.datasets.all())
        data["keywords"] = collection.keyword_list
        data["related_publications"] = collection.publication_list
        return data
