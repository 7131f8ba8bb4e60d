"""Django admin for the catalogue: what staff use to fix metadata and release data early.

Datasets, datafiles and parameters run to millions of rows in production, so their foreign keys
are raw id or autocomplete widgets (never a dropdown of every row), list pages join what they
show (`list_select_related`), and big changelists skip the full `COUNT(*)`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html

from . import policy
from .audit import audit_record
from .models import (
    AccessEvent,
    AccessEventKind,
    Datafile,
    Dataset,
    DatasetParameter,
    EmbargoExtension,
    Instrument,
    Investigation,
    InvestigationParameter,
    InvestigationUser,
    ParameterType,
    Sample,
    SampleFile,
    SampleParameter,
    Technique,
)


def _day(value) -> str:
    """Dates as `7 Oct 2026`: the time of day only widens the columns of a changelist."""
    return date_format(timezone.localtime(value), "j M Y") if value else "—"


class EstimatedCountPaginator(Paginator):
    """Unfiltered changelists of huge tables use PostgreSQL's row estimate instead of COUNT(*),
    which takes seconds over millions of rows; filtered lists (and small tables) count exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > 100_000:
                return row[0]
        return super().count


class BigTableAdmin(admin.ModelAdmin):
    """Millions of rows: newest first by primary key (no join to sort), no second COUNT(*)."""

    ordering = ["-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT(*) per filter choice


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ["name", "pid", "icat_id"]
    search_fields = ["name", "pid"]


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "full_name", "scientist_names"]
    search_fields = ["name", "full_name"]
    filter_horizontal = ["techniques"]
    autocomplete_fields = ["scientists"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Instrument]:
        return super().get_queryset(request).prefetch_related("scientists")

    @admin.display(description="Instrument scientists")
    def scientist_names(self, instrument: Instrument) -> str:
        return ", ".join(user.display_name for user in instrument.scientists.all())


class InvestigationUserInline(admin.TabularInline):
    model = InvestigationUser
    fk_name = "investigation"
    fields = ["user", "role", "added_by", "added_at"]
    autocomplete_fields = ["user", "added_by"]
    extra = 0


class InvestigationParameterInline(admin.TabularInline):
    model = InvestigationParameter
    fields = ["type", "numeric_value", "string_value"]
    autocomplete_fields = ["type"]
    extra = 0


class ReleaseStateFilter(admin.SimpleListFilter):
    """Released / embargoed as the access policy sees it today (not just the date column)."""

    title = "data access"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("released", "Released (public)"), ("embargoed", "Embargoed or proprietary")]

    def queryset(self, request, queryset):
        if self.value() == "released":
            return queryset.released()
        if self.value() == "embargoed":
            return queryset.embargoed()
        return queryset


@admin.register(Investigation)
class InvestigationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "visit_id",
        "instrument",
        "short_title",
        "start",
        "release",
        "is_public",
        "dataset_count",
        "volume_display",
    ]
    list_filter = [ReleaseStateFilter, "instrument", "proprietary"]
    search_fields = ["name", "visit_id", "title", "doi"]
    list_select_related = ["instrument"]
    date_hierarchy = "start_date"
    filter_horizontal = ["techniques"]
    readonly_fields = ["dataset_count", "datafile_count", "volume", "icat_id", "mod_time"]
    inlines = [InvestigationUserInline, InvestigationParameterInline]
    actions = ["release_now"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["name", "visit_id", "title", "summary", "instrument", "techniques"]}),
        (
            "Dates and access",
            {"fields": ["start_date", "end_date", "release_date", "proprietary", "doi"]},
        ),
        ("Totals (computed)", {"fields": ["dataset_count", "datafile_count", "volume"]}),
        ("ICAT", {"fields": ["icat_id", "mod_time"], "classes": ["collapse"]}),
    ]

    @admin.display(description="title")
    def short_title(self, investigation: Investigation) -> str:
        title = investigation.title
        return title if len(title) <= 70 else title[:69] + "…"

    @admin.display(description="start", ordering="start_date")
    def start(self, investigation: Investigation) -> str:
        return _day(investigation.start_date)

    @admin.display(description="release", ordering="release_date")
    def release(self, investigation: Investigation) -> str:
        return _day(investigation.release_date)

    @admin.display(description="public", boolean=True)
    def is_public(self, investigation: Investigation) -> bool:
        return investigation.is_released

    @admin.display(description="volume", ordering="volume")
    def volume_display(self, investigation: Investigation) -> str:
        return filesizeformat(investigation.volume)

    @admin.action(description="Release now (make the data public today)")
    def release_now(self, request: HttpRequest, queryset: QuerySet[Investigation]) -> None:
        """Staff release data early at the team's request; proprietary sessions stay closed.
        Through the same service as the PI's button: public flag, DOI, e-mail and audit row."""
        proprietary = queryset.filter(proprietary=True).count()
        to_release = list(queryset.filter(proprietary=False, is_public=False))
        for investigation in to_release:
            policy.investigation_release_now(investigation=investigation, by=request.user)
            self.log_change(request, investigation, "Released now: the data is public from today.")
        self.message_user(
            request, f"{len(to_release)} investigation(s) released: their data is now public."
        )
        if proprietary:
            self.message_user(
                request,
                f"{proprietary} proprietary investigation(s) left closed: "
                "untick “proprietary” first.",
                messages.WARNING,
            )

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "proprietary" in form.changed_data:
            # The audited path is the data-policy form; an admin edit is recorded all the same.
            audit_record(
                kind=AccessEventKind.PROPRIETARY_SET
                if obj.proprietary
                else AccessEventKind.PROPRIETARY_CLEARED,
                actor=request.user,
                investigation=obj,
                summary=f"{obj.name} proprietary flag changed in the admin",
                reason="(changed in the admin, no reason given)",
            )


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is appended to by the workflows, never edited."""

    list_display = ["at", "kind", "actor_name", "investigation", "summary"]
    list_filter = ["kind"]
    search_fields = ["actor_name", "summary", "investigation__name"]
    list_select_related = ["investigation"]
    readonly_fields = [f.name for f in AccessEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(EmbargoExtension)
class EmbargoExtensionAdmin(admin.ModelAdmin):
    """Answered on the data-policy screen (/data-policy/), which writes the audit trail."""

    list_display = ["investigation", "requested_at", "new_release_date", "status"]
    list_filter = ["status"]
    list_select_related = ["investigation"]
    readonly_fields = [f.name for f in EmbargoExtension._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(InvestigationUser)
class InvestigationUserAdmin(BigTableAdmin):
    list_display = ["investigation", "user", "role", "added_by", "added_at"]
    list_filter = ["role"]
    search_fields = ["investigation__name", "user__username", "user__full_name", "user__email"]
    list_select_related = ["investigation", "user", "added_by"]
    autocomplete_fields = ["investigation", "user", "added_by"]


class SampleParameterInline(admin.TabularInline):
    model = SampleParameter
    fields = ["type", "numeric_value", "string_value"]
    autocomplete_fields = ["type"]
    extra = 0


class SampleFileInline(admin.TabularInline):
    """Files the team attached through ICAT+'s sample sheets: shown, changed only through the
    API (which also removes the stored bytes)."""

    model = SampleFile
    fields = ["metadata_name", "filename", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Sample)
class SampleAdmin(BigTableAdmin):
    list_display = ["name", "investigation", "type"]
    search_fields = ["name", "investigation__name"]
    list_select_related = ["investigation"]
    autocomplete_fields = ["investigation"]
    inlines = [SampleParameterInline, SampleFileInline]


class DatasetParameterInline(admin.TabularInline):
    model = DatasetParameter
    fields = ["type", "numeric_value", "string_value"]
    autocomplete_fields = ["type"]
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(BigTableAdmin):
    list_display = [
        "name",
        "investigation",
        "type",
        "sample",
        "start",
        "file_count",
        "size_display",
        "archive_status",
    ]
    list_filter = ["type", "archive_status", "released_by_doi", "investigation__instrument"]
    search_fields = ["name", "investigation__name", "sample__name", "location"]
    list_select_related = ["investigation", "sample"]
    raw_id_fields = ["investigation", "sample", "derived_from"]
    filter_horizontal = ["techniques"]
    # A dataset can hold thousands of files: link to them rather than inline them.
    readonly_fields = ["files_link", "file_count", "size", "icat_id", "mod_time"]
    inlines = [DatasetParameterInline]

    @admin.display(description="files")
    def files_link(self, dataset: Dataset) -> str:
        url = reverse("admin:catalogue_datafile_changelist") + f"?dataset__id__exact={dataset.pk}"
        return format_html('<a href="{}">{} file(s)</a>', url, dataset.file_count)

    @admin.display(description="size", ordering="size")
    def size_display(self, dataset: Dataset) -> str:
        return filesizeformat(dataset.size)

    @admin.display(description="start", ordering="start_date")
    def start(self, dataset: Dataset) -> str:
        return _day(dataset.start_date)


@admin.register(Datafile)
class DatafileAdmin(BigTableAdmin):
    list_display = ["name", "dataset", "size_display", "file_mod_time", "location"]
    # By the start of the file name only: no join to the datasets when searching millions of files.
    search_fields = ["^name"]
    list_select_related = ["dataset"]
    raw_id_fields = ["dataset"]
    readonly_fields = ["icat_id", "mod_time"]

    @admin.display(description="size", ordering="size")
    def size_display(self, datafile: Datafile) -> str:
        return filesizeformat(datafile.size)


@admin.register(ParameterType)
class ParameterTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "units", "value_type", "description"]
    list_filter = ["value_type"]
    search_fields = ["name", "units"]


class ParameterAdmin(BigTableAdmin):
    list_display = ["type", "numeric_value", "string_value", "owner"]
    list_filter = ["type__value_type"]
    search_fields = ["type__name", "string_value"]
    autocomplete_fields = ["type"]
    owner_field = ""

    def get_list_select_related(self, request: HttpRequest) -> list[str]:
        return ["type", self.owner_field]

    def get_raw_id_fields(self, request: HttpRequest) -> list[str]:
        return [self.owner_field]

    @admin.display(description="of")
    def owner(self, parameter) -> object:
        return getattr(parameter, self.owner_field)


@admin.register(InvestigationParameter)
class InvestigationParameterAdmin(ParameterAdmin):
    owner_field = "investigation"


@admin.register(DatasetParameter)
class DatasetParameterAdmin(ParameterAdmin):
    owner_field = "dataset"


@admin.register(SampleParameter)
class SampleParameterAdmin(ParameterAdmin):
    owner_field = "sample"
