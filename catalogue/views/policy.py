"""Data-policy pages: the principal investigator's "Release now" and extension request, the
data-policy office's proprietary flag and extension queue, and the audit trail (an
investigation's History tab for its team; every event for staff, filterable, as CSV too).

Whoever may not see the investigation gets 404; whoever sees it but may not act gets 403. The
facility-wide pages answer 404 to everyone outside the office, as if they did not exist."""

from __future__ import annotations

import csv
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from catalogue import access, policy
from catalogue.models import Investigation, Role
from catalogue.models.policy import ExtensionStatus
from catalogue.policy_forms import (
    AuditFilterForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProprietaryForm,
    day_start,
)
from portal import keyset

PAGE_SIZE = 50
EVENT_ORDER = ["-at", "-id"]


def _investigation(request: HttpRequest, pk: int, may) -> Investigation:
    investigation = access.get_investigation_for_policy_or_404(request.user, pk)
    if not may(request.user, investigation):
        raise PermissionDenied("You may not do this for this session.")
    return investigation


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _page(request: HttpRequest, queryset, ordering: list[str]) -> keyset.Page:
    try:
        return keyset.paginate(
            queryset, ordering=ordering, cursor=request.GET.get("cursor"), size=PAGE_SIZE
        )
    except keyset.BadCursor:
        messages.error(request, "That page link is damaged: showing the first page.")
        return keyset.paginate(queryset, ordering=ordering, cursor=None, size=PAGE_SIZE)


def _pi_only(request: HttpRequest, pk: int) -> Investigation | HttpResponse:
    """The principal investigator of a session that is no longer embargoed (an old link, a
    second tab) is sent back to it with the reason; anyone else who sees it gets 403."""
    investigation = access.get_investigation_or_404(request.user, pk)
    if access.can_release_now(request.user, investigation):
        return investigation
    if access.role_in(request.user, investigation) != Role.PRINCIPAL_INVESTIGATOR:
        raise PermissionDenied("Only the principal investigator decides this.")
    state = "proprietary" if investigation.proprietary else "already public"
    messages.info(request, f"{investigation.name} is {state}: its embargo cannot change.")
    return redirect(investigation.get_absolute_url())


@require_http_methods(["GET", "POST"])
def investigation_release(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _pi_only(request, pk)
    if isinstance(investigation, HttpResponse):
        return investigation
    if request.method == "POST":
        policy.investigation_release_now(investigation=investigation, by=request.user)
        messages.success(request, f"{investigation.name} is public from now on.")
        return redirect(investigation.get_absolute_url())
    return render(
        request,
        "catalogue/policy_release.html",
        {"investigation": investigation, "contents": policy.release_contents(investigation)},
    )


@require_http_methods(["GET", "POST"])
def investigation_extension(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _pi_only(request, pk)
    if isinstance(investigation, HttpResponse):
        return investigation
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy.extension_request_create(
                investigation=investigation,
                by=request.user,
                new_release_date=day_start(form.cleaned_data["new_release_date"]),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Your request went to the data-policy office.")
            return redirect(investigation.get_absolute_url())
    return render(
        request,
        "catalogue/policy_extension.html",
        {
            "investigation": investigation,
            "form": form,
            "latest": policy.extension_limit(investigation),
            "requests": investigation.embargo_extensions.all()[:10],
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def investigation_proprietary(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk, access.can_set_proprietary)
    form = ProprietaryForm(
        request.POST or None, initial={"proprietary": not investigation.proprietary}
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy.investigation_set_proprietary(
                investigation=investigation,
                by=request.user,
                proprietary=form.cleaned_data["proprietary"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The session's status is changed.")
            return redirect(investigation.get_absolute_url())
    return render(
        request,
        "catalogue/policy_proprietary.html",
        {"investigation": investigation, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def investigation_history(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _investigation(request, pk, access.can_view_history)
    events = investigation.access_events.all()
    template = "catalogue/policy_history.html"
    if request.htmx:
        template += "#events"
    return render(
        request,
        template,
        {"investigation": investigation, "page": _page(request, events, EVENT_ORDER)},
    )


def _office(request: HttpRequest, may=access.is_data_policy) -> None:
    if not may(request.user):
        raise Http404("No such page")


@login_required
@require_GET
def extension_queue(request: HttpRequest) -> HttpResponse:
    _office(request)
    status = request.GET.get("status")
    status = status if status in ExtensionStatus.values else ExtensionStatus.PENDING
    # The oldest question first: it has waited longest.
    extensions = (
        access.visible_extensions(request.user)
        .filter(status=status)
        .select_related("investigation", "requested_by", "decided_by")
    )
    template = "catalogue/policy_queue.html"
    if request.htmx:
        template += "#queue"
    return render(
        request,
        template,
        {
            "page": _page(request, extensions, ["requested_at", "id"]),
            "status": status,
            "statuses": ExtensionStatus.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    extension = access.get_extension_or_404(request.user, pk)
    form = ExtensionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy.extension_request_decide(
                extension=extension,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The principal investigator is told your answer.")
            return redirect("catalogue:policy-extensions")
    return render(
        request,
        "catalogue/policy_decide.html",
        {"extension": extension, "investigation": extension.investigation, "form": form},
        status=400 if form.errors else 200,
    )


def _events(request: HttpRequest) -> tuple[AuditFilterForm, object]:
    _office(request, access.can_view_audit)
    form = AuditFilterForm(request.GET)
    events = form.filter(access.visible_access_events(request.user))
    return form, events.select_related("investigation")


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    form, events = _events(request)
    template = "catalogue/policy_audit.html"
    if request.htmx:
        template += "#events"
    return render(
        request,
        template,
        {"form": form, "page": _page(request, events, EVENT_ORDER), "query": _query(request)},
    )


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = ["when", "kind", "actor", "proposal", "session", "summary", "reason", "details"]


def _csv_rows(events):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    # iterator(): a year of events streams in chunks instead of loading at once.
    for event in events.order_by(*EVENT_ORDER).iterator(chunk_size=2000):
        investigation = event.investigation
        yield writer.writerow(
            [
                event.at.isoformat(),
                event.kind,
                event.actor_name,
                investigation.name if investigation else "",
                investigation.visit_id if investigation else "",
                event.summary,
                event.reason,
                _details(event.details),
            ]
        )


def _details(details: dict) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted(details.items()))


@login_required
@require_GET
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, events = _events(request)
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
