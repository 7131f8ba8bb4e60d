"""ICAT+'s `sample_metadata` group at /icatplus/samplemetadata/{sessionId}/..., mapped onto the
catalogue's samples.

ICAT+ keeps "sample sheets" in its own document store; the portal's samples are the catalogue's
(`Sample`), so a sheet is a sample: `_id` and `icatSampleId` are the sample's id,
`investigationIds` its investigation, `metadata` its parameters (`[{name, value: [text]}]`, one
value each, as ICAT has one value per parameter). Reads start from `catalogue.access`: a sample of
an investigation the caller may not see is answered as one that does not exist. Writes are the
team's (`access.can_edit_samples`); samples mirrored from ICAT are changed in ICAT (the next sync
would undo a change here), so only samples declared through this API may be changed or removed.

Files attached to a sheet are `SampleFile`s (portal-only, under MEDIA_ROOT), listed in the
sheet's metadata under the name they were posted with, their ids as values; anyone who sees the
sample reads them, the team attaches and removes them (ICAT's samples included: the sync never
touches them). Access rules have no counterpart, and are refused in the open rather than
faked: who sees a sample is `catalogue/access.py`'s policy, not a per-project rule (403).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue.downloads.serving import serve_file
from catalogue.models import (
    Investigation,
    ParameterType,
    Sample,
    SampleFile,
    SampleParameter,
    ValueType,
)
from catalogue.names import proposal_q
from portal.icatplus import IcatPlusView

from .serializers import MAX_LIMIT, DateField, IdField, IdListField, PageQuery, parameter_value
from .views import _named, _query

FROM_ICAT = "This sample comes from ICAT: change it there"
NOT_SUPPORTED_RULES = (
    "Access rules are not supported: who sees a sample follows the portal's access policy"
)


# Shapes -----------------------------------------------------------------------------------------


class SampleSheetSerializer(serializers.Serializer):
    """A sample as ICAT+'s `Samplemetadatasample`; reads `parameters__type`."""

    def to_representation(self, sample: Sample) -> dict:
        out = {
            "_id": str(sample.pk),
            "name": sample.name,
            "description": sample.description or None,
            "investigationIds": str(sample.investigation_id),
            "icatSampleId": str(sample.pk),
            "metadata": [
                {"_id": str(p.pk), "name": p.type.name, "value": [parameter_value(p.value)]}
                for p in sample.parameters.all()
            ]
            + _file_entries(sample),
        }
        return {k: v for k, v in out.items() if v is not None}


def _file_entries(sample: Sample) -> list[dict]:
    """The sample's files as sheet entries: one per name they were posted under."""
    named: dict[str, list[str]] = {}
    for f in sorted(sample.files.all(), key=lambda f: f.pk):
        named.setdefault(f.metadata_name, []).append(str(f.pk))
    return [{"name": name, "value": ids} for name, ids in named.items()]


class AcquisitionSampleSerializer(serializers.Serializer):
    """A sample as ICAT+'s `Samplemetadatasampleacquisition`: what a beamline may measure in a
    session. Reads `investigation__instrument`."""

    def to_representation(self, sample: Sample) -> dict:
        inv = sample.investigation
        out = {
            "id": str(sample.pk),
            "name": sample.name,
            # A sample mirrored from ICAT is the one declared in the proposal's A-form.
            "linkedSampleAFormName": sample.name if sample.icat_id else None,
            "proposal": inv.name,
            "beamline": inv.instrument.name,
            "sessionStartDate": (
                timezone.localtime(inv.start_date).date().isoformat() if inv.start_date else None
            ),
        }
        return {k: v for k, v in out.items() if v is not None}


# Input ------------------------------------------------------------------------------------------


class MetadataValueField(serializers.Field):
    """ICAT+'s metadata value: a text or a list of texts; a catalogue parameter holds one."""

    def to_internal_value(self, data) -> str:
        values = data if isinstance(data, list) else [data]
        if len(values) != 1 or not isinstance(values[0], (str, int, float)):
            raise serializers.ValidationError("must be one value (a parameter holds one)")
        text = str(values[0]).strip()
        if len(text) > 4000:
            raise serializers.ValidationError("at most 4000 characters")
        return text


class MetadataInput(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    value = MetadataValueField()

    def validate(self, data: dict) -> dict:
        types = list(ParameterType.objects.filter(name=data["name"])[:2])
        if len(types) != 1:
            why = "is not a parameter of the catalogue" if not types else "is ambiguous (units)"
            raise serializers.ValidationError(f"{data['name']!r} {why}")
        kind = types[0]
        value = data["value"]
        if kind.value_type == ValueType.NUMERIC:
            try:
                number = float(value)
            except ValueError:
                raise serializers.ValidationError(f"{kind.name!r} takes a number") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise serializers.ValidationError(f"{kind.name!r} takes a finite number")
            return {"type": kind, "numeric_value": number}
        return {"type": kind, "string_value": value}


class SampleSheetInput(serializers.Serializer):
    """The body of POST/PUT: `name`, `description`, `metadata`; ICAT+'s bookkeeping fields
    (`_id`, `createdBy`, `investigationIds`, `pagination`) are the portal's and ignored."""

    name = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    metadata = serializers.ListField(child=serializers.DictField(), required=False, max_length=500)
    relatedItems = serializers.ListField(required=False, max_length=0)

    def validate_metadata(self, value: list[dict]) -> list[dict]:
        # One flat message naming the entry, rather than DRF's nested list of error dicts.
        parameters = []
        for n, item in enumerate(value):
            entry = MetadataInput(data=item)
            if not entry.is_valid():
                field, errors = next(iter(entry.errors.items()))
                where = "" if field == "non_field_errors" else f" {field}"
                raise serializers.ValidationError(f"entry {n + 1}{where}: {errors[0]}")
            parameters.append(entry.validated_data)
        kinds = [m["type"].pk for m in parameters]
        if len(kinds) != len(set(kinds)):
            raise serializers.ValidationError("each parameter at most once")
        return parameters


class SamplesQuery(PageQuery):
    sorts = {"_id": "id", "name": "name", "description": "description"}

    investigationId = IdListField()
    projectName = serializers.CharField(max_length=255, required=False, allow_blank=True)
    sampleIds = IdListField(required=False)
    createdBy = serializers.CharField(max_length=150, required=False)
    parameters = serializers.CharField(required=False)

    def validate_createdBy(self, value: str) -> str:
        # Refused rather than ignored: the catalogue does not record who declared a sample.
        raise serializers.ValidationError("the portal does not record who created a sample")

    def validate_parameters(self, value: str) -> str:
        raise serializers.ValidationError("parameter filters are not supported by this portal")


class MetadataQuery(SamplesQuery):
    metadataName = serializers.CharField(max_length=255)
    metadataValue = serializers.CharField(max_length=4000, required=False)


class OneSampleQuery(serializers.Serializer):
    investigationId = IdField()
    sampleId = IdField()


class DeleteQuery(serializers.Serializer):
    investigationId = IdField()
    sampleIds = IdListField()


class InvestigationQuery(serializers.Serializer):
    investigationId = IdField()


class AcquisitionQuery(serializers.Serializer):
    proposal = serializers.CharField(max_length=100)
    beamline = serializers.CharField(max_length=50)
    startDate = DateField(required=False)
    parameters = serializers.CharField(required=False)

    validate_parameters = SamplesQuery.validate_parameters


class FileQuery(serializers.Serializer):
    investigationId = IdField()
    sampleId = IdField()


class FileGetQuery(FileQuery):
    fileId = IdField()


class FileDeleteQuery(FileQuery):
    fileIds = IdListField()


class FilePostQuery(FileQuery):
    metadataname = serializers.CharField(max_length=255)


# What may be attached to a sample, by suffix: binary kinds must start as their format does,
# text kinds must be UTF-8 text.
MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
}
CONTENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}
CONTENT_TYPES |= {".jpeg": "image/jpeg", ".tif": "image/tiff", ".tiff": "image/tiff"}
TEXT_SUFFIXES = {".txt", ".csv", ".cif", ".pdb", ".fasta", ".seq", ".json"}
MAX_FILES = 10


def _checked_upload(upload: UploadedFile) -> str:
    """The upload's content type, or a 400 saying why it may not be attached."""
    name = upload.name or ""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not name or len(name) > 255:
        raise serializers.ValidationError({"files": "each file needs a name of 1 to 255 chars"})
    if upload.size > settings.SAMPLE_FILE_MAX_BYTES:
        raise serializers.ValidationError(
            {"files": f"{name}: larger than {settings.SAMPLE_FILE_MAX_BYTES} bytes"}
        )
    upload.seek(0)
    if suffix in MAGIC:
        if not upload.read(16).startswith(MAGIC[suffix]):
            raise serializers.ValidationError({"files": f"{name}: not a {suffix[1:]} file"})
        upload.seek(0)
        return CONTENT_TYPES[suffix]
    if suffix in TEXT_SUFFIXES:
        content = upload.read()
        upload.seek(0)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = "\x00"
        if "\x00" in text:
            raise serializers.ValidationError({"files": f"{name}: not a text file"})
        return "application/json" if suffix == ".json" else "text/plain"
    kinds = ", ".join(sorted([*MAGIC, *TEXT_SUFFIXES]))
    raise serializers.ValidationError({"files": f"{name}: only {kinds} files may be attached"})


class PrefixQuery(serializers.Serializer):
    rule = serializers.CharField(max_length=64)


class AccessRuleInput(serializers.Serializer):
    projectName = serializers.CharField(max_length=255, required=False)
    entity = serializers.CharField(max_length=64, required=False)
    metadataName = serializers.CharField(max_length=255, required=False)
    metadataValue = serializers.CharField(max_length=4000, required=False, allow_blank=True)


# Lookups and writes -----------------------------------------------------------------------------


def _with_parameters(qs: QuerySet) -> QuerySet:
    return qs.prefetch_related(
        Prefetch("parameters", queryset=SampleParameter.objects.select_related("type")), "files"
    )


def _remove_stored(names: list[str]) -> None:
    """Remove stored files once the rows that named them are gone for good."""

    def remove() -> None:
        storage = SampleFile._meta.get_field("file").storage
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove)


def _sheets(user, query: SamplesQuery, qs: QuerySet | None = None) -> Response:
    data = query.validated_data
    qs = access.visible_samples(user) if qs is None else qs
    qs = qs.filter(investigation_id__in=data["investigationId"])
    if data.get("sampleIds"):
        qs = qs.filter(pk__in=data["sampleIds"])
    if search := data.get("search"):
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    rows = query.page(_with_parameters(qs).order_by(*query.ordering(["name", "id"])))
    return Response(SampleSheetSerializer(rows, many=True).data)


def _investigation_to_edit(user, investigation_id: int) -> Investigation:
    """The investigation whose samples the caller changes: 404 to those who may not see it,
    403 to those who only read it (released data)."""
    investigation = access.get_investigation_or_404(user, investigation_id)
    if not access.can_edit_samples(user, investigation):
        raise exceptions.PermissionDenied("Only the experiment's team may change its samples")
    return investigation


def _declared_sample(user, investigation: Investigation, sample_id: int) -> Sample:
    """One of the investigation's samples that this API may change (declared here, not ICAT's)."""
    sample = access.visible_samples(user).filter(investigation=investigation, pk=sample_id).first()
    if sample is None:
        raise exceptions.NotFound("No such sample")
    if sample.icat_id is not None:
        raise exceptions.PermissionDenied(FROM_ICAT)
    return sample


def _set_parameters(sample: Sample, metadata: list[dict] | None) -> None:
    if metadata is None:
        return
    sample.parameters.all().delete()
    SampleParameter.objects.bulk_create(SampleParameter(sample=sample, **m) for m in metadata)


def _answer(sample: Sample) -> Response:
    fresh = _with_parameters(Sample.objects.filter(pk=sample.pk)).get()
    return Response(SampleSheetSerializer(fresh).data)


def _body(request: Request) -> dict:
    body = SampleSheetInput(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


# Routes -----------------------------------------------------------------------------------------


class SampleSheets(IcatPlusView):
    """`/samplemetadata/{sessionId}/samples`: GET the samples of investigations (comma-separated
    `investigationId`; `sampleIds`, `search`, `sortBy`, `sortOrder`, `limit`, `skip`), POST one
    (`?investigationId=`), PUT one (`?investigationId=&sampleId=`), DELETE some
    (`?investigationId=&sampleIds=`, all or none)."""

    def get(self, request: Request, session_id: str) -> Response:
        return _sheets(request.user, _query(SamplesQuery, request))

    def post(self, request: Request, session_id: str) -> Response:
        data = _query(InvestigationQuery, request).validated_data
        investigation = _investigation_to_edit(request.user, data["investigationId"])
        body = _body(request)
        with transaction.atomic():
            sample = Sample.objects.create(
                investigation=investigation,
                name=body["name"],
                description=body.get("description", ""),
            )
            _set_parameters(sample, body.get("metadata"))
        return _answer(sample)

    def put(self, request: Request, session_id: str) -> Response:
        data = _query(OneSampleQuery, request).validated_data
        investigation = _investigation_to_edit(request.user, data["investigationId"])
        sample = _declared_sample(request.user, investigation, data["sampleId"])
        body = _body(request)
        with transaction.atomic():
            sample.name = body["name"]
            if "description" in body:
                sample.description = body["description"]
            sample.mod_time = timezone.now()
            sample.save()
            _set_parameters(sample, body.get("metadata"))
        return _answer(sample)

    def delete(self, request: Request, session_id: str) -> Response:
        data = _query(DeleteQuery, request).validated_data
        investigation = _investigation_to_edit(request.user, data["investigationId"])
        wanted = set(data["sampleIds"])
        samples = access.visible_samples(request.user).filter(
            investigation=investigation, pk__in=wanted
        )
        if samples.count() != len(wanted):
            raise exceptions.NotFound("No such sample")
        if samples.filter(icat_id__isnull=False).exists():
            raise exceptions.PermissionDenied(FROM_ICAT)
        measured = samples.filter(datasets__isnull=False).distinct().values_list("name", flat=True)
        if measured:
            raise exceptions.PermissionDenied(
                f"Samples with datasets cannot be removed: {', '.join(measured)}"
            )
        with transaction.atomic():
            files = SampleFile.objects.filter(sample__in=wanted)
            stored = list(files.values_list("file", flat=True))
            deleted = Sample.objects.filter(pk__in=wanted).delete()[1]
            _remove_stored(stored)
        return Response({"deletedCount": deleted.get("catalogue.Sample", 0)})


class SampleMetadataValues(IcatPlusView):
    """`GET /samplemetadata/{sessionId}/metadata` (investigationId, metadataName, metadataValue,
    projectName, search, sortBy, sortOrder, limit, skip): the samples of those investigations
    that carry the parameter `metadataName` (with that value, if given)."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _query(MetadataQuery, request)
        data = query.validated_data
        having = SampleParameter.objects.filter(type__name__iexact=data["metadataName"])
        if "metadataValue" in data:
            value = data["metadataValue"]
            matches = Q(string_value=value)
            try:
                matches |= Q(numeric_value=float(value))
            except ValueError:
                pass
            having = having.filter(matches)
        qs = access.visible_samples(request.user).filter(pk__in=having.values("sample_id"))
        return _sheets(request.user, query, qs)


class AcquisitionSamples(IcatPlusView):
    """`GET /samplemetadata/{sessionId}/samples/acquisition?proposal=&beamline=&startDate=`: the
    samples a beamline may measure in the proposal's sessions on it (those running on
    `startDate` if given), as BLISS and ESRF's Python client read them. Proposal and beamline
    are matched as typed (`mx2590`, `id23-1`)."""

    def get(self, request: Request, session_id: str) -> Response:
        data = _query(AcquisitionQuery, request).validated_data
        sessions = access.visible_investigations(request.user).filter(
            proposal_q(data["proposal"]) & _named("instrument__name", [data["beamline"]])
        )
        if day := data.get("startDate"):
            start = timezone.make_aware(datetime.combine(timezone.localtime(day).date(), time()))
            sessions = sessions.filter(start_date__lt=start + timedelta(days=1)).filter(
                Q(end_date__gte=start) | Q(end_date__isnull=True)
            )
        qs = (
            access.visible_samples(request.user)
            .filter(investigation__in=sessions.values("pk"))
            .select_related("investigation__instrument")
            .order_by("investigation__start_date", "name", "id")
        )
        return Response(AcquisitionSampleSerializer(qs[:MAX_LIMIT], many=True).data)


class SamplePrefix(IcatPlusView):
    """`GET /samplemetadata/{sessionId}/samples/prefix?rule=`: the prefix sample names must
    carry. The portal imposes no naming rule, so it is empty whatever the rule."""

    def get(self, request: Request, session_id: str) -> Response:
        _query(PrefixQuery, request)
        return Response({"prefix": ""})


class SampleFiles(IcatPlusView):
    """`/samplemetadata/{sessionId}/samples/files?investigationId=&sampleId=`: GET one file
    (`fileId`) to whoever sees the sample; POST files (multipart `files`, listed under
    `metadataname`) and DELETE some (`fileIds`, all or none): the team. A file of a hidden
    sample is answered as a nonexistent one."""

    def get(self, request: Request, session_id: str) -> HttpResponse:
        data = _query(FileGetQuery, request).validated_data
        found = (
            access.visible_sample_files(request.user)
            .filter(
                pk=data["fileId"],
                sample_id=data["sampleId"],
                sample__investigation_id=data["investigationId"],
            )
            .first()
        )
        if found is None:
            raise exceptions.NotFound("No such file")
        try:
            path = found.file.path
        except (ValueError, NotImplementedError):  # storage without local paths
            raise exceptions.NotFound("No such file") from None
        return serve_file(request._request, _existing(path), filename=found.filename)

    def post(self, request: Request, session_id: str) -> Response:
        data = _query(FilePostQuery, request).validated_data
        sample = self._sample_to_edit(request, data)
        uploads = request.FILES.getlist("files")
        if not 1 <= len(uploads) <= MAX_FILES:
            raise serializers.ValidationError({"files": f"1 to {MAX_FILES} files"})
        kinds = [_checked_upload(upload) for upload in uploads]
        stored: list[str] = []
        try:
            with transaction.atomic():
                for upload, kind in zip(uploads, kinds, strict=True):
                    made = SampleFile(
                        sample=sample,
                        metadata_name=data["metadataname"],
                        filename=upload.name,
                        content_type=kind,
                        size=upload.size,
                        uploaded_by=request.user.get_username(),
                    )
                    made.file.save(upload.name, upload, save=False)
                    stored.append(made.file.name)
                    made.save()
        except Exception:
            storage = SampleFile._meta.get_field("file").storage
            for name in stored:
                storage.delete(name)
            raise
        return _answer(sample)

    def delete(self, request: Request, session_id: str) -> Response:
        data = _query(FileDeleteQuery, request).validated_data
        sample = self._sample_to_edit(request, data)
        wanted = set(data["fileIds"])
        files = SampleFile.objects.filter(sample=sample, pk__in=wanted)
        with transaction.atomic():
            stored = list(files.values_list("file", flat=True))
            if len(stored) != len(wanted):
                raise exceptions.NotFound("No such file")
            files.delete()
            _remove_stored(stored)
        return _answer(sample)

    def _sample_to_edit(self, request: Request, data: dict) -> Sample:
        investigation = _investigation_to_edit(request.user, data["investigationId"])
        sample = (
            access.visible_samples(request.user)
            .filter(investigation=investigation, pk=data["sampleId"])
            .first()
        )
        if sample is None:
            raise exceptions.NotFound("No such sample")
        return sample


def _existing(path: str) -> Path:
    found = Path(path)
    if not found.is_file():
        raise exceptions.NotFound("No such file")
    return found


class AccessRules(IcatPlusView):
    """`POST /samplemetadata/{sessionId}/access-rules`: refused (see the module's docstring)."""

    def post(self, request: Request, session_id: str) -> Response:
        AccessRuleInput(data=request.data).is_valid(raise_exception=True)
        raise exceptions.PermissionDenied(NOT_SUPPORTED_RULES)
