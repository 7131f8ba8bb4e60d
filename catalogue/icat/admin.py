"""Admin for the ICAT sync: cursors, last runs, the ICAT -> portal user mapping, and a page to
sync now or read one investigation again now (both queued on the "sync" queue)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from catalogue.icat.records import ENTITIES
from catalogue.models import IcatUser, SyncCursor, SyncRun


class ResyncForm(forms.Form):
    investigation = forms.CharField(
        label="Proposal",
        max_length=100,
        strip=True,
        help_text="e.g. MX-2468: read again from ICAT now, whatever the cursors say.",
    )


def _summary(counts: dict) -> str:
    parts = []
    for entity, c in counts.items():
        text = f"{entity} {c.get('applied', 0)}"
        if c.get("deleted"):
            text += f" −{c['deleted']}"
        if c.get("skipped"):
            text += f" ({c['skipped']} skipped)"
        parts.append(text)
    return ", ".join(parts) or "nothing changed"


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["started", "what", "status", "changes", "error_count"]
    list_filter = ["status", "kind"]
    readonly_fields = [
        "started",
        "finished",
        "status",
        "kind",
        "investigation",
        "reconciled",
        "counts",
        "errors",
    ]
    change_list_template = "admin/catalogue/syncrun/change_list.html"

    @admin.display(description="run", ordering="kind")
    def what(self, run: SyncRun) -> str:
        return f"{run.kind} {run.investigation}".strip()

    @admin.display(description="changes")
    def changes(self, run: SyncRun) -> str:
        # Totals here; the sync page and the run itself list them per entity type.
        totals = {
            key: sum(c.get(key, 0) for c in run.counts.values()) for key in ("applied", "deleted")
        }
        return f"{totals['applied']} applied, {totals['deleted']} deleted"

    @admin.display(description="errors")
    def error_count(self, run: SyncRun) -> int:
        return len(run.errors)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False

    def get_urls(self):
        return [
            path("icat/", self.admin_site.admin_view(self.sync_view), name="catalogue_icat_sync"),
            *super().get_urls(),
        ]

    def sync_view(self, request: HttpRequest) -> HttpResponse:
        """Cursors and last runs; POST "sync" or a proposal name to queue a run now."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ResyncForm(request.POST if "investigation" in request.POST else None)
        if request.method == "POST":
            if not request.user.has_perm("catalogue.run_sync"):
                raise PermissionDenied
            if not settings.ICAT_URL:
                messages.error(request, "ICAT_URL is not set: this portal does not mirror an ICAT.")
                return redirect("admin:catalogue_icat_sync")
            from catalogue import tasks

            if "investigation" not in request.POST:
                transaction.on_commit(lambda: tasks.sync_icat.delay())
                messages.success(
                    request, "An ICAT sync is queued; it starts as soon as any running one ends."
                )
                return redirect("admin:catalogue_icat_sync")
            if form.is_valid():
                name = form.cleaned_data["investigation"]
                transaction.on_commit(lambda: tasks.sync_icat_investigation.delay(name=name))
                messages.success(request, f"{name} will be read again from ICAT now.")
                return redirect("admin:catalogue_icat_sync")
        cursors = {c.entity: c for c in SyncCursor.objects.all()}
        context = {
            **self.admin_site.each_context(request),
            "title": "ICAT sync",
            "opts": self.model._meta,
            "icat_url": settings.ICAT_URL,
            "interval": settings.ICAT_SYNC_INTERVAL_MINUTES,
            "cursors": [(spec.name, cursors.get(spec.name)) for spec in ENTITIES],
            "runs": [(run, _summary(run.counts)) for run in SyncRun.objects.all()[:20]],
            "form": form,
            "can_run": request.user.has_perm("catalogue.run_sync"),
            "runs_url": reverse("admin:catalogue_syncrun_changelist"),
        }
        return TemplateResponse(request, "admin/catalogue/icat_sync.html", context)


@admin.register(SyncCursor)
class SyncCursorAdmin(admin.ModelAdmin):
    """Read-only: to read again from a date, use `sync_icat --since` (it moves every cursor)."""

    list_display = ["entity", "mod_time", "last_id", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SyncCursor | None = None) -> bool:
        return False


@admin.register(IcatUser)
class IcatUserAdmin(admin.ModelAdmin):
    """The mapping can be corrected by hand: the sync never overwrites a user once mapped."""

    list_display = ["name", "full_name", "email", "user", "icat_id"]
    search_fields = ["name", "full_name", "email", "user__username"]
    list_filter = [("user", admin.EmptyFieldListFilter)]
    raw_id_fields = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # they come from ICAT

    readonly_fields = ["icat_id", "mod_time", "name", "full_name", "email"]
