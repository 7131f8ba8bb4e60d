from __future__ import annotations

from django import template

from home import dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_roles(context) -> dashboard.Roles | None:
    """The signed-in user's roles for the navbar's work entries (cached per user)."""
    user = context["request"].user
    return dashboard.nav_roles(user) if user.is_authenticated else None
