"""The basket: the datasets and files a session collected for one download."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from catalogue import access
from catalogue import downloads as svc
from catalogue.basket import Basket

# The basket --------------------------------------------------------------------------------------


@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def basket(request: HttpRequest) -> HttpResponse:
    items = Basket(request)
    datasets = list(
        access.visible_datasets(request.user)
        .filter(id__in=items.datasets)
        .select_related("investigation")
        .order_by("investigation__name", "name", "id")
    )
    datafiles = list(
        access.visible_datafiles(request.user)
        .filter(id__in=items.datafiles)
        .select_related("dataset__investigation")
        .order_by("dataset_id", "name", "id")
    )
    summary = svc.Selection(
        user=request.user, dataset_ids=items.datasets, datafile_ids=items.datafiles
    ).summary()
    return render(
        request,
        "catalogue/downloads_basket.html",
        {
            "datasets": datasets,
            "datafiles": datafiles,
            "summary": summary,
            "limits": svc.limits(),
            "query": "basket=1",
            "query_pairs": [("basket", "1")],
        },
    )


@require_POST
def basket_toggle(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Add or remove a dataset (`kind` "dataset") or a single file ("datafile")."""
    if kind == "dataset":
        obj = access.get_dataset_or_404(request.user, pk)
        context = {"dataset": obj}
    else:
        obj = access.get_datafile_or_404(request.user, pk)
        context = {"datafile": obj}
    items = Basket(request)
    items.toggle(kind, obj.pk)
    if request.htmx:
        context["basket_count"] = len(items)
        context["compact"] = request.POST.get("compact") == "1"  # icon-only in table rows
        return render(request, "catalogue/_basket_toggle.html", {**context, "oob_counter": True})
    return redirect(safe_next(request, request.POST.get("next", ""), reverse("catalogue:basket")))


def safe_next(request: HttpRequest, next_url: str, default: str) -> str:
    """`next_url` if it is a path of this site, else `default`: `redirect()` would take any other
    word for a URL name to reverse, and another site's address for an open redirect."""
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        return next_url
    return default


@require_POST
def basket_clear(request: HttpRequest) -> HttpResponse:
    Basket(request).clear()
    messages.info(request, "Your download basket is empty.")
    return redirect("catalogue:basket")
