from __future__ import annotations

from django import template
from django.utils.html import format_html

from shipments import plans
from shipments.workflow import Status

register = template.Library()

COLOURS = {
    Status.CREATED: ("secondary", "pencil"),
    Status.READY: ("info", "hourglass-split"),
    Status.APPROVED: ("success", "shield-check"),
    Status.REFUSED: ("danger", "shield-x"),
    Status.SENT: ("primary", "truck"),
    Status.STORES: ("primary", "box-seam"),
    Status.BEAMLINE: ("warning", "lightning-charge"),
    Status.BACK_STORES: ("primary", "box-seam"),
    Status.BACK_USER: ("dark", "truck"),
    Status.DESTROYED: ("dark", "trash"),
    Status.REMOVED: ("light", "x-circle"),
}
BUTTONS = {
    Status.READY: "Declare ready for the safety check",
    Status.CREATED: "Take back to change it",
    Status.APPROVED: "Approve",
    Status.REFUSED: "Refuse",
    Status.SENT: "Mark as sent",
    Status.STORES: "Received at stores",
    Status.BEAMLINE: "Taken to the beamline",
    Status.BACK_STORES: "Back at stores",
    Status.BACK_USER: "Send back to the user",
    Status.DESTROYED: "Destroyed",
    Status.REMOVED: "Cancel this parcel",
}


@register.simple_tag
def status_badge(status: str) -> str:
    colour, icon = COLOURS.get(status, ("secondary", "question"))
    text = "text-bg-light border" if colour == "light" else f"text-bg-{colour}"
    return format_html(
        '<span class="badge {} parcel-status" data-status="{}"><i class="bi bi-{}"></i> {}</span>',
        text,
        status,
        icon,
        Status(status).label if status in Status.values else status,
    )


@register.filter
def status_colour(status: str) -> str:
    return COLOURS.get(status, ("secondary", ""))[0]


@register.filter
def action_label(status: str) -> str:
    return BUTTONS.get(status, status)


@register.filter
def plan_rows(plan: dict) -> list[tuple[str, str]]:
    return plans.rows(plan) if isinstance(plan, dict) else [("plan", str(plan))]
