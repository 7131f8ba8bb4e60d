"""ICAT+'s `POST /catalogue/{sessionId}/files/upload?sampleId=`: a file about a sample (a .pdb
model, a sequence, a PDF) with its `fileType`, `groupName` and `multiplicity`.

The portal keeps no separate documents: an upload is a logbook `Attachment` of the sample's
investigation, tied to the sample (`Attachment.sample`, with ICAT+'s `fileType`, `groupName`,
`multiplicity` and the name it was uploaded with), and announced by an `attachment`/`file` event
in that logbook, where the team sees it and from which it is served (`logbook:attachment`, to
those who may read that logbook). A resource's `_id` is the attachment's uuid; the answer's
`_id` is the event's. This lives in the logbook app because it writes the logbook (the
catalogue never imports the apps built on it); ICAT+'s route is in its catalogue group."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.html import format_html
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access
from catalogue.icatplus.serializers import IdField
from catalogue.icatplus.serializers_reads import resource
from portal.icatplus import IcatPlusView

from .models import Category, EventType
from .services import FILE_TYPES, EventInvalid, attachment_store, event_create


class UploadQuery(serializers.Serializer):
    sampleId = IdField()


class UploadForm(serializers.Serializer):
    file = serializers.FileField(max_length=255, allow_empty_file=False)
    fileType = serializers.CharField(max_length=64)
    groupName = serializers.CharField(max_length=255, required=False, allow_blank=True)
    multiplicity = serializers.FloatField(required=False, min_value=0, max_value=1e9)

    def validate_file(self, upload):
        if upload.size > settings.LOGBOOK_MAX_IMAGE_BYTES:
            limit = settings.LOGBOOK_MAX_IMAGE_BYTES // (1024 * 1024)
            raise serializers.ValidationError(f"is larger than the {limit} MiB allowed")
        return upload


def _content_type(claimed: str | None, head: bytes) -> str:
    """What the file is, from its bytes where they tell: images as claimed (then checked by
    decoding them), PDFs by their signature, any other text (PDB, CIF, FASTA...) as plain
    text, which `attachment_store` checks is UTF-8 and refuses otherwise."""
    claimed = (claimed or "").split(";")[0].strip().lower()
    if claimed.startswith("image/"):
        return claimed
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return claimed if claimed in FILE_TYPES else "text/plain"


class SampleFileUpload(IcatPlusView):
    """Multipart `file`, `fileType`, `groupName`, `multiplicity`; answers ICAT+'s
    `Sampleinformation` holding the stored resource. The sample's team may upload (those who
    write its logbook); readers of a released experiment get 403; a hidden sample is a
    nonexistent one."""

    parser_classes = [MultiPartParser, FormParser]

    def post(self, request: Request, session_id: str) -> Response:
        sample_id = UploadQuery(data=request.query_params)
        sample_id.is_valid(raise_exception=True)
        sample = access.get_sample_or_404(request.user, sample_id.validated_data["sampleId"])
        investigation = sample.investigation
        if not access.can_write_logbook(request.user, investigation):
            raise PermissionDenied("Only the experiment's team can add files to its samples.")
        form = UploadForm(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data["file"]
        content = upload.read()
        name = upload.name[:255]
        by = request.user.username
        try:
            with transaction.atomic():
                attachment = attachment_store(
                    data=content,
                    content_type=_content_type(upload.content_type, content[:8]),
                    filename=name,
                    investigation=investigation,
                    instrument_name=investigation.instrument.name,
                    by=by,
                    field="file",
                )
                attachment.sample = sample
                attachment.file_type = data["fileType"]
                attachment.group_name = data.get("groupName") or ""
                attachment.multiplicity = data.get("multiplicity")
                attachment.upload_name = name if name != attachment.filename else ""
                attachment.save(
                    update_fields=[
                        "sample",
                        "file_type",
                        "group_name",
                        "multiplicity",
                        "upload_name",
                    ]
                )
                url = attachment.get_absolute_url()
                doc = event_create(
                    investigation=investigation,
                    instrument=investigation.instrument,
                    type=EventType.ATTACHMENT,
                    category=Category.FILE,
                    by=by,
                    title=f"{data['fileType']} file of sample {sample.name}",
                    html=format_html('<p><a href="{}">{}</a></p>', url, name),
                    extra={
                        "filename": attachment.filename,
                        "contentType": attachment.content_type,
                        "fileSize": attachment.size,
                        "file": [str(attachment.uuid)],
                    },
                )
        except EventInvalid as error:
            raise exceptions.ValidationError({error.field: error.message}) from None
        return Response(
            {
                "_id": str(doc["_id"]),
                "investigationId": investigation.pk,
                "sampleId": sample.pk,
                "resources": [resource(attachment)],
            }
        )
