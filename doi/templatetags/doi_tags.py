"""Template helpers other apps' pages may use: the pick button's access check, DOI links."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from catalogue import access
from doi.views import publications_panel

register = template.Library()


@register.filter
def doi_pickable(dataset, user) -> bool:
    """{% if dataset|doi_pickable:user %}: may this user put the dataset in a DOI collection?

    Memoised per investigation on the request's user object, so a datasets table with a button
    per row asks the database once, not once per row."""
    if not user.is_authenticated:
        return False
    memo = user.__dict__.setdefault("_doi_pickable", {})
    if dataset.investigation_id not in memo:
        memo[dataset.investigation_id] = access.can_mint_doi(user, dataset.investigation)
    return memo[dataset.investigation_id]


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


@register.inclusion_tag("doi/_publications.html", takes_context=True)
def cited_by(context, investigation) -> dict:
    """{% cited_by investigation %}: the "Cited by" panel of an investigation page (the catalogue
    app knows nothing of linked publications)."""
    request = context["request"]
    panel = publications_panel(request.user, investigation=investigation)
    return {**panel, "csrf_token": context.get("csrf_token"), "request": request}
