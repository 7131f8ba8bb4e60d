"""Beamline pages: what a beamline does, who runs it, its sessions and its figures.

A beamline is public; its sessions and the figures drawn from them are only those the viewer may
see (access.beamline_sessions): to outsiders an embargoed session is neither a row nor a count."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from catalogue import access
from catalogue.figures import sessions_per_year
from portal import keyset

PAGE_SIZE = 20
NOW_AND_NEXT = 6
ORDERING = ["-start_date", "-id"]


@require_GET
def beamlines(request: HttpRequest) -> HttpResponse:
    instruments = access.beamlines().prefetch_related("techniques")
    counts = dict(
        access.visible_investigations(request.user)
        .order_by()
        .values_list("instrument")
        .annotate(count=Count("id"))
    )
    mine = (
        set(request.user.instruments.values_list("pk", flat=True))
        if request.user.is_authenticated
        else set()
    )
    cards = [
        {"instrument": i, "sessions": counts.get(i.pk, 0), "mine": i.pk in mine}
        for i in instruments
    ]
    return render(request, "catalogue/beamlines.html", {"cards": cards})


@require_GET
@vary_on_headers("HX-Request")
def beamline(request: HttpRequest, name: str) -> HttpResponse:
    instrument = access.get_beamline_or_404(name)
    if name != instrument.name:
        # One address per beamline: /beamlines/id23-1/ is typed, /beamlines/ID23-1/ is shared.
        query = request.GET.urlencode()
        return redirect(f"{instrument.get_absolute_url()}{'?' + query if query else ''}")
    sessions = access.beamline_sessions(request.user, instrument)
    now = timezone.now()
    past = sessions.filter(end_date__lt=now)
    page, stale = keyset.paginate_or_first(
        past, ordering=ORDERING, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    cursor_error = keyset.STALE_LINK if stale else ""
    template = "catalogue/beamline.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#sessions"
        return render(request, template, {"page": page, "cursor_error": cursor_error})
    return render(
        request,
        template,
        {
            "instrument": instrument,
            "techniques": list(instrument.techniques.all()),
            "scientists": list(instrument.scientists.order_by("last_name", "first_name")),
            "now_and_next": list(
                sessions.filter(end_date__gte=now).order_by("start_date", "id")[:NOW_AND_NEXT]
            ),
            "now": now,
            "page": page,
            "cursor_error": cursor_error,
            "figures": sessions_per_year(sessions),
            "may_read_logbook": access.can_view_beamline(request.user, instrument),
        },
    )
