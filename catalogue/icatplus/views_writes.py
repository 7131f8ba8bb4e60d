"""ICAT+'s catalogue writes: the team, sample and dataset parameters, the end of an embargo.

Each route finds its object through `catalogue.access` first (one the caller may not see is
answered exactly as a nonexistent id), then asks whether the caller may change it (403 for those
who only read it, e.g. anyone reading a released experiment), and only then reads the body (400
naming the field, nothing written). Who may change what is the portal's own rule, the same as on
its pages: the team by `access.can_manage_team`, parameters by `access.can_edit_metadata`, the
release date by `access.can_change_release_date`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalogue import access, teams
from catalogue.models import Investigation, Role, SampleParameter
from catalogue.signals import release_date_changed
from portal.icatplus import IcatPlusView, validated

from . import serializers as s
from . import serializers_writes as w
from .views import DatasetParameterList, InvestigationUsers


def _same_investigation(request: Request, investigation_id: int) -> None:
    """ICAT+'s clients name the investigation beside the object; another one's id makes the
    object one that does not exist there."""
    wanted = validated(w.ParameterQuery, request.query_params).validated_data.get("investigationId")
    if wanted is not None and wanted != investigation_id:
        raise Http404("No such parameter")


def _may_edit_metadata(user, investigation: Investigation) -> None:
    if not access.can_edit_metadata(user, investigation):
        raise PermissionDenied("Only the experiment's team can change its metadata.")


# The team -------------------------------------------------------------------------------------


class InvestigationTeam(InvestigationUsers):
    """`/catalogue/{sessionId}/investigation/id/{investigationId}/investigationusers`: GET the
    team; POST `{"name"}` adds that user as a Collaborator, DELETE `{"name"}` removes a
    Collaborator, exactly as the team page does (same rule, same TeamChange record and e-mails).
    Other roles come from the proposal system and are not removed here."""

    def _manageable(self, request: Request, investigation_id: int) -> Investigation:
        investigation = access.get_investigation_or_404(request.user, investigation_id)
        if not access.can_manage_team(request.user, investigation):
            raise PermissionDenied("Only the principal investigator can change the team.")
        return investigation

    def _team(self, request: Request, investigation: Investigation):
        return access.team_members(request.user, investigation).select_related(
            "user", "investigation"
        )

    def post(self, request: Request, session_id: str, investigation_id: int) -> Response:
        investigation = self._manageable(request, investigation_id)
        name = validated(w.TeamMemberBody, request.data).validated_data["name"]
        user = w.collaborator_to_add(investigation, name)
        teams.team_add_collaborator(investigation=investigation, user=user, by=request.user)
        membership = self._team(request, investigation).filter(user=user).first()
        context = {"with_email": True}
        return Response(s.InvestigationUserSerializer(membership, context=context).data)

    def delete(self, request: Request, session_id: str, investigation_id: int) -> Response:
        investigation = self._manageable(request, investigation_id)
        name = validated(w.TeamMemberBody, request.data).validated_data["name"].strip()
        membership = (
            self._team(request, investigation)
            .filter(Q(user__username__iexact=name) | Q(user__email__iexact=name))
            .order_by("user_id")
            .first()
        )
        if membership is None:
            raise serializers.ValidationError({"name": f"{name} is not in the team"})
        if membership.role != Role.COLLABORATOR:
            raise serializers.ValidationError(
                {"name": "only collaborators can be removed here (the proposal names the others)"}
            )
        teams.team_remove_member(membership=membership, by=request.user)
        members = s.InvestigationUserSerializer(
            self._team(request, investigation), many=True, context={"with_email": True}
        )
        return Response(members.data)


# Sample and dataset parameters ----------------------------------------------------------------


class SampleParameterCreate(IcatPlusView):
    """`POST /catalogue/{sessionId}/samples/{sampleId}/sampleParameters?investigationId=` with
    a `Parameter`: a parameter of a type the catalogue knows, which the sample does not have yet.
    Answers the stored parameter as the sample lists give it."""

    def post(self, request: Request, session_id: str, sample_id: int) -> Response:
        sample = access.get_sample_or_404(request.user, sample_id)
        _same_investigation(request, sample.investigation_id)
        _may_edit_metadata(request.user, sample.investigation)
        data = validated(w.ParameterBody, request.data).validated_data
        parameter_type = w.parameter_type_for(data)
        values = w.typed_value(parameter_type, data["value"])
        with transaction.atomic():
            # One at a time per sample, so two posts cannot both add the same parameter.
            access.visible_samples(request.user).select_for_update(of=("self",)).filter(
                pk=sample.pk
            ).exists()
            existing = sample.parameters.filter(type=parameter_type).values_list("pk", flat=True)
            if existing:
                raise serializers.ValidationError(
                    {
                        "name": f"the sample already has {parameter_type.name}: change it with "
                        f"PUT sampleParameters/{existing[0]}"
                    }
                )
            parameter = SampleParameter.objects.create(
                sample=sample, type=parameter_type, mod_time=timezone.now(), **values
            )
        return Response(s.sample_parameter(parameter))


class SampleParameterUpdate(IcatPlusView):
    """`PUT /catalogue/{sessionId}/sampleParameters/{id}?investigationId=` with a `Parameter`:
    the new value of that parameter (its name and units stay what they are)."""

    def put(self, request: Request, session_id: str, id: int) -> Response:
        parameter = access.get_sample_parameter_or_404(request.user, id)
        _same_investigation(request, parameter.sample.investigation_id)
        _may_edit_metadata(request.user, parameter.sample.investigation)
        body = validated(w.ParameterBody, request.data).validated_data
        values = w.parameter_change(parameter, body)
        _save(parameter, values)
        return Response(s.sample_parameter(parameter))


class DatasetParameters(DatasetParameterList):
    """`/catalogue/{sessionId}/datasetparameter`: GET lists them; PUT `?parameterId=` with a
    `Parameter` sets the new value of one parameter of a dataset (name and units stay), and
    answers it as the list gives it."""

    def put(self, request: Request, session_id: str) -> Response:
        query = validated(w.DatasetParameterQuery, request.query_params).validated_data
        parameter_id = query["parameterId"]
        parameter = access.get_dataset_parameter_or_404(request.user, parameter_id)
        _may_edit_metadata(request.user, parameter.dataset.investigation)
        body = validated(w.ParameterBody, request.data).validated_data
        values = w.parameter_change(parameter, body)
        _save(parameter, values)
        return Response(s.DatasetParameterSerializer(parameter).data)


def _save(parameter, values: dict) -> None:
    for field, value in values.items():
        setattr(parameter, field, value)
    parameter.mod_time = timezone.now()
    parameter.save(update_fields=[*values, "mod_time"])


# The end of the embargo -----------------------------------------------------------------------


class InvestigationReleaseDate(IcatPlusView):
    """`POST /catalogue/investigations/{investigationId}/release-date` (the session as a bearer
    token) with `{"releaseDate": "YYYY-MM-DD", "message"}`: the data becomes public that day.
    The portal lets staff alone move an embargo (the admin's "release now"); a proprietary
    session stays closed whatever its date. As in ICAT+, the investigation's logbook records the
    change and `message` (`catalogue.signals.release_date_changed`, received by the logbook)."""

    def post(self, request: Request, investigation_id: int) -> Response:
        investigation = access.get_investigation_or_404(request.user, investigation_id)
        if not access.can_change_release_date(request.user, investigation):
            raise PermissionDenied("Only the facility's staff can change a release date.")
        body = validated(w.ReleaseDateBody, request.data)
        previous = investigation.release_date
        with transaction.atomic():
            # As the admin's "release now" does it: no save() side effects on other fields.
            access.visible_investigations(request.user).filter(pk=investigation.pk).update(
                release_date=body.release_date(), mod_time=timezone.now()
            )
            investigation.refresh_from_db(fields=["release_date", "mod_time"])
            release_date_changed.send(
                sender=Investigation,
                investigation=investigation,
                by=request.user,
                previous=previous,
                message=body.validated_data.get("message", ""),
            )
        return Response(s.investigation_light(investigation))
