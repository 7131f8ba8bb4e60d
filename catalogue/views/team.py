"""The team tab (members, pending access requests, history) and access requests by proposal name.

Only `access.can_manage_team` (the principal investigator, staff) changes the team; others who can
see the investigation get 403 for changes; those who cannot see it get 404 everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalogue import access, teams
from catalogue.forms import AccessRequestForm, AddCollaboratorForm
from catalogue.models import Investigation, Role, TeamChange

HISTORY_SIZE = 50


def _team_context(
    request: HttpRequest, investigation: Investigation, form: AddCollaboratorForm | None = None
) -> dict:
    can_manage = access.can_manage_team(request.user, investigation)
    role_order = list(Role.values)
    members = sorted(
        access.team_members(request.user, investigation).select_related("user", "added_by"),
        key=lambda m: (role_order.index(m.role), m.user.display_name),
    )
    in_team = access.is_in_team(request.user, investigation)
    return {
        "investigation": investigation,
        "members": members,
        "can_manage": can_manage,
        "in_team": in_team,
        "form": form or (AddCollaboratorForm(investigation=investigation) if can_manage else None),
        "pending": list(
            access.access_requests_to_answer(request.user, investigation).select_related(
                "requester"
            )
        ),
        # The history names people: for the team itself, not for visitors of public data.
        "history": list(
            TeamChange.objects.filter(investigation=investigation).select_related("by", "user")[
                :HISTORY_SIZE
            ]
        )
        if in_team
        else [],
    }


def _manageable(request: HttpRequest, pk: int) -> Investigation:
    investigation = access.get_investigation_or_404(request.user, pk)
    if not access.can_manage_team(request.user, investigation):
        raise PermissionDenied("Only the principal investigator can change the team.")
    return investigation


def _back_to_team(request: HttpRequest, investigation: Investigation) -> HttpResponse:
    url = reverse("catalogue:investigation-team", args=[investigation.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
def investigation_team(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = access.get_investigation_or_404(request.user, pk)
    return render(request, "catalogue/team.html", _team_context(request, investigation))


@require_POST
def team_add(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = _manageable(request, pk)
    form = AddCollaboratorForm(request.POST, investigation=investigation)
    if not form.is_valid():
        template = "catalogue/team.html#add-form" if request.htmx else "catalogue/team.html"
        return render(request, template, _team_context(request, investigation, form))
    user = form.cleaned_data["user"]
    teams.team_add_collaborator(investigation=investigation, user=user, by=request.user)
    messages.success(request, f"{user.display_name} is now a collaborator.")
    return _back_to_team(request, investigation)


@require_POST
def team_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    investigation = _manageable(request, pk)
    membership = access.get_membership_or_404(request.user, investigation, member_pk)
    if membership.role != Role.COLLABORATOR:
        # The proposal system (ICAT) owns the other roles; removing them here would not last.
        messages.error(request, "Only collaborators can be removed here.")
        return _back_to_team(request, investigation)
    teams.team_remove_member(membership=membership, by=request.user)
    messages.success(request, f"{membership.user.display_name} no longer has access.")
    return _back_to_team(request, investigation)


@require_POST
def access_request_decide(
    request: HttpRequest, pk: int, request_pk: int, decision: str
) -> HttpResponse:
    investigation = _manageable(request, pk)
    access_request = access.get_access_request_or_404(request.user, investigation, request_pk)
    approve = decision == "approve"
    teams.access_request_decide(
        access_request=access_request, investigation=investigation, by=request.user, approve=approve
    )
    name = access_request.requester.display_name
    messages.success(
        request, f"{name} is now a collaborator." if approve else f"You declined {name}'s request."
    )
    return _back_to_team(request, investigation)


@login_required
@require_http_methods(["GET", "POST"])
def access_request_new(request: HttpRequest) -> HttpResponse:
    """The answer never depends on whether the proposal exists or who is in it."""
    form = AccessRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            teams.access_request_create(
                requester=request.user,
                proposal=form.cleaned_data["proposal"],
                message=form.cleaned_data["message"],
            )
        except teams.AccessRequestRefused as refusal:
            form.add_error(None, str(refusal))
            status = refusal.status
        else:
            messages.success(
                request,
                f"Your request for {form.cleaned_data['proposal']} was sent. If the proposal "
                "exists, its principal investigator will answer by e-mail.",
            )
            return redirect("catalogue:access-request-new")
    mine = access.visible_access_requests(request.user)[:20]
    return render(
        request,
        "catalogue/access_request_form.html",
        {"form": form, "mine": mine},
        status=status,
    )
