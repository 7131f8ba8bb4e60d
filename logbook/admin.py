from __future__ import annotations

import secrets

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import ApiKey, Attachment, Event, Tag, api_key_audit, hash_key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys for beamline software. The key is shown once, when created; only its hash is kept."""

    list_display = ["name", "instrument", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["instrument", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    fields = [
        "name",
        "instrument",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if not change:
            raw = secrets.token_urlsafe(32)
            obj.prefix, obj.key_hash, obj.created_by = raw[:8], hash_key(raw), request.user
            messages.warning(
                request, f"The new API key is {raw} — copy it now, it will not be shown again."
            )
        super().save_model(request, obj, form, change)
        if not change:
            api_key_audit(obj, created=True, by=request.user)
        elif "revoked_at" in form.changed_data and obj.revoked_at:
            api_key_audit(obj, created=False, by=request.user)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        with transaction.atomic():
            keys = list(queryset.filter(revoked_at__isnull=True).select_for_update())
            ApiKey.objects.filter(pk__in=[k.pk for k in keys]).update(revoked_at=timezone.now())
            for key in keys:
                api_key_audit(key, created=False, by=request.user)
        messages.success(request, f"{len(keys)} key(s) revoked.")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "colour", "investigation", "instrument"]
    list_filter = ["instrument"]
    search_fields = ["name", "investigation__name"]
    raw_id_fields = ["investigation"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "filename",
        "content_type",
        "size",
        "investigation",
        "instrument_name",
        "broadcast",
        "created_at",
    ]
    list_filter = ["broadcast"]
    raw_id_fields = ["investigation"]
    readonly_fields = ["uuid"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The ORM store's rows (with MONGO_URL set, events live in MongoDB instead)."""

    list_display = [
        "creation_date",
        "type",
        "category",
        "title",
        "username",
        "investigation_name",
        "instrument_name",
        "removed",
    ]
    list_filter = ["type", "category", "removed"]
    search_fields = ["title", "username", "investigation_name"]
    raw_id_fields = ["investigation", "previous_version"]
    show_full_result_count = False
