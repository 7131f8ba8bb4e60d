"""ICAT+'s catalogue reads in process: query counts that do not grow with the answer, and
refused input that is a 400 naming the parameter."""

from __future__ import annotations

import pytest

from catalogue.models import DatasetParameter
from doi.models import DataCollection
from portal.models import IcatPlusSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded():
    """A participant in four sessions, each with two samples, three datasets with a parameter,
    all in one data collection of theirs."""
    user = factories.UserFactory()
    energy = factories.ParameterTypeFactory(name="energy", units="keV")
    collection = DataCollection.objects.create(title="mine", created_by=user)
    investigations = []
    for n in range(4):
        investigation = factories.InvestigationFactory()
        factories.InvestigationUserFactory(investigation=investigation, user=user)
        samples = [factories.SampleFactory(investigation=investigation) for _ in range(2)]
        for k in range(3):
            dataset = factories.DatasetFactory(investigation=investigation, sample=samples[k % 2])
            DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=n + k)
            collection.datasets.add(dataset)
        investigations.append(investigation)
    staff = factories.UserFactory(is_staff=True)
    return {
        "session": IcatPlusSession.objects.open(user=user)[1],
        "staff": IcatPlusSession.objects.open(user=staff)[1],
        "investigations": investigations,
    }


def test_catalogue_reads_query_the_database_a_fixed_number_of_times(
    client, crowded, django_assert_max_num_queries
) -> None:
    base = f"/icatplus/catalogue/{crowded['session']}"
    investigations = crowded["investigations"]
    ids = ",".join(str(i.pk) for i in investigations)
    dataset_ids = ",".join(str(d.pk) for i in investigations for d in i.datasets.all())
    sample = investigations[0].samples.order_by("name", "id").last()
    for path, expected in (
        ("/datacollection", 1),
        (f"/dataset/id/{dataset_ids}/dataset_document", 12),
        (f"/dataset/timeline?investigationId={ids.split(',')[0]}", 3),
        ("/investigation/timeline?instrument=" + investigations[0].instrument.name, 1),
        (f"/datasetparameter/values?investigationId={ids}", 6),
        (f"/investigation/id/{investigations[0].pk}/sample", 2),
        (f"/samples/{sample.pk}/page?investigationId={investigations[0].pk}&limit=1", None),
        (f"/files?investigationId={investigations[0].pk}", 0),
    ):
        with django_assert_max_num_queries(8):
            response = client.get(base + path)
        assert response.status_code == 200, (path, response.content)
        if expected is not None:
            assert len(response.json()) == expected, path
        else:
            assert response.json() == {"page": {"total": 2, "totalPages": 2, "currentPage": 2}}
    with django_assert_max_num_queries(8):
        response = client.get(f"/icatplus/catalogue/datasets?investigationIds={ids}")
    assert response.status_code == 200 and response.json() == []  # embargoed, no bearer
    with django_assert_max_num_queries(8):
        response = client.get(
            f"/icatplus/catalogue/{crowded['staff']}/user", HTTP_ACCEPT="application/json"
        )
    assert response.status_code == 200 and len(response.json()) >= 2


@pytest.fixture
def session() -> str:
    return IcatPlusSession.objects.open(user=factories.UserFactory())[1]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/datacollection?sortBy=password", "sortBy"),
        ("/datacollection?datasetId=x", "datasetId"),
        ("/dataset/id/1,a/dataset_document", "non_field_errors"),
        ("/dataset/timeline", "investigationId"),
        ("/investigation/timeline", "instrument"),
        ("/datasetparameter/values?investigationId=1&parameters=energy~gt~3", "parameters"),
        ("/datasetparameter/values", "investigationId"),
        ("/files", "investigationId"),
        ("/files/download?sampleId=-1&resourceId=x", "sampleId"),
        ("/samples/1/page?limit=0", "limit"),
        ("/user?onlyLatestAffiliation=perhaps", "onlyLatestAffiliation"),
    ],
)
def test_bad_query_is_a_400_naming_the_parameter(client, session, query, field) -> None:
    response = client.get(f"/icatplus/catalogue/{session}{query}")

    assert response.status_code == 400, response.content
    assert response.json().get("field", "non_field_errors") == field


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/datasets", "investigationIds"),
        ("/datasets?techniquePids=&startDate=tomorrow", "startDate"),
        ("/datasets/documents?startDate=2024-01-01", "endDate"),
        ("/parameters?parameterTypeId=0", "parameterTypeId"),
    ],
)
def test_bad_query_of_a_public_route_is_a_400(client, query, field) -> None:
    response = client.get(f"/icatplus/catalogue{query}")

    assert response.status_code == 400
    assert response.json()["field"] == field
