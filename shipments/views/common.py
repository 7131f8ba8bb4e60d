"""Lookups that answer 404 to anyone who may not see a shipment, and the one form-page pattern."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from catalogue import access

from ..models import Address, Item, ItemKind, Parcel, Shipment
from ..workflow import edit_refusal


def get_shipment(request: HttpRequest, pk: int) -> Shipment:
    try:
        return (
            Shipment.objects.for_user(request.user)
            .select_related("investigation__instrument", "shipping_address", "return_address")
            .get(pk=pk)
        )
    except Shipment.DoesNotExist:
        raise Http404("No such shipment") from None


def get_parcel(request: HttpRequest, pk: int) -> Parcel:
    try:
        return (
            Parcel.objects.for_user(request.user)
            .select_related(
                "shipment__investigation__instrument",
                "shipment__shipping_address",
                "shipment__return_address",
            )
            .get(pk=pk)
        )
    except Parcel.DoesNotExist:
        raise Http404("No such parcel") from None


def get_item(request: HttpRequest, pk: int) -> Item:
    try:
        return (
            Item.objects.for_user(request.user)
            .select_related("parcel__shipment__investigation")
            .get(pk=pk)
        )
    except Item.DoesNotExist:
        raise Http404("No such item") from None


def get_container(request: HttpRequest, pk: int) -> Item:
    """A container the user sees; any other item is as unknown as a missing one."""
    item = get_item(request, pk)
    if item.kind != ItemKind.CONTAINER:
        raise Http404("No such container")
    return item


def get_address(request: HttpRequest, pk: int) -> Address:
    """Someone else's address is as unknown as one that never existed."""
    try:
        return Address.objects.for_user(request.user).get(pk=pk)
    except Address.DoesNotExist:
        raise Http404("No such address") from None


def experiment(request: HttpRequest, investigation) -> dict:
    """What a shipments page shows of its experiment: the proposal name and beamline to whoever
    sees the shipment; its title and a link to it only to who may see the investigation itself
    (not safety or stores, for an embargoed one)."""
    return {
        "investigation": investigation,
        "sees_experiment": access.can_view_investigation(request.user, investigation),
    }


def require_manage(request: HttpRequest, shipment: Shipment) -> None:
    """Safety officers see shipments but do not write them: 403 (they know it exists)."""
    if not access.can_manage_shipments(request.user, shipment.investigation):
        raise PermissionDenied("Only the experiment team changes its shipments.")


def require_editable(request: HttpRequest, parcel: Parcel) -> HttpResponse | None:
    """A locked parcel sends the user back to its page with the workflow's reason."""
    reason = edit_refusal(parcel, request.user)
    if reason:
        messages.error(request, reason)
        if request.htmx:
            return HttpResponseClientRedirect(parcel.get_absolute_url())
        return redirect(parcel.get_absolute_url())
    return None


def form_page(
    request: HttpRequest,
    form: forms.Form,
    template: str,
    context: dict,
    *,
    save,
    success_message: str = "",
) -> HttpResponse:
    """GET shows the form; an invalid POST re-renders it with what was typed (the `form`
    partial for HTMX); a valid POST calls `save()` and redirects to what it returns."""
    if request.method == "POST" and form.is_valid():
        url = save()
        if success_message:
            messages.success(request, success_message)
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        template += "#form"
    status = 400 if request.method == "POST" else 200
    return render(request, template, {**context, "form": form}, status=status)
