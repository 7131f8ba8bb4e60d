from __future__ import annotations

from rest_framework import serializers

from .services import MAX_TAG_LENGTH, MAX_TAGS_PER_EVENT, MAX_TITLE_LENGTH


class EventWriteSerializer(serializers.Serializer):
    """An annotation written through the API: HTML content, sanitised on the server."""

    investigation = serializers.IntegerField(required=False)
    beamline = serializers.CharField(required=False, max_length=50)
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TITLE_LENGTH, default=""
    )
    content = serializers.CharField(required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        required=False,
        default=list,
        max_length=MAX_TAGS_PER_EVENT,
    )
    # Checked against the logbook by the view: any bad value is "no such event to reply to".
    parent = serializers.CharField(required=False, allow_blank=True, default="")
    # PATCH: the `version` the edit started from (from GET); a stale one is answered 409.
    version = serializers.CharField(required=False, max_length=40)

    def validate(self, data: dict) -> dict:
        if self.partial:
            return data
        if ("investigation" in data) == ("beamline" in data):
            raise serializers.ValidationError(
                {"investigation": "Give an investigation or a beamline."}
            )
        if not (data.get("title") or data.get("content", "").strip()):
            raise serializers.ValidationError({"content": "Write something."})
        return data


class ContentSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["plainText", "html"])
    text = serializers.CharField()


class TagNameSerializer(serializers.Serializer):
    name = serializers.CharField()


class EventSerializer(serializers.Serializer):
    """An event as ICAT+ returns it (documentation of the API's answers)."""

    _id = serializers.CharField()
    type = serializers.CharField()
    category = serializers.CharField()
    title = serializers.CharField()
    content = ContentSerializer(many=True)
    tag = TagNameSerializer(many=True)
    username = serializers.CharField()
    creationDate = serializers.DateTimeField()  # noqa: N815 - ICAT+'s name
    investigationId = serializers.IntegerField(required=False)  # noqa: N815
    investigationName = serializers.CharField(required=False)  # noqa: N815
    instrumentName = serializers.CharField(required=False)  # noqa: N815
    datasetId = serializers.IntegerField(required=False)  # noqa: N815
    datasetName = serializers.CharField(required=False)  # noqa: N815
    software = serializers.CharField(required=False)
    previousVersionEvent = serializers.DictField(required=False)  # noqa: N815


class StaleEditSerializer(serializers.Serializer):
    """A PATCH that started from an older version (409): nothing was changed."""

    detail = serializers.CharField(help_text="Who changed the event since, and when.")
    version = serializers.CharField(help_text="The event's current version, to start again from.")


class EventPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = EventSerializer(many=True)
