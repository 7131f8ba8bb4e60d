"""Reading a logbook: the timeline with filters and search, the calendar, live updates, PDF."""

from __future__ import annotations

import calendar
import hashlib
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalogue import access

from .. import live
from ..dates import local
from ..export import logbook_pdf_request
from ..forms import EntryForm, FilterForm, TagForm, scope_filters
from ..presenters import mark_days, present
from ..scopes import Scope, beamline_scope, investigation_scope
from ..store import Cursor, EventQuery, InvalidCursor, get_store

PAGE_SIZE = 50


def _filters(request: HttpRequest, scope: Scope) -> tuple[FilterForm, EventQuery, list]:
    return scope_filters(request.GET, user=request.user, scope=scope)


def _calendar(counts: dict[date, int]) -> list[dict]:
    """Months with activity (the latest twelve), each a grid of weeks; darker days have more."""
    if not counts:
        return []
    peak = max(counts.values())
    months = sorted({(d.year, d.month) for d in counts})[-12:]
    out = []
    for year, month in months:
        weeks = []
        for week in calendar.Calendar().monthdatescalendar(year, month):
            cells = []
            for day in week:
                n = counts.get(day, 0) if day.month == month else None
                level = 0 if not n else min(4, 1 + (4 * n - 1) // peak)
                cells.append({"day": day, "count": n, "level": level})
            weeks.append(cells)
        out.append({"label": date(year, month, 1), "weeks": weeks})
    return out


def _day_counts(store, query: EventQuery) -> dict:
    """Per-day counts for the calendar, cached a minute: counting a busy logbook's days reads
    every one of its events, and the calendar does not need to be exact to the second."""
    key = "logbook-days:" + hashlib.sha256(repr(query).encode()).hexdigest()
    return cache.get_or_set(key, lambda: store.day_counts(query), 60)


def _timeline(
    request: HttpRequest, scope: Scope, *, entry_form: EntryForm | None = None
) -> HttpResponse:
    form, query, tags = _filters(request, scope)
    if form.errors:
        messages.error(request, f"Filters ignored: {_errors(form)}")
    store = get_store()
    after = request.GET.get("after") or None
    try:
        docs, next_cursor = store.find(query, after=after, limit=PAGE_SIZE)
    except InvalidCursor:
        messages.error(request, "That link to a page of the logbook is broken; showing the start.")
        after, (docs, next_cursor) = None, store.find(query, limit=PAGE_SIZE)
    words = query.text.split()
    events = present(docs, user=request.user, colours={t.name: t.colour for t in tags}, words=words)
    mark_days(
        events,
        by_refers_to=query.by_refers_to,
        previous=local(Cursor.decode(after).when).date() if after else None,
    )
    context = {
        "scope": scope,
        "investigation": scope.investigation,
        "instrument": scope.instrument,
        "form": form,
        "events": events,
        "next_cursor": next_cursor,
        # The filter form submits its empty fields too (`author=&start=`): only values count.
        "filtered": any(
            value
            for k in ("q", "type", "category", "tag", "author", "day", "start", "end", "removed")
            for value in request.GET.getlist(k)
        ),
        # New events go on top only in the order they are written in.
        "newest_first": query.newest_first and not query.by_refers_to,
        "poll_seconds": settings.LOGBOOK_LIVE_POLL_SECONDS,
        "active_tab": "logbook",
    }
    template = "logbook/logbook.html"
    if request.htmx and after:
        return render(request, template + "#page", context)
    # `top`: the day heading the page, which the events arriving live continue.
    top = local(docs[0]["creationDate"]).date().isoformat() if docs else None
    # The version is read before the high-water mark: an event stored in between changes it.
    v = live.version(_live_keys(scope))
    # The poller's URL is this page's query string with these (templates/logbook/logbook.html).
    context["live"] = {"last": store.high_water_mark() or "", "top": top, "v": v}
    if request.htmx:
        return render(request, template + "#timeline", context)
    context.update(
        calendar=_calendar(_day_counts(store, query)),
        tags=tags,
        beamline_url=(
            reverse("logbook:beamline", args=[scope.instrument.name])
            if scope.investigation and access.can_view_beamline(request.user, scope.instrument)
            else ""
        ),
        entry_form=entry_form or EntryForm(initial={"parent": request.GET.get("reply", "")[:40]}),
        tag_form=TagForm(),
    )
    return render(request, template, context)


def _live(request: HttpRequest, scope: Scope) -> HttpResponse:
    """Polled by open pages: the events stored since the newest one shown, and their count."""
    v = live.version(_live_keys(scope))  # before any query, see logbook/live.py
    form, query, tags = _filters(request, scope)
    store = get_store()
    last = request.GET.get("last") or ""
    docs = store.newer_than(query, last_id=last, limit=PAGE_SIZE) if last else []
    latest = docs[0]["_id"] if docs else (last or store.high_water_mark() or "")
    try:
        seen = int(request.GET.get("seen", "0")) + len(docs)
    except ValueError:
        seen = len(docs)
    events = present(docs, user=request.user, colours={t.name: t.colour for t in tags})
    try:
        top = date.fromisoformat(request.GET.get("top", ""))
    except ValueError:
        top = None
    # Events of the day heading the page go under its heading; a new day gets its own.
    same_day = [ev for ev in events if local(ev.doc["creationDate"]).date() == top]
    newer = [ev for ev in events if ev not in same_day]
    mark_days(newer, by_refers_to=False, previous=None)
    if events:
        top = local(events[0].doc["creationDate"]).date()
    context = {
        "scope": scope,
        "events": events,
        "same_day": same_day,
        "newer": newer,
        "seen": seen,
        "newest_first": query.newest_first,
        "poll_seconds": settings.LOGBOOK_LIVE_POLL_SECONDS,
        "live": {"last": latest, "seen": seen, "top": top.isoformat() if top else None, "v": v},
    }
    return render(request, "logbook/_live.html", context)


def _live_keys(scope: Scope) -> list[str]:
    if scope.investigation is not None:
        return live.investigation_keys(scope.investigation.pk)
    return live.beamline_keys(scope.instrument.name)


def _errors(form) -> str:
    return " ".join(f"{form[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())


def _pdf(request: HttpRequest, scope: Scope) -> HttpResponse:
    """Start the PDF of what the page shows, built by a worker (logbook/export.py): HTMX gets the
    job's progress bar in place, a plain POST the job's page. The filters are those of the form's
    URL, or those HTMX sends from the filter form (the URL is stale once filters changed in place).
    """
    if not request.user.is_authenticated:
        return redirect_to_login(scope.home_url)  # a job and its file belong to an account
    data = request.GET.copy()
    for key in request.POST:
        if key != "csrfmiddlewaretoken":
            data.setlist(key, request.POST.getlist(key))
    form, _, _ = scope_filters(data, user=request.user, scope=scope)
    if form.errors:
        # An export of something else than what was asked for would mislead: say why instead.
        if request.htmx:
            return render(
                request, "logbook/logbook.html#pdf-error", {"error": _errors(form)}, status=400
            )
        return HttpResponseBadRequest(_errors(form), content_type="text/plain; charset=utf-8")
    job, created = logbook_pdf_request(owner=request.user, scope=scope, form=form)
    if request.htmx:
        return render(request, "catalogue/downloads_job.html#progress", {"job": job})
    if created:
        messages.success(request, "Your PDF is being laid out: it will be ready here.")
    return redirect(job)


@require_GET
def investigation_logbook(request: HttpRequest, pk: int) -> HttpResponse:
    return _timeline(request, investigation_scope(request.user, pk))


# Nothing new: 204 leaves the poller in place, polling the same URL; only the access check
# (one query) runs, no event query and no template.
NOTHING_NEW = 204


@require_GET
def investigation_live(request: HttpRequest, pk: int) -> HttpResponse:
    access.get_investigation_or_404(request.user, pk)
    if live.unchanged(request, live.investigation_keys(pk)):
        return HttpResponse(status=NOTHING_NEW)
    return _live(request, investigation_scope(request.user, pk))


@require_POST
def investigation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(request, investigation_scope(request.user, pk))


def _across(request: HttpRequest) -> bool:
    return request.GET.get("scope") == "all"


@require_GET
def beamline_logbook(request: HttpRequest, name: str) -> HttpResponse:
    return _timeline(request, beamline_scope(request.user, name, across=_across(request)))


@require_GET
def beamline_live(request: HttpRequest, name: str) -> HttpResponse:
    scope = beamline_scope(request.user, name, across=_across(request))
    if live.unchanged(request, _live_keys(scope)):
        return HttpResponse(status=NOTHING_NEW)
    return _live(request, scope)


@require_POST
def beamline_pdf(request: HttpRequest, name: str) -> HttpResponse:
    across = (request.POST.get("scope") or request.GET.get("scope")) == "all"
    return _pdf(request, beamline_scope(request.user, name, across=across))
