"""Landing pages: what anyone sees, JSON-LD, citation formats, and nothing about embargoed data."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
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


ROUTES = ["doi:landing", "bib", "ris", "doi:datacite-json"]


def _url(route: str, identifier: str) -> str:
    prefix, suffix = identifier.split("/")
    if route in ("bib", "ris"):
        return reverse("doi:export", args=[prefix, suffix, route])
    return reverse(route, args=[prefix, suffix])


def _same_as_unknown(client, route: str, identifier: str) -> None:
    """The answer for `identifier` is the answer for a DOI that was never registered."""
    prefix, suffix = identifier.split("/")
    unknown = f"{prefix}/NEVER-REGISTERED"
    hidden, missing = client.get(_url(route, identifier)), client.get(_url(route, unknown))
    assert hidden.status_code == missing.status_code == 404

    def normalised(response, name: str) -> str:  # the CSRF token is masked anew each time
        text = response.content.decode().replace(name, "X")
        return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', "", text)

    assert normalised(hidden, suffix) == normalised(missing, "NEVER-REGISTERED")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("visitor", ["anonymous", "outsider", "principal_investigator"])
def test_outsider_gets_404_for_reserved_doi(
    client, two_teams, local_provider, route, visitor
) -> None:
    """Even the PI of a dataset in it: the collection is its maker's until minted."""
    collection = _collection(two_teams, local_provider, mint=False)
    first, _ = two_teams
    if visitor != "anonymous":
        client.force_login(getattr(first, visitor))

    _same_as_unknown(client, route, collection.doi.identifier)


@pytest.mark.parametrize("who", ["participant", "staff"])
def test_maker_and_staff_see_a_reserved_doi_privately(
    client, two_teams, local_provider, who
) -> None:
    collection = _collection(two_teams, local_provider, mint=False)
    client.force_login(getattr(two_teams[0], who))

    response = client.get(collection.doi.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200 and "The data is not yet released." in body
    assert collection.title in body and collection.datasets.first().name in body
    assert "private" in response["Cache-Control"]
    for route in ROUTES[1:]:
        export = client.get(_url(route, collection.doi.identifier))
        assert export.status_code == 200 and "private" in export["Cache-Control"]


def test_a_minted_landing_page_is_the_same_for_everyone_and_may_be_cached(
    client, two_teams, local_provider
) -> None:
    collection = _collection(two_teams, local_provider, mint=True)
    response = client.get(collection.doi.get_absolute_url())
    assert response.status_code == 200 and "private" not in response.get("Cache-Control", "")
    client.force_login(two_teams[0].outsider)  # the navbar names them: not for a shared cache
    assert "private" in client.get(collection.doi.get_absolute_url())["Cache-Control"]


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("route", [*ROUTES, "doi:withdrawn"])
def test_landing_routes_refuse_writes_with_405(
    client, two_teams, local_provider, method, route
) -> None:
    collection = _collection(two_teams, local_provider, mint=True)
    url = reverse(route) if route == "doi:withdrawn" else _url(route, collection.doi.identifier)
    assert getattr(client, method)(url).status_code == 405


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


@pytest.mark.parametrize("visitor", ["anonymous", "outsider"])
def test_embargoed_session_doi_says_proposal_beamline_dates_and_embargo_only_on_every_route(
    client, team, local_provider, visitor
) -> None:
    investigation = team.investigation
    investigation.summary = "A secret ligand binds the target."
    investigation.save()
    sample = factories.SampleFactory(investigation=investigation)
    dataset = factories.DatasetFactory(investigation=investigation, sample=sample)
    doi = services.session_doi_register(investigation_id=investigation.pk, provider=local_provider)
    if visitor == "outsider":
        client.force_login(team.outsider)
    release = timezone.localtime(investigation.release_date).date().isoformat()
    secrets = [
        investigation.title,
        investigation.summary,
        team.principal_investigator.full_name,
        team.participant.full_name,
        sample.name,
        dataset.name,
    ]

    for route in ROUTES:
        response = client.get(_url(route, doi.identifier))
        text = response.content.decode()
        assert response.status_code == 200
        assert investigation.name in text and investigation.instrument.name in text
        for secret in secrets:
            assert secret not in text and escape(secret) not in text, (route, secret)
        if route != "doi:landing":
            assert f"Data under embargo until {release}" in text, route
    jsonld = _jsonld(client.get(doi.get_absolute_url()).content.decode())
    assert jsonld["conditionsOfAccess"] == f"Data under embargo until {release}."
    assert [c["@type"] for c in jsonld["creator"]] == ["Organization"]


def test_session_page_shows_title_team_and_datasets_to_the_team(
    client, team, local_provider
) -> None:
    doi = services.session_doi_register(
        investigation_id=team.investigation.pk, provider=local_provider
    )
    dataset = factories.DatasetFactory(investigation=team.investigation)
    client.force_login(team.participant)

    response = client.get(doi.get_absolute_url())

    body = response.content.decode()
    assert escape(team.investigation.title) in body and dataset.name in body
    assert escape(team.principal_investigator.full_name) in body
    assert "private" in response["Cache-Control"]
    bib = client.get(_url("bib", doi.identifier)).content.decode()
    assert team.investigation.title in bib and "private" in response["Cache-Control"]


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

    # 12: one of them reads the record's contributors (the local contacts, as DataCollectors),
    # one records the view for the usage figures (catalogue/usage.py).
    with django_assert_max_num_queries(12):
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


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("visitor", ["anonymous", "principal_investigator", "staff"])
def test_session_doi_of_a_proprietary_session_is_404_everywhere(
    client, team, local_provider, route, visitor
) -> None:
    doi = services.session_doi_register(
        investigation_id=team.investigation.pk, provider=local_provider
    )
    # Made proprietary after registration, and the withdrawal task has not run yet.
    type(team.investigation).objects.filter(pk=team.investigation.pk).update(proprietary=True)
    if visitor != "anonymous":
        client.force_login(getattr(team, visitor))

    _same_as_unknown(client, route, doi.identifier)


@pytest.mark.parametrize(
    "path", ["/doi/10.5072/%00", "/doi/10.5072/%00/cite.bib", "/api/dois/10.5072/%00/"]
)
def test_a_nul_byte_in_a_doi_is_refused_before_any_lookup(client, db, path) -> None:
    # The input guard answers before the view; the view's own guard stays for callers without it.
    assert client.get(path).status_code == 400
