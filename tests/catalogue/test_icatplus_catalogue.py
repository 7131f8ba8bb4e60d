"""ICAT+'s catalogue lists in process: query counts that do not grow with the page, and refused
input that is a 400 naming the parameter."""

from __future__ import annotations

import pytest

from catalogue.models import DatasetParameter, InvestigationParameter, SampleParameter
from portal.models import IcatPlusSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded():
    """A participant in many sessions, each with parameters, samples, datasets and files."""
    user = factories.UserFactory()
    energy = factories.ParameterTypeFactory(name="energy", units="keV")
    technique = factories.TechniqueFactory()
    investigations = []
    for _ in range(6):
        investigation = factories.InvestigationFactory()
        factories.InvestigationUserFactory(investigation=investigation, user=user)
        factories.InvestigationUserFactory(investigation=investigation)
        InvestigationParameter.objects.create(
            investigation=investigation, type=energy, numeric_value=1
        )
        sample = factories.SampleFactory(investigation=investigation)
        SampleParameter.objects.create(sample=sample, type=energy, numeric_value=2)
        for _ in range(3):
            dataset = factories.DatasetFactory(investigation=investigation, sample=sample)
            dataset.techniques.add(technique)
            DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=3)
            factories.DatafileFactory(dataset=dataset)
            factories.DatafileFactory(dataset=dataset)
        investigations.append(investigation)
    session = IcatPlusSession.objects.open(user=user)[1]
    return {"session": session, "investigations": investigations}


def test_catalogue_lists_query_the_database_a_fixed_number_of_times(
    client, crowded, django_assert_max_num_queries
) -> None:
    base = f"/icatplus/catalogue/{crowded['session']}"
    ids = ",".join(str(i.pk) for i in crowded["investigations"])
    dataset = crowded["investigations"][0].datasets.first()
    samples = ",".join(str(i.samples.get().pk) for i in crowded["investigations"])
    for path, expected in (
        ("/investigation", 6),
        (f"/dataset?investigationIds={ids}", 18),
        (f"/samples?sampleIds={samples}", 6),
        (f"/datasetparameter?investigationId={crowded['investigations'][0].pk}", 3),
        (f"/dataset/id/{dataset.pk}/datafile", 2),
    ):
        with django_assert_max_num_queries(8):
            response = client.get(base + path)
        assert response.status_code == 200, (path, response.content)
        assert len(response.json()) == expected, path


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/investigation?limit=1001", "limit"),
        ("/investigation?sortBy=password", "sortBy"),
        ("/investigation?startDate=yesterday", "startDate"),
        ("/investigation?parameters=energy~gt~3", "parameters"),
        ("/dataset?datasetType=imaginary", "datasetType"),
        ("/dataset?datasetIds=99999999999999999999", "datasetIds"),
        ("/datafile", "datasetId"),
        ("/datasetparameter", "investigationId"),
        ("/samples?sortOrder=up", "sortOrder"),
        ("/instruments?filter=everyone", "filter"),
    ],
)
def test_bad_query_is_a_400_naming_the_parameter(client, crowded, query, field) -> None:
    response = client.get(f"/icatplus/catalogue/{crowded['session']}{query}")

    assert response.status_code == 400
    assert response.json()["field"] == field


def test_without_a_session_id_the_catalogue_is_403(client, crowded) -> None:
    response = client.get("/icatplus/catalogue/not-a-session/investigation")

    assert response.status_code == 403
