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


def test_visible_dois_and_can_view_doi_agree(two_teams, local_provider) -> None:
    from doi.models import DataCollection, Doi

    first, _ = two_teams
    reserved = services.collection_create(
        by=first.participant,
        datasets=[first.investigation.datasets.first()],
        title="T",
        abstract="A",
    )
    services.collection_reserve(collection=reserved, by=first.participant)
    services.collection_register_draft(collection_id=reserved.pk, provider=local_provider)
    services.session_doi_register(investigation_id=first.investigation.pk, provider=local_provider)
    proprietary = factories.InvestigationFactory()
    services.session_doi_register(investigation_id=proprietary.pk, provider=local_provider)
    type(proprietary).objects.filter(pk=proprietary.pk).update(proprietary=True)
    services.collection_create(by=first.participant)  # no DOI yet
    assert DataCollection.objects.count() == 2

    users = [AnonymousUser(), first.outsider, first.principal_investigator, first.participant]
    for user in [*users, first.staff, first.scientist]:
        visible = set(access.visible_dois(user))
        for doi in Doi.objects.select_related("investigation"):
            assert access.can_view_doi(user, doi) == (doi in visible), (user, doi)
    draft = DataCollection.objects.get(pk=reserved.pk).doi
    assert {u for u in users if access.can_view_doi(u, draft)} == {first.participant}
    assert not any(
        access.can_view_doi(first.staff, d) for d in Doi.objects.filter(investigation=proprietary)
    )


def test_doi_collections_are_visible_to_their_maker_and_staff(two_teams) -> None:
    first, _ = two_teams
    collection = services.collection_create(by=first.participant)
    assert list(access.visible_doi_collections(first.participant)) == [collection]
    assert list(access.visible_doi_collections(first.staff)) == [collection]
    for user in (first.principal_investigator, first.outsider, AnonymousUser()):
        assert not access.visible_doi_collections(user).exists()
