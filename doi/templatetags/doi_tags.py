"""Template helpers other apps' pages may use: the pick button's access check, DOI links."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from catalogue import access

register = template.Library()


@register.filter
def doi_pickable(dataset, user) -> bool:
    """{% if dataset|doi_pickable:user %}: may this user put the dataset in a DOI collection?"""
    return bool(user.is_authenticated and access.can_mint_doi(user, dataset.investigation))


@register.filter
def doi_landing_url(identifier: str) -> str:
    """The portal's landing page of a DOI string such as Investigation.doi ('' if not ours)."""
    prefix, _, suffix = (identifier or "").partition("/")
    if not suffix:
        return ""
    try:
        return reverse("doi:landing", kwargs={"prefix": prefix, "suffix": suffix})
    except NoReverseMatch:
        return ""
