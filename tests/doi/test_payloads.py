"""Every DataCite record the portal can build is valid DataCite 4.5, as JSON (the `datacite`
package's validator) and as XML (the kernel-4 XSD shipped in tests/doi/xsd); every citation export
is read back by the field's own parsers: BibTeX by bibtexparser, RIS by rispy, JSON-LD by pyld."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import bibtexparser
import pytest
import rispy
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from lxml import etree
from pyld import jsonld

from catalogue.models import Role
from doi import citation, services
from doi import metadata as md
from doi.models import CollectionState, LocalRegistration
from doi.providers import LocalProvider
from tests import factories
from tests.doi.conftest import filled_collection

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "xsd" / "metadata.xsd")))
ROR = "https://ror.org/02550n020"
PAYLOADS = [
    "session embargoed",
    "session embargoed for twenty years",
    "session released",
    "session released, no ROR configured",
    "session released, nobody with an ORCID",
    "session withdrawn",
    "collection draft",
    "collection reserved",
    "collection reserved, local provider's record",
    "collection findable",
    "collection findable, local provider's record",
]
RECORDS = ["session embargoed", "session released", "collection reserved", "collection findable"]


@dataclass
class World:
    payloads: dict[str, dict] = field(default_factory=dict)
    records: dict[str, citation.Record] = field(default_factory=dict)


def _released_session(*, orcids: bool):
    investigation = factories.InvestigationFactory(
        released=True, title="Lysozyme & friends: {room} temperature_100%"
    )
    technique = factories.TechniqueFactory(
        name="macromolecular crystallography", pid="http://purl.org/pan-science/PaNET/PaNET01259"
    )
    investigation.techniques.add(technique)
    team = factories.make_team(investigation)
    if orcids:
        team.principal_investigator.orcid = "0000-0002-1825-0097"
        team.principal_investigator.affiliation = "Université Grenoble Alpes"
        team.principal_investigator.save()
        team.local_contact.orcid = "0000-0002-9079-593X"
        team.local_contact.save()
    return investigation


def _build(provider: LocalProvider) -> World:
    world = World()
    embargoed = factories.make_team().investigation
    long_embargo = factories.InvestigationFactory()
    long_embargo.release_date = timezone.now() + timedelta(days=20 * 366)
    long_embargo.save()
    released = _released_session(orcids=True)
    anonymous = _released_session(orcids=False)
    dois = {}
    for name, investigation in [
        ("session embargoed", embargoed),
        ("session embargoed for twenty years", long_embargo),
        ("session released", released),
        ("session released, nobody with an ORCID", anonymous),
    ]:
        dois[name] = services.session_doi_register(
            investigation_id=investigation.pk, provider=provider
        )
        world.payloads[name] = dois[name].metadata
    with override_settings(DOI_AFFILIATION_ROR=""):
        world.payloads["session released, no ROR configured"] = md.session_metadata(
            released, identifier="10.5072/X", url="https://portal.example/"
        )
    world.payloads["session withdrawn"] = md.withdrawn_metadata(
        identifier="10.5072/X", url="https://portal.example/withdrawn"
    )

    first, second = factories.make_team(), factories.make_team()
    factories.InvestigationUserFactory(investigation=second.investigation, user=first.participant)
    for team in (first, second):
        factories.DatasetFactory(investigation=team.investigation, size=2000, file_count=2)
    collections = {}
    for name in ("collection draft", "collection reserved", "collection findable"):
        collection = filled_collection(
            first.participant,
            [first.investigation.datasets.first(), second.investigation.datasets.first()],
        )
        author = collection.authors.first()
        author.orcid, author.affiliation = "0000-0002-1825-0097", "ESRF"
        author.save()
        collections[name] = collection
    world.payloads["collection draft"] = md.collection_metadata(
        collections["collection draft"], identifier="10.5072/SLS-DC-X", url="https://x.org/"
    )
    reserved, findable = collections["collection reserved"], collections["collection findable"]
    services.collection_reserve(collection=reserved, by=first.participant)
    services.collection_register_draft(collection_id=reserved.pk, provider=provider)
    services.collection_mint(collection=findable, by=first.participant, confirmed=True)
    services.collection_publish(collection_id=findable.pk, provider=provider)
    for name, collection in [("collection reserved", reserved), ("collection findable", findable)]:
        collection.refresh_from_db()
        assert collection.state in {CollectionState.RESERVED, CollectionState.FINDABLE}
        world.payloads[name] = collection.doi.metadata
        world.payloads[f"{name}, local provider's record"] = LocalRegistration.objects.get(
            identifier=collection.doi.identifier
        ).attributes
        world.records[name] = citation.collection_record(collection.doi, collection)
    for name in ("session embargoed", "session released"):
        doi = dois[name]
        world.records[name] = citation.session_record(doi, doi.investigation, full=False)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once, inside a transaction rolled back at the end of the module."""
    with django_db_blocker.unblock(), override_settings(DOI_AFFILIATION_ROR=ROR):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build(LocalProvider(prefix="10.5072"))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("name", PAYLOADS)
def test_payload_is_valid_datacite_json_and_kernel_4_xml(world, name) -> None:
    payload = world.payloads[name]

    assert md.schema_errors(payload) == []
    document = etree.fromstring(md.datacite_xml(payload).encode())
    assert XSD.validate(document), XSD.error_log.filter_from_errors()
    assert document.find("{http://datacite.org/schema/kernel-4}identifier").text


def test_released_session_sends_the_team_the_licence_and_the_release_year(world) -> None:
    payload = world.payloads["session released"]
    investigation_year = payload["dates"][1]["date"][:4]  # Available: the release date

    assert payload["titles"][0]["title"] == "Lysozyme & friends: {room} temperature_100%"
    pi, participant, collaborator = payload["creators"]
    assert pi["nameIdentifiers"][0]["nameIdentifier"] == "https://orcid.org/0000-0002-1825-0097"
    assert pi["affiliation"] == [{"name": "Université Grenoble Alpes"}]
    assert "nameIdentifiers" not in participant
    contact, facility = payload["contributors"]
    assert contact["contributorType"] == "DataCollector"
    assert contact["affiliation"][0]["affiliationIdentifier"] == ROR
    assert facility["contributorType"] == "HostingInstitution"
    assert payload["publisher"]["publisherIdentifier"] == ROR
    assert payload["publicationYear"] == investigation_year
    assert payload["rightsList"][0]["rightsIdentifier"] == "cc-by-4.0"
    assert payload["rightsList"][1]["rightsUri"] == md.OPEN_ACCESS
    assert payload["descriptions"][0]["descriptionType"] == "Abstract"
    assert {"subject": "macromolecular crystallography", "subjectScheme": "PaNET"}.items() <= (
        payload["subjects"][1].items()
    )
    assert payload["formats"] == ["application/zip"] and payload["language"] == "en"


def test_embargoed_session_sends_only_what_the_access_rules_make_public(world) -> None:
    payload = world.payloads["session embargoed"]

    assert payload["creators"] == [md._facility()]
    assert payload["titles"][0]["title"].startswith("Synchrotron Light Source experiment MX-")
    assert payload["descriptions"] == [
        {
            "description": f"Data under embargo until {payload['dates'][1]['date']}.",
            "descriptionType": "Other",
        }
    ]
    # Emptied, not left out: DataCite merges a PUT into what it holds.
    assert payload["contributors"] == payload["sizes"] == payload["relatedIdentifiers"] == []
    assert payload["rightsList"][1]["rightsUri"] == md.EMBARGOED_ACCESS


def test_publication_year_of_a_long_embargo_is_one_datacite_accepts(world) -> None:
    """DataCite refuses a year more than a few years ahead: while embargoed, the year is the
    registration's; the release date is the `Available` date."""
    payload = world.payloads["session embargoed for twenty years"]
    available = next(d["date"] for d in payload["dates"] if d["dateType"] == "Available")

    assert int(available[:4]) >= timezone.localdate().year + 19
    assert payload["publicationYear"] == str(timezone.localdate().year)


@pytest.mark.parametrize("name", RECORDS)
def test_bibtex_parses_with_bibtexparser(world, name) -> None:
    record = world.records[name]

    library = bibtexparser.parse_string(citation.bibtex(record))

    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    assert entry["title"] == "{" + citation._bib(record.title) + "}"
    assert entry["year"] == record.year and entry["doi"] == record.doi
    assert len(entry["author"].split(" and ")) == len(record.authors)


@pytest.mark.parametrize("name", RECORDS)
def test_ris_parses_with_rispy(world, name) -> None:
    record = world.records[name]

    (entry,) = rispy.loads(citation.ris(record))

    assert entry["type_of_reference"] == "DATA"
    assert entry["title"] == record.title and entry["year"] == record.year
    assert entry["authors"] == [a.inverted for a in record.authors]
    assert entry["doi"] == record.doi


def _schema_org_stand_in(url: str, options=None) -> dict:
    """The schema.org context, which cannot be fetched here: its vocabulary, as a stand-in."""
    assert url.rstrip("/") == "https://schema.org"
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": "https://schema.org/"}},
    }


@pytest.mark.parametrize("name", RECORDS)
def test_jsonld_expands_with_pyld_and_a_schema_org_stand_in(world, name) -> None:
    record = world.records[name]
    data = citation.jsonld(record)

    (expanded,) = jsonld.expand(data, {"documentLoader": _schema_org_stand_in})

    schema = "https://schema.org/"
    assert expanded["@type"] == [f"{schema}Dataset"]
    assert expanded[f"{schema}name"] == [{"@value": record.title}]
    assert expanded[f"{schema}isAccessibleForFree"] == [{"@value": record.accessible}]
    assert expanded[f"{schema}datePublished"][0]["@value"][:4] == record.year
    assert expanded[f"{schema}license"] == [{"@value": record.licence_url}]


def test_jsonld_is_true_to_the_state_of_the_data(world) -> None:
    embargoed = citation.jsonld(world.records["session embargoed"])
    reserved = citation.jsonld(world.records["collection reserved"])
    minted = world.records["collection findable"]

    assert embargoed["isAccessibleForFree"] is False
    assert embargoed["conditionsOfAccess"].startswith("Data under embargo until ")
    assert reserved["isAccessibleForFree"] is False
    assert minted.accessible and citation.jsonld(minted)["isAccessibleForFree"] is True


def test_a_session_without_team_roles_but_local_contacts_still_has_a_creator(db) -> None:
    investigation = factories.InvestigationFactory(released=True)
    factories.InvestigationUserFactory(investigation=investigation, role=Role.LOCAL_CONTACT)

    payload = md.session_metadata(investigation, identifier="10.5072/X", url="https://x.org/")

    assert payload["creators"] == [md._facility()]
    assert payload["contributors"][0]["contributorType"] == "DataCollector"
    assert md.schema_errors(payload) == []
