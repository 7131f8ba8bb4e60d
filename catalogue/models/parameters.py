"""What describes the mirrored rows beyond their columns: ICAT parameters, and the files a team
attaches to a sample through ICAT+ (not in ICAT)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .mirror import Dataset, IcatMirrored, Investigation, Sample


class ValueType(models.TextChoices):
    NUMERIC = "numeric", "Numeric"
    STRING = "string", "String"


class ParameterType(IcatMirrored):
    name = models.CharField(max_length=255)
    units = models.CharField(max_length=64, blank=True)
    value_type = models.CharField(
        max_length=16, choices=ValueType.choices, default=ValueType.NUMERIC
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "units"]
        constraints = [
            models.UniqueConstraint(fields=["name", "units"], name="parameter_type_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.units})" if self.units else self.name


class Parameter(IcatMirrored):
    type = models.ForeignKey(ParameterType, on_delete=models.PROTECT, related_name="+")
    numeric_value = models.FloatField(null=True, blank=True)
    string_value = models.CharField(max_length=4000, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        units = f" {self.type.units}" if self.type.units else ""
        return f"{self.type.name} = {self.value}{units}"

    @property
    def value(self) -> float | str | None:
        return (
            self.numeric_value if self.type.value_type == ValueType.NUMERIC else self.string_value
        )


class InvestigationParameter(Parameter):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="parameters"
    )

    class Meta:
        indexes = [models.Index(fields=["investigation", "type"])]


class DatasetParameter(Parameter):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="parameters")

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "type"]),
            models.Index(fields=["type", "numeric_value"]),
        ]


class SampleParameter(Parameter):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="parameters")

    class Meta:
        indexes = [models.Index(fields=["sample", "type"])]


def sample_file_path(instance: SampleFile, filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"sample-files/{instance.created_at:%Y/%m}/{uuid.uuid4()}{suffix}"


class SampleFile(models.Model):
    """A file the team attached to a sample (a photo, a model, a safety sheet) through ICAT+'s
    sample sheets; not in ICAT. Stored under MEDIA_ROOT, served only to those who see the
    sample; listed in the sheet's metadata under `metadata_name`."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="files")
    metadata_name = models.CharField(max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=sample_file_path, max_length=255)
    uploaded_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


# --- ICAT sync bookkeeping (catalogue/icat/sync.py) -------------------------------------------


@receiver(post_save, sender=Investigation)
@receiver(post_save, sender=Dataset)
@receiver(post_save, sender=Sample)
@receiver(post_save, sender=DatasetParameter)
def _refresh_search_vector(sender, instance, raw: bool = False, **kwargs) -> None:
    # Here rather than in mirror.py because a dataset's parameters are part of its search text.
    if raw:  # loaddata: the rows may not be complete yet
        return
    from .. import search  # search imports the models

    search.refresh_after_save(instance)
