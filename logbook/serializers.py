from __future__ import annotations

from rest_framework import serializers


class EventWriteSerializer(serializers.Serializer):
    """An annotation written through the API: HTML content, sanitised on the server."""

    investigation = serializers.IntegerField(required=False)
    beamline = serializers.CharField(required=False, max_length=50)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list
    )
    parent = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")

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
