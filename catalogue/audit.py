"""The audit trail's one way in: `audit_record`, called inside the transaction of the change it
records, so the row and the change commit or roll back together. Other apps call it too (doi,
logbook): they may import catalogue, never the other way round."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .models.policy import AccessEvent


def _name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return getattr(user, "display_name", "") or user.get_username()


def audit_record(
    *,
    kind: str,
    actor,
    summary: str,
    investigation=None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AccessEvent:
    """Append one event; `actor` None (or anonymous) is the system (a worker, the beat task)."""
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the row could outlive a change that then fails.
        raise RuntimeError("audit_record must run inside the change's transaction.atomic()")
    real = actor if getattr(actor, "is_authenticated", False) else None
    return AccessEvent.objects.create(
        kind=kind,
        actor=real,
        actor_name=_name(real),
        investigation=investigation,
        summary=summary[:300],
        reason=reason,
        details=details or {},
    )
