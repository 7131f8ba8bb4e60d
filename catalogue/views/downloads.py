"""Downloads: one file (with Range), streamed zips, jobs, the basket, metalink/aria2, restores.

What these views send depends on access even for anonymous callers (an embargo is extended, a
session is made proprietary; the basket is the session's own), so they are `private`, for
anonymous callers too: no shared cache may answer for them. The X-Accel responses carry the header
to nginx, which keeps it."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import (
    content_disposition_header,
    http_date,
    parse_http_date_safe,
    url_has_allowed_host_and_scheme,
)
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from catalogue import access, keyset, usage
from catalogue import downloads as svc
from catalogue.basket import Basket
from catalogue.file_auth import session_or_token, session_or_token_required
from catalogue.models import ArchiveStatus, Datafile, DownloadJobKind
from portal.fields import LARGEST_ID

mimetypes.add_type("application/x-hdf5", ".h5")
mimetypes.add_type("application/x-hdf5", ".hdf5")
mimetypes.add_type("application/x-hdf5", ".nxs")
mimetypes.add_type("application/x-cbf", ".cbf")

JOBS_PER_PAGE = 20
FILE_LIST_CHUNK = 2000  # datafiles per fetch of a metalink/aria2 list


# One file ----------------------------------------------------------------------------------------


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token
def datafile_download(request: HttpRequest, pk: int) -> HttpResponse:
    datafile = access.get_datafile_or_404(request.user, pk)

    def refuse(message: str, status: int) -> HttpResponse:
        dataset = datafile.dataset if status == 409 else None  # the page offers the restore
        return _unavailable(request, message, status=status, dataset=dataset)

    return datafile_response(request, datafile, refuse=refuse)


def datafile_response(
    request: HttpRequest, datafile, *, refuse: Callable[[str, int], HttpResponse], user=None
) -> HttpResponse:
    """The bytes of a datafile the caller may see (by nginx, or served here with Range), or
    `refuse(message, status)` saying why not: each caller answers in its own format. A file
    served is counted in the usage figures (usage.py says what one download is)."""
    response = _datafile_bytes(request, datafile, refuse=refuse)
    usage.file_download_record(request, response, datafile=datafile, user=user or request.user)
    return response


def _datafile_bytes(
    request: HttpRequest, datafile, *, refuse: Callable[[str, int], HttpResponse]
) -> HttpResponse:
    if datafile.dataset.archive_status != ArchiveStatus.ONLINE:
        return refuse(
            "This file's dataset is archived on tape: it can be downloaded once it is restored "
            "to disk, which anyone who may download it can request (it takes minutes to hours).",
            409,
        )
    try:
        path = svc.safe_path(datafile.location)
    except svc.UnsafePath:
        return refuse("This file cannot be served: its recorded path is invalid.", 404)
    if settings.DOWNLOAD_X_ACCEL_PREFIX:
        return _x_accel(settings.DOWNLOAD_X_ACCEL_PREFIX, datafile.location, datafile.name)
    if not path.is_file():
        return refuse(
            f"The file {datafile.name} is missing from the data storage. "
            "The facility has been told; please try again later.",
            404,
        )
    return serve_file(request, path, filename=datafile.name)


def _x_accel(prefix: str, location: str, filename: str) -> HttpResponse:
    """Let nginx send the bytes (and handle Range) once the portal has checked access."""
    response = HttpResponse(
        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    response["X-Accel-Redirect"] = (
        prefix.rstrip("/") + "/" + "/".join(_quote(part) for part in location.strip("/").split("/"))
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _quote(part: str) -> str:
    return quote(part, safe="")


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def serve_file(request: HttpRequest, path: Path, *, filename: str) -> HttpResponse:
    """A file with ETag/Last-Modified, conditional GET and a single HTTP Range (resume)."""
    stat = path.stat()
    size = stat.st_size
    etag = f'"{size:x}-{stat.st_mtime_ns:x}"'
    mtime = int(stat.st_mtime)
    headers = {"ETag": etag, "Last-Modified": http_date(mtime), "Accept-Ranges": "bytes"}
    if_none_match = request.headers.get("If-None-Match")
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if (
        if_none_match
        and (if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")])
    ) or (not if_none_match and since is not None and mtime <= since):
        response = HttpResponseNotModified()
        for key, value in headers.items():
            response[key] = value
        return response

    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    byte_range = _requested_range(request, etag=etag, mtime=mtime, size=size)
    if byte_range == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if byte_range is None:
        response = FileResponse(
            open(path, "rb"), as_attachment=True, filename=filename, content_type=content_type
        )
    else:
        start, end = byte_range
        response = StreamingHttpResponse(
            _file_slice(path, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    for key, value in headers.items():
        response[key] = value
    return response


def _requested_range(request: HttpRequest, *, etag: str, mtime: int, size: int):
    """(start, end) inclusive, None for the whole file, or "unsatisfiable"."""
    header = request.headers.get("Range", "").replace(" ", "")
    if not header:
        return None
    if_range = request.headers.get("If-Range")
    if if_range and if_range != etag and parse_http_date_safe(if_range) != mtime:
        return None  # the file changed since the first part was fetched: send it whole
    match = _RANGE.match(header)
    if not match:  # several ranges or another unit: RFC 9110 lets us send the whole file
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def _file_slice(path: Path, start: int, length: int):
    with open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(svc.CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _unavailable(
    request: HttpRequest, message: str, *, status: int = 409, dataset=None
) -> HttpResponse:
    return render(
        request,
        "catalogue/downloads_unavailable.html",
        {"message": message, "dataset": dataset},
        status=status,
    )


# Selections: a zip, a metalink, an aria2 input file ---------------------------------------------


def _selection(request: HttpRequest) -> svc.Selection | None:
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


def _bad_selection(request: HttpRequest) -> HttpResponse:
    return _unavailable(
        request, "Nothing to download: choose at least one dataset or file you can see.", status=400
    )


def _query(request: HttpRequest) -> dict[str, object]:
    """The selection again, for the links (query string) and forms (hidden fields) of the page."""
    params = request.POST if request.method == "POST" else request.GET
    pairs = [(k, v) for k in ("basket", "dataset", "file") for v in params.getlist(k)]
    return {"query": urlencode(pairs), "query_pairs": pairs}


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token
def zip_download(request: HttpRequest) -> HttpResponse:
    """Stream the zip when it is small enough; otherwise explain and offer a job or metalink."""
    selection = _selection(request)
    if selection is None:
        return _bad_selection(request)
    summary = selection.summary()
    if summary.mode == "empty":
        return _bad_selection(request)
    if summary.mode != "stream":
        return render(
            request,
            "catalogue/downloads_selection.html",
            {
                "summary": summary,
                "limits": svc.limits(),
                **_query(request),
            },
        )
    datafiles = list(selection.datafiles())
    try:
        entries = svc.zip_entries(datafiles)
    except svc.DownloadError as error:
        return _unavailable(request, str(error), status=404)
    if sum(e.size for e in entries) > settings.DOWNLOAD_STREAM_LIMIT:  # the catalogue's sizes lied
        summary.size = sum(e.size for e in entries)
        return render(
            request,
            "catalogue/downloads_selection.html",
            {"summary": summary, "limits": svc.limits(), **_query(request)},
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
    selection = _selection(request)
    if selection is None:
        return _bad_selection(request)
    datafiles = selection.datafiles()
    file_count = datafiles.count()
    if not file_count:
        return _bad_selection(request)
    if too_long := svc.file_list_too_long(file_count):
        return _unavailable(request, too_long, status=400)
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


# Download jobs -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def downloads(request: HttpRequest) -> HttpResponse:
    """GET: the user's jobs, newest first (keyset pages). POST: a job for a selection."""
    if request.method == "POST":
        return _create_job(request)
    jobs = access.visible_download_jobs(request.user)
    ordering = ["-created_at", "-id"]
    page, stale = keyset.paginate_or_first(
        jobs, ordering=ordering, cursor=request.GET.get("cursor"), size=JOBS_PER_PAGE
    )
    if stale:
        messages.error(request, "That page link is damaged: showing the newest downloads.")
    template = "catalogue/downloads.html"
    if request.htmx:
        template += "#jobs"
    return render(
        request,
        template,
        {
            "jobs": page.rows,
            "page": page,
            "limits": svc.limits(),
            "any_active": any(job.is_active for job in page.rows),
        },
    )


def _create_job(request: HttpRequest) -> HttpResponse:
    selection = _selection(request)
    if selection is None:
        return _bad_selection(request)
    summary = selection.summary()
    if summary.mode == "empty":
        return _bad_selection(request)
    if summary.mode in ("offline", "too-large"):
        return render(
            request,
            "catalogue/downloads_selection.html",
            {
                "summary": summary,
                "limits": svc.limits(),
                **_query(request),
            },
            status=409,
        )
    datafiles = list(selection.datafiles())
    datasets = {f.dataset_id: f.dataset for f in datafiles}
    label = (
        f"{next(iter(datasets.values())).name}"
        if len(datasets) == 1
        else f"{len(datasets)} datasets"
    ) + (f", {len(datafiles)} files")
    job, created = svc.download_job_create(owner=request.user, datafiles=datafiles, label=label)
    if created:
        messages.success(
            request, "Your zip is being prepared. You will get an e-mail when it is ready."
        )
    else:
        messages.info(request, "You already asked for this selection: here is that download.")
    return redirect(job)


@login_required
@require_http_methods(["GET"])
def download_job(request: HttpRequest, pk: str) -> HttpResponse:
    job = access.get_download_job_or_404(request.user, pk)
    template = "catalogue/downloads_job.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"job": job})


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token_required
def download_job_file(request: HttpRequest, pk: str) -> HttpResponse:
    job = access.get_download_job_or_404(request.user, pk)
    try:
        path = svc.download_job_path(job)
    except svc.DownloadError:
        return _unavailable(request, "This download is not ready (or has expired).", status=404)
    if settings.DOWNLOAD_X_ACCEL_JOB_PREFIX:
        response = _x_accel(settings.DOWNLOAD_X_ACCEL_JOB_PREFIX, job.archive, job.name)
    elif not path.is_file():
        return _unavailable(
            request, "This download's archive is gone; please ask for it again.", status=404
        )
    else:
        response = serve_file(request, path, filename=job.name)
    _job_download_record(request, response, job)
    return response


def _job_download_record(request: HttpRequest, response: HttpResponse, job) -> None:
    if job.kind != DownloadJobKind.ZIP:
        return  # a logbook PDF is not a data download
    datafiles = Datafile.objects.filter(pk__in=job.datafile_ids).only("pk", "dataset_id", "size")
    usage.zip_download_record(
        request, datafiles=datafiles, user=request.user, response=response, what=f"j{job.pk}"
    )


# The basket --------------------------------------------------------------------------------------


@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def basket(request: HttpRequest) -> HttpResponse:
    items = Basket(request)
    datasets = list(
        access.visible_datasets(request.user)
        .filter(id__in=items.datasets)
        .select_related("investigation")
        .order_by("investigation__name", "name", "id")
    )
    datafiles = list(
        access.visible_datafiles(request.user)
        .filter(id__in=items.datafiles)
        .select_related("dataset__investigation")
        .order_by("dataset_id", "name", "id")
    )
    summary = svc.Selection(
        user=request.user, dataset_ids=items.datasets, datafile_ids=items.datafiles
    ).summary()
    return render(
        request,
        "catalogue/downloads_basket.html",
        {
            "datasets": datasets,
            "datafiles": datafiles,
            "summary": summary,
            "limits": svc.limits(),
            "query": "basket=1",
            "query_pairs": [("basket", "1")],
        },
    )


@require_POST
def basket_toggle(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Add or remove a dataset (`kind` "dataset") or a single file ("datafile")."""
    if kind == "dataset":
        obj = access.get_dataset_or_404(request.user, pk)
        context = {"dataset": obj}
    else:
        obj = access.get_datafile_or_404(request.user, pk)
        context = {"datafile": obj}
    items = Basket(request)
    items.toggle(kind, obj.pk)
    if request.htmx:
        context["basket_count"] = len(items)
        context["compact"] = request.POST.get("compact") == "1"  # icon-only in table rows
        return render(request, "catalogue/_basket_toggle.html", {**context, "oob_counter": True})
    return redirect(safe_next(request, request.POST.get("next", ""), reverse("catalogue:basket")))


def safe_next(request: HttpRequest, next_url: str, default: str) -> str:
    """`next_url` if it is a path of this site, else `default`: `redirect()` would take any other
    word for a URL name to reverse, and another site's address for an open redirect."""
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        return next_url
    return default


@require_POST
def basket_clear(request: HttpRequest) -> HttpResponse:
    Basket(request).clear()
    messages.info(request, "Your download basket is empty.")
    return redirect("catalogue:basket")


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
