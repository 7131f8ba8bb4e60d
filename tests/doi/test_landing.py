"""Landing pages: what anyone sees, JSON-LD, citation formats, and nothing about embargoed data."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from doi import citation, services
from doi.models import DataCollection
from tests import factories
from tests.doi.conftest import filled_collection


def _collection(two_teams, local_provider, *, mint: bool) -> DataCollection:
    first, second = two_teams
    collection = filled_collection(
        first.participant,
        [first.investigation.datasets.first(), second.investigation.datasets.first()],
    )
    author = collection.authors.first()
    author.given_name, author.family_name, author.orcid = "Marie", "Dubois", "0000-0002-1825-0097"
    author.affiliation = "Université Grenoble Alpes"
    author.save()
    if mint:
        services.collection_mint(collection=collection, by=first.participant, confirmed=True)
        services.collection_publish(collection_id=collection.pk, provider=local_provider)
    else:
        services.collection_reserve(collection=collection, by=first.participant)
        services.collection_register_draft(collection_id=collection.pk, provider=local_provider)
    collection.refresh_from_db()
    return collection


def _jsonld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json" id="jsonld">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_minted_landing_page_shows_everything_to_anonymous_visitors(
    client, two_teams, local_provider
) -> None:
    collection = _collection(two_teams, local_provider, mint=True)

    response = client.get(collection.doi.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert collection.title in body and "Diffraction data of lysozyme." in body
    assert "Marie Dubois" in body and "https://orcid.org/0000-0002-1825-0097" in body
    assert "BM29" in body and "CC BY 4.0" in body
    for dataset in collection.datasets.all():
        assert dataset.name in body
        assert reverse("catalogue:datafile-download", args=[dataset.datafiles.first().pk]) in body
    assert "not yet released" not in body


def test_reserved_landing_page_says_not_released_and_hides_the_datasets_from_outsiders(
    client, two_teams, local_provider
) -> None:
    collection = _collection(two_teams, local_provider, mint=False)
    first, second = two_teams

    body = client.get(collection.doi.get_absolute_url()).content.decode()

    assert "The data is not yet released." in body
    assert collection.title in body
    for dataset in collection.datasets.all():
        assert dataset.name not in body
    for secret in (first.investigation.name, second.investigation.name, "BM29"):
        assert secret not in body
    assert (
        client.get(
            reverse("doi:datacite-json", args=collection.doi.identifier.split("/"))
        ).status_code
        == 404
    )
    client.force_login(first.participant)
    member_view = client.get(collection.doi.get_absolute_url()).content.decode()
    assert collection.datasets.first().name in member_view


def test_landing_page_jsonld_is_a_schema_org_dataset(client, two_teams, local_provider) -> None:
    collection = _collection(two_teams, local_provider, mint=True)

    data = _jsonld(client.get(collection.doi.get_absolute_url()).content.decode())

    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert data["@id"] == f"https://doi.org/{collection.doi.identifier}"
    assert data["identifier"]["value"] == collection.doi.identifier
    assert data["name"] == collection.title
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/legalcode"
    assert data["keywords"] == ["lysozyme", "room temperature"]
    marie = data["creator"][0]
    assert marie == {
        "@type": "Person",
        "name": "Marie Dubois",
        "familyName": "Dubois",
        "givenName": "Marie",
        "@id": "https://orcid.org/0000-0002-1825-0097",
        "affiliation": {"@type": "Organization", "name": "Université Grenoble Alpes"},
    }
    assert len(data["distribution"]) == 2 and data["distribution"][0]["@type"] == "DataDownload"


def test_jsonld_cannot_break_out_of_its_script_tag(two_teams, local_provider) -> None:
    record = citation.Record(
        doi="10.5072/X",
        title="</script><script>alert(1)</script>",
        authors=[],
        year="2026",
        publisher="SLS",
        url="https://x.org",
    )
    text = citation.jsonld_script(record)
    assert "</script>" not in text and json.loads(text)["name"].startswith("</script>")


def test_citation_text_bibtex_and_ris(client, two_teams, local_provider) -> None:
    collection = _collection(two_teams, local_provider, mint=True)
    doi = collection.doi
    authors = list(collection.authors.all())
    year = doi.metadata["publicationYear"]

    page = client.get(doi.get_absolute_url()).content.decode()
    assert (
        f"Dubois, M., {authors[1].family_name}, " in page
        and f"({year}). Lysozyme at room temperature [Data set]. " in page
        and f"https://doi.org/{doi.identifier}" in page
    )

    bib = client.get(reverse("doi:export", args=[doi.prefix, doi.suffix, "bib"]))
    assert bib["Content-Type"].startswith("application/x-bibtex")
    assert "attachment" in bib["Content-Disposition"]
    text = bib.content.decode()
    assert text.startswith("@misc{sls_dc_")
    assert "author = {Dubois, Marie and " in text
    assert "title = {{Lysozyme at room temperature}}" in text
    assert f"doi = {{{doi.identifier}}}" in text and f"year = {{{year}}}" in text

    ris = client.get(reverse("doi:export", args=[doi.prefix, doi.suffix, "ris"])).content.decode()
    lines = ris.split("\r\n")
    assert lines[0] == "TY  - DATA" and "AU  - Dubois, Marie" in lines
    assert f"DO  - {doi.identifier}" in lines and "KW  - lysozyme" in lines
    assert lines[-2] == "ER  -"


def test_datacite_json_of_a_minted_doi_is_what_was_sent(client, two_teams, local_provider) -> None:
    collection = _collection(two_teams, local_provider, mint=True)
    response = client.get(reverse("doi:datacite-json", args=collection.doi.identifier.split("/")))
    assert response.json()["titles"] == [{"title": collection.title}]
    assert response.json()["types"]["resourceTypeGeneral"] == "Dataset"


def test_doi_lookup_is_case_insensitive_and_unknown_is_404(
    client, two_teams, local_provider
) -> None:
    collection = _collection(two_teams, local_provider, mint=True)
    prefix, suffix = collection.doi.identifier.split("/")
    assert client.get(f"/doi/{prefix}/{suffix.lower()}").status_code == 200
    assert client.get(f"/doi/{prefix}/NOPE").status_code == 404


@pytest.mark.parametrize("visitor", ["anonymous", "outsider"])
def test_embargoed_session_page_shows_only_the_public_record(
    client, team, local_provider, visitor
) -> None:
    doi = services.session_doi_register(
        investigation_id=team.investigation.pk, provider=local_provider
    )
    dataset = factories.DatasetFactory(investigation=team.investigation)
    if visitor == "outsider":
        client.force_login(team.outsider)

    body = client.get(doi.get_absolute_url()).content.decode()

    assert "The data is not yet released." in body and "under embargo until" in body
    assert escape(team.investigation.title) not in body and dataset.name not in body
    assert escape(team.principal_investigator.full_name) not in body


def test_session_page_shows_title_team_and_datasets_to_the_team(
    client, team, local_provider
) -> None:
    doi = services.session_doi_register(
        investigation_id=team.investigation.pk, provider=local_provider
    )
    dataset = factories.DatasetFactory(investigation=team.investigation)
    client.force_login(team.participant)

    body = client.get(doi.get_absolute_url()).content.decode()

    assert escape(team.investigation.title) in body and dataset.name in body
    assert escape(team.principal_investigator.full_name) in body


def test_landing_page_query_count_does_not_grow_with_datasets(
    client, two_teams, local_provider, django_assert_max_num_queries
) -> None:
    first, second = two_teams
    datasets = [factories.DatasetFactory(investigation=first.investigation) for _ in range(8)]
    for dataset in datasets:
        factories.DatafileFactory.create_batch(2, dataset=dataset)
    collection = filled_collection(first.participant, datasets)
    services.collection_mint(collection=collection, by=first.participant, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    url = DataCollection.objects.get(pk=collection.pk).doi.get_absolute_url()

    with django_assert_max_num_queries(10):
        body = client.get(url).content.decode()

    assert all(d.name in body for d in datasets)


def test_investigation_doi_include_links_to_the_landing_page(team, local_provider) -> None:
    from django.template.loader import render_to_string

    doi = services.session_doi_register(
        investigation_id=team.investigation.pk, provider=local_provider
    )
    team.investigation.refresh_from_db()

    html = render_to_string("doi/_investigation_doi.html", {"investigation": team.investigation})

    assert f'href="{doi.get_absolute_url()}"' in html and doi.identifier in html
