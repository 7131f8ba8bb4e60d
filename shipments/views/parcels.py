from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalogue import access

from .. import workflow
from ..forms import ItemForm, ParcelForm, StatusForm
from ..labels import parcel_label_pdf
from ..models import Item, Parcel, StaleEdit
from .common import (
    experiment,
    form_page,
    get_item,
    get_parcel,
    get_shipment,
    require_editable,
    require_manage,
)


def _tree(parcel: Parcel, user) -> list[tuple[Item, list[Item]]] | None:
    """Top-level items with what each container holds, from one query; None for who may not
    see a parcel's content (stores)."""
    if not access.can_view_parcel_contents(user, parcel.shipment.investigation):
        return None
    items = list(
        Item.objects.for_user(user)
        .filter(parcel=parcel)
        .select_related("sample")
        .order_by("position", "id")
    )
    children: dict[int, list[Item]] = {}
    for item in items:
        if item.container_id:
            children.setdefault(item.container_id, []).append(item)
    return [(item, children.get(item.pk, [])) for item in items if not item.container_id]


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def parcel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = get_parcel(request, pk)
    history = parcel.history.select_related("created_by").order_by("created_at", "id")
    targets = workflow.allowed_targets(parcel, request.user)
    return render(
        request,
        "shipments/parcel_detail.html",
        {
            **experiment(request, parcel.shipment.investigation),
            "parcel": parcel,
            "shipment": parcel.shipment,
            "tree": _tree(parcel, request.user),
            "history": history,
            "actions": [StatusForm(initial={"status": t}) for t in targets],
            "can_edit": workflow.edit_refusal(parcel, request.user) is None,
        },
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def parcel_new(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment(request, pk)
    require_manage(request, shipment)
    form = ParcelForm(request.POST or None)

    def save() -> str:
        with transaction.atomic():
            form.instance.shipment = shipment
            form.instance.created_by = request.user
            parcel = form.save()
            workflow.start(parcel, by=request.user)
        return parcel.get_absolute_url()

    return form_page(
        request,
        form,
        "shipments/parcel_form.html",
        {"shipment": shipment, **experiment(request, shipment.investigation)},
        save=save,
        success_message="Parcel created: now describe what is in it.",
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def parcel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = get_parcel(request, pk)
    if locked := require_editable(request, parcel):
        return locked
    form = ParcelForm(request.POST or None, instance=parcel)
    context = {
        "parcel": parcel,
        "shipment": parcel.shipment,
        **experiment(request, parcel.shipment.investigation),
    }
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            form.save(commit=False).save_edit(
                fields=list(form.Meta.fields),
                version=parcel.version if version is None else version,
                by=request.user,
            )
        except StaleEdit as stale:
            # 409 with what was typed still in the form: nothing is lost, the user reloads.
            form.add_error(None, str(stale))
            template = "shipments/parcel_form.html" + ("#form" if request.htmx else "")
            return render(request, template, {**context, "form": form}, status=409)
    return form_page(
        request,
        form,
        "shipments/parcel_form.html",
        context,
        save=parcel.get_absolute_url,
        success_message="Parcel saved.",
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def item_edit(
    request: HttpRequest, pk: int | None = None, parcel_pk: int | None = None
) -> HttpResponse:
    if pk is not None:
        item = get_item(request, pk)
        parcel = get_parcel(request, item.parcel_id)
    else:
        parcel = get_parcel(request, parcel_pk)
        item = Item(parcel=parcel)
        if (container := request.GET.get("container", "")).isdigit():
            item.container = parcel.items.filter(pk=int(container), kind="container").first()
    if locked := require_editable(request, parcel):
        return locked
    form = ItemForm(request.POST or None, instance=item, parcel=parcel)
    again = request.POST.get("again") == "1"

    def save() -> str:
        saved = form.save()
        if again:  # "save and add another": the next slot of the same container
            return f"{request.path}?container={saved.container_id or ''}"
        return parcel.get_absolute_url()

    return form_page(
        request,
        form,
        "shipments/item_form.html",
        {"parcel": parcel, "item": item, **experiment(request, parcel.shipment.investigation)},
        save=save,
        success_message=f"“{form['name'].value()}” saved.",
    )


@login_required
@cache_control(private=True)
@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item(request, pk)
    parcel = item.parcel
    if locked := require_editable(request, parcel):
        return locked
    item.delete()
    messages.success(request, f"“{item.name}” removed from the parcel.")
    return redirect(parcel.get_absolute_url())


@login_required
@cache_control(private=True)
@require_POST
def parcel_move(request: HttpRequest, pk: int) -> HttpResponse:
    """One status change from the parcel page; the workflow decides and says why not."""
    parcel = get_parcel(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            parcel.move_to(
                data["status"],
                by=request.user,
                location=data["location"],
                comment=data["comment"],
                tracking_number=data["tracking_number"],
                forwarder=data["forwarder"],
            )
        except workflow.TransitionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"The parcel is now “{parcel.get_status_display()}”.")
            url = parcel.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "shipments/parcel_move.html"
    if request.htmx:
        template += "#form"
    return render(
        request,
        template,
        {"parcel": parcel, "form": form, **experiment(request, parcel.shipment.investigation)},
        status=400,
    )


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def parcel_label(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = get_parcel(request, pk)
    pdf = parcel_label_pdf(parcel=parcel, tree=_tree(parcel, request.user), viewer=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{parcel.code}-label.pdf"'
    return response


@login_required
@cache_control(private=True)
@require_http_methods(["GET"])
def parcel_contents(request: HttpRequest, pk: int) -> HttpResponse:
    """The content list to print and put inside the box."""
    parcel = get_parcel(request, pk)
    tree = _tree(parcel, request.user)
    if tree is None:
        raise PermissionDenied("The content list is for the experiment team and the safety team.")
    return render(
        request,
        "shipments/parcel_contents.html",
        {
            **experiment(request, parcel.shipment.investigation),
            "parcel": parcel,
            "shipment": parcel.shipment,
            "tree": tree,
            "local_contacts": _local_contacts(parcel),
        },
    )


def _local_contacts(parcel: Parcel) -> list[str]:
    from catalogue.models import InvestigationUser, Role

    members = InvestigationUser.objects.filter(
        investigation_id=parcel.shipment.investigation_id, role=Role.LOCAL_CONTACT
    ).select_related("user")
    return [m.user.display_name for m in members]
