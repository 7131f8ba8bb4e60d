from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from catalogue import access
from portal import keyset

from ..forms import AddressForm, ShipmentForm
from ..models import Address, Parcel, Shipment
from ..workflow import Status
from .common import experiment, form_page, get_address, get_shipment, require_manage

PAGE_SIZE = 25


def _page(queryset, request: HttpRequest) -> keyset.Page:
    """Newest first; a stale or edited page link gives the first page."""
    page, _ = keyset.paginate_or_first(
        queryset, ordering=["-id"], cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    return page


def _with_parcels(queryset):
    parcels = Parcel.objects.order_by("id").only(
        "id", "shipment_id", "name", "status", "is_dangerous"
    )
    return queryset.select_related("investigation__instrument").prefetch_related(
        Prefetch("parcels", queryset=parcels)
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    """Every shipment the user sees, across investigations; filter by a parcel status."""
    shipments = Shipment.objects.for_user(request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        shipments = shipments.filter(
            pk__in=Parcel.objects.filter(status=status).values("shipment_id")
        )
    page = _page(_with_parcels(shipments), request)
    # Safety and stores see every shipment but not every experiment: link only to those they see.
    linkable = set(
        access.visible_investigations(request.user)
        .filter(pk__in={s.investigation_id for s in page.rows})
        .values_list("pk", flat=True)
    )
    template = "shipments/index.html"
    if request.htmx:
        template += "#results"
    return render(
        request,
        template,
        {
            "shipments": page.rows,
            "page": page,
            "linkable": linkable,
            "status": status,
            "statuses": Status.choices,
            "is_stores": access.is_stores(request.user),
            "is_safety": access.is_safety_officer(request.user),
        },
    )


def _investigation(request: HttpRequest, pk: int):
    investigation = access.get_investigation_or_404(request.user, pk)
    if not access.can_view_shipments(request.user, investigation):
        raise Http404("No such investigation")
    return investigation


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def investigation_shipments(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    shipments = _with_parcels(investigation.shipments.all())
    page = _page(shipments, request)
    template = "shipments/investigation.html"
    if request.htmx:
        template += "#results"
    return render(
        request,
        template,
        {
            "investigation": investigation,
            "shipments": page.rows,
            "page": page,
            "can_manage": access.can_manage_shipments(request.user, investigation),
        },
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def shipment_new(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk)
    require_manage(request, Shipment(investigation=investigation))
    form = ShipmentForm(request.POST or None, user=request.user)

    def save() -> str:
        form.instance.investigation = investigation
        form.instance.created_by = request.user
        return form.save().get_absolute_url()

    return form_page(
        request,
        form,
        "shipments/shipment_form.html",
        experiment(request, investigation),
        save=save,
        success_message="Shipment created: now add its parcels.",
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def shipment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment(request, pk)
    require_manage(request, shipment)
    form = ShipmentForm(request.POST or None, instance=shipment, user=request.user)
    return form_page(
        request,
        form,
        "shipments/shipment_form.html",
        {**experiment(request, shipment.investigation), "shipment": shipment},
        save=lambda: form.save().get_absolute_url(),
        success_message="Shipment saved.",
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment(request, pk)
    parcels = shipment.parcels.annotate(n_items=Count("items")).order_by("id")
    return render(
        request,
        "shipments/shipment_detail.html",
        {
            **experiment(request, shipment.investigation),
            "shipment": shipment,
            "parcels": parcels,
            "can_manage": access.can_manage_shipments(request.user, shipment.investigation),
        },
    )


# Address book ---------------------------------------------------------------------------------


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def addresses(request: HttpRequest) -> HttpResponse:
    page = _page(Address.objects.for_user(request.user), request)
    return render(request, "shipments/addresses.html", {"addresses": page.rows, "page": page})


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    address = get_address(request, pk) if pk else Address(owner=request.user)
    form = AddressForm(request.POST or None, instance=address)

    def save() -> str:
        form.save()
        return (
            request.GET.get("next", "") if _safe_next(request) else reverse("shipments:addresses")
        )

    return form_page(
        request,
        form,
        "shipments/address_form.html",
        {"address": address},
        save=save,
        success_message="Address saved.",
    )


def _safe_next(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    nxt = request.GET.get("next", "")
    # A path of this site only: `redirect()` takes any other word for a URL name to reverse.
    return nxt.startswith("/") and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}
    )


@login_required
@cache_control(private=True)
@require_POST
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_address(request, pk)
    address.delete()
    messages.success(request, f"Address “{address.name}” removed from your address book.")
    return redirect("shipments:addresses")
