from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalogue import access


def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = access.get_dataset_or_404(request.user, pk)
    return render(request, "catalogue/dataset_detail.html", {"dataset": dataset})
