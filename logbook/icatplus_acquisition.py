"""ICAT+'s `data_acquisition` routes of the facility's systems, beside the beamline's own
(`logbook.icatplus`): moving a logbook written to the wrong proposal, and the archive's report
on a dataset it brought back from tape. Paths and shapes follow `icat-plus-client`'s
`DataAcquisitionApi`. A session or dataset outside the key's (`catalogue.access.api_key_*`) is
answered exactly as one that does not exist: 400 naming the unknown id.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue import downloads as download_services
from catalogue.icatplus.serializers import IdField
from catalogue.models import Dataset, Investigation
from portal.icatplus import validated

from .icatplus_apikey import IcatPlusApiKeyView
from .services import events_move


def _unknown(field: str, kind: str, pk: int) -> serializers.ValidationError:
    return serializers.ValidationError({field: f"Unknown {kind} id '{pk}'"})


def _session(key, field: str, pk: int) -> Investigation:
    found = access.api_key_investigations(key).select_related("instrument").filter(pk=pk).first()
    if found is None:
        raise _unknown(field, "investigation", pk)
    return found


class EventsMoveQuery(serializers.Serializer):
    sourceInvestigationId = IdField()
    destinationInvestigationId = IdField()

    def validate(self, attrs):
        if attrs["sourceInvestigationId"] == attrs["destinationInvestigationId"]:
            raise serializers.ValidationError(
                {"destinationInvestigationId": "is the source investigation"}
            )
        return attrs


class EventsMove(IcatPlusApiKeyView):
    """`POST /dataacquisition/{apiKey}/events/move` (query: `sourceInvestigationId`,
    `destinationInvestigationId`): every event of one session's logbook (its history, removed
    events, files and tags too) to another's, as beamline software asks after writing to the
    wrong proposal. Both sessions must be the key's: a beamline key moves nothing into or out of
    another beamline's logbooks. Answers as MongoDB's update did in ICAT+ (`ModifiedObject`)."""

    def post(self, request: Request, api_key: str) -> Response:
        ids = validated(EventsMoveQuery, request.query_params).validated_data
        source = _session(request.auth, "sourceInvestigationId", ids["sourceInvestigationId"])
        destination = _session(
            request.auth, "destinationInvestigationId", ids["destinationInvestigationId"]
        )
        matched, moved = events_move(source=source, destination=destination)
        return Response({"n": matched, "nModified": moved, "ok": 1})


LEVELS = {"info": True, "error": False}  # the archive's level -> whether the data is back


class RestoreQuery(serializers.Serializer):
    datasetId = IdField()


class IcatPlusRestoreReport(serializers.Serializer):
    level = serializers.CharField(required=False, default="info", max_length=16)
    message = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=2000, trim_whitespace=True
    )

    def validate_level(self, value: str) -> str:
        if value.lower() not in LEVELS:
            raise serializers.ValidationError(f"must be one of {', '.join(LEVELS)}")
        return value.lower()


class DatasetRestoreReport(IcatPlusApiKeyView):
    """`POST /dataacquisition/{apiKey}/dataset/restore?datasetId=` with `{level, message}`: the
    facility's archive reports on a dataset it was asked to bring back from tape ("info": it is
    online again; "error": it could not, `message` says why). The restores asked for on the
    portal end as reported and their requesters get an e-mail, as after the portal's own restore
    worker (`catalogue.downloads.dataset_restore_report`). Answers those requests as ICAT+'s
    dataset accesses."""

    request_serializer_class = IcatPlusRestoreReport

    def post(self, request: Request, api_key: str) -> Response:
        pk = validated(RestoreQuery, request.query_params).validated_data["datasetId"]
        report = validated(IcatPlusRestoreReport, request.data if request.data else {})
        dataset = access.api_key_datasets(request.auth).filter(pk=pk).first()
        if dataset is None:
            raise _unknown("datasetId", "dataset", pk)
        level = report.validated_data["level"]
        restores = download_services.dataset_restore_report(
            dataset=dataset, restored=LEVELS[level], message=report.validated_data["message"]
        )
        return Response([_dataset_access(dataset, restore, level) for restore in restores])


def _dataset_access(dataset: Dataset, restore, level: str) -> dict:
    return {
        "_id": str(restore.pk),
        "name": dataset.name,
        "datasetId": dataset.pk,
        "level": level,
        "type": "restore",
        "creationDate": restore.created_at.date().isoformat(),
    }
