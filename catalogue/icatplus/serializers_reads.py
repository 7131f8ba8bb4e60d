"""ICAT+'s shapes of the catalogue group's remaining read routes, as `icat-plus-client`'s models
read them (Datacollection, DatasetDocument, Timeline, Sampleinformation, User, Parameter), and
the query parameters those routes take."""

from __future__ import annotations

from rest_framework import serializers

from catalogue.icat.mapping import facility_location
from catalogue.models import Dataset

from .serializers import (
    MAX_LIMIT,
    DatasetParameterQuery,
    DatasetQuery,
    DateField,
    IcatSerializer,
    IdField,
    IdListField,
    PageQuery,
    SampleQuery,
    _iso,
    dataset_parameters,
    without_none,
)

# Routes that answer every match at once (ICAT+ has no limit/skip on them) stop here.
MAX_ROWS = MAX_LIMIT * 10

# The resources a session lists under `/files`: the portal keeps the files people attach to an
# experiment in its logbook, so that is the one group there is.
LOGBOOK_GROUP = "logbook"


# Objects --------------------------------------------------------------------------------------


def collection_dataset(ds: Dataset) -> dict:
    return {
        "dataset": without_none(
            {
                "id": ds.pk,
                "name": ds.name,
                "startDate": _iso(ds.start_date),
                "endDate": _iso(ds.end_date),
                "location": facility_location(ds.location),
                "sampleName": ds.sample.name if ds.sample_id else None,
            }
        )
    }


class DataCollectionSerializer(IcatSerializer):
    """A DOI data collection as ICAT+'s `Datacollection`; its datasets are `visible_datasets`
    (prefetched as `visible`), the DOI and title as ICAT's collection parameters give them.
    Reads `created_by`, `updated_by` and `doi`."""

    id = serializers.IntegerField()
    createId = serializers.CharField(source="created_by.username")
    createTime = serializers.SerializerMethodField()
    modId = serializers.SerializerMethodField()
    modTime = serializers.SerializerMethodField()
    doi = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()
    dataCollectionDatasets = serializers.SerializerMethodField()

    def get_createTime(self, collection) -> str | None:
        return _iso(collection.created_at)

    def get_modId(self, collection) -> str:
        return (collection.updated_by or collection.created_by).username

    def get_modTime(self, collection) -> str | None:
        return _iso(collection.updated_at)

    def get_doi(self, collection) -> str | None:
        return collection.doi.identifier if collection.doi_id else None

    def get_parameters(self, collection) -> list[dict]:
        values = {
            "title": collection.title,
            "abstract": collection.abstract,
            "keywords": collection.keywords,
            "licence": collection.licence,
        }
        return [{"name": name, "value": value} for name, value in values.items() if value]

    def get_dataCollectionDatasets(self, collection) -> list[dict]:
        return [collection_dataset(ds) for ds in collection.visible]


def dataset_document(ds: Dataset) -> dict:
    """ICAT+'s `DatasetDocument` (what it indexes in Elasticsearch): the dataset flat, its
    parameters as name/value pairs. Required strings are empty where the catalogue has none.
    Reads `investigation`, `sample` and `parameters__type`."""
    return {
        "id": ds.pk,
        "name": ds.name,
        "startDate": _iso(ds.start_date) or "",
        "endDate": _iso(ds.end_date) or "",
        "location": facility_location(ds.location),
        "sampleName": ds.sample.name if ds.sample_id else "",
        "type": ds.type,
        "investigation": {"id": ds.investigation_id, "name": ds.investigation.name},
        "parameters": [{"name": p["name"], "value": p["value"]} for p in dataset_parameters(ds)],
    }


def dataset_timeline(row: dict) -> dict:
    """A `Timeline` entry of a dataset from a `values()` row (see views_datasets)."""
    elapsed = None
    if row["start_date"] and row["end_date"]:
        seconds = (row["end_date"] - row["start_date"]).total_seconds()
        elapsed = str(int(seconds)) if float(seconds).is_integer() else repr(seconds)
    return without_none(
        {
            "startDate": _iso(row["start_date"]),
            "endDate": _iso(row["end_date"]),
            "investigationId": row["investigation_id"],
            "investigationName": row["investigation__name"],
            "datasetId": row["id"],
            "datasetName": row["name"],
            "sampleId": row["sample_id"],
            "sampleName": row["sample__name"],
            "datasetType": row["type"],
            "__fileCount": str(row["file_count"]),
            "__volume": str(row["size"]),
            "__elapsedTime": elapsed,
        }
    )


def investigation_timeline(row: dict) -> dict:
    """A `Timeline` entry of an investigation from a `values()` row."""
    return {
        "investigationId": row["id"],
        "investigationName": row["name"],
        "startDate": _iso(row["start_date"]),
        "endDate": _iso(row["end_date"]),
    }


class PersonSerializer(IcatSerializer):
    """A portal user as ICAT+'s `User` (sic: `affilation`), for administrators: with e-mail."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="username")
    fullName = serializers.CharField(source="display_name")
    givenName = serializers.CharField(source="first_name")
    familyName = serializers.CharField(source="last_name")
    email = serializers.CharField()
    affilation = serializers.CharField(source="affiliation")
    orcid = serializers.SerializerMethodField()

    def get_orcid(self, user) -> str | None:
        return user.orcid or None


class ParameterTypeSerializer(IcatSerializer):
    """A parameter type as ICAT+'s `Parameter`; its `value` is the type's kind of value
    (NUMERIC or STRING, as ICAT's `ParameterValueType`), since a type has no value."""

    _id = serializers.SerializerMethodField()
    name = serializers.CharField()
    value = serializers.SerializerMethodField()
    units = serializers.CharField()
    description = serializers.CharField()

    def get__id(self, parameter_type) -> str:
        return str(parameter_type.pk)

    def get_value(self, parameter_type) -> str:
        return parameter_type.value_type.upper()


def resource(attachment) -> dict:
    """A logbook attachment as ICAT+'s `Resourceinformation`: `_id` is what `/files/download`
    takes as `resourceId`, `file` where the portal serves it to those who read the logbook."""
    multiplicity = attachment.multiplicity
    if multiplicity is None or float(multiplicity).is_integer():
        multiplicity = 1 if multiplicity is None else int(multiplicity)
    return {
        "_id": str(attachment.uuid),
        "filename": attachment.upload_name or attachment.filename,
        "fileType": attachment.file_type or attachment.content_type,
        "groupName": attachment.group_name or LOGBOOK_GROUP,
        "multiplicity": multiplicity,
        "file": attachment.get_absolute_url(),
    }


# Query parameters -----------------------------------------------------------------------------


class DataCollectionQuery(PageQuery):
    sorts = {"id": "id", "createTime": "created_at", "modTime": "updated_at", "title": "title"}

    datasetId = IdField(required=False)
    # ICAT's collection type; every collection here is a DOI's, so it selects nothing.
    type = serializers.CharField(max_length=64, required=False, allow_blank=True)


class DatasetDocumentsQuery(PageQuery):
    startDate = DateField()
    endDate = DateField()


class PublicDatasetQuery(DatasetQuery):
    """`/catalogue/datasets`: the session routes' filters, technique PIDs and a date range; at
    least one filter (ICAT+ refuses to list the whole catalogue)."""

    FILTERS = ("investigationIds", "datasetIds", "sampleId", "instrumentName", "startDate")
    FILTERS += ("endDate", "techniquePids")

    techniquePids = serializers.CharField(max_length=4000, required=False)
    startDate = DateField(required=False)
    endDate = DateField(required=False)

    def validate_techniquePids(self, value: str) -> list[str]:
        return [pid.strip() for pid in value.split(",") if pid.strip()]

    def validate(self, data: dict) -> dict:
        if not any(data.get(name) for name in self.FILTERS):
            raise serializers.ValidationError(
                {"investigationIds": f"one of {', '.join(self.FILTERS)} is required"}
            )
        return data


class DatasetTimelineQuery(serializers.Serializer):
    investigationId = IdField(required=False)
    sampleId = IdField(required=False)

    def validate(self, data: dict) -> dict:
        if not data.get("investigationId") and not data.get("sampleId"):
            raise serializers.ValidationError(
                {"investigationId": "investigationId or sampleId is required"}
            )
        return data


class InvestigationTimelineQuery(serializers.Serializer):
    instrument = serializers.CharField(max_length=50)


class ParameterValuesQuery(DatasetParameterQuery):
    """As `/datasetparameter`, with a list of investigations."""

    investigationId = IdListField(required=False)
    parameters = serializers.CharField(required=False)

    validate_parameters = DatasetQuery.validate_parameters


class SamplePageQuery(SampleQuery):
    pass


class FilesQuery(serializers.Serializer):
    investigationId = IdField(required=False)
    sampleId = IdField(required=False)
    groupName = serializers.CharField(max_length=255, required=False)

    def validate(self, data: dict) -> dict:
        if not data.get("investigationId") and not data.get("sampleId"):
            raise serializers.ValidationError(
                {"investigationId": "investigationId or sampleId is required"}
            )
        return data


class FileDownloadQuery(serializers.Serializer):
    # 0 for a resource of the investigation itself, else the sample it was uploaded for.
    sampleId = serializers.IntegerField(min_value=0, max_value=2**63 - 1)
    # Text, not a UUID field: an id that is no UUID names no file, the 404 of a missing one.
    resourceId = serializers.CharField(max_length=64)


class UserQuery(serializers.Serializer):
    # The portal keeps one affiliation per user: every answer is the latest.
    onlyLatestAffiliation = serializers.BooleanField(required=False, default=False)


class ParameterQuery(serializers.Serializer):
    parameterTypeId = IdField(required=False)
    name = serializers.CharField(max_length=255, required=False)
