from __future__ import annotations

from django.contrib import admin

from .models import Author, Contributor, DataCollection, Doi, LocalRegistration


@admin.register(Doi)
class DoiAdmin(admin.ModelAdmin):
    list_display = [
        "identifier",
        "kind",
        "state",
        "provider",
        "registered_at",
        "minted_at",
        "minted_by",
    ]
    list_filter = ["kind", "state", "provider"]
    search_fields = ["identifier"]
    raw_id_fields = ["investigation", "minted_by"]
    readonly_fields = ["metadata", "error"]


class AuthorInline(admin.TabularInline):
    model = Author
    raw_id_fields = ["user"]
    extra = 0


class ContributorInline(AuthorInline):
    model = Contributor


@admin.register(DataCollection)
class DataCollectionAdmin(admin.ModelAdmin):
    """For support: state and failure are shown, not edited (services move the state)."""

    list_display = ["__str__", "state", "doi", "created_by", "updated_at"]
    list_filter = ["state", "licence"]
    search_fields = ["title", "doi__identifier", "created_by__username"]
    raw_id_fields = ["datasets", "created_by", "mint_confirmed_by", "doi"]
    readonly_fields = ["state", "failure", "mint_confirmed_by", "mint_confirmed_at"]
    inlines = [AuthorInline, ContributorInline]


@admin.register(LocalRegistration)
class LocalRegistrationAdmin(admin.ModelAdmin):
    list_display = ["identifier", "state", "url", "updated_at"]
    search_fields = ["identifier"]
    readonly_fields = ["attributes", "requests"]
