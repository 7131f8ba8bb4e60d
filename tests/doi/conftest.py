from __future__ import annotations

from collections.abc import Iterator

import pytest

from doi import services
from doi.models import DataCollection
from doi.providers import DataCiteProvider, LocalProvider
from tests import factories
from tests.doi.datacite_standin import PASSWORD, REPOSITORY_ID, DataCiteStandIn


@pytest.fixture
def datacite() -> Iterator[DataCiteStandIn]:
    """The DataCite stand-in (a local HTTP server, see datacite_standin.py)."""
    standin = DataCiteStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def datacite_provider(datacite: DataCiteStandIn) -> DataCiteProvider:
    return DataCiteProvider(
        api_url=datacite.url,
        repository_id=REPOSITORY_ID,
        password=PASSWORD,
        prefix="10.5072",
        timeout=1,
    )


@pytest.fixture
def local_provider(db) -> LocalProvider:
    return LocalProvider(prefix="10.5072")


@pytest.fixture
def two_teams(db):
    """One user in the teams of two embargoed investigations on two beamlines, with datasets."""
    first = factories.make_team()
    second_investigation = factories.InvestigationFactory(
        instrument=factories.InstrumentFactory(name="BM29")
    )
    second = factories.make_team(second_investigation)
    factories.InvestigationUserFactory(investigation=second_investigation, user=first.participant)
    for team in (first, second):
        for n in range(2):
            dataset = factories.DatasetFactory(
                investigation=team.investigation, size=1000 * (n + 1), file_count=1
            )
            factories.DatafileFactory(dataset=dataset, size=1000 * (n + 1))
    return first, second


def filled_collection(user, datasets) -> DataCollection:
    collection = services.collection_create(
        by=user,
        datasets=datasets,
        title="Lysozyme at room temperature",
        abstract="Diffraction data of lysozyme.",
        keywords="lysozyme, room temperature",
    )
    return collection


def editor_data(collection: DataCollection, **overrides) -> dict:
    """What the editor posts: the description, then each formset's rows as they are stored."""
    data = {
        "title": collection.title,
        "abstract": collection.abstract,
        "keywords": collection.keywords,
        "licence": "CC-BY-4.0",
    }
    for prefix, people, extra in (
        ("authors", list(collection.authors.all()), 1),
        ("contributors", list(collection.contributors.all()), 0),
    ):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(people) + extra),
            f"{prefix}-INITIAL_FORMS": str(len(people)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, person in enumerate(people):
            data |= {
                f"{prefix}-{i}-id": str(person.pk),
                f"{prefix}-{i}-collection": str(collection.pk),
                f"{prefix}-{i}-ORDER": str(i + 1),
                f"{prefix}-{i}-given_name": person.given_name,
                f"{prefix}-{i}-family_name": person.family_name,
                f"{prefix}-{i}-orcid": person.orcid,
                f"{prefix}-{i}-affiliation": person.affiliation,
            }
    return data | overrides
