"""The catalogue's Django admin: every model's list answers fast and flat, "Release now" works."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.admin import EstimatedCountPaginator
from catalogue.models import (
    Dataset,
    DatasetParameter,
    Investigation,
    InvestigationParameter,
    SampleParameter,
)
from tests import factories

MODELS = [
    "technique", "instrument", "investigation", "investigationuser", "sample", "dataset",
    "datafile", "parametertype", "investigationparameter", "datasetparameter", "sampleparameter",
]  # fmt: skip


def _fill(rows: int) -> None:
    """`rows` investigations, each with a team, a sample, a dataset, files and parameters."""
    for _ in range(rows):
        team = factories.make_team()
        investigation = team.investigation
        energy = factories.ParameterTypeFactory(name=f"energy {investigation.pk}")
        investigation.techniques.add(
            factories.TechniqueFactory(name=f"technique {investigation.pk}")
        )
        dataset = factories.DatasetFactory(investigation=investigation)
        for _ in range(2):
            factories.DatafileFactory(dataset=dataset, size=1024)
        DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=12.4)
        SampleParameter.objects.create(sample=dataset.sample, type=energy, numeric_value=1.0)
        InvestigationParameter.objects.create(
            investigation=investigation, type=energy, numeric_value=3
        )


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_answers_with_a_bounded_number_of_queries(
    model, superuser, client, django_assert_max_num_queries
) -> None:
    _fill(3)
    client.force_login(superuser)
    url = reverse(f"admin:catalogue_{model}_changelist")
    with django_assert_max_num_queries(14):
        small = client.get(url)
    _fill(12)  # four times the rows: the query count must not follow
    with django_assert_max_num_queries(14):
        big = client.get(url)
    assert small.status_code == big.status_code == 200
    assert big.context["cl"].result_count >= 12


@pytest.mark.parametrize("model", ["investigation", "dataset", "datafile", "sample"])
def test_search_and_change_page_answer(model, superuser, client) -> None:
    _fill(2)
    client.force_login(superuser)
    found = client.get(reverse(f"admin:catalogue_{model}_changelist"), {"q": "a"})
    assert found.status_code == 200
    obj = found.context["cl"].model.objects.first()
    change = client.get(reverse(f"admin:catalogue_{model}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_dataset_page_links_to_its_files_instead_of_listing_them(superuser, client) -> None:
    _fill(1)
    Dataset.objects.refresh_totals()
    dataset = Dataset.objects.get()
    client.force_login(superuser)
    page = client.get(reverse("admin:catalogue_dataset_change", args=[dataset.pk])).content.decode()
    assert f"?dataset__id__exact={dataset.pk}" in page and "2 file(s)" in page
    assert "scan_" not in page  # no file rows inlined


def test_investigation_page_shows_its_team_inline(superuser, client) -> None:
    team = factories.make_team()
    client.force_login(superuser)
    page = client.get(reverse("admin:catalogue_investigation_change", args=[team.investigation.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert (
        team.principal_investigator.display_name in content and "Principal investigator" in content
    )


def test_release_now_makes_embargoed_data_public_but_not_proprietary(superuser, client) -> None:
    embargoed = factories.InvestigationFactory()
    proprietary = factories.InvestigationFactory(proprietary=True)
    untouched = factories.InvestigationFactory()
    assert not embargoed.is_released
    client.force_login(superuser)

    response = client.post(
        reverse("admin:catalogue_investigation_changelist"),
        {"action": "release_now", "_selected_action": [embargoed.pk, proprietary.pk]},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "1 investigation(s) released: their data is now public." in messages
    assert any("1 proprietary investigation(s) left closed" in m for m in messages)
    embargoed.refresh_from_db()
    proprietary.refresh_from_db()
    untouched.refresh_from_db()
    assert embargoed.is_released and embargoed.release_date > timezone.now() - timedelta(minutes=1)
    assert Investigation.objects.released().filter(pk=embargoed.pk).exists()
    assert not proprietary.is_released
    assert not untouched.is_released
    history = client.get(reverse("admin:catalogue_investigation_history", args=[embargoed.pk]))
    assert "Released now" in history.content.decode()


def test_release_state_filter_follows_the_access_policy(superuser, client) -> None:
    released = factories.InvestigationFactory(released=True)
    embargoed = factories.InvestigationFactory()
    client.force_login(superuser)
    url = reverse("admin:catalogue_investigation_changelist")
    public = list(client.get(url, {"state": "released"}).context["cl"].result_list)
    closed = list(client.get(url, {"state": "embargoed"}).context["cl"].result_list)
    assert public == [released] and closed == [embargoed]


def test_admin_is_closed_to_scientists_without_staff_status(client, db) -> None:
    team = factories.make_team()
    client.force_login(team.principal_investigator)
    response = client.get(reverse("admin:catalogue_investigation_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_estimated_paginator_counts_small_or_filtered_tables_exactly(db) -> None:
    _fill(3)
    assert EstimatedCountPaginator(Dataset.objects.all(), 10).count == 3
    filtered = Dataset.objects.filter(name="nothing-like-this")
    assert EstimatedCountPaginator(filtered, 10).count == 0
