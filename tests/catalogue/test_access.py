"""The access policy as a table: every role × every investigation state, every cell asserted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from catalogue import access
from tests import factories

ROLES = [
    "anonymous",
    "outsider",
    "participant",
    "collaborator",
    "principal_investigator",
    "local_contact",
    "scientist",
    "other_scientist",
    "staff",
]
TEAM_WIDE = {
    "participant",
    "collaborator",
    "principal_investigator",
    "local_contact",
    "scientist",
    "staff",
}
STATES = ["embargoed", "released", "proprietary_past_release"]

# Who sees the investigation, its datasets and its files.
CAN_VIEW = {
    "embargoed": TEAM_WIDE,
    "released": set(ROLES),
    "proprietary_past_release": TEAM_WIDE,
}
# Writing the logbook never depends on the release: the team and staff only.
CAN_WRITE_LOGBOOK = TEAM_WIDE
CAN_MANAGE_TEAM = {"principal_investigator", "staff"}
CAN_MINT_DOI = {"participant", "collaborator", "principal_investigator", "local_contact", "staff"}


def _investigation_in(state: str):
    now = timezone.now()
    if state == "embargoed":
        return factories.InvestigationFactory()
    if state == "released":
        return factories.InvestigationFactory(released=True)
    return factories.InvestigationFactory(
        start_date=now - timedelta(days=2000), end_date=now - timedelta(days=1990), proprietary=True
    )


def _user(team: factories.Team, role: str):
    return AnonymousUser() if role == "anonymous" else getattr(team, role)


@pytest.fixture
def world(db):
    """One investigation per state, each with a team, a dataset and a file."""
    teams = {}
    for state in STATES:
        team = factories.make_team(_investigation_in(state))
        datafile = factories.DatafileFactory(dataset__investigation=team.investigation)
        teams[state] = (team, datafile)
    return teams


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_visibility_table(world, state: str, role: str) -> None:
    team, datafile = world[state]
    user = _user(team, role)
    dataset = datafile.dataset
    investigation = team.investigation
    expected = role in CAN_VIEW[state]

    assert access.visible_investigations(user).filter(pk=investigation.pk).exists() is expected
    assert access.visible_datasets(user).filter(pk=dataset.pk).exists() is expected
    assert access.visible_datafiles(user).filter(pk=datafile.pk).exists() is expected
    assert access.visible_samples(user).filter(pk=dataset.sample_id).exists() is expected
    assert access.can_view_investigation(user, investigation) is expected
    assert access.can_view_dataset(user, dataset) is expected
    for get_or_404, obj in (
        (access.get_investigation_or_404, investigation),
        (access.get_dataset_or_404, dataset),
        (access.get_datafile_or_404, datafile),
    ):
        if expected:
            assert get_or_404(user, obj.pk) == obj
        else:
            with pytest.raises(Http404):
                get_or_404(user, obj.pk)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_action_table(world, state: str, role: str) -> None:
    team, _ = world[state]
    user = _user(team, role)
    investigation = team.investigation
    assert access.can_write_logbook(user, investigation) is (role in CAN_WRITE_LOGBOOK)
    assert access.can_manage_team(user, investigation) is (role in CAN_MANAGE_TEAM)
    assert access.can_mint_doi(user, investigation) is (role in CAN_MINT_DOI)
    assert access.can_manage_shipments(user, investigation) is (role in TEAM_WIDE)


@pytest.mark.parametrize("role", ROLES)
def test_dataset_in_findable_doi_is_public_while_its_investigation_stays_hidden(
    world, role: str
) -> None:
    team, datafile = world["embargoed"]
    dataset = datafile.dataset
    dataset.released_by_doi = True
    dataset.save()
    user = _user(team, role)

    assert access.visible_datasets(user).filter(pk=dataset.pk).exists()
    assert access.visible_datafiles(user).filter(pk=datafile.pk).exists()
    assert access.can_view_dataset(user, dataset)
    assert access.visible_investigations(user).filter(pk=team.investigation.pk).exists() is (
        role in TEAM_WIDE
    )


def test_my_experiments_lists_memberships_and_beamlines_but_not_public_data(world) -> None:
    team, _ = world["embargoed"]
    released_team, _ = world["released"]
    assert list(access.my_investigations(team.participant)) == [team.investigation]
    assert list(access.my_investigations(team.scientist)) == [team.investigation]
    assert list(access.my_investigations(team.outsider)) == []
    assert list(access.my_investigations(AnonymousUser())) == []
    assert released_team.investigation not in access.my_investigations(team.participant)


def test_release_date_defaults_to_end_plus_embargo_years(db) -> None:
    investigation = factories.InvestigationFactory()
    assert investigation.release_date.year == investigation.end_date.year + 3
    assert not investigation.is_released


def test_garbage_ids_are_404_not_500(db) -> None:
    with pytest.raises(Http404):
        access.get_investigation_or_404(AnonymousUser(), "not-a-number")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_files_of_a_dataset_follow_the_table(world, state: str, role: str) -> None:
    team, datafile = world[state]
    files = access.visible_datafiles_of(_user(team, role), datafile.dataset)
    assert list(files) == ([datafile] if role in CAN_VIEW[state] else [])
