from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from .models import Datafile, Dataset, Investigation, Sample


class InvestigationSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.name")
    released = serializers.BooleanField(source="is_released")
    techniques = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    # A path on this site, as for datasets (the schema said "uri", which a path is not).
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Investigation
        fields = [
            "id",
            "name",
            "visit_id",
            "title",
            "summary",
            "instrument",
            "start_date",
            "end_date",
            "release_date",
            "released",
            "doi",
            "techniques",
            "dataset_count",
            "datafile_count",
            "volume",
            "url",
        ]


class InvestigationPageSerializer(serializers.Serializer):
    """One page of the investigation list (keyset pagination, portal.keyset)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InvestigationSerializer(many=True)


# Datasets, datafiles and samples ---------------------------------------------------------------


class ParameterSerializer(serializers.Serializer):
    name = serializers.CharField(source="type.name")
    value = serializers.SerializerMethodField()
    units = serializers.CharField(source="type.units")

    def get_value(self, parameter) -> float | str | None:
        return parameter.value


class DatasetSerializer(serializers.ModelSerializer):
    sample_name = serializers.CharField(source="sample.name", default=None)
    parameters = ParameterSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Dataset
        fields = [
            "id",
            "investigation",
            "name",
            "type",
            "sample",
            "sample_name",
            "description",
            "location",
            "start_date",
            "end_date",
            "file_count",
            "size",
            "archive_status",
            "parameters",
            "url",
        ]


class DatasetDetailSerializer(DatasetSerializer):
    """With provenance; `derived_from`/`derivatives` are set by the view to the visible ones."""

    derived_from = serializers.SerializerMethodField()
    derivatives = serializers.SerializerMethodField()

    class Meta(DatasetSerializer.Meta):
        fields = [*DatasetSerializer.Meta.fields, "derived_from", "derivatives"]

    def get_derived_from(self, dataset) -> list[int]:
        raw = self.context["visible"].filter(derivatives=dataset)
        return list(raw.values_list("pk", flat=True))

    def get_derivatives(self, dataset) -> list[int]:
        processed = self.context["visible"].filter(derived_from=dataset)
        return list(processed.values_list("pk", flat=True))


class DatafileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Datafile
        fields = [
            "id",
            "dataset",
            "name",
            "location",
            "size",
            "checksum",
            "file_mod_time",
            "download_url",
        ]

    def get_download_url(self, datafile) -> str:
        return reverse("catalogue:datafile-download", args=[datafile.pk])


class SampleSerializer(serializers.ModelSerializer):
    parameters = ParameterSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Sample
        fields = ["id", "investigation", "name", "type", "description", "parameters", "url"]

    def get_url(self, sample) -> str:
        return reverse("catalogue:sample-detail", args=[sample.pk])
