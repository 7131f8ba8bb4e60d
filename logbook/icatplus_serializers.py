"""ICAT+'s `Event` as it is posted: by beamline software with an API key (`notification`,
`base64`, the legacy `createfrombase64`) and by people through their session. DRF checks every
field before anything is written; a refusal is ICAT+'s 400 naming the field."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from catalogue.icatplus.serializers import IdField

from .dates import OUT_OF_RANGE, in_range
from .models import Category, EventType
from .services import MAX_TAG_LENGTH, MAX_TAGS_PER_EVENT, MAX_TITLE_LENGTH

MAX_TEXT = 1_000_000  # characters of one content item: a long pasted log, not a book
MAX_BASE64 = 40 * 1024 * 1024  # a 30 MiB file as base64, with its data: prefix


class ContentItemSerializer(serializers.Serializer):
    format = serializers.ChoiceField(["plainText", "html", "markdown"], default="plainText")
    text = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, trim_whitespace=False)


class TagNameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_TAG_LENGTH)


class CategoryField(serializers.CharField):
    """ICAT+ takes `commandLine` and stores it lowercased."""

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data).lower()
        if value not in Category.values:
            raise serializers.ValidationError(
                f"'{data}' is not one of {', '.join(Category.values)}"
            )
        return value


class TagListField(serializers.Field):
    """ICAT+'s `tag`, `[{"name": ...}]`, or the bare names older beamline software sends."""

    def to_internal_value(self, data) -> list[str]:
        if data in (None, ""):
            return []
        if not isinstance(data, list) or len(data) > MAX_TAGS_PER_EVENT:
            raise serializers.ValidationError(
                f"must be a list of at most {MAX_TAGS_PER_EVENT} {{name}}"
            )
        names = [item.get("name") if isinstance(item, dict) else item for item in data]
        if not all(isinstance(name, str) and 0 < len(name) <= MAX_TAG_LENGTH for name in names):
            raise serializers.ValidationError(
                f"each tag is a name of 1 to {MAX_TAG_LENGTH} characters"
            )
        return names


def facility_time(parsed: datetime) -> datetime:
    """A date-time without a zone is the beamline's wall clock: older pyicat-plus sends
    `datetime.now().isoformat()` from the control computer, which keeps the facility's time, and
    ICAT+ (Node, `new Date(...)`) reads such a string in its server's zone, the facility's too.
    So it is read in TIME_ZONE, explicitly, whatever zone a request may have activated."""
    if timezone.is_aware(parsed):
        return parsed
    return timezone.make_aware(parsed, timezone.get_default_timezone())


class CreationDateField(serializers.Field):
    """ISO 8601, naive ones on the facility's wall clock (`facility_time`)."""

    def to_internal_value(self, data) -> datetime | None:
        if data in (None, ""):
            return None
        try:
            parsed = parse_datetime(data) if isinstance(data, str) else None
        except ValueError:  # well formed but impossible, like month 13
            parsed = None
        if parsed is None:
            raise serializers.ValidationError(f"'{data}' is not an ISO 8601 date-time")
        if not in_range(parsed):
            raise serializers.ValidationError(OUT_OF_RANGE)
        return facility_time(parsed)


def _text(limit: int = 255) -> serializers.CharField:
    return serializers.CharField(
        max_length=limit, required=False, allow_blank=True, allow_null=True, default=""
    )


class BeamlineEventSerializer(serializers.Serializer):
    """An event beamline software posts (`dataacquisition/{apiKey}/notification`, the logbook's
    `.../event`): where it goes is the route's query or path, else the body's names."""

    type = serializers.ChoiceField(
        [EventType.NOTIFICATION, EventType.ANNOTATION, EventType.BROADCAST]
    )
    category = CategoryField(max_length=16)
    title = _text(MAX_TITLE_LENGTH)
    content = ContentItemSerializer(many=True, required=False, allow_null=True, default=list)
    tag = TagListField(required=False, default=list)
    creationDate = CreationDateField(required=False, default=None)
    username = _text(150)
    software = _text()
    machine = _text()
    source = _text()
    investigationId = IdField(required=False, allow_null=True)
    investigationName = _text()
    instrumentName = _text()
    datasetId = IdField(required=False, allow_null=True)
    datasetName = _text()


class BeamlineFileSerializer(serializers.Serializer):
    """An image, PDF or text file beamline software posts as a data URI (`base64`)."""

    base64 = serializers.CharField(
        max_length=MAX_BASE64,
        error_messages={
            "required": "is required (a data:<type>;base64, URI)",
            "blank": "is required (a data:<type>;base64, URI)",
        },
    )
    filename = _text()
    usernames = _text()  # comma-separated; the first is the author
    tag = TagListField(required=False, default=list)
    creationDate = CreationDateField(required=False, default=None)
    software = _text()
    machine = _text()
    datasetId = IdField(required=False, allow_null=True)
    datasetName = _text()
