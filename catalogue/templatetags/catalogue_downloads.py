"""Template helpers for the download basket and the dataset download panel, so that any page can
include `catalogue/_basket_toggle.html` or `catalogue/_dataset_download_panel.html` given only a
dataset."""

from __future__ import annotations

from django import template

from catalogue import access
from catalogue import downloads as svc
from catalogue.basket import SESSION_KEY
from catalogue.models import ArchiveStatus, Dataset

register = template.Library()


@register.simple_tag(takes_context=True)
def basket_has(context: template.Context, kind: str, obj) -> bool:
    request = context.get("request")
    raw = request.session.get(SESSION_KEY) if request is not None else None
    return bool(raw) and obj.pk in raw.get(f"{kind}s", [])


@register.simple_tag(takes_context=True)
def download_panel(context: template.Context, dataset: Dataset) -> dict:
    user = context["request"].user
    online = dataset.archive_status == ArchiveStatus.ONLINE
    return {
        "mode": svc.download_mode(size=dataset.size, file_count=dataset.file_count, online=online),
        "globus_url": svc.globus_url(dataset),
        "limits": svc.limits(),
        # Only where it applies: embargoed data, which only its team sees.
        "token_hint": user.is_authenticated and not access.is_public_dataset(dataset),
        **restore_offer(context, dataset),
    }


@register.simple_tag(takes_context=True)
def restore_offer(context: template.Context, dataset: Dataset) -> dict:
    """What a page says about a dataset on tape: its state, the latest restore (its progress
    while it runs, its error if it failed) and whether this visitor may ask for it."""
    online = dataset.archive_status == ArchiveStatus.ONLINE
    return {
        "online": online,
        "archived": dataset.archive_status == ArchiveStatus.ARCHIVED,
        "restoring": dataset.archive_status == ArchiveStatus.RESTORING,
        "can_restore": not online and access.may_request_restore(context["request"].user, dataset),
        "restore": None if online else dataset.restores.order_by("-created_at", "-id").first(),
    }
