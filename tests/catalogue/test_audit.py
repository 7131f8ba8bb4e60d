"""The audit trail: one row per access-relevant change, written with it (gone if it fails),
never editable; the team reads its session's History tab, staff the whole trail, as CSV too."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from catalogue import teams
from catalogue.audit import audit_record
from catalogue.models import AccessEvent, AccessEventKind, AccessRequest
from catalogue.models.policy import AppendOnly
from logbook.models import ApiKey
from tests import factories

pytestmark = pytest.mark.django_db
AUDIT = reverse("catalogue:audit")


def _kinds() -> list[str]:
    return list(AccessEvent.objects.order_by("id").values_list("kind", flat=True))


def test_team_changes_and_access_requests_are_recorded_once_each(team) -> None:
    pi, newcomer = team.principal_investigator, factories.UserFactory()
    membership = teams.team_add_collaborator(investigation=team.investigation, user=newcomer, by=pi)
    teams.team_remove_member(membership=membership, by=pi)
    request = teams.access_request_create(requester=newcomer, proposal=team.investigation.name)
    teams.access_request_decide(
        access_request=request, investigation=team.investigation, by=pi, approve=True
    )
    assert _kinds() == [
        AccessEventKind.TEAM_ADDED,
        AccessEventKind.TEAM_REMOVED,
        AccessEventKind.ACCESS_REQUESTED,
        AccessEventKind.ACCESS_APPROVED,
    ]
    assert set(AccessEvent.objects.values_list("investigation", flat=True)) == {
        team.investigation.pk
    }


def test_a_change_that_fails_leaves_no_audit_row(team, monkeypatch) -> None:
    def refused(**kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(teams, "mail_send", refused)
    with pytest.raises(RuntimeError):
        teams.access_request_create(requester=team.outsider, proposal=team.investigation.name)
    assert not AccessRequest.objects.exists() and not AccessEvent.objects.exists()


def test_api_keys_created_and_revoked_are_recorded(admin_client) -> None:
    key, _ = ApiKey.objects.create_key(name="ID23 MXCuBE")
    admin_client.post(
        reverse("admin:logbook_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert _kinds() == [AccessEventKind.API_KEY_CREATED, AccessEventKind.API_KEY_REVOKED]
    assert AccessEvent.objects.last().actor_name  # the admin who revoked it


def test_rows_are_append_only(team) -> None:
    from django.db import transaction

    with transaction.atomic():
        event = audit_record(kind=AccessEventKind.RELEASED, actor=None, summary="x")
    event.summary = "rewritten"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    request = RequestFactory().get("/")
    request.user = factories.UserFactory(is_staff=True, is_superuser=True)
    model_admin = site._registry[AccessEvent]
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert not model_admin.has_add_permission(request)


def test_audit_record_refuses_to_run_outside_a_transaction(transactional_db) -> None:
    with pytest.raises(RuntimeError):
        audit_record(kind=AccessEventKind.RELEASED, actor=None, summary="x")


def _history(team):
    return reverse("catalogue:investigation-history", args=[team.investigation.pk])


@pytest.mark.parametrize("who", ["principal_investigator", "participant", "scientist", "staff"])
def test_the_team_reads_its_history(client, team, who) -> None:
    teams.team_add_collaborator(
        investigation=team.investigation, user=team.outsider, by=team.principal_investigator
    )
    client.force_login(getattr(team, who))
    page = client.get(_history(team)).content.decode()
    assert "Team member added" in page and team.outsider.display_name in page


def test_history_is_404_to_outsiders_and_403_to_readers_of_public_data(client, team) -> None:
    client.force_login(team.outsider)
    assert client.get(_history(team)).status_code == 404
    type(team.investigation).objects.filter(pk=team.investigation.pk).update(
        release_date=timezone.now() - timedelta(days=1), is_public=True
    )
    assert client.get(_history(team)).status_code == 403


def _events(n: int, investigation=None) -> None:
    from django.db import transaction

    with transaction.atomic():
        for i in range(n):
            audit_record(
                kind=AccessEventKind.TEAM_ADDED,
                actor=None,
                investigation=investigation,
                summary=f"event {i}",
            )


def test_staff_filter_the_trail_and_page_it_with_capped_queries(
    client, team, django_assert_max_num_queries
) -> None:
    from catalogue.views import policy as views

    _events(views.PAGE_SIZE + 5, team.investigation)
    other = factories.InvestigationFactory()
    _events(3, other)
    client.force_login(team.staff)
    with django_assert_max_num_queries(8):
        page = client.get(AUDIT, {"investigation": other.name})
    assert page.content.decode().count('class="access-event"') == 3
    with django_assert_max_num_queries(8):
        first = client.get(AUDIT, {"kind": "team_added"})
    assert first.content.decode().count('class="access-event"') == views.PAGE_SIZE
    cursor = first.context["page"].next_cursor
    rest = client.get(AUDIT, {"kind": "team_added", "cursor": cursor}).content.decode()
    assert rest.count('class="access-event"') == 8
    none = client.get(AUDIT, {"kind": "released"}).content.decode()
    assert 'class="access-event"' not in none


def test_csv_export_streams_the_filtered_rows(client, team) -> None:
    teams.team_add_collaborator(
        investigation=team.investigation, user=team.outsider, by=team.principal_investigator
    )
    _events(2)
    client.force_login(team.staff)
    response = client.get(
        reverse("catalogue:audit-csv"), {"investigation": team.investigation.name}
    )
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["when", "kind", "actor", "proposal"]
    [row] = rows[1:]
    assert row[1] == "team_added" and row[2] == team.principal_investigator.display_name
    assert row[3] == team.investigation.name and team.outsider.display_name in row[5]


@pytest.mark.parametrize("who", ["principal_investigator", "scientist", "outsider"])
def test_the_facility_trail_is_404_to_everyone_but_staff(client, team, who) -> None:
    client.force_login(getattr(team, who))
    assert client.get(AUDIT).status_code == 404
    assert client.get(reverse("catalogue:audit-csv")).status_code == 404
