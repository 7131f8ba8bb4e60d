"""Lists of investigations (My experiments, public data) and the search page.

Filters and sort live in the query string (bookmarkable); HTMX requests get the #results
fragment only. Pagination is keyset: `cursor` is an opaque token, never an offset."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from catalogue import access
from catalogue import search as catalogue_search
from catalogue.forms import SORT_LABELS, InvestigationFilterForm
from catalogue.models import Investigation
from portal import keyset

PAGE_SIZE = 25


def _investigation_list(
    request: HttpRequest, queryset: QuerySet[Investigation], template: str
) -> HttpResponse:
    form = InvestigationFilterForm(request.GET)
    form.is_valid()  # invalid fields are shown as errors and left out of the filter
    queryset = form.filter(queryset.select_related("instrument"))
    page, stale = keyset.paginate_or_first(
        queryset, ordering=form.ordering, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "sort": form.sort_key,
            "sort_labels": SORT_LABELS,
            "cursor_error": keyset.STALE_LINK if stale else "",
            "filtered": any(
                form.cleaned_data.get(f) for f in ("q", "beamline", "technique", "start", "end")
            ),
        },
    )


@require_GET
@vary_on_headers("HX-Request")
@login_required
def experiments(request: HttpRequest) -> HttpResponse:
    return _investigation_list(
        request, access.my_investigations(request.user, listed=True), "catalogue/experiments.html"
    )


@require_GET
@vary_on_headers("HX-Request")
def public(request: HttpRequest) -> HttpResponse:
    return _investigation_list(request, access.public_investigations(), "catalogue/public.html")


@require_GET
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    form = catalogue_search.SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "catalogue/search.html", {"form": form, "results": None}, status=200)
    query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    if query and not kind and not request.GET.get("cursor"):
        target = catalogue_search.exact_match_url(request.user, query)
        if target:
            # HTMX would follow a plain redirect and swap a whole page into #results.
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    results = None
    cursor_error = ""
    if query:
        try:
            results = catalogue_search.search(
                request.user, query, kind=kind, cursor=request.GET.get("cursor")
            )
        except keyset.BadCursor:
            cursor_error = keyset.STALE_LINK
            results = catalogue_search.search(request.user, query, kind=kind, cursor=None)
    context = {
        "form": form,
        "query": query,
        "kind": kind,
        "results": results,
        "cursor_error": cursor_error,
    }
    template = "catalogue/search.html"
    if request.htmx and kind and results and request.htmx.target == f"more-{kind}":
        if cursor_error:
            # A stale cursor's next rows are unknown: show the first page, not appended rows.
            response = render(request, template + "#results", context)
            return reswap(retarget(response, "#results"), "outerHTML")
        # A group's "More" button: the next rows and the next button, in place of the button.
        return render(request, template + "#more", {**context, "more": True, "section": results[0]})
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)
