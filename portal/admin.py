from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Heartbeat, IcatPlusSession, SsoIdentity, User

# templates/admin/base_site.html puts the facility's name (a link back to the portal) before these.
admin.site.site_header = "Administration"
admin.site.site_title = "Administration"


class SsoIdentityInline(admin.TabularInline):
    """The provider logins that reach this user; deleting one makes its next login match anew."""

    model = SsoIdentity
    extra = 0
    fields = readonly_fields = ["provider", "subject", "created_at", "last_login"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # made by a login only


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "email", "affiliation", "is_staff", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = [
        "username",
        "full_name",
        "first_name",
        "last_name",
        "email",
        "orcid",
        "icat_name",
    ]
    inlines = [SsoIdentityInline]
    fieldsets = UserAdmin.fieldsets + (
        ("Scientist", {"fields": ("full_name", "orcid", "affiliation", "icat_name")}),
    )


@admin.register(IcatPlusSession)
class IcatPlusSessionAdmin(admin.ModelAdmin):
    """Staff revoke a session (a lost laptop, a leaked script) by deleting it; ids are not
    shown, only their hashes are stored."""

    list_display = ["user", "created_at", "expires_at"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["user", "created_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False  # opened by POST /icatplus/session only


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    """Celery workers and beat, with their last sign of life (written every 10 s by each)."""

    list_display = ["name", "kind", "queues", "seen_at", "last_seen", "alive", "started_at"]
    list_filter = ["kind"]
    fields = readonly_fields = ["kind", "name", "queues", "started_at", "seen_at"]

    @admin.display(description="last seen")
    def last_seen(self, heartbeat: Heartbeat) -> str:
        return f"{heartbeat.age_seconds} s ago"

    @admin.display(boolean=True)
    def alive(self, heartbeat: Heartbeat) -> bool:
        return heartbeat.is_alive

    def has_add_permission(self, request) -> bool:
        return False  # written by the processes themselves

    def has_change_permission(self, request, obj=None) -> bool:
        return False
