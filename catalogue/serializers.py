from __future__ import annotations

from rest_framework import serializers

from .models import Investigation


class InvestigationSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.name")
    released = serializers.BooleanField(source="is_released")

    class Meta:
        model = Investigation
        fields = [
            "id", "name", "visit_id", "title", "summary", "instrument", "start_date", "end_date",
            "release_date", "released", "doi", "dataset_count", "datafile_count", "volume",
        ]
