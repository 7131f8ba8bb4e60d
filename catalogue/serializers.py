from __future__ import annotations

from rest_framework import serializers

from .models import Investigation


class InvestigationSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.name")
    released = serializers.BooleanField(source="is_released")
    techniques = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    url = serializers.URLField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Investigation
        fields = [
            "id", "name", "visit_id", "title", "summary", "instrument", "start_date", "end_date",
            "release_date", "released", "doi", "techniques", "dataset_count", "datafile_count",
            "volume", "url",
        ]
