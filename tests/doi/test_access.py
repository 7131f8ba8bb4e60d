"""The access rules the doi app asks catalogue.access for."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from catalogue import access
from doi import services
from tests import factories


def test_mintable_datasets_are_those_of_the_users_teams(team) -> None:
    mine = factories.DatasetFactory(investigation=team.investigation)
    public = factories.DatasetFactory(investigation=factories.InvestigationFactory(released=True))

    for member in (
        team.principal_investigator,
        team.participant,
        team.collaborator,
        team.local_contact,
    ):
        assert list(access.mintable_datasets(member)) == [mine]
    # Seeing is not enough: the beamline scientist, outsiders and visitors may not mint.
    for user in (team.scientist, team.outsider, AnonymousUser()):
        assert list(access.mintable_datasets(user)) == []
    assert set(access.mintable_datasets(team.staff)) == {mine, public}


def test_only_the_maker_and_staff_edit_a_collection(team) -> None:
    collection = services.collection_create(by=team.participant)
    assert access.can_edit_doi_collection(team.participant, collection)
    assert access.can_edit_doi_collection(team.staff, collection)
    for user in (team.principal_investigator, team.outsider, AnonymousUser()):
        assert not access.can_edit_doi_collection(user, collection)
