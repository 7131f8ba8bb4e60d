"""Files served to a caller the access policy let through: by nginx (X-Accel-Redirect) or here
with HTTP Range and conditional requests; and the one "session or token" authentication of every
view that serves files (a datafile, a zip, a job's archive, h5grove, the metalink/aria2 lists): a
browser sends its session cookie, while aria2c, wget or a notebook send
`Authorization: Token <key>` (the API's tokens), so a URL the download API hands out works for
the client that asked for it."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from catalogue import usage
from catalogue.models import ArchiveStatus

from .names import UnsafePath, safe_path
from .selection import CHUNK

mimetypes.add_type("application/x-hdf5", ".h5")
mimetypes.add_type("application/x-hdf5", ".hdf5")
mimetypes.add_type("application/x-hdf5", ".nxs")
mimetypes.add_type("application/x-cbf", ".cbf")


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
        path = safe_path(datafile.location)
    except UnsafePath:
        return refuse("This file cannot be served: its recorded path is invalid.", 404)
    if settings.DOWNLOAD_X_ACCEL_PREFIX:
        return x_accel(settings.DOWNLOAD_X_ACCEL_PREFIX, datafile.location, datafile.name)
    if not path.is_file():
        return refuse(
            f"The file {datafile.name} is missing from the data storage. "
            "The facility has been told; please try again later.",
            404,
        )
    return serve_file(request, path, filename=datafile.name)


def x_accel(prefix: str, location: str, filename: str) -> HttpResponse:
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
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


# Session or token ---------------------------------------------------------------------------------


def user_or_token(request: HttpRequest):
    """The session's user, or the owner of a valid API token; a bad token counts as no token
    (the view then answers as to an anonymous caller: a hidden file's 404, not a 401)."""
    if request.user.is_authenticated or "HTTP_AUTHORIZATION" not in request.META:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return request.user
    return found[0] if found else request.user


def session_or_token(view):
    """The view sees the token's owner as `request.user`, like a session's user."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        request.user = user_or_token(request)
        return view(request, *args, **kwargs)

    return wrapped


def session_or_token_required(view):
    """`session_or_token`, and an anonymous caller goes to the login page (login_required)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        request.user = user_or_token(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
