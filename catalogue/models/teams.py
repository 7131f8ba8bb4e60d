"""Portal-owned state of teams: access requests and the team's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .mirror import Investigation, Role


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class AccessRequest(models.Model):
    """A scientist asks to join a proposal by its name. The name is kept as typed: a request for a
    proposal that does not exist is stored too, so the requester cannot tell the difference."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    proposal = models.CharField(max_length=100)
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["proposal", "status"])]

    def __str__(self) -> str:
        return f"{self.requester} → {self.proposal} ({self.get_status_display()})"


class TeamChangeAction(models.TextChoices):
    ADDED = "added", "Added"
    REMOVED = "removed", "Removed"
    REQUESTED = "requested", "Requested access"
    APPROVED = "approved", "Approved access request"
    DECLINED = "declined", "Declined access request"


class TeamChange(models.Model):
    """The team's history: who did what to whom, and when."""

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="team_changes"
    )
    action = models.CharField(max_length=16, choices=TeamChangeAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["investigation", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.by} {self.get_action_display()} {self.user}"
