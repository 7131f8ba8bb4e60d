from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalogue import access


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
