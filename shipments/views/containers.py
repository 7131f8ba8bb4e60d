"""A container's page: its positions drawn as the puck (or plate) they are, filled one position at
a time through a small HTMX form, or all at once from a spreadsheet."""

from __future__ import annotations

import math
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from catalogue import access

from .. import imports, plans, workflow
from ..forms import PositionForm, SampleSheetForm
from ..models import ContainerType, Item
from .common import experiment, get_container, require_editable

# Concentric rings of positions, inner first: (how many, radius as a fraction of the width).
# A Unipuck has 5 pins inside 11; a SPINE puck 10 in one ring.
RINGS = {
    ContainerType.PUCK: [(5, 0.19), (11, 0.39)],
    ContainerType.SPINE: [(10, 0.36)],
    ContainerType.DEWAR: [(8, 0.34)],
}


def _slots(container: Item, contents: list[Item]) -> list[dict]:
    """One entry per position, with what is there and, for round containers, where to draw it."""
    at = {item.position: item for item in contents if item.position is not None}
    slots = [{"position": n, "item": at.get(n)} for n in range(1, (container.capacity or 0) + 1)]
    rings = RINGS.get(container.container_type)
    if rings and sum(count for count, _ in rings) == len(slots):
        index = 0
        for count, radius in rings:
            for step in range(count):
                angle = 2 * math.pi * step / count - math.pi / 2  # position 1 at the top
                slot = slots[index]
                slot["left"] = f"{50 + 100 * radius * math.cos(angle):.2f}"
                slot["top"] = f"{50 + 100 * radius * math.sin(angle):.2f}"
                index += 1
    return slots


def _board(request: HttpRequest, container: Item, **extra) -> dict:
    parcel = container.parcel
    contents = list(container.contents.select_related("sample").order_by("position", "id"))
    slots = _slots(container, contents)
    in_grid = {slot["item"].pk for slot in slots if slot["item"]}
    return {
        **experiment(request, parcel.shipment.investigation),
        "container": container,
        "parcel": parcel,
        "shipment": parcel.shipment,
        "slots": slots,
        "round": "left" in (slots[0] if slots else {}),
        "elsewhere": [item for item in contents if item.pk not in in_grid],
        "filled": len(contents),
        "can_edit": workflow.edit_refusal(parcel, request.user) is None,
        **extra,
    }


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def container_detail(request: HttpRequest, pk: int) -> HttpResponse:
    container = get_container(request, pk)
    return render(request, "shipments/container.html", _board(request, container))


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def container_position(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    """The sample at one position: a new one when it is empty, the one there otherwise. HTMX
    requests get the board (grid and form) back, so the grid shows each save at once."""
    container = get_container(request, pk)
    if not 1 <= position <= (container.capacity or 0):
        raise Http404("No such position")
    if locked := require_editable(request, container.parcel):
        return locked
    occupant = container.contents.filter(position=position).first()
    form = PositionForm(
        request.POST or None,
        instance=occupant or Item(),
        container=container,
        position=position,
    )
    template = "shipments/container.html" + ("#board" if request.htmx else "")
    if request.method == "POST":
        if form.is_valid():
            saved = form.save()
            if not request.htmx:
                messages.success(request, f"“{saved.name}” is at position {position}.")
                return redirect("shipments:container", pk=container.pk)
            return render(request, template, _board(request, container, saved=saved))
        return render(
            request,
            template,
            _board(request, container, form=form, position=position),
            status=400,
        )
    return render(request, template, _board(request, container, form=form, position=position))


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def container_import(request: HttpRequest, pk: int) -> HttpResponse:
    container = get_container(request, pk)
    if locked := require_editable(request, container.parcel):
        return locked
    schema = plans.schema_for(container.parcel.shipment.investigation)
    form = SampleSheetForm(request.POST or None, request.FILES or None)
    row_errors: list[imports.RowError] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                records = imports.read(form.cleaned_data["file"], schema)
            except imports.ImportRefused as refused:
                form.add_error("file", str(refused))
            else:
                count, row_errors = imports.save(
                    container=container, records=records, replace=form.cleaned_data["replace"]
                )
                if not row_errors:
                    messages.success(request, f"{count} samples imported into {container.name}.")
                    return redirect("shipments:container", pk=container.pk)
    context = {
        **_board(request, container),
        "form": form,
        "row_errors": row_errors,
        "columns": imports.columns(schema),
        "schema": schema,
    }
    return render(request, "shipments/container_import.html", context, status=status)


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def container_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The sample sheet to fill in, with the columns of the session's technique."""
    container = get_container(request, pk)
    if not access.can_manage_shipments(request.user, container.parcel.shipment.investigation):
        raise PermissionDenied("Only the experiment team fills its containers.")
    schema = plans.schema_for(container.parcel.shipment.investigation)
    rows = imports.template_rows(container, schema)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", container.name).strip("-") or "container"
    if fmt == "xlsx":
        body = imports.template_xlsx(rows, schema)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = imports.template_csv(rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{stem}-samples.{fmt}"'
    return response
