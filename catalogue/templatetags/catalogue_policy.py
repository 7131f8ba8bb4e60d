"""What the data-policy controls on an investigation page offer to the user who reads it."""

from __future__ import annotations

from django import template

from catalogue import access
from catalogue.models import Investigation

register = template.Library()


@register.simple_tag(takes_context=True)
def policy_actions(context: template.Context, investigation: Investigation) -> dict:
    user = context["request"].user
    return {
        "history": user.is_authenticated and access.can_view_history(user, investigation),
        "release": access.can_release_now(user, investigation),
        "proprietary": access.can_set_proprietary(user, investigation),
    }


@register.filter
def policy_menu(user) -> dict:
    """The user menu's data-policy entries: the office's queue, the facility's audit trail."""
    return {"queue": access.is_data_policy(user), "audit": access.can_view_audit(user)}
