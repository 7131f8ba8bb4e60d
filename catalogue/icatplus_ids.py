"""ICAT+'s `ids` group (`/icatplus/ids/...`): download, metalink, restore, status and path of
datasets and datafiles, answered by the catalogue's own download machinery.

ICAT+ redirects these to ESRF's IDS server; the portal is its own IDS, so it answers them itself:
one file with HTTP Range (or by nginx through X-Accel), a selection as a streamed zip, tape
restores through `dataset_restore_request`. Ids come comma-separated (`datasetIds=1,2`). A set of
ids is answered only when the caller may see every one of them: one hidden or nonexistent id makes
the whole request the same 404, whichever it was. Shapes follow `icat-plus-client`'s `IdsApi`.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from portal.fields import LARGEST_ID
from portal.icatplus import IcatPlusView, session_id_of

from . import access, restores, usage
from . import downloads as svc
from .downloads.serving import datafile_response
from .icat.mapping import facility_location
from .models import ArchiveStatus, Datafile, Dataset

MAX_IDS = 1000  # per parameter: a bigger selection is a download job, not one request
NOT_FOUND = "No such dataset or datafile"
METALINK = "application/metalink4+xml"


class IdListField(serializers.Field):
    """Ids as ICAT+ sends them: comma-separated, possibly repeated (`datasetIds=1,2&datasetIds=3`),
    each a positive id the database can hold."""

    default_error_messages = {
        "invalid": "must be a comma-separated list of ids",
        "too_many": f"names more than {MAX_IDS} ids",
    }

    def get_value(self, dictionary):
        values = dictionary.getlist(self.field_name) if hasattr(dictionary, "getlist") else []
        return values or serializers.empty

    def to_internal_value(self, data) -> list[int]:
        parts = [p.strip() for value in data for p in str(value).split(",") if p.strip()]
        try:
            ids = [int(p) for p in parts]
        except ValueError:
            self.fail("invalid")
        if not all(1 <= pk <= LARGEST_ID for pk in ids):
            self.fail("invalid")
        ids = list(dict.fromkeys(ids))
        if len(ids) > MAX_IDS:
            self.fail("too_many")
        return ids

    def to_representation(self, value):
        return ",".join(str(pk) for pk in value)


class SelectionSerializer(serializers.Serializer):
    datasetIds = IdListField(required=False, default=list)
    datafileIds = IdListField(required=False, default=list)
    inline = serializers.BooleanField(required=False, default=False)
    isonline = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs["datasetIds"] and not attrs["datafileIds"]:
            raise serializers.ValidationError({"datasetIds": "name at least one dataset or file"})
        return attrs


class DatasetsSerializer(serializers.Serializer):
    datasetIds = IdListField()


class RestoreRequestSerializer(serializers.Serializer):
    """Who asks (ICAT+ takes it for anonymous sessions); the portal knows the session's user."""

    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


def _selection(request: Request, serializer_class=SelectionSerializer) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _visible_datasets(user, ids: list[int]) -> list[Dataset]:
    """The datasets named, in the order named, or a 404 if the caller may not see one of them."""
    if not ids:
        return []
    found = (
        access.visible_datasets(user).filter(pk__in=ids).select_related("investigation__instrument")
    )
    by_id = {d.pk: d for d in found}
    if len(by_id) != len(ids):
        raise exceptions.NotFound(NOT_FOUND)
    return [by_id[pk] for pk in ids]


def _visible_datafiles(user, ids: list[int]) -> list[Datafile]:
    if not ids:
        return []
    found = access.visible_datafiles(user).filter(pk__in=ids).select_related("dataset")
    by_id = {f.pk: f for f in found}
    if len(by_id) != len(ids):
        raise exceptions.NotFound(NOT_FOUND)
    return [by_id[pk] for pk in ids]


def _ids_status(dataset: Dataset) -> dict:
    """IDS's name for the dataset's state (ONLINE, ARCHIVED, RESTORING), in the client's
    `Status` model (`List[Status]`)."""
    return {"_id": str(dataset.pk), "status": ArchiveStatus(dataset.archive_status).name}


class DataDownload(IcatPlusView):
    """`GET /ids/data/download?sessionId=` (and the deprecated `/ids/{sessionId}/data/download`):
    one datafile as itself, with Range; anything else as one streamed zip. 404 for a hidden or
    nonexistent id, 409 while a dataset is on tape, 413 beyond what one request may stream."""

    def get(self, request: Request, session_id: str | None = None) -> HttpResponse:
        query = _selection(request)
        datasets = _visible_datasets(request.user, query["datasetIds"])
        datafiles = _visible_datafiles(request.user, query["datafileIds"])
        if not datasets and len(datafiles) == 1:
            return self._one_file(request, datafiles[0], inline=query["inline"])
        return self._zip(request, datasets, datafiles)

    def _one_file(self, request: Request, datafile: Datafile, *, inline: bool) -> HttpResponse:
        def refuse(message: str, status: int) -> Response:
            return Response({"message": message}, status=status)

        response = datafile_response(request._request, datafile, refuse=refuse, user=request.user)
        if inline and "Content-Disposition" in response:
            response["Content-Disposition"] = content_disposition_header(False, datafile.name)
        return response

    def _zip(self, request: Request, datasets: list, datafiles: list) -> HttpResponse:
        selection = svc.Selection(
            user=request.user,
            dataset_ids=[d.pk for d in datasets],
            datafile_ids=[f.pk for f in datafiles],
        )
        summary = selection.summary()
        if summary.mode == "empty":
            raise exceptions.NotFound("These datasets have no files.")
        if summary.mode == "offline":
            names = ", ".join(d.name for d in summary.offline)
            return Response(
                {"message": f"Archived on tape, restore first: {names}"},
                status=status.HTTP_409_CONFLICT,
            )
        files = list(selection.datafiles())
        try:
            entries = svc.zip_entries(files)
        except svc.DownloadError as error:
            raise exceptions.NotFound(str(error)) from None
        size = sum(e.size for e in entries)  # the disk's sizes, not the catalogue's
        if summary.mode != "stream" or size > settings.DOWNLOAD_STREAM_LIMIT:
            return Response(
                {
                    "message": "Too large to stream in one request: download the files of its "
                    "metalink (/ids/data/metalink) or ask the portal for a download job."
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        stream = svc.zip_stream(entries=entries)
        usage.zip_download_record(request._request, datafiles=files, user=request.user)
        response = StreamingHttpResponse(stream, content_type="application/zip")
        response["Content-Length"] = str(len(stream))
        response["Content-Disposition"] = content_disposition_header(True, svc.archive_name(files))
        return response


class DataMetalink(IcatPlusView):
    """`GET /ids/data/metalink?datasetIds=`: RFC 5854, each file's URL the ICAT+ download of that
    one file with the caller's session id in it (as ICAT+ does), so aria2 needs nothing else.
    Sent as `application/metalink4+xml` (what aria2 recognises) unless the caller accepts only
    text."""

    def get(self, request: Request) -> HttpResponse:
        query = _selection(request, DatasetsSerializer)
        datasets = _visible_datasets(request.user, query["datasetIds"])
        datafiles = svc.Selection(user=request.user, dataset_ids=[d.pk for d in datasets])
        session_id = session_id_of(request) or ""
        base = request.build_absolute_uri(reverse("icatplus-ids-download"))

        def url_for(datafile: Datafile) -> str:
            return f"{base}?{urlencode({'sessionId': session_id, 'datafileIds': datafile.pk})}"

        accept = request.headers.get("Accept", "")
        text_only = "text/plain" in accept and METALINK not in accept
        response = StreamingHttpResponse(
            svc.metalink_lines(
                datafiles=datafiles.datafiles().iterator(chunk_size=2000), url_for=url_for
            ),
            content_type="text/plain; charset=utf-8" if text_only else METALINK,
        )
        response["Content-Disposition"] = content_disposition_header(True, "download.meta4")
        return response


class DatasetsStatus(IcatPlusView):
    """`GET /ids/{sessionId}/datasets/status?datasetIds=`: each dataset's IDS state."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _selection(request, DatasetsSerializer)
        datasets = _visible_datasets(request.user, query["datasetIds"])
        return Response([_ids_status(d) for d in datasets])


class DatasetsRestore(IcatPlusView):
    """`POST /ids/{sessionId}/datasets/restore?datasetIds=`: bring archived datasets back from
    tape, for whoever may download them (`access.may_request_restore`, as on the dataset page).
    A dataset on its way already gets the caller added to those told when it is back; online
    ones are left as they are. Answers every dataset's state."""

    def post(self, request: Request, session_id: str) -> Response:
        query = _selection(request, DatasetsSerializer)
        if request.data:
            RestoreRequestSerializer(data=request.data).is_valid(raise_exception=True)
        datasets = _visible_datasets(request.user, query["datasetIds"])
        for dataset in datasets:
            if not access.may_request_restore(request.user, dataset):
                raise exceptions.PermissionDenied(
                    "Only the experiment's team can ask for its data back from tape."
                )
        # Counted as on the web (catalogue/restores.py): one request, whatever its datasets.
        if any(d.archive_status == ArchiveStatus.ARCHIVED for d in datasets):
            wait = restores.restore_wait(request)
            if wait is not None:
                self.throttled(request, wait)
        for dataset in datasets:
            asked = restores.dataset_restore_ask(dataset=dataset, by=request.user)
            if asked.restore is not None:
                dataset.archive_status = ArchiveStatus.RESTORING
        return Response([_ids_status(d) for d in datasets])


class DataPath(IcatPlusView):
    """`GET /ids/{sessionId}/path?datasetIds=&datafileIds=`: where the datasets' folders and the
    files are on the facility's storage (ICAT's absolute locations); with `isonline=true` only
    those that are on disk now."""

    def get(self, request: Request, session_id: str) -> Response:
        query = _selection(request)
        objects = [
            *_visible_datasets(request.user, query["datasetIds"]),
            *_visible_datafiles(request.user, query["datafileIds"]),
        ]
        if query["isonline"]:
            objects = [o for o in objects if _on_disk(o.location)]
        return Response([facility_location(o.location) for o in objects])


def _on_disk(location: str) -> bool:
    try:
        return bool(location) and svc.safe_path(location).exists()
    except svc.UnsafePath:
        return False
