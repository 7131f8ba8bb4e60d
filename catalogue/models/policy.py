"""Data-policy records: the audit trail of access-relevant changes and embargo extension requests.

Re-exported by catalogue/models/__init__.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AccessEventKind(models.TextChoices):
    TEAM_ADDED = "team_added", "Team member added"
    TEAM_REMOVED = "team_removed", "Team member removed"
    ACCESS_REQUESTED = "access_requested", "Access requested"
    ACCESS_APPROVED = "access_approved", "Access request approved"
    ACCESS_DECLINED = "access_declined", "Access request declined"
    RELEASED = "released", "Released early"
    EXTENSION_REQUESTED = "extension_requested", "Embargo extension requested"
    EXTENSION_APPROVED = "extension_approved", "Embargo extension approved"
    EXTENSION_REFUSED = "extension_refused", "Embargo extension refused"
    PROPRIETARY_SET = "proprietary_set", "Made proprietary"
    PROPRIETARY_CLEARED = "proprietary_cleared", "Proprietary status lifted"
    DOI_MINTED = "doi_minted", "DOI minted"
    DOI_WITHDRAWN = "doi_withdrawn", "DOI withdrawn"
    API_KEY_CREATED = "api_key_created", "API key created"
    API_KEY_REVOKED = "api_key_revoked", "API key revoked"


class AppendOnly(Exception):
    """An audit row was about to be changed or deleted."""


class AccessEvent(models.Model):
    """One access-relevant change: who, when, what, why. Rows are only ever added, in the
    transaction of the change they record (catalogue/audit.py), so a rolled-back change leaves
    none; the admin shows them read-only and `save` refuses to change a stored row."""

    at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # The name as it was: the trail still says who after the account is gone or renamed.
    actor_name = models.CharField(max_length=200, blank=True, editable=False)
    investigation = models.ForeignKey(
        "catalogue.Investigation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events",
        editable=False,
    )
    kind = models.CharField(max_length=32, choices=AccessEventKind.choices, editable=False)
    summary = models.CharField(max_length=300, editable=False)
    reason = models.TextField(blank=True, editable=False)
    details = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="accessevent_at"),
            models.Index(fields=["investigation", "-at", "-id"], name="accessevent_inv_at"),
            models.Index(fields=["kind", "-at", "-id"], name="accessevent_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit events are never deleted.")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class EmbargoExtension(models.Model):
    """A principal investigator's request to move the release date later, answered by the
    data-policy office (catalogue/policy.py)."""

    investigation = models.ForeignKey(
        "catalogue.Investigation", on_delete=models.CASCADE, related_name="embargo_extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    current_release_date = models.DateTimeField()
    new_release_date = models.DateTimeField()
    reason = models.TextField()
    status = models.CharField(
        max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at", "id"], name="extension_queue")]
        constraints = [
            # One open question per session: a second request waits for the first answer.
            models.UniqueConstraint(
                fields=["investigation"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_investigation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investigation_id} → {self.new_release_date:%Y-%m-%d} ({self.status})"
