"""Logbook workflows shared by the pages, the JSON API and the acquisition API."""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from PIL import Image, UnidentifiedImageError

from catalogue import access, usage
from catalogue.models import Audience, Instrument, Investigation, UsageKind

from .dates import local
from .models import Attachment, Category, EventType, Tag
from .store import get_store
from .text import sanitise

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
THUMBNAIL_SIZE = (480, 360)
TAG_PALETTE = [
    "#0b5ed7",
    "#198754",
    "#d63384",
    "#fd7e14",
    "#6f42c1",
    "#20c997",
    "#dc3545",
    "#0dcaf0",
]
# Limits that keep a logbook page readable (an event with 10,000 tags weighed megabytes).
MAX_TAGS_PER_EVENT = 50
MAX_TAG_LENGTH = 60  # Tag.name's max_length
MAX_TITLE_LENGTH = 500  # Event.title's max_length
DATA_URI = re.compile(r"data:(image/[a-z+.-]+);base64,([A-Za-z0-9+/=\s]*)", re.I)
# Any data URI beamline software posts (pyicat-plus sends files as `data:<mime type>;base64,...`).
ANY_DATA_URI = re.compile(
    r"data:([\w.+-]+/[\w.+-]+)(?:;[\w.+-]+=[\w.+\"-]+)*;base64,(.*)", re.I | re.S
)
# Files other than images that a logbook keeps (served as downloads, never inline), and what their
# first bytes must be; images are checked by Pillow in `image_store`.
FILE_TYPES = {
    "application/pdf": "pdf",
    "text/plain": "txt",
    "text/csv": "csv",
    "text/markdown": "md",
}


# How long before its session a note may say it refers to (set-up, sample preparation); a
# beamline logbook, with no session, looks back this far from when the note was written.
REFERS_TO_BEFORE_SESSION = timedelta(days=7)
REFERS_TO_BEFORE_WRITING = timedelta(days=365)
# Leeway for a browser clock a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)
KEEP = object()  # event_update: leave the time an event refers to as it is


@dataclass
class EventInvalid(Exception):
    """Bad input, naming the field; nothing was stored."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def decode_data_uri(value: str, *, field: str = "base64") -> bytes:
    return decode_data_uri_typed(value, field=field)[1]


def decode_data_uri_typed(value: str, *, field: str = "base64") -> tuple[str | None, bytes]:
    """The declared content type (None for bare base64) and the bytes of a data URI."""
    text = (value or "").strip()
    match = ANY_DATA_URI.fullmatch(text)
    content_type, raw = (match.group(1).lower(), match.group(2)) if match else (None, text)
    try:
        data = base64.b64decode(re.sub(r"\s", "", raw), validate=True)
    except (binascii.Error, ValueError):
        raise EventInvalid(field, "is not valid base64 data") from None
    if not data:
        raise EventInvalid(field, "is empty")
    return content_type, data


def _check_size(data: bytes, field: str) -> None:
    if len(data) > settings.LOGBOOK_MAX_IMAGE_BYTES:
        limit = settings.LOGBOOK_MAX_IMAGE_BYTES // (1024 * 1024)
        raise EventInvalid(field, f"is larger than the {limit} MiB allowed")


def attachment_store(
    *,
    data: bytes,
    content_type: str | None,
    filename: str,
    investigation: Investigation | None,
    instrument_name: str,
    by: str,
    field: str,
) -> Attachment:
    """Store a file posted to a logbook: an image (checked, with a thumbnail), or a PDF or text
    file of the allowed types, checked to be what it claims; anything else is refused."""
    if content_type is None or content_type.startswith("image/"):
        return image_store(
            data=data,
            filename=filename,
            investigation=investigation,
            instrument_name=instrument_name,
            by=by,
            field=field,
        )
    if content_type not in FILE_TYPES:
        raise EventInvalid(
            field,
            f"'{content_type[:100]}' files are not accepted "
            "(PDF, plain text, CSV, Markdown, PNG, JPEG, GIF or WebP)",
        )
    _check_size(data, field)
    if content_type == "application/pdf":
        if not data.startswith(b"%PDF-"):
            raise EventInvalid(field, "is not a PDF")
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise EventInvalid(field, "is not UTF-8 text") from None
    stem = re.sub(r"[^\w.-]+", "_", filename.rsplit(".", 1)[0])[:100] or "file"
    attachment = Attachment(
        investigation=investigation,
        instrument_name=instrument_name,
        filename=f"{stem}.{FILE_TYPES[content_type]}",
        content_type=content_type,
        size=len(data),
        uploaded_by=by,
    )
    attachment.file.save(attachment.filename, ContentFile(data), save=False)
    attachment.save()
    return attachment


def attachment_event_create(
    *,
    data: bytes,
    content_type: str | None,
    filename: str,
    investigation: Investigation | None,
    instrument: Instrument,
    by: str,
    tags: list[str],
    when: datetime,
    extra: dict,
) -> dict:
    """Store a posted file (checked by `attachment_store`) and the attachment event showing it,
    together or not at all."""
    with transaction.atomic():
        attachment = attachment_store(
            data=data,
            content_type=content_type,
            filename=filename,
            investigation=investigation,
            instrument_name=instrument.name,
            by=by,
            field="base64",
        )
        url = attachment.get_absolute_url()
        return event_create(
            investigation=investigation,
            instrument=instrument,
            type=EventType.ATTACHMENT,
            category=Category.FILE,
            by=by,
            html=format_html('<p><img src="{}" alt="{}"></p>', url, attachment.filename)
            if is_image(attachment.content_type)
            else format_html('<p><a href="{}">{}</a></p>', url, attachment.filename),
            tags=tags,
            when=when,
            extra={
                "filename": attachment.filename,
                "contentType": attachment.content_type,
                "fileSize": attachment.size,
                "file": [str(attachment.uuid)],
                **extra,
            },
        )


def is_image(content_type: str | None) -> bool:
    return content_type is None or content_type.startswith("image/")


def image_store(
    *,
    data: bytes,
    filename: str,
    investigation: Investigation | None,
    instrument_name: str,
    by: str,
    field: str = "image",
    broadcast: bool = False,
) -> Attachment:
    """Check an uploaded image (size, real type) and store it with a thumbnail under MEDIA_ROOT."""
    _check_size(data, field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise EventInvalid(field, "is not an image (PNG, JPEG, GIF or WebP)") from None
    if image.format not in IMAGE_TYPES:
        raise EventInvalid(
            field, f"{image.format} images are not accepted (PNG, JPEG, GIF or WebP)"
        )
    extension = "jpg" if image.format == "JPEG" else image.format.lower()
    stem = re.sub(r"[^\w.-]+", "_", filename.rsplit(".", 1)[0])[:100] or "image"
    attachment = Attachment(
        investigation=investigation,
        instrument_name=instrument_name,
        filename=f"{stem}.{extension}",
        content_type=IMAGE_TYPES[image.format],
        size=len(data),
        uploaded_by=by,
        broadcast=broadcast,
    )
    attachment.file.save(attachment.filename, ContentFile(data), save=False)
    thumb = image.convert("RGB") if image.mode not in ("RGB", "L") else image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    thumb.save(buffer, format="JPEG", quality=85)
    attachment.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(buffer.getvalue()), save=False)
    attachment.save()
    return attachment


def _store_pasted_images(
    html: str, *, investigation, instrument_name: str, by: str, broadcast: bool = False
) -> str:
    """Pasted images arrive as data: URLs; store each and point the HTML at the stored file."""

    def replace(match: re.Match) -> str:
        data = decode_data_uri(match.group(0), field="content")
        attachment = image_store(
            data=data,
            filename="pasted",
            investigation=investigation,
            instrument_name=instrument_name,
            by=by,
            field="content",
            broadcast=broadcast,
        )
        return attachment.get_absolute_url()

    return DATA_URI.sub(replace, html)


def _normalise_category(value: str | None) -> str:
    category = (value or "").strip().lower()
    if category not in Category.values:
        raise EventInvalid("category", f"'{value}' is not one of {', '.join(Category.values)}")
    return category


def tags_ensure(
    *, names: list[str], investigation: Investigation | None, instrument: Instrument | None
) -> list[str]:
    """Tag names, cleaned; unknown ones are created with the next colour of the palette.
    Creating is idempotent: writers racing on one new name all get it, none an IntegrityError."""
    clean = []
    for name in names:
        name = re.sub(r"\s+", " ", str(name)).strip()
        if len(name) > MAX_TAG_LENGTH:
            raise EventInvalid("tags", f"a tag has at most {MAX_TAG_LENGTH} characters")
        if name and name not in clean:
            clean.append(name)
    if len(clean) > MAX_TAGS_PER_EVENT:
        raise EventInvalid("tags", f"an event has at most {MAX_TAGS_PER_EVENT} tags")
    if investigation is not None:
        scope = {"investigation": investigation}
    elif instrument is not None:
        scope = {"investigation": None, "instrument": instrument}
    else:
        return clean
    existing = set(Tag.objects.filter(**scope, name__in=clean).values_list("name", flat=True))
    count = Tag.objects.filter(**scope).count()
    new = [name for name in clean if name not in existing]
    owner = {**scope, "instrument": instrument or getattr(investigation, "instrument", None)}
    # ON CONFLICT DO NOTHING: a tag another request created since the line above is kept as is.
    Tag.objects.bulk_create(
        [
            Tag(name=name, colour=TAG_PALETTE[(count + i) % len(TAG_PALETTE)], **owner)
            for i, name in enumerate(new)
        ],
        ignore_conflicts=True,
    )
    return clean


def reply_parent(
    *, user, parent_id: object, investigation: Investigation | None, instrument: Instrument | None
) -> str | None:
    """The id of the event a new one replies to, checked: it must be one the writer can read in
    the logbook being written. Anything else, malformed ids included, is one and the same answer,
    so a reply cannot tell a hidden event from a missing one."""
    raw = str(parent_id or "").strip()
    if not raw:
        return None
    parent = get_store().get(raw) if len(raw) <= 40 else None
    if parent is None or not access.can_reply_to_event(
        user, parent, investigation=investigation, instrument=instrument
    ):
        raise EventInvalid("parent", "No such event to reply to in this logbook.")
    return parent["_id"]


def check_refers_to(
    value: datetime | None, *, written: datetime, investigation: Investigation | None
) -> datetime | None:
    """The time a note refers to, checked: not after it was written (so never in the future),
    nor long before its session; None when it names none."""
    if value is None:
        return None
    if value > timezone.now() + CLOCK_SKEW:
        raise EventInvalid("refers_to", "The time referred to can’t be in the future.")
    if value > written + CLOCK_SKEW:
        raise EventInvalid(
            "refers_to",
            "The time referred to can’t be later than when the entry was written "
            f"({local(written):%d %b %Y %H:%M}).",
        )
    if investigation is not None and investigation.start_date:
        earliest = investigation.start_date - REFERS_TO_BEFORE_SESSION
        limit = f"a week before the session started ({local(earliest):%d %b %Y})"
    else:
        earliest = written - REFERS_TO_BEFORE_WRITING
        limit = f"a year before the entry was written ({local(earliest):%d %b %Y})"
    if value < earliest:
        raise EventInvalid("refers_to", f"The time referred to can’t be earlier than {limit}.")
    return value


def event_create(
    *,
    investigation: Investigation | None,
    instrument: Instrument | None,
    type: str,
    category: str,
    by: str,
    title: str = "",
    html: str | None = None,
    text: str | None = None,
    tags: list[str] | None = None,
    when=None,
    parent_event_id: str | None = None,
    refers_to: datetime | None = None,
    extra: dict | None = None,
) -> dict:
    """Validate, sanitise and store one event; returns the stored document."""
    if type not in EventType.values:
        raise EventInvalid("type", f"'{type}' is not one of {', '.join(EventType.values)}")
    category = _normalise_category(category)
    if len(title or "") > MAX_TITLE_LENGTH:
        raise EventInvalid("title", f"is longer than {MAX_TITLE_LENGTH} characters")
    instrument_name = instrument.name if instrument else ""
    content = []
    if html is not None and html.strip():
        html = _store_pasted_images(
            html,
            investigation=investigation,
            instrument_name=instrument_name,
            by=by,
            broadcast=type == EventType.BROADCAST,
        )
        content.append({"format": "html", "text": sanitise(html)})
    if text:
        content.append({"format": "plainText", "text": text})
    if type == EventType.ANNOTATION and not content and not title:
        raise EventInvalid("content", "write something")
    when = when or timezone.now()
    if refers_to is not None and type != EventType.ANNOTATION:
        raise EventInvalid("refers_to", "Only notes, not broadcasts, refer to an earlier time.")
    refers_to = check_refers_to(refers_to, written=when, investigation=investigation)
    doc = {
        "type": type,
        "category": category,
        "title": title or "",
        "content": content,
        "tag": tags_ensure(names=tags or [], investigation=investigation, instrument=instrument),
        "username": by,
        "creationDate": when,
        "investigationId": investigation.pk if investigation else None,
        "investigationName": investigation.name if investigation else None,
        "instrumentName": instrument_name or None,
        "removed": False,
        "parentEventId": parent_event_id,
    }
    if refers_to is not None:
        doc["refersTo"] = refers_to
    doc.update(extra or {})
    stored = get_store().insert(doc)
    # Written by the team or its beamline's software; `by` names them (no request here).
    usage.usage_record(
        kind=UsageKind.LOGBOOK_EVENT,
        investigation=investigation,
        instrument=instrument,
        audience=Audience.TEAM,
        visitor=f"n{by}",
    )
    return stored


def event_update(
    *,
    event: dict,
    by: str,
    title: str,
    html: str,
    tags: list[str],
    investigation: Investigation | None,
    instrument: Instrument | None,
    version: str | None = None,
    refers_to=KEEP,
) -> dict:
    """Edit an event's title, text, tags and (with `refers_to`, None to clear it) the time it
    refers to; the previous version stays in its history.
    With the `version` the editor started from, an edit of an event changed since then raises
    StaleEdit (see `stale_edit_message`) and changes nothing."""
    html = _store_pasted_images(
        html or "",
        investigation=investigation,
        instrument_name=instrument.name if instrument else "",
        by=by,
        broadcast=event.get("type") == EventType.BROADCAST,
    )
    # The editor shows the event as HTML, so the edited HTML replaces every earlier format.
    content = [{"format": "html", "text": sanitise(html)}] if html.strip() else []
    changes = {
        "title": title or "",
        "content": content,
        "tag": tags_ensure(names=tags, investigation=investigation, instrument=instrument),
    }
    if refers_to is not KEEP:
        if refers_to is not None and event.get("type") != EventType.ANNOTATION:
            raise EventInvalid("refers_to", "Only notes, not broadcasts, refer to an earlier time.")
        changes["refersTo"] = check_refers_to(
            refers_to, written=event["creationDate"], investigation=investigation
        )
    return get_store().update(event["_id"], changes, by=by, version=version)


def stale_edit_message(current: dict) -> str:
    who = current.get("username") or "someone"
    when = current.get("updatedAt") or current.get("creationDate")
    at = f" at {local(when):%d %b %Y %H:%M:%S}" if when else ""
    return (
        f"This entry was changed by {who}{at} since you opened it. Nothing was saved: copy your "
        "text, reload the entry and apply your change again."
    )


def events_move(*, source: Investigation, destination: Investigation) -> tuple[int, int]:
    """Every logbook event of `source`, with their files and tags, to `destination`: what
    beamline software asks after writing to the wrong proposal. Returns (matched, moved)."""
    if source.pk == destination.pk:
        return 0, 0
    instrument = destination.instrument
    with transaction.atomic():
        counts = get_store().move_investigation(
            source.pk,
            investigation_id=destination.pk,
            investigation_name=destination.name,
            instrument_name=instrument.name,
        )
        # The files follow their events: served to whoever may read the logbook they are in.
        Attachment.objects.filter(investigation=source).update(
            investigation=destination, instrument_name=instrument.name
        )
        present = set(Tag.objects.filter(investigation=destination).values_list("name", flat=True))
        Tag.objects.bulk_create(
            [
                Tag(
                    name=tag.name,
                    colour=tag.colour,
                    investigation=destination,
                    instrument=instrument,
                )
                for tag in Tag.objects.filter(investigation=source)
                if tag.name not in present
            ],
            ignore_conflicts=True,
        )
    return counts
