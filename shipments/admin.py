"""Django admin for shipments: the full models for staff, and the safety team's queue.

The safety team works on its own admin site (`/safety/`) so its members need not be staff (staff
see every embargoed experiment). Approve and refuse call `parcel.move_to`, like every other path.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from catalogue import access

from .models import Address, Item, Parcel, ParcelStatus, SafetyQueueParcel, Shipment
from .workflow import Status, TransitionRefused


class SafetyAdminSite(admin.AdminSite):
    site_header = "Safety validation of parcels"
    site_title = "Safety validation"
    index_title = "Parcels awaiting the safety team"
    # One list to work on: the side menu of apps would only take the table's width.
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return access.can_enter_safety_admin(request.user)

    def get_urls(self) -> list:
        # Without admin's "view on site" shortcut (r/<content type>/<id>/): it redirects for any
        # object of any model, so it would tell the safety team which hidden ids exist.
        return [u for u in super().get_urls() if getattr(u, "name", None) != "view_on_site"]

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # The admin login form only admits staff; the portal's login admits everyone.
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))


safety_site = SafetyAdminSite(name="safety")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ItemInline(ReadOnlyInline):
    model = Item
    fk_name = "parcel"
    fields = [
        "kind",
        "container_type",
        "name",
        "container",
        "position",
        "sample",
        "experiment_plan",
        "description",
    ]
    readonly_fields = fields


class HistoryInline(ReadOnlyInline):
    model = ParcelStatus
    fields = ["status", "created_at", "created_by", "location", "comment", "tracking_number"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    verbose_name_plural = "history"


class RefuseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        min_length=3,
        help_text="The team reads this in an e-mail: say what to change.",
    )


def _move_many(modeladmin, request, queryset, status: Status, *, comment: str = "") -> None:
    moved, refused = [], []
    for parcel in queryset.select_related("shipment__investigation"):
        try:
            parcel.move_to(status, by=request.user, location="Safety office", comment=comment)
            moved.append(parcel.code)
        except TransitionRefused as reason:
            refused.append(f"{parcel.code}: {reason}")
    if moved:
        modeladmin.message_user(
            request, f"{Status(status).label}: {', '.join(moved)}.", messages.SUCCESS
        )
    for line in refused:
        modeladmin.message_user(request, f"Not changed — {line}", messages.ERROR)


class ParcelAdminBase(admin.ModelAdmin):
    list_display = [
        "code_link",
        "name",
        "proposal",
        "beamline",
        "dangerous",
        "storage_condition",
        "status",
        "status_changed_at",
    ]
    list_select_related = ["shipment__investigation__instrument"]
    search_fields = ["id", "name", "shipment__investigation__name", "tracking_number"]
    inlines = [ItemInline, HistoryInline]
    actions = ["approve", "refuse"]
    readonly_fields = [
        "code",
        "status",
        "status_changed_at",
        "location",
        "tracking_number",
        "forwarder",
        "return_tracking_number",
        "proposal",
        "beamline",
    ]

    @admin.display(description="code", ordering="id")
    def code_link(self, parcel: Parcel) -> str:
        return format_html('<a href="{}">{}</a>', parcel.get_absolute_url(), parcel.code)

    @admin.display(ordering="shipment__investigation__name")
    def proposal(self, parcel: Parcel) -> str:
        return parcel.shipment.investigation.name

    @admin.display(ordering="shipment__investigation__instrument__name")
    def beamline(self, parcel: Parcel) -> str:
        return parcel.shipment.investigation.instrument.name

    @admin.display(description="dangerous goods", ordering="is_dangerous")
    def dangerous(self, parcel: Parcel) -> str:
        if not parcel.is_dangerous:
            return "—"
        return format_html(
            '<strong style="color:#b02a37">⚠ {}</strong>', parcel.dangerous_goods[:60]
        )

    def has_validate_permission(self, request: HttpRequest) -> bool:
        return access.is_safety_officer(request.user)

    @admin.action(description="Approve selected parcels", permissions=["validate"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Parcel]) -> None:
        _move_many(self, request, queryset, Status.APPROVED)

    @admin.action(
        description="Refuse selected parcels (asks for a reason)", permissions=["validate"]
    )
    def refuse(self, request: HttpRequest, queryset: QuerySet[Parcel]) -> HttpResponse | None:
        form = RefuseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            _move_many(self, request, queryset, Status.REFUSED, comment=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Refuse parcels",
            "form": form,
            "parcels": queryset.select_related("shipment__investigation"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "shipments/admin/refuse.html", context)


class SafetyQueueAdmin(ParcelAdminBase):
    """Parcels declared ready, dangerous goods first, oldest first: the safety team's work list."""

    # Every parcel here is "ready": no status column, and the experiment in one column, so the
    # table fits a laptop screen beside the filters.
    list_display = [
        "code_link",
        "name",
        "experiment",
        "dangerous",
        "storage_condition",
        "waiting_since",
    ]
    list_filter = ["is_dangerous", "storage_condition", "shipment__investigation__instrument"]
    ordering = ["-is_dangerous", "status_changed_at", "id"]
    view_on_site = False  # the safety site has no "view on site" shortcut; the code links to it
    fields = [
        "code",
        "name",
        "proposal",
        "beamline",
        "description",
        "storage_condition",
        "is_dangerous",
        "dangerous_goods",
        "return_instructions",
        "comments",
        "status",
        "status_changed_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Parcel]:
        return super().get_queryset(request).filter(status=Status.READY)

    @admin.display(ordering="shipment__investigation__name")
    def experiment(self, parcel: Parcel) -> str:
        investigation = parcel.shipment.investigation
        return f"{investigation.name} · {investigation.instrument.name}"

    @admin.display(description="ready since", ordering="status_changed_at")
    def waiting_since(self, parcel: Parcel) -> str:
        return naturaltime(parcel.status_changed_at)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


safety_site.register(SafetyQueueParcel, SafetyQueueAdmin)
admin.site.register(SafetyQueueParcel, SafetyQueueAdmin)


@admin.register(Parcel)
class ParcelAdmin(ParcelAdminBase):
    list_filter = [
        "status",
        "is_dangerous",
        "storage_condition",
        "shipment__investigation__instrument",
    ]
    raw_id_fields = ["shipment", "created_by"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "investigation", "created_by", "created_at"]
    list_select_related = ["investigation", "created_by"]
    search_fields = ["name", "investigation__name"]
    raw_id_fields = ["investigation", "shipping_address", "return_address", "created_by"]


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "city", "country", "owner"]
    list_select_related = ["owner"]
    search_fields = ["name", "company", "city", "owner__username"]
    raw_id_fields = ["owner"]


@admin.register(ParcelStatus)
class ParcelStatusAdmin(admin.ModelAdmin):
    """The history is a record: nobody edits it, not even staff."""

    list_display = ["parcel", "status", "created_at", "created_by", "location"]
    list_filter = ["status"]
    list_select_related = ["parcel", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
