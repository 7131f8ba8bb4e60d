"""The shapes of ICAT+'s session `logbook` routes, as `icat-plus-client` reads and sends them
(`Event`, `Tag`, `Meta`, `LogbookInvestigationStat`, the PUT/PATCH bodies), and the query
parameters they take. Events come out as the API-key routes give them (`to_icat`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from django.utils import timezone
from rest_framework import serializers

from catalogue.icatplus.serializers import (
    MAX_LIMIT,
    DateField,
    IdField,
    NameListField,
    PageQuery,
    without_none,
)

from .dates import OUT_OF_RANGE, in_range
from .icatplus import to_icat
from .icatplus_serializers import (
    MAX_BASE64,
    CategoryField,
    ContentItemSerializer,
    TagNameSerializer,
)
from .models import Category, EventType
from .services import MAX_TAG_LENGTH, MAX_TAGS_PER_EVENT, MAX_TITLE_LENGTH
from .store import EventQuery


class WithEventId(serializers.Serializer):
    """ICAT+ names events `_id`, which a declared field cannot be called."""

    def get_fields(self):
        fields = super().get_fields()
        fields["_id"] = serializers.CharField(max_length=40, required=self.id_required)
        return fields

    id_required = True


# Query parameters -----------------------------------------------------------------------------


class LogbookQuery(serializers.Serializer):
    """Which logbook: an investigation's, or a beamline's (its scientists and staff)."""

    investigationId = IdField(required=False)
    instrumentName = serializers.CharField(max_length=50, required=False, allow_blank=True)


class EventFilterQuery(WithEventId, LogbookQuery, PageQuery):
    """The filters every event route takes (`_id` only names the event `/event/page` looks for).
    `types` are ICAT+'s `type` or `type-category` pairs (`NOTIFICATION-ERROR,annotation`)."""

    id_required = False
    # Each is the timeline's order (creation date, then id: Mongo's ids grow with time too);
    # `sortOrder` picks its direction.
    sorts = {"creationDate": "creationDate", "_id": "_id", "createdAt": "creationDate"}
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=100)
    types = serializers.CharField(max_length=500, required=False, allow_blank=True)
    filterInvestigation = serializers.BooleanField(required=False, default=False)
    date = serializers.DateField(required=False)
    tags = NameListField(max_length=2000, required=False)
    orTags = NameListField(max_length=2000, required=False)
    notTags = NameListField(max_length=2000, required=False)
    startTime = DateField(required=False)
    endTime = DateField(required=False)
    # `pdf`: the page of events as the logbook pages' PDF export.
    format = serializers.ChoiceField(["json", "pdf"], required=False)

    def validate_types(self, value: str) -> tuple[tuple[str, str], ...]:
        kinds = []
        for part in value.split(","):
            kind, _, category = part.strip().lower().partition("-")
            if not kind:
                continue
            if kind not in EventType.values or (category and category not in Category.values):
                raise serializers.ValidationError(
                    f"'{part.strip()}' is not a type ({', '.join(EventType.values)}) or "
                    f"type-category ({', '.join(Category.values)})"
                )
            kinds.append((kind, category))
        return tuple(kinds)

    def validate_date(self, value):
        if not in_range(value):
            raise serializers.ValidationError(OUT_OF_RANGE)
        return value

    def event_query(self, base: EventQuery, *, removed: bool = False) -> EventQuery:
        data = self.validated_data
        date_from, date_to = data.get("startTime"), data.get("endTime")
        if data.get("date"):
            start = timezone.make_aware(
                datetime.combine(data["date"], time.min), timezone.get_current_timezone()
            )
            date_from, date_to = start, start + timedelta(days=1)
        return replace(
            base,
            kinds=data.get("types") or (),
            tags=tuple(data.get("tags") or ()),
            any_tags=tuple(data.get("orTags") or ()),
            not_tags=tuple(data.get("notTags") or ()),
            date_from=date_from,
            date_to=date_to,
            text=data.get("search") or "",
            removed=removed,
            # ICAT+ lists the newest first unless asked `sortOrder=1`.
            newest_first=data.get("sortOrder") not in ("1", "asc"),
        )


class StatsQuery(serializers.Serializer):
    startDate = DateField(required=False)
    endDate = DateField(required=False)


class TagUpdateQuery(serializers.Serializer):
    tagId = IdField()
    investigationId = IdField(required=False)


class DatafileOpenQuery(serializers.Serializer):
    investigationId = IdField()
    path = serializers.CharField(max_length=4096)
    scan = serializers.CharField(max_length=64, required=False, allow_blank=True)


# Bodies ---------------------------------------------------------------------------------------


class EventWriteSerializer(serializers.Serializer):
    """A new event written by a person: an annotation, or a broadcast (staff). Where it goes is
    `?investigationId=`, else its `investigationId`, else its `instrumentName` (a beamline's)."""

    type = serializers.ChoiceField([EventType.ANNOTATION, EventType.BROADCAST])
    category = CategoryField(max_length=16, default=Category.COMMENT)
    title = serializers.CharField(
        max_length=MAX_TITLE_LENGTH, required=False, allow_blank=True, default=""
    )
    content = ContentItemSerializer(many=True, required=False, default=list)
    tag = TagNameSerializer(many=True, required=False, default=list)
    investigationId = IdField(required=False, allow_null=True)
    instrumentName = serializers.CharField(
        max_length=50, required=False, allow_blank=True, allow_null=True
    )

    def validate_tag(self, value: list) -> list[str]:
        if len(value) > MAX_TAGS_PER_EVENT:
            raise serializers.ValidationError(f"an event has at most {MAX_TAGS_PER_EVENT} tags")
        return [t["name"] for t in value]


class EventEditSerializer(WithEventId, EventWriteSerializer):
    """The event as edited. `previousVersionEvent` is the version the edit started from, as the
    event came (absent or null: the original, which has none): an edit of a version someone has
    since replaced changes nothing (409)."""

    type = serializers.ChoiceField(EventType.values)
    category = CategoryField(max_length=16, required=False)
    previousVersionEvent = serializers.DictField(required=False, allow_null=True)

    def validate_previousVersionEvent(self, value: dict | None) -> str:
        if value is None:
            return "original"
        version = value.get("_id")
        if not isinstance(version, str) or not version or len(version) > 40:
            raise serializers.ValidationError("must be {_id} of the version edited")
        return version


class EventPutSerializer(serializers.Serializer):
    event = EventEditSerializer()


class EventsTagPatchSerializer(serializers.Serializer):
    eventIds = serializers.ListField(
        child=serializers.CharField(max_length=40), min_length=1, max_length=MAX_LIMIT
    )
    tags = TagNameSerializer(many=True, max_length=MAX_TAGS_PER_EVENT)


class Base64Serializer(serializers.Serializer):
    base64 = serializers.CharField(max_length=MAX_BASE64)
    filename = serializers.CharField(max_length=255, required=False, allow_blank=True)


class TagWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_TAG_LENGTH)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


# Answers --------------------------------------------------------------------------------------


class EventSerializer(serializers.BaseSerializer):
    """A stored event document as ICAT+ gives it (the same as the API-key routes)."""

    def to_representation(self, instance: dict) -> dict:
        return to_icat(instance)


class TagSerializer(serializers.Serializer):
    """A `logbook.Tag` as ICAT+'s `Tag`: a beamline tag names its beamline, an investigation's
    its investigation (ids as strings, as Mongo's)."""

    name = serializers.CharField()
    color = serializers.CharField(source="colour")

    def to_representation(self, tag) -> dict:
        data = super().to_representation(tag)
        data["_id"] = str(tag.pk)
        if tag.investigation_id is not None:
            data["investigationId"] = str(tag.investigation_id)
        elif tag.instrument_id is not None:
            data["beamlineName"] = tag.instrument.name
        return data


class PageMetaSerializer(serializers.Serializer):
    """`/event/page`: how many events match, and the (1-based) page the event is on."""

    def to_representation(self, instance: dict) -> dict:
        total, limit, position = instance["total"], instance["limit"], instance["position"]
        return {
            "page": {
                "total": total,
                "totalPages": -(-total // limit),
                "currentPage": position // limit + 1,
            }
        }


class InvestigationStatSerializer(serializers.Serializer):
    """An investigation with its logbook's counts (`LogbookInvestigationStat`); the dataset
    figures are strings, as ICAT+'s parameters are."""

    def to_representation(self, inv) -> dict:
        found = self.context["counts"].get(inv.pk, {})
        counts = {kind: found.get(kind, 0) for kind in ("annotation", "notification")}
        return without_none(
            {
                "investigationId": str(inv.pk),
                "name": inv.name,
                "title": inv.title,
                "startDate": inv.start_date.isoformat() if inv.start_date else None,
                "endDate": inv.end_date.isoformat() if inv.end_date else None,
                "instrument": inv.instrument.name,
                "annotations": counts["annotation"],
                "notifications": counts["notification"],
                "count": counts["annotation"] + counts["notification"],
                "__datasetCount": str(inv.dataset_count),
                "__fileCount": str(inv.datafile_count),
                "__volume": str(inv.volume),
                "__sampleCount": str(inv.sample_count),
            }
        )
