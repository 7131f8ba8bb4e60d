from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalogue import access


def investigation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = access.get_investigation_or_404(request.user, pk)
    return render(request, "catalogue/investigation_detail.html", {"investigation": investigation})
