"""Stored images, served only to those who may read the logbook they belong to."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from catalogue import access
from catalogue.models import Instrument

from ..models import Attachment


def _attachment_or_404(request: HttpRequest, uuid) -> Attachment:
    attachment = (
        Attachment.objects.select_related("investigation__instrument").filter(uuid=uuid).first()
    )
    if attachment is None:
        raise Http404("No such file")
    if attachment.investigation is not None:
        if not access.can_view_investigation(request.user, attachment.investigation):
            raise Http404("No such file")
    elif attachment.instrument_name:
        instrument = Instrument.objects.filter(name=attachment.instrument_name).first()
        if instrument is None or not access.can_view_beamline(request.user, instrument):
            raise Http404("No such file")
    return attachment


def _serve(field, content_type: str, filename: str) -> HttpResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("File missing") from None
    response = FileResponse(handle, content_type=content_type, filename=filename)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def attachment(request: HttpRequest, uuid) -> HttpResponse:
    item = _attachment_or_404(request, uuid)
    return _serve(item.file, item.content_type, item.filename)


@require_GET
def attachment_thumbnail(request: HttpRequest, uuid) -> HttpResponse:
    item = _attachment_or_404(request, uuid)
    return _serve(
        item.thumbnail or item.file,
        "image/jpeg" if item.thumbnail else item.content_type,
        item.filename,
    )
