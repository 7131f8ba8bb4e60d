"""ICAT+'s shapes of catalogue objects, as `icat-plus-client`'s models read them (Investigation,
Dataset, Datafilewrapper, Sample, Datasetparameter, Investigationuser, Instrument, Technique),
and the query parameters its catalogue routes take."""

from __future__ import annotations

from rest_framework import serializers

from catalogue.icat.mapping import facility_location
from catalogue.models import Dataset, DatasetType
from portal.fields import LARGEST_ID, validate_date_in_range

MAX_LIMIT = 1000


def icat_number(value: float) -> str:
    # As ICAT+ (JavaScript) prints numbers: 12, not 12.0.
    return str(int(value)) if float(value).is_integer() else repr(value)


def parameter_value(value: float | str | None) -> str:
    """ICAT+ gives every parameter value as a string."""
    if value is None:
        return ""
    return icat_number(value) if isinstance(value, float) else value


def dataset_parameters(ds: Dataset) -> list[dict]:
    """ICAT+'s dataset parameters: the dataset's own, plus the statistics ESRF clients read
    (`__fileCount`, `__volume`, `__elapsedTime` in seconds), computed from the mirror unless ICAT
    sent them as parameters. Values are strings, as ICAT+ gives them; computed ones have id 0.
    Reads `ds.parameters` with their types: prefetch them for a list."""
    out = [
        {
            "id": parameter.pk,
            "name": parameter.type.name,
            "value": parameter_value(parameter.value),
            "units": parameter.type.units or None,
            "datasetId": ds.pk,
        }
        for parameter in ds.parameters.all()
    ]
    computed = {"__fileCount": str(ds.file_count), "__volume": str(ds.size)}
    if ds.start_date and ds.end_date:
        computed["__elapsedTime"] = icat_number((ds.end_date - ds.start_date).total_seconds())
    present = {p["name"] for p in out}
    out += [
        {"id": 0, "name": name, "value": value, "datasetId": ds.pk}
        for name, value in computed.items()
        if name not in present
    ]
    return [{k: v for k, v in p.items() if v is not None} for p in out]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def without_none(data: dict) -> dict:
    # ICAT+ leaves out what it does not know; the client's models reject null for most strings.
    return {k: v for k, v in data.items() if v is not None}


class IcatSerializer(serializers.Serializer):
    def to_representation(self, instance):
        return without_none(super().to_representation(instance))


# Objects --------------------------------------------------------------------------------------


class InstrumentSerializer(IcatSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.SerializerMethodField()

    def get_description(self, instrument) -> str:
        return instrument.description or instrument.full_name or ""


class TechniqueSerializer(IcatSerializer):
    id = serializers.IntegerField()
    pid = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


class TeamMemberInnerSerializer(serializers.Serializer):
    """A member as an investigation lists it (`Investigationuserinner`): who and in what role,
    no e-mail (whoever sees the experiment sees its team, not how to reach them)."""

    # ICAT's role names ("Principal investigator", "Local contact"): the choices' labels.
    role = serializers.CharField(source="get_role_display")
    user = serializers.SerializerMethodField()

    def get_user(self, member) -> dict:
        return {"name": member.user.username, "fullName": member.user.display_name}


class InvestigationSerializer(IcatSerializer):
    """Reads `instrument`, `members` with their users and `parameters` with their types:
    select and prefetch them for a list. `total` in the context fills ICAT+'s `meta.page`."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    visitId = serializers.CharField(source="visit_id")
    startDate = serializers.SerializerMethodField()
    endDate = serializers.SerializerMethodField()
    releaseDate = serializers.SerializerMethodField()
    doi = serializers.SerializerMethodField()
    instrument = serializers.SerializerMethodField()
    investigationUsers = TeamMemberInnerSerializer(source="members.all", many=True)
    parameters = serializers.SerializerMethodField()
    meta = serializers.SerializerMethodField()
    canAccessDatasets = serializers.SerializerMethodField()

    def get_startDate(self, inv) -> str | None:
        return _iso(inv.start_date)

    def get_endDate(self, inv) -> str | None:
        return _iso(inv.end_date)

    def get_releaseDate(self, inv) -> str | None:
        return _iso(inv.release_date)

    def get_doi(self, inv) -> str | None:
        return inv.doi or None

    def get_instrument(self, inv) -> dict:
        return {"id": inv.instrument.pk, "name": inv.instrument.name}

    def get_parameters(self, inv) -> dict:
        return {p.type.name: parameter_value(p.value) for p in inv.parameters.all()}

    def get_meta(self, inv) -> dict | None:
        total, limit, skip = (self.context.get(k) for k in ("total", "limit", "skip"))
        if total is None:
            return None
        pages = -(-total // limit) if limit else 0
        return {"page": {"total": total, "totalPages": pages, "currentPage": skip // limit + 1}}

    def get_canAccessDatasets(self, inv) -> bool | None:
        # Only investigations the caller may see are listed, and seeing one is reading its data.
        return True if self.context.get("with_has_access") else None


def investigation_light(inv) -> dict:
    return without_none(
        {
            "id": inv.pk,
            "name": inv.name,
            "title": inv.title,
            "summary": inv.summary,
            "visitId": inv.visit_id,
            "doi": inv.doi or None,
            "startDate": _iso(inv.start_date),
            "endDate": _iso(inv.end_date),
            "releaseDate": _iso(inv.release_date),
        }
    )


class DatasetSerializer(IcatSerializer):
    """Reads `investigation__instrument`, `sample`, `parameters__type` and `techniques`."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    investigation = serializers.SerializerMethodField()
    startDate = serializers.SerializerMethodField()
    endDate = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    type = serializers.CharField()
    sampleName = serializers.CharField(source="sample.name", default=None)
    sampleId = serializers.IntegerField(source="sample_id")
    instrumentName = serializers.CharField(source="investigation.instrument.name")
    parameters = serializers.SerializerMethodField()
    techniques = serializers.SerializerMethodField()

    def get_investigation(self, ds) -> dict:
        return investigation_light(ds.investigation)

    def get_startDate(self, ds) -> str | None:
        return _iso(ds.start_date)

    def get_endDate(self, ds) -> str | None:
        return _iso(ds.end_date)

    def get_location(self, ds) -> str:
        return facility_location(ds.location)

    def get_parameters(self, ds) -> list[dict]:
        return dataset_parameters(ds)

    def get_techniques(self, ds) -> list[dict]:
        return [
            without_none(
                {
                    "id": t.pk,
                    "datasetId": ds.pk,
                    "pid": t.pid,
                    "name": t.name,
                    "description": t.description or None,
                }
            )
            for t in ds.techniques.all()
        ]


class DatafileSerializer(IcatSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    location = serializers.SerializerMethodField()
    fileSize = serializers.IntegerField(source="size")
    modTime = serializers.SerializerMethodField()
    createTime = serializers.SerializerMethodField()

    def get_location(self, df) -> str:
        return facility_location(df.location)

    def get_modTime(self, df) -> str | None:
        return _iso(df.file_mod_time or df.mod_time)

    def get_createTime(self, df) -> str | None:
        return _iso(df.file_mod_time or df.mod_time)

    def to_representation(self, instance):
        # ICAT's entity wrapper, as ICAT+ passes it on: [{"Datafile": {...}}].
        return {"Datafile": super().to_representation(instance)}


def sample_parameter(parameter) -> dict:
    # `units` and `value` are required strings in the client's model.
    return {
        "id": parameter.pk,
        "name": parameter.type.name,
        "value": parameter_value(parameter.value),
        "units": parameter.type.units or "",
    }


class SampleSerializer(IcatSerializer):
    """Reads `investigation__instrument` and `parameters__type`."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    modTime = serializers.SerializerMethodField()
    investigation = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()

    def get_modTime(self, sample) -> str | None:
        return _iso(sample.mod_time)

    def get_investigation(self, sample) -> dict:
        inv = sample.investigation
        return {
            **investigation_light(inv),
            "instrument": {"id": inv.instrument.pk, "name": inv.instrument.name},
        }

    def get_parameters(self, sample) -> list[dict]:
        return [sample_parameter(p) for p in sample.parameters.all()]


class DatasetParameterSerializer(IcatSerializer):
    """A parameter of a dataset; reads `type` and `dataset__sample`."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="type.name")
    value = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()
    datasetId = serializers.IntegerField(source="dataset_id")
    sampleName = serializers.CharField(source="dataset.sample.name", default=None)
    sampleId = serializers.IntegerField(source="dataset.sample_id")
    createTime = serializers.SerializerMethodField()

    def get_value(self, parameter) -> str:
        return parameter_value(parameter.value)

    def get_units(self, parameter) -> str | None:
        return parameter.type.units or None

    def get_createTime(self, parameter) -> str | None:
        return _iso(parameter.mod_time)


class InvestigationUserSerializer(IcatSerializer):
    """A membership as ICAT+ lists a team (`Investigationuser`); the e-mail only in the context's
    `with_email` (those who manage the team)."""

    id = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.username")
    fullName = serializers.CharField(source="user.display_name")
    givenName = serializers.CharField(source="user.first_name")
    familyName = serializers.CharField(source="user.last_name")
    role = serializers.CharField(source="get_role_display")
    investigationName = serializers.CharField(source="investigation.name")
    investigationId = serializers.IntegerField(source="investigation_id")
    orcidId = serializers.SerializerMethodField()
    affiliation = serializers.CharField(source="user.affiliation")
    email = serializers.SerializerMethodField()

    def get_orcidId(self, member) -> str | None:
        return member.user.orcid or None

    def get_email(self, member) -> str | None:
        return (member.user.email or None) if self.context.get("with_email") else None


class UserSerializer(IcatSerializer):
    """A person as ICAT+'s `User` (sic: `affilation`)."""

    id = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.username")
    fullName = serializers.CharField(source="user.display_name")
    givenName = serializers.CharField(source="user.first_name")
    familyName = serializers.CharField(source="user.last_name")
    affilation = serializers.CharField(source="user.affiliation")
    orcid = serializers.SerializerMethodField()

    def get_orcid(self, member) -> str | None:
        return member.user.orcid or None


# Query parameters -----------------------------------------------------------------------------


class IdListField(serializers.CharField):
    """ICAT+'s comma-separated ids (`ids=1,2,3`)."""

    def to_internal_value(self, data) -> list[int]:
        text = super().to_internal_value(data)
        try:
            ids = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise serializers.ValidationError("must be comma-separated integers") from None
        # Beyond 64 bits the database driver fails: no object has such an id.
        if not ids or len(ids) > MAX_LIMIT or not all(1 <= i <= LARGEST_ID for i in ids):
            raise serializers.ValidationError(
                f"must be 1 to {MAX_LIMIT} comma-separated positive integers"
            )
        return ids


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=LARGEST_ID, **kwargs)


class NameListField(serializers.CharField):
    """Comma-separated names (`instrumentName=id23-1,ID30A-1`)."""

    def to_internal_value(self, data) -> list[str]:
        text = super().to_internal_value(data)
        return [part.strip() for part in text.split(",") if part.strip()]


class DateField(serializers.DateTimeField):
    """A date-time or a bare date (ICAT+'s clients send both); naive ones in TIME_ZONE."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            input_formats=["iso-8601", "%Y-%m-%d"],
            validators=[validate_date_in_range],
            **kwargs,
        )

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:  # year 1 or 9999 moved into a zone falls off the calendar
            raise serializers.ValidationError("is out of range") from None


class PageQuery(serializers.Serializer):
    """`limit`, `skip`, `search`, `sortBy`, `sortOrder`, bounded as ICAT+ bounds them."""

    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=100)
    skip = serializers.IntegerField(min_value=0, max_value=10**9, default=0)
    search = serializers.CharField(max_length=255, required=False, allow_blank=True)
    sortBy = serializers.CharField(max_length=64, required=False, allow_blank=True)
    sortOrder = serializers.ChoiceField(["1", "-1", "asc", "desc"], required=False)

    sorts: dict[str, str] = {}

    def validate_sortBy(self, value: str) -> str:
        if value and value.lower() not in {name.lower() for name in self.sorts}:
            raise serializers.ValidationError(f"must be one of {', '.join(self.sorts)}")
        return value

    def ordering(self, default: list[str]) -> list[str]:
        sort_by = self.validated_data.get("sortBy")
        if not sort_by:
            return default
        column = {name.lower(): column for name, column in self.sorts.items()}[sort_by.lower()]
        sign = "-" if self.validated_data.get("sortOrder") in ("-1", "desc") else ""
        return [sign + column, sign + "id"]

    def page(self, qs):
        # Offsets, not portal.keyset: ICAT+ clients page with `skip`/`limit` and read
        # `currentPage`/`totalPages`, so a cursor would break its contract.
        skip, limit = self.validated_data["skip"], self.validated_data["limit"]
        return qs[skip : skip + limit]


class InvestigationQuery(PageQuery):
    sorts = {
        "id": "id",
        "name": "name",
        "title": "title",
        "summary": "summary",
        "visitId": "visit_id",
        "instrument": "instrument__name",
        "startDate": "start_date",
        "endDate": "end_date",
        "releaseDate": "release_date",
        "doi": "doi",
    }
    FILTERS = ("participant", "instrumentscientist", "released", "embargoed")

    instrumentName = NameListField(max_length=1000, required=False)
    investigationName = serializers.CharField(max_length=100, required=False)
    ids = IdListField(required=False)
    filter = serializers.CharField(max_length=32, required=False, allow_blank=True)
    startDate = DateField(required=False)
    endDate = DateField(required=False)
    username = serializers.CharField(max_length=150, required=False)
    withHasAccess = serializers.BooleanField(required=False, default=False)
    parameters = serializers.CharField(required=False)

    def validate_filter(self, value: str) -> str:
        # Case-insensitive, as clients send `instrumentScientist` or `participant`.
        if value and value.lower() not in self.FILTERS:
            raise serializers.ValidationError(f"must be one of {', '.join(self.FILTERS)}")
        return value.lower()

    def validate_parameters(self, value: str) -> str:
        # Refused rather than ignored: answering unfiltered would be a wrong answer.
        raise serializers.ValidationError("parameter filters are not supported by this portal")


DATASET_TYPES = {"acquisition": DatasetType.RAW, "raw": DatasetType.RAW}
DATASET_TYPES |= {"processed": DatasetType.PROCESSED, "analyzed": DatasetType.PROCESSED}


class DatasetQuery(PageQuery):
    sorts = {
        "id": "id",
        "name": "name",
        "sampleName": "sample__name",
        "type": "type",
        "location": "location",
        "startDate": "start_date",
        "endDate": "end_date",
    }

    investigationIds = IdListField(required=False)
    datasetIds = IdListField(required=False)
    sampleId = IdField(required=False)
    instrumentName = NameListField(max_length=1000, required=False)
    datasetType = serializers.CharField(max_length=32, required=False)
    nested = serializers.BooleanField(required=False, default=False)
    parameters = serializers.CharField(required=False)

    def validate_datasetType(self, value: str) -> str:
        try:
            return DATASET_TYPES[value.lower()]
        except KeyError:
            raise serializers.ValidationError("must be acquisition or processed") from None

    def validate_parameters(self, value: str) -> str:
        raise serializers.ValidationError("parameter filters are not supported by this portal")


class DatafileQuery(PageQuery):
    datasetId = IdField(required=False)
    datafileIds = IdListField(required=False)
    location = serializers.CharField(max_length=1024, required=False)


class SampleQuery(PageQuery):
    sorts = {"id": "id", "name": "name", "modTime": "mod_time"}

    investigationId = IdField(required=False)
    sampleIds = IdListField(required=False)
    instrumentName = NameListField(max_length=1000, required=False)
    startDate = DateField(required=False)
    endDate = DateField(required=False)
    havingAcquisitionDatasets = serializers.BooleanField(required=False, default=False)
    includeDatasets = serializers.BooleanField(required=False, default=False)
    nested = serializers.BooleanField(required=False, default=False)
    datasetType = serializers.CharField(max_length=32, required=False)
    parameters = serializers.CharField(required=False)

    validate_datasetType = DatasetQuery.validate_datasetType
    validate_parameters = DatasetQuery.validate_parameters


class DownloadQuery(serializers.Serializer):
    datasetId = IdField()
    filepath = serializers.CharField(max_length=4096)
    investigationId = IdField()


class DatasetParameterQuery(serializers.Serializer):
    investigationId = IdField(required=False)
    instrumentName = NameListField(max_length=1000, required=False)
    sampleId = IdField(required=False)
    startDate = DateField(required=False)
    endDate = DateField(required=False)
    name = serializers.CharField(max_length=255, required=False)
    datasetType = serializers.CharField(max_length=32, required=False)
    format = serializers.CharField(max_length=32, required=False)

    validate_datasetType = DatasetQuery.validate_datasetType

    def validate(self, data: dict) -> dict:
        if not any(data.get(f) for f in ("investigationId", "sampleId", "instrumentName")):
            raise serializers.ValidationError(
                {"investigationId": "investigationId, sampleId or instrumentName is required"}
            )
        return data


class InstrumentQuery(serializers.Serializer):
    filter = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def validate_filter(self, value: str) -> str:
        value = value.lower()
        if value not in ("", "instrumentscientist", "participant"):
            raise serializers.ValidationError("must be instrumentscientist or participant")
        return value
