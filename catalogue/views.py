from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import access


@login_required
def experiments(request: HttpRequest) -> HttpResponse:
    investigations = (
        access.my_investigations(request.user).select_related("instrument").order_by("-start_date", "-id")[:50]
    )
    return render(request, "catalogue/experiments.html", {"investigations": investigations})


def public(request: HttpRequest) -> HttpResponse:
    investigations = (
        access.public_investigations().select_related("instrument").order_by("-start_date", "-id")[:50]
    )
    return render(request, "catalogue/public.html", {"investigations": investigations})


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    investigations = []
    if query:
        investigations = access.visible_investigations(request.user).filter(title__icontains=query)[:50]
    return render(request, "catalogue/search.html", {"query": query, "investigations": investigations})


def investigation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = access.get_investigation_or_404(request.user, pk)
    return render(request, "catalogue/investigation_detail.html", {"investigation": investigation})


def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = access.get_dataset_or_404(request.user, pk)
    return render(request, "catalogue/dataset_detail.html", {"dataset": dataset})


@login_required
def downloads(request: HttpRequest) -> HttpResponse:
    return render(request, "catalogue/downloads.html", {})
