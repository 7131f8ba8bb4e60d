"""Linked publications: who links papers to a session or a collection, what is refused, who removes
them, who sees them, and what DataCite gets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from doi import metadata as md
from doi import publications
from doi.models import Doi, DoiKind, DoiState, LinkedPublication, PublicationScheme
from tests import factories
from tests.doi.conftest import filled_collection

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def changed(monkeypatch) -> list[dict]:
    """The DOI records the links asked to send again (doi.refresh, implemented elsewhere)."""
    calls = []
    monkeypatch.setattr(publications.refresh, "metadata_changed", lambda **ids: calls.append(ids))
    return calls


def _add_url(investigation) -> str:
    return reverse("doi:investigation-publication-add", args=[investigation.pk])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10.1107/S2059798326000001", ("DOI", "10.1107/S2059798326000001")),
        (" https://doi.org/10.1038/nature12373 ", ("DOI", "10.1038/nature12373")),
        ("doi:10.1107/abc", ("DOI", "10.1107/abc")),
        ("31234567", ("PMID", "31234567")),
        ("PMID: 31234567", ("PMID", "31234567")),
        ("https://pubmed.ncbi.nlm.nih.gov/31234567/", ("PMID", "31234567")),
    ],
)
def test_the_forms_people_paste_are_understood(typed: str, expected: tuple) -> None:
    assert publications.parse_identifier(typed) == expected


@pytest.mark.parametrize(
    "typed", ["nonsense", "10.1107", "11.1107/abc", "PMID 12a", "0", "", "10.1107/a\x00b"]
)
def test_what_is_neither_a_doi_nor_a_pmid_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="Not a DOI or a PubMed id"):
        publications.parse_identifier(typed)


def test_team_member_links_papers_inline_and_the_record_is_sent_again(
    client, team, changed
) -> None:
    client.force_login(team.participant)

    first = client.post(_add_url(team.investigation), {"paper": "10.1107/S1"}, **HX)
    second = client.post(_add_url(team.investigation), {"paper": "PMID 31234567"}, **HX)

    assert first.status_code == second.status_code == 200
    body = second.content.decode()
    assert "<html" not in body and 'id="publications"' in body
    assert "https://doi.org/10.1107/S1" in body
    assert "https://pubmed.ncbi.nlm.nih.gov/31234567/" in body
    links = list(team.investigation.linked_publications.values_list("scheme", "identifier"))
    assert links == [("DOI", "10.1107/S1"), ("PMID", "31234567")]
    assert changed == [{"investigation_id": team.investigation.pk, "collection_id": None}] * 2


def test_without_javascript_a_link_redirects_to_the_investigation(client, team) -> None:
    client.force_login(team.scientist)  # works on the experiment without being in the team

    response = client.post(_add_url(team.investigation), {"paper": "10.1107/S1"})

    assert response.status_code == 302
    assert response["Location"] == team.investigation.get_absolute_url() + "#publications"
    page = client.get(team.investigation.get_absolute_url()).content.decode()
    assert "Cited by" in page and "10.1107/S1" in page


@pytest.mark.parametrize("hx", [True, False])
def test_a_bad_identifier_gets_400_with_the_message_and_saves_nothing(
    client, team, changed, hx: bool
) -> None:
    client.force_login(team.participant)

    response = client.post(_add_url(team.investigation), {"paper": "10.1107"}, **(HX if hx else {}))

    assert response.status_code == 400
    assert "Not a DOI or a PubMed id" in response.content.decode()
    assert not LinkedPublication.objects.exists() and changed == []


def test_a_paper_linked_twice_is_refused_clearly(client, team, changed) -> None:
    client.force_login(team.participant)
    client.post(_add_url(team.investigation), {"paper": "10.1107/S1"}, **HX)

    again = client.post(_add_url(team.investigation), {"paper": "https://doi.org/10.1107/s1"}, **HX)

    assert again.status_code == 400
    assert "DOI 10.1107/s1 is already linked." in again.content.decode()
    assert team.investigation.linked_publications.count() == 1 and len(changed) == 1


def test_outsiders_may_not_link_papers(client, team) -> None:
    released = factories.InvestigationFactory(released=True)
    client.force_login(team.outsider)

    forbidden = client.post(_add_url(released), {"paper": "10.1107/S1"})
    hidden = client.post(_add_url(team.investigation), {"paper": "10.1107/S1"})

    assert forbidden.status_code == 403 and hidden.status_code == 404
    assert not LinkedPublication.objects.exists()


def _link(team, by) -> LinkedPublication:
    return publications.publication_link(
        value="10.1107/WRONG", by=by, investigation=team.investigation
    )


@pytest.mark.parametrize("remover", ["staff", "participant"])
def test_staff_and_whoever_linked_it_remove_a_wrong_link(client, team, changed, remover) -> None:
    link = _link(team, team.participant)
    client.force_login(getattr(team, remover))

    response = client.post(reverse("doi:publication-remove", args=[link.pk]), **HX)

    assert response.status_code == 200 and "10.1107/WRONG" not in response.content.decode()
    assert not LinkedPublication.objects.exists()
    assert changed[-1] == {"investigation_id": team.investigation.pk, "collection_id": None}


def test_other_team_members_may_not_remove_a_link(client, team) -> None:
    link = _link(team, team.participant)
    client.force_login(team.principal_investigator)

    page = client.get(team.investigation.get_absolute_url()).content.decode()
    response = client.post(reverse("doi:publication-remove", args=[link.pk]))

    assert "10.1107/WRONG" in page and "Remove 10.1107/WRONG" not in page
    assert response.status_code == 403 and LinkedPublication.objects.count() == 1


def test_an_embargoed_sessions_papers_are_its_teams_until_release(client, team) -> None:
    _link(team, team.participant)
    doi = Doi.objects.create(
        identifier="10.5072/SLS-EMBARGOED",
        kind=DoiKind.SESSION,
        state=DoiState.FINDABLE,
        investigation=team.investigation,
        registered_at=timezone.now(),
    )
    link = LinkedPublication.objects.get()

    anonymous_landing = client.get(doi.get_absolute_url()).content.decode()
    client.force_login(team.outsider)
    outsider_remove = client.post(reverse("doi:publication-remove", args=[link.pk]))
    client.force_login(team.collaborator)
    team_landing = client.get(doi.get_absolute_url()).content.decode()

    assert "10.1107/WRONG" not in anonymous_landing and "Cited by" not in anonymous_landing
    assert outsider_remove.status_code == 404
    assert "Cited by" in team_landing and "10.1107/WRONG" in team_landing
    assert publications.related_identifiers(investigation=team.investigation) == []


def test_related_identifiers_validate_in_a_session_and_a_collection_record(two_teams) -> None:
    first, second = two_teams
    session = factories.InvestigationFactory(released=True)
    publications.publication_link(value="10.1107/S1", by=first.staff, investigation=session)
    publications.publication_link(value="31234567", by=first.staff, investigation=session)
    collection = filled_collection(first.participant, [first.investigation.datasets.first()])
    publications.publication_link(value="PMID 42", by=first.participant, collection=collection)

    record = md.session_metadata(session, identifier="10.5072/S", url="https://portal.example/s")
    record["relatedIdentifiers"] = publications.related_identifiers(investigation=session)
    collection_record = md.collection_metadata(
        collection, identifier="10.5072/C", url="https://portal.example/c"
    )

    assert md.schema_errors(record) == [] and md.schema_errors(collection_record) == []
    assert record["relatedIdentifiers"] == [
        {
            "relatedIdentifier": "10.1107/S1",
            "relatedIdentifierType": "DOI",
            "relationType": "IsCitedBy",
            "resourceTypeGeneral": "JournalArticle",
        },
        {
            "relatedIdentifier": "31234567",
            "relatedIdentifierType": "PMID",
            "relationType": "IsCitedBy",
            "resourceTypeGeneral": "JournalArticle",
        },
    ]
    assert {
        "relatedIdentifier": "42",
        "relatedIdentifierType": "PMID",
        "relationType": "IsSupplementTo",
        "resourceTypeGeneral": "JournalArticle",
    } in collection_record["relatedIdentifiers"]
    assert 'relatedIdentifierType="PMID">31234567</relatedIdentifier>' in md.datacite_xml(record)


def test_collection_maker_links_papers_in_the_editor_and_the_api_keeps_pubmed_links(
    client, two_teams, changed
) -> None:
    first, _ = two_teams
    collection = filled_collection(first.participant, [first.investigation.datasets.first()])
    client.force_login(first.participant)
    url = reverse("doi:collection-publication-add", args=[collection.pk])

    client.post(url, {"paper": "PMID 42"}, **HX)
    client.post(url, {"paper": "10.1107/OLD"}, **HX)
    editor = client.get(collection.get_absolute_url()).content.decode()
    api = client.patch(
        reverse("api-doi-collection-detail", args=[collection.pk]),
        {"related_publications": ["https://doi.org/10.1107/NEW"]},
        content_type="application/json",
    )

    assert "PMID" in editor and "10.1107/OLD" in editor
    assert api.status_code == 200 and api.json()["related_publications"] == ["10.1107/NEW"]
    assert sorted(collection.linked_publications.values_list("identifier", flat=True)) == [
        "10.1107/NEW",
        "42",
    ]
    assert {"investigation_id": None, "collection_id": collection.pk} in changed
    client.force_login(first.outsider)
    assert client.post(url, {"paper": "10.1107/X"}).status_code == 404


def test_a_link_names_one_thing(team) -> None:
    link = LinkedPublication(scheme=PublicationScheme.DOI, identifier="10.1107/S1")
    with pytest.raises(ValidationError):
        link.full_clean()
