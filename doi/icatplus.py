"""ICAT+'s `POST /dataacquisition/{apiKey}/mint`: a facility pipeline mints a DOI for datasets,
through the same collection workflow as the DOI editor (`doi.services`).

A key is no person, and a DOI has a maker who answers for it: the key's owner (the staff member
who issued it, `ApiKey.created_by`). The datasets must be the key's (`access.api_key_datasets`:
one the key may not act on is answered as one that does not exist) and the owner's to publish
(`collection_check`); a key without an owner mints nothing. The DOI is chosen before DataCite is
called, so the answer names it at once while the worker publishes it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue.icatplus.serializers import IdField
from logbook.icatplus_apikey import IcatPlusApiKeyView
from portal.icatplus import validated

from . import publications, services
from .models import Author, DataCollection, Licence

MAX_DATASETS = 1000


class IcatPlusMintRequest(serializers.Serializer):
    """ICAT+'s `DataacquisitionApiKeyMintPostRequest`."""

    title = serializers.CharField(max_length=500)
    abstract = serializers.CharField(max_length=20_000)
    datasetIdList = serializers.ListField(
        child=IdField(), required=False, allow_empty=False, max_length=MAX_DATASETS
    )
    dataCollectionId = IdField(required=False)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    citationPublicationDOI = serializers.RegexField(
        r"^10\.\d{4,9}/\S+$", max_length=255, required=False, allow_blank=True
    )
    referenceURLs = serializers.ListField(
        child=serializers.URLField(max_length=500), required=False, max_length=50
    )
    rights = serializers.CharField(max_length=500, required=False, allow_blank=True)
    authors = serializers.CharField(max_length=10_000, required=False, allow_blank=True)

    def validate_rights(self, value: str) -> str:
        """`name, rightsIdentifier, rightsURI`: one of the portal's licences, by identifier."""
        if not value.strip():
            return ""
        wanted = {part.strip().lower() for part in value.split(",")}
        for licence in Licence:
            if licence.value.lower() in wanted:
                return licence.value
        raise serializers.ValidationError(f"must name one of {', '.join(Licence.values)}")

    def validate_authors(self, value: str) -> list[dict]:
        """`firstname, name, orcid; ...` (the ORCID may be left out)."""
        authors = []
        for entry in filter(str.strip, value.split(";")):
            parts = [p.strip() for p in entry.split(",")]
            if len(parts) > 3 or len(parts) < 2 or not parts[1]:
                raise serializers.ValidationError(
                    "must be `firstname, name, orcid` entries separated by `;`"
                )
            given, family, orcid = (*parts, "")[:3]
            authors.append({"given_name": given, "family_name": family, "orcid": orcid})
        return authors

    def validate(self, attrs):
        if ("datasetIdList" in attrs) == ("dataCollectionId" in attrs):
            raise serializers.ValidationError(
                {"datasetIdList": "give either datasetIdList or dataCollectionId"}
            )
        return attrs


def _datasets(key, ids: list[int]) -> list:
    found = {d.pk: d for d in access.api_key_datasets(key).filter(pk__in=ids)}
    if missing := [pk for pk in ids if pk not in found]:
        raise serializers.ValidationError({"datasetIdList": f"Unknown dataset id '{missing[0]}'"})
    return list(found.values())


def _collection(key, owner, pk: int) -> DataCollection:
    """One of the owner's collections whose datasets are all the key's, as an editor sees it."""
    collection = (
        access.visible_doi_collections(owner).filter(pk=pk).first() if owner is not None else None
    )
    if (
        collection is None
        or collection.datasets.exclude(pk__in=access.api_key_datasets(key).values("pk")).exists()
    ):
        raise serializers.ValidationError({"dataCollectionId": f"Unknown data collection '{pk}'"})
    return collection


class Mint(IcatPlusApiKeyView):
    """`POST /dataacquisition/{apiKey}/mint`: mint a DOI for the datasets (or an existing data
    collection of the key's owner), which makes them public at once, as minting does in the
    editor. Answers `{"message": "<the DOI>"}`."""

    request_serializer_class = IcatPlusMintRequest

    def post(self, request: Request, api_key: str) -> Response:
        data, key = validated(IcatPlusMintRequest, request.data).validated_data, request.auth
        owner = key.created_by if key.created_by and key.created_by.is_active else None
        if "dataCollectionId" in data:
            collection = _collection(key, owner, data["dataCollectionId"])
            datasets = []
        else:
            collection, datasets = None, _datasets(key, data["datasetIdList"])
        if owner is None:
            raise exceptions.PermissionDenied(
                "This API key has no owner to mint a DOI in the name of"
            )
        fields = {
            "title": data["title"],
            "abstract": data["abstract"],
            "keywords": ", ".join(dict.fromkeys(k.strip() for k in data.get("keywords", []))),
        }
        if data.get("rights"):
            fields["licence"] = data["rights"]
        try:
            with transaction.atomic():
                if collection is None:
                    collection = services.collection_create(by=owner, datasets=datasets, **fields)
                else:
                    services.collection_claim_edit(
                        collection=collection, base_version=None, by=owner
                    )
                    for name, value in fields.items():
                        setattr(collection, name, value)
                    collection.save()
                if data.get("citationPublicationDOI"):
                    publications.publications_replace(
                        collection=collection, dois=[data["citationPublicationDOI"]], by=owner
                    )
                if data.get("authors"):
                    collection.authors.all().delete()
                    Author.objects.bulk_create(
                        Author(collection=collection, position=position, **author)
                        for position, author in enumerate(data["authors"])
                    )
                collection = services.collection_mint(
                    collection=collection, by=owner, confirmed=True
                )
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            ) from None
        return Response({"message": collection.doi.identifier})
