"""The demo step: session DOIs (none on proprietary sessions), one reserved and one minted
collection by Marie."""

from __future__ import annotations

from io import StringIO

from catalogue.models import Dataset, Investigation
from doi import demo
from doi.models import CollectionState, DataCollection, Doi
from tests import factories


def test_demo_seeds_session_dois_and_two_collections_spanning_two_investigations(db) -> None:
    marie = factories.UserFactory(username="mdubois")
    for _ in range(2):
        investigation = factories.InvestigationFactory()
        factories.InvestigationUserFactory(investigation=investigation, user=marie)
        factories.DatasetFactory.create_batch(3, investigation=investigation)
    factories.InvestigationFactory()  # not Marie's: still gets a session DOI
    industrial = factories.InvestigationFactory(proprietary=True)  # never gets one

    demo.seed(out=StringIO())
    demo.seed(out=StringIO())  # idempotent

    assert list(Investigation.objects.filter(doi="")) == [industrial]
    assert not Doi.objects.filter(investigation=industrial).exists()
    minted = DataCollection.objects.get(state=CollectionState.FINDABLE)
    reserved = DataCollection.objects.get(state=CollectionState.RESERVED)
    for collection in (minted, reserved):
        assert collection.created_by == marie
        assert collection.datasets.values("investigation").distinct().count() == 2
    assert set(Dataset.objects.filter(released_by_doi=True)) == set(minted.datasets.all())
    # Marie's ORCID is on her sessions' records once they are public, as on her collections'.
    assert minted.doi.metadata["creators"][0]["nameIdentifiers"][0]["nameIdentifier"] == (
        "https://orcid.org/0000-0002-1825-0097"
    )
