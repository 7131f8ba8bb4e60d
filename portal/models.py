from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

# How an ICAT user (ICAT_USER_MATCH) or an SSO login (OIDC_USER_MATCH) finds its portal user: the
# way -> the User column compared ("email_lower" is Lower("email"), annotated by the caller).
MATCH_COLUMNS = {"name": "icat_name", "email": "email_lower", "subject": "username"}


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


def hash_session_id(raw: str) -> str:
    # Session ids are 122 random bits (uuid4 from os.urandom): a plain SHA-256 is enough.
    return hashlib.sha256(raw.encode()).hexdigest()


class IcatPlusSessionQuerySet(models.QuerySet):
    def live(self) -> IcatPlusSessionQuerySet:
        return self.filter(expires_at__gt=timezone.now(), user__is_active=True)

    def find(self, raw: str) -> IcatPlusSession | None:
        """The live session with this id, or None: unknown, expired and a deactivated user's
        sessions are the same to a caller."""
        return self.live().select_related("user").filter(id_hash=hash_session_id(raw)).first()

    def open(self, *, user: User) -> tuple[IcatPlusSession, str]:
        """Open a session for `user`; the raw id is returned once, only its hash is stored.

        An ICAT session id is a UUID, and some clients put it in paths as they got it."""
        raw = str(uuid.uuid4())
        self.filter(user=user, expires_at__lte=timezone.now()).delete()
        session = self.create(user=user, id_hash=hash_session_id(raw), expires_at=_expiry())
        return session, raw


def _expiry() -> datetime:
    return timezone.now() + timedelta(minutes=settings.ICATPLUS_SESSION_MINUTES)


class IcatPlusSession(models.Model):
    """A login through ICAT+'s `POST /session`, for the field's clients (MXCuBE, scripts): the
    session id they then put in every ICAT+ path names one of the portal's users."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="icatplus_sessions")
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()

    objects = IcatPlusSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "ICAT+ session"

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def remaining_minutes(self) -> float:
        return max(0.0, round((self.expires_at - timezone.now()).total_seconds() / 60, 2))

    def refresh(self) -> None:
        """ICAT's refresh: the session lives its full length again from now."""
        self.expires_at = _expiry()
        self.save(update_fields=["expires_at"])


class SsoIdentity(models.Model):
    """A person at an OpenID Connect provider: (provider, subject) names one portal user for good,
    so a second login, or a login through another provider linked to the same user, finds them
    again instead of creating someone new."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    provider = models.CharField(max_length=64)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_login = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique")
        ]
        verbose_name = "SSO identity"
        verbose_name_plural = "SSO identities"

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject} -> {self.user}"


class Heartbeat(models.Model):
    """The last sign of life of a Celery worker or of beat (portal/heartbeat.py), read by
    `/healthz/deep` and shown in the admin: a process that stops writing here is down."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Worker"
        BEAT = "beat", "Beat"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=255, help_text="the worker's node name, or beat@host")
    queues = models.CharField(max_length=255, blank=True, help_text="queues the worker consumes")
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="one_heartbeat_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def age_seconds(self) -> int:
        return int((timezone.now() - self.seen_at).total_seconds())

    @property
    def is_alive(self) -> bool:
        return self.age_seconds <= settings.HEALTH_HEARTBEAT_STALE_SECONDS
