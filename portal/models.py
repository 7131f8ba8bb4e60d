from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A scientist or member of staff; ICAT users map onto these by `icat_name` or e-mail."""

    full_name = models.CharField(max_length=255, blank=True)
    orcid = models.CharField("ORCID", max_length=19, blank=True)
    affiliation = models.CharField(max_length=255, blank=True)
    icat_name = models.CharField(
        "ICAT user name",
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text="e.g. 'esrf/jdoe', as the facility's ICAT names this user",
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username
