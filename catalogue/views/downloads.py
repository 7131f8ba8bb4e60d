"""Downloads: one file, streamed zips, metalink/aria2 lists of a selection, the dataset's
download panel. Serving the bytes (Range, nginx) and the session-or-token authentication are
catalogue/downloads/serving.py; the download jobs' pages are views/download_jobs.py, the basket
views/basket.py.

What these views send depends on access even for anonymous callers (an embargo is extended, a
session is made proprietary; the basket is the session's own), so they are `private`, for
anonymous callers too: no shared cache may answer for them. The X-Accel responses carry the header
to nginx, which keeps it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from catalogue import access, usage
from catalogue import downloads as svc
from catalogue.basket import Basket
from catalogue.downloads.serving import datafile_response, session_or_token
from portal.fields import LARGEST_ID

FILE_LIST_CHUNK = 2000  # datafiles per fetch of a metalink/aria2 list


# One file ----------------------------------------------------------------------------------------


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token
def datafile_download(request: HttpRequest, pk: int) -> HttpResponse:
    datafile = access.get_datafile_or_404(request.user, pk)

    def refuse(message: str, status: int) -> HttpResponse:
        dataset = datafile.dataset if status == 409 else None  # the page offers the restore
        return unavailable(request, message, status=status, dataset=dataset)

    return datafile_response(request, datafile, refuse=refuse)


def unavailable(
    request: HttpRequest, message: str, *, status: int = 409, dataset=None
) -> HttpResponse:
    return render(
        request,
        "catalogue/downloads_unavailable.html",
        {"message": message, "dataset": dataset},
        status=status,
    )


# Selections: a zip, a metalink, an aria2 input file ---------------------------------------------


def request_selection(request: HttpRequest) -> svc.Selection | None:
    """The datasets and files asked for: the basket (`basket=1`) or `dataset=`/`file=` ids."""
    params = request.POST if request.method == "POST" else request.GET
    if params.get("basket"):
        basket = Basket(request)
        return svc.Selection(
            user=request.user, dataset_ids=basket.datasets, datafile_ids=basket.datafiles
        )
    try:
        dataset_ids = [int(v) for v in params.getlist("dataset")]
        datafile_ids = [int(v) for v in params.getlist("file")]
    except ValueError:
        return None
    if not all(1 <= pk <= LARGEST_ID for pk in dataset_ids + datafile_ids):
        return None  # beyond 64 bits the database driver fails instead of finding nothing
    return svc.Selection(user=request.user, dataset_ids=dataset_ids, datafile_ids=datafile_ids)


def bad_selection(request: HttpRequest) -> HttpResponse:
    return unavailable(
        request, "Nothing to download: choose at least one dataset or file you can see.", status=400
    )


def selection_query(request: HttpRequest) -> dict[str, object]:
    """The selection again, for the links (query string) and forms (hidden fields) of the page."""
    params = request.POST if request.method == "POST" else request.GET
    pairs = [(k, v) for k in ("basket", "dataset", "file") for v in params.getlist(k)]
    return {"query": urlencode(pairs), "query_pairs": pairs}


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token
def zip_download(request: HttpRequest) -> HttpResponse:
    """Stream the zip when it is small enough; otherwise explain and offer a job or metalink."""
    selection = request_selection(request)
    if selection is None:
        return bad_selection(request)
    summary = selection.summary()
    if summary.mode == "empty":
        return bad_selection(request)
    if summary.mode != "stream":
        return render(
            request,
            "catalogue/downloads_selection.html",
            {
                "summary": summary,
                "limits": svc.limits(),
                **selection_query(request),
            },
        )
    datafiles = list(selection.datafiles())
    try:
        entries = svc.zip_entries(datafiles)
    except svc.DownloadError as error:
        return unavailable(request, str(error), status=404)
    if sum(e.size for e in entries) > settings.DOWNLOAD_STREAM_LIMIT:  # the catalogue's sizes lied
        summary.size = sum(e.size for e in entries)
        return render(
            request,
            "catalogue/downloads_selection.html",
            {"summary": summary, "limits": svc.limits(), **selection_query(request)},
        )
    stream = svc.zip_stream(entries=entries)
    if request.method == "GET":
        usage.zip_download_record(request, datafiles=datafiles, user=request.user)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Length"] = str(len(stream))
    response["Content-Disposition"] = content_disposition_header(True, svc.archive_name(datafiles))
    return response


def _file_url(request: HttpRequest):
    def url_for(datafile) -> str:
        return request.build_absolute_uri(
            reverse("catalogue:datafile-download", args=[datafile.pk])
        )

    return url_for


def _file_list(request: HttpRequest, *, lines, content_type: str, filename: str) -> HttpResponse:
    """A list of the selection's files for a resuming downloader, streamed as it is written;
    no longer than a zip may be (DOWNLOAD_MAX_FILES)."""
    selection = request_selection(request)
    if selection is None:
        return bad_selection(request)
    datafiles = selection.datafiles()
    file_count = datafiles.count()
    if not file_count:
        return bad_selection(request)
    if too_long := svc.file_list_too_long(file_count):
        return unavailable(request, too_long, status=400)
    # Read in chunks from a server-side cursor and written as read: no list of the selection.
    response = StreamingHttpResponse(
        lines(datafiles=datafiles.iterator(chunk_size=FILE_LIST_CHUNK), url_for=_file_url(request)),
        content_type=content_type,
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token
def metalink(request: HttpRequest) -> HttpResponse:
    return _file_list(
        request,
        lines=svc.metalink_lines,
        content_type="application/metalink4+xml",
        filename="download.meta4",
    )


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token
def aria2(request: HttpRequest) -> HttpResponse:
    return _file_list(
        request,
        lines=svc.aria2_lines,
        content_type="text/plain; charset=utf-8",
        filename="download-aria2.txt",
    )


# Tape --------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def dataset_download_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel alone: polled while a restore runs, so the buttons appear when it is back."""
    dataset = access.get_dataset_or_404(request.user, pk)
    if not request.htmx:
        return redirect(dataset)
    response = render(request, "catalogue/_dataset_download_panel.html", {"dataset": dataset})
    patch_cache_control(response, private=True, no_store=True)  # a progress bar: always fresh
    return response
