"""Stored images and files, served only to those who may read the logbook they belong to."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from catalogue import access


def _serve(field, content_type: str, filename: str) -> HttpResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("File missing") from None
    # Images were checked by Pillow and may show inline; any other file (PDF, text) is a download,
    # so nothing a beamline posted runs in the portal's origin.
    response = FileResponse(
        handle,
        content_type=content_type,
        filename=filename,
        as_attachment=not content_type.startswith("image/"),
    )
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def attachment(request: HttpRequest, uuid) -> HttpResponse:
    item = access.get_attachment_or_404(request.user, uuid)
    return _serve(item.file, item.content_type, item.filename)


@require_GET
def attachment_thumbnail(request: HttpRequest, uuid) -> HttpResponse:
    item = access.get_attachment_or_404(request.user, uuid)
    return _serve(
        item.thumbnail or item.file,
        "image/jpeg" if item.thumbnail else item.content_type,
        item.filename,
    )
