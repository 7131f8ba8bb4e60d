"""What the data-policy controls on an investigation page offer to the user who reads it."""

from __future__ import annotations

from django import template

from catalogue import access
from catalogue.models import Investigation

register = template.Library()


@register.simple_tag(takes_context=True)
def policy_actions(context: template.Context, investigation: Investigation) -> dict:
    """Callables, which the template calls only where it uses them: the tabs ask one question,
    the summary three, and a page pays only for the lookups it shows."""
    user = context["request"].user
    return {
        "history": lambda: user.is_authenticated and access.can_view_history(user, investigation),
        "release": lambda: access.can_release_now(user, investigation),
        "proprietary": lambda: access.can_set_proprietary(user, investigation),
    }


@register.filter
def policy_menu(user) -> dict:
    """The user menu's data-policy entries: the office's queue, the facility's audit trail
    (callables: asked only when the menu shows them)."""
    return {
        "queue": lambda: access.is_data_policy(user),
        "audit": lambda: access.can_view_audit(user),
    }
