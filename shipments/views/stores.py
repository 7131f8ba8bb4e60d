"""Stores and beamline: the scan page and the parcels expected this week."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from catalogue import access
from portal.fields import BoundedDateField

from .. import scanning, workflow
from ..forms import ScanForm
from ..models import Parcel
from ..scanning import ScanResult


def _require_stores(request: HttpRequest) -> None:
    if not access.is_stores(request.user):
        raise PermissionDenied("The scan page is for stores and facility staff.")


def _scan_page(
    request: HttpRequest, form: ScanForm, result: ScanResult | None, scanned: dict | None = None
) -> HttpResponse:
    """`scanned`: what was read, for the confirm panel to send again with its yes."""
    template = "shipments/scan.html"
    if request.htmx:
        template += "#scan"
    return render(
        request,
        template,
        {"form": form, "result": result, "scanned": scanned},
        status=400 if result and not result.ok else 200,
    )


def _find(request: HttpRequest, code: str) -> Parcel | None:
    pk = Parcel.pk_from_code(code)
    return Parcel.objects.for_user(request.user).filter(pk=pk).first() if pk else None


def _unknown(code: str) -> ScanResult:
    return ScanResult("refused", "No parcel has this code.", code=code.strip())


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest) -> HttpResponse:
    """A barcode or QR scanner types the parcel code and Enter: the parcel moves one step on, or
    the page asks first (see `shipments.scanning`)."""
    _require_stores(request)
    location = request.COOKIES.get("scan_location", "Stores")
    form = ScanForm(request.POST or None, initial={"location": location})
    result = scanned = None
    if request.method == "POST" and form.is_valid():
        data = scanned = form.cleaned_data
        parcel = _find(request, data["code"])
        result = (
            scanning.parcel_scan(
                parcel=parcel,
                by=request.user,
                location=data["location"],
                tracking_number=data["tracking_number"],
                confirm=data["confirm"],
            )
            if parcel
            else _unknown(data["code"])
        )
        location = data["location"]
        form = ScanForm(initial={"location": location})  # empty code, ready for the next parcel
    response = _scan_page(request, form, result, scanned)
    response.set_cookie("scan_location", location, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
@cache_control(private=True)
@require_POST
def scan_undo(request: HttpRequest) -> HttpResponse:
    """The result panel's "Undo last scan": the parcel goes back to where it was, for a minute."""
    _require_stores(request)
    code = request.POST.get("code", "")[:300]
    parcel = _find(request, code)
    result = scanning.parcel_scan_undo(parcel=parcel, by=request.user) if parcel else _unknown(code)
    location = request.COOKIES.get("scan_location", "Stores")
    return _scan_page(request, ScanForm(initial={"location": location}), result)


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
