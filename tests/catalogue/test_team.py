"""The team tab: members and roles; the PI adds and removes collaborators; history is recorded."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from catalogue.models import InvestigationUser, Role, TeamChange
from tests import factories
from tests.access_matrix.walk import normalise

pytestmark = pytest.mark.django_db


def _team_url(team) -> str:
    return reverse("catalogue:investigation-team", args=[team.investigation.pk])


def _add_url(team) -> str:
    return reverse("catalogue:team-add", args=[team.investigation.pk])


@pytest.mark.parametrize(
    "who",
    [
        "principal_investigator",
        "participant",
        "collaborator",
        "local_contact",
        "scientist",
        "staff",
    ],
)
def test_team_members_see_the_team_tab(client, team, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(_team_url(team))
    assert response.status_code == 200
    assert team.principal_investigator.display_name in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_outsiders_get_404_on_embargoed_team_tab(client, team, who) -> None:
    if who:
        client.force_login(getattr(team, who))
    response = client.get(_team_url(team))
    assert response.status_code == 404
    assert team.principal_investigator.display_name not in response.content.decode()


def test_released_team_is_listed_without_history_or_controls(client) -> None:
    released = factories.InvestigationFactory(released=True)
    pi = factories.InvestigationUserFactory(
        investigation=released, role=Role.PRINCIPAL_INVESTIGATOR
    ).user
    body = client.get(reverse("catalogue:investigation-team", args=[released.pk])).content.decode()
    assert pi.display_name in body
    assert 'id="team-history"' not in body and 'id="add-collaborator"' not in body


def test_only_the_pi_and_staff_see_the_add_form(client, team) -> None:
    client.force_login(team.participant)
    assert 'id="add-collaborator"' not in client.get(_team_url(team)).content.decode()
    client.force_login(team.principal_investigator)
    assert 'id="add-collaborator"' in client.get(_team_url(team)).content.decode()


def test_wrong_method_is_405(client, team) -> None:
    client.force_login(team.principal_investigator)
    assert client.post(_team_url(team)).status_code == 405
    assert client.get(_add_url(team)).status_code == 405


def test_pi_adds_a_collaborator_by_email(client, team, django_capture_on_commit_callbacks) -> None:
    newcomer = factories.UserFactory(username="akowalska", email="anna@example.org")
    client.force_login(team.principal_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_add_url(team), {"user": "ANNA@example.org"})
    assert response.status_code == 302
    membership = InvestigationUser.objects.get(investigation=team.investigation, user=newcomer)
    assert (
        membership.role == Role.COLLABORATOR and membership.added_by == team.principal_investigator
    )
    change = TeamChange.objects.get(investigation=team.investigation, user=newcomer)
    assert (change.action, change.by) == ("added", team.principal_investigator)
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert team.investigation.name in mail.outbox[0].subject
    body = client.get(_team_url(team)).content.decode()
    assert "added <strong>" in body and newcomer.display_name in body
    # The new collaborator now sees the embargoed session.
    client.force_login(newcomer)
    assert client.get(team.investigation.get_absolute_url()).status_code == 200


def test_staff_adds_by_username_over_htmx(client, team) -> None:
    newcomer = factories.UserFactory(username="jdoe")
    client.force_login(team.staff)
    response = client.post(_add_url(team), {"user": "jdoe"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == _team_url(team)
    assert team.investigation.members.filter(user=newcomer, role=Role.COLLABORATOR).exists()


def test_unknown_user_is_a_field_error_in_the_fragment(client, team) -> None:
    client.force_login(team.principal_investigator)
    before = InvestigationUser.objects.count()
    response = client.post(
        _add_url(team), {"user": "nobody@nowhere"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "No user with that name or e-mail." in body
    assert InvestigationUser.objects.count() == before
    assert not TeamChange.objects.exists()


def test_existing_member_is_a_field_error(client, team) -> None:
    client.force_login(team.principal_investigator)
    body = client.post(_add_url(team), {"user": team.participant.username}).content.decode()
    assert "is already in the team." in body


@pytest.mark.parametrize("who", ["participant", "collaborator", "local_contact", "scientist"])
def test_other_members_cannot_change_the_team(client, team, who) -> None:
    newcomer = factories.UserFactory()
    client.force_login(getattr(team, who))
    assert client.post(_add_url(team), {"user": newcomer.username}).status_code == 403
    assert not team.investigation.members.filter(user=newcomer).exists()


def test_outsider_posting_gets_404(client, team) -> None:
    client.force_login(team.outsider)
    assert client.post(_add_url(team), {"user": team.outsider.username}).status_code == 404
    assert not team.investigation.members.filter(user=team.outsider).exists()


def test_pi_removes_a_collaborator(client, team, django_capture_on_commit_callbacks) -> None:
    membership = team.investigation.members.get(user=team.collaborator)
    client.force_login(team.principal_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalogue:team-remove", args=[team.investigation.pk, membership.pk])
        )
    assert response.status_code == 302
    assert not team.investigation.members.filter(user=team.collaborator).exists()
    assert TeamChange.objects.filter(
        action="removed", user=team.collaborator, by=team.principal_investigator
    ).exists()
    assert mail.outbox[0].to == [team.collaborator.email]
    client.force_login(team.collaborator)
    assert client.get(team.investigation.get_absolute_url()).status_code == 404


def test_proposal_roles_cannot_be_removed_here(client, team) -> None:
    membership = team.investigation.members.get(user=team.participant)
    client.force_login(team.principal_investigator)
    client.post(reverse("catalogue:team-remove", args=[team.investigation.pk, membership.pk]))
    assert team.investigation.members.filter(user=team.participant).exists()
    assert "Only collaborators can be removed here." in client.get(_team_url(team)).content.decode()


def test_team_tab_query_count_does_not_grow_with_members(
    client, team, django_assert_max_num_queries
) -> None:
    for _ in range(15):
        membership = factories.InvestigationUserFactory(
            investigation=team.investigation, role=Role.COLLABORATOR
        )
        TeamChange.objects.create(
            investigation=team.investigation,
            action="added",
            by=team.principal_investigator,
            user=membership.user,
            role=Role.COLLABORATOR,
        )
    client.force_login(team.principal_investigator)
    with django_assert_max_num_queries(14):
        assert client.get(_team_url(team)).status_code == 200


def test_removing_another_teams_member_reads_like_a_missing_one(client, team) -> None:
    """A membership id of another investigation is answered exactly as one that never existed,
    and removes nobody."""
    elsewhere = factories.InvestigationUserFactory(role=Role.COLLABORATOR)
    client.force_login(team.principal_investigator)

    def remove(member_pk: int):
        return client.post(
            reverse("catalogue:team-remove", args=[team.investigation.pk, member_pk])
        )

    hidden, missing = remove(elsewhere.pk), remove(elsewhere.pk + 1000)
    assert hidden.status_code == missing.status_code == 404
    assert normalise(hidden.content) == normalise(missing.content)
    assert InvestigationUser.objects.filter(pk=elsewhere.pk).exists()
    assert not TeamChange.objects.exists()
