from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


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
    fieldsets = UserAdmin.fieldsets + (
        ("Scientist", {"fields": ("full_name", "orcid", "affiliation", "icat_name")}),
    )
