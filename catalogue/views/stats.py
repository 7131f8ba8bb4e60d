"""/stats/: the facility's usage figures for staff, drawn from the rolled-up tables
(catalogue/usage.py), each figure also as CSV. Everyone else gets the 404 of a page that does not
exist."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from catalogue import access
from catalogue.usage_figures import Period, all_charts, period_choices


@cache_control(private=True)
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    access.require_usage_viewer(request.user)
    period = Period.from_query(request.GET.get("period"))
    return render(
        request,
        "catalogue/stats.html",
        {"period": period, "periods": period_choices(), "charts": all_charts(period)},
    )


@cache_control(private=True)
@require_GET
def stats_csv(request: HttpRequest) -> HttpResponse:
    """One figure's numbers: a row per month (or year), a column per series, then the total.
    Without `figure`, the first one (files downloaded)."""
    access.require_usage_viewer(request.user)
    period = Period.from_query(request.GET.get("period"))
    name = request.GET.get("figure") or "files"
    chart = all_charts(period).get(name)
    if chart is None:
        raise Http404("No such figure")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{period.key}.csv"'
    writer = csv.writer(response)
    series = list(chart.values)
    writer.writerow(["period", *series, "total"])
    for i, column in enumerate(chart.columns):
        writer.writerow([column.name, *(chart.values[s][i] for s in series), column.total])
    return response
