"""Landing pages: "Cited by", the licence badge, "Copy citation" in the facility's styles and
"Download all" with its size, for those who may download only."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from doi import publications, services
from doi.models import Doi, DoiKind, DoiState
from tests import factories
from tests.doi.conftest import filled_collection


def _session_doi(investigation) -> Doi:
    return Doi.objects.create(
        identifier=f"10.5072/SLS-{investigation.name}",
        kind=DoiKind.SESSION,
        state=DoiState.FINDABLE,
        investigation=investigation,
        registered_at=timezone.now(),
    )


@pytest.fixture
def released(db):
    team = factories.make_team(factories.InvestigationFactory(released=True))
    datasets = [
        factories.DatasetFactory(investigation=team.investigation, size=size, file_count=1)
        for size in (1000, 2000)
    ]
    publications.publication_link(
        value="10.1107/S2059798326000001", by=team.participant, investigation=team.investigation
    )
    return team, datasets, _session_doi(team.investigation)


def _download_all(body: str) -> str | None:
    match = re.search(r'id="download-all" href="([^"]+)"', body)
    return html.unescape(match.group(1)) if match else None


def test_released_session_shows_cited_by_licence_and_download_all_to_anyone(
    client, released, django_assert_max_num_queries
) -> None:
    _, datasets, doi = released

    with django_assert_max_num_queries(14):
        response = client.get(doi.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "Cited by" in body and 'href="https://doi.org/10.1107/S2059798326000001"' in body
    assert 'id="licence-badge" rel="license"' in body
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in body and "CC BY 4.0" in body
    zip_url = reverse("catalogue:download-zip")
    assert _download_all(body) == f"{zip_url}?dataset={datasets[0].pk}&dataset={datasets[1].pk}"
    assert "2 datasets · 2.9\xa0KB" in body
    assert 'data-copy="citation-apa"' in body and "js/copy_citation.js" in body
    assert "IEEE" not in body


def test_the_facility_style_is_offered_beside_apa(client, released, settings) -> None:
    team, _, doi = released
    settings.DOI_CITATION_STYLE = "ieee"
    client.force_login(team.participant)  # the full record: the team as authors

    body = client.get(doi.get_absolute_url()).content.decode()

    assert 'data-copy="citation-apa"' in body and 'data-copy="citation-ieee"' in body
    ieee = html.unescape(re.search(r'id="citation-ieee">([^<]+)<', body).group(1))
    assert f', "{team.investigation.title}," ' in ieee and ", and " in ieee  # four authors
    assert ieee.endswith(f"[Dataset]. doi: {doi.identifier}.")


def test_embargoed_session_offers_download_all_to_its_team_only(client, team) -> None:
    factories.DatasetFactory(investigation=team.investigation, size=5, file_count=1)
    doi = _session_doi(team.investigation)

    outsider_view = client.get(doi.get_absolute_url()).content.decode()
    client.force_login(team.collaborator)
    team_view = client.get(doi.get_absolute_url()).content.decode()

    assert _download_all(outsider_view) is None
    assert "The datasets are not public yet" in outsider_view
    assert _download_all(team_view) is not None


def test_collection_landing_shows_the_collections_licence(client, two_teams, local_provider):
    first, _ = two_teams
    collection = filled_collection(first.participant, [first.investigation.datasets.first()])
    collection.licence = "CC0-1.0"
    collection.save()
    services.collection_mint(collection=collection, by=first.participant, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    collection.refresh_from_db()
    publications.publication_link(
        value="PMID 31234567", by=first.participant, collection=collection
    )

    body = client.get(collection.doi.get_absolute_url()).content.decode()

    assert "CC0 1.0" in body and "publicdomain/zero/1.0" in body
    assert "https://pubmed.ncbi.nlm.nih.gov/31234567/" in body
    assert _download_all(body) is not None
