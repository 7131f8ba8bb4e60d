"""Stores and beamline: the scan page and the parcels expected this week."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from catalogue import access
from portal.fields import BoundedDateField

from .. import workflow
from ..forms import ScanForm
from ..models import Parcel


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest) -> HttpResponse:
    """A barcode or QR scanner types the parcel code and Enter: the parcel moves one step on."""
    if not access.is_stores(request.user):
        raise PermissionDenied("The scan page is for stores and facility staff.")
    location = request.COOKIES.get("scan_location", "Stores")
    form = ScanForm(request.POST or None, initial={"location": location})
    result = None
    if request.method == "POST" and form.is_valid():
        result = _scan_one(request, form.cleaned_data)
        location = form.cleaned_data["location"]
        form = ScanForm(initial={"location": location})  # empty code, ready for the next parcel
    template = "shipments/scan.html"
    if request.htmx:
        template += "#scan"
    response = render(
        request,
        template,
        {"form": form, "result": result},
        status=400 if result and not result["ok"] else 200,
    )
    response.set_cookie("scan_location", location, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _scan_one(request: HttpRequest, data: dict) -> dict:
    pk = Parcel.pk_from_code(data["code"])
    parcel = (
        Parcel.objects.for_user(request.user)
        .select_related("shipment__investigation__instrument")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if parcel is None:
        return {"ok": False, "code": data["code"], "message": "No parcel has this code."}
    target = workflow.next_scan_status(parcel)
    if target is None:
        return {
            "ok": False,
            "parcel": parcel,
            "code": parcel.code,
            "message": f"A “{parcel.get_status_display()}” parcel does not move on by scanning.",
        }
    try:
        parcel.move_to(
            target,
            by=request.user,
            location=data["location"],
            tracking_number=data["tracking_number"],
            comment="Scanned",
        )
    except workflow.TransitionRefused as refused:
        return {"ok": False, "parcel": parcel, "code": parcel.code, "message": str(refused)}
    return {
        "ok": True,
        "parcel": parcel,
        "code": parcel.code,
        "status": parcel.get_status_display(),
        "message": f"{parcel.get_status_display()} — {data['location']}",
    }


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def expected(request: HttpRequest) -> HttpResponse:
    """Parcels not yet received that are expected this week (or the week of `?week=YYYY-MM-DD`),
    beamline by beamline."""
    instruments = list(access.expected_parcel_instruments(request.user).order_by("name"))
    if not instruments:
        raise PermissionDenied("This list is for stores and beamline staff.")
    try:
        # Bounded: the week of a day near year 1 or 9999 overflows.
        day = BoundedDateField(required=False).clean(request.GET.get("week"))
    except ValidationError:
        day = None
    day = day or timezone.localdate()
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    parcels = (
        Parcel.objects.filter(
            shipment__investigation__instrument__in=instruments, expected_on__range=(monday, sunday)
        )
        .filter(status__in=workflow.EXPECTED)
        .select_related("shipment__investigation__instrument")
        .order_by("shipment__investigation__instrument__name", "expected_on", "id")
    )
    by_beamline: dict[str, list[Parcel]] = {}
    for parcel in parcels:
        by_beamline.setdefault(parcel.shipment.investigation.instrument.name, []).append(parcel)
    return render(
        request,
        "shipments/expected.html",
        {
            "by_beamline": by_beamline,
            "monday": monday,
            "sunday": sunday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
        },
    )
