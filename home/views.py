"""The home page (each user's work, home/dashboard.py; what is public for visitors) and the
navbar's pending counts. Routed by portal/urls.py under the `portal:` names."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from catalogue.access import public_investigations
from catalogue.models import Instrument

from . import dashboard


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Signed-in users land on their work (home/dashboard.py); visitors on what is public."""
    if request.user.is_authenticated:
        response = render(request, "portal/dashboard.html", dashboard.dashboard(request.user))
        patch_cache_control(response, private=True)  # one user's work: no shared cache keeps it
        return response
    recently_released = (
        public_investigations().select_related("instrument").order_by("-release_date", "-id")[:8]
    )
    beamlines = Instrument.objects.prefetch_related("techniques").order_by("name")
    return render(
        request,
        "portal/home.html",
        {"recently_released": recently_released, "beamlines": beamlines},
    )


@require_http_methods(["GET"])
def nav_badges(request: HttpRequest) -> HttpResponse:
    """The navbar's pending counts, polled by HTMX (templates/portal/_nav_work.html); nothing for
    visitors. Private: the counts are the user's own."""
    badges = dashboard.nav_badges(request.user) if request.user.is_authenticated else {}
    response = render(request, "portal/_nav_badges.html", {"badges": badges})
    patch_cache_control(response, private=True, no_store=True)
    return response
