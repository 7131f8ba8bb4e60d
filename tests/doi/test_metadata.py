"""DataCite metadata built from a collection, validated against schema 4.5 (PyPI `datacite`)."""

from __future__ import annotations

from doi import metadata as md
from doi import publications, services
from tests.doi.conftest import filled_collection


def test_collection_metadata_is_valid_datacite_4(two_teams) -> None:
    first, second = two_teams
    collection = filled_collection(
        first.participant,
        [first.investigation.datasets.first(), second.investigation.datasets.first()],
    )
    publications.publication_link(value="10.1107/S1", by=first.participant, collection=collection)
    author = collection.authors.first()
    author.orcid, author.affiliation = "0000-0002-1825-0097", "ESRF"
    author.save()

    attributes = md.collection_metadata(
        collection, identifier="10.5072/SLS-DC-1", url="https://portal.example/doi/10.5072/SLS-DC-1"
    )

    assert md.schema_errors(attributes) == []
    assert attributes["types"] == {
        "resourceTypeGeneral": "Dataset",
        "resourceType": "Data collection",
    }
    creator = attributes["creators"][0]
    assert creator["nameIdentifiers"][0] == {
        "nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
        "nameIdentifierScheme": "ORCID",
        "schemeUri": "https://orcid.org",
    }
    assert creator["affiliation"] == [{"name": "ESRF"}]
    assert {
        "relatedIdentifier": "10.1107/S1",
        "relatedIdentifierType": "DOI",
        "relationType": "IsSupplementTo",
        "resourceTypeGeneral": "JournalArticle",
    } in attributes["relatedIdentifiers"]
    assert attributes["sizes"][0] == "2 datasets"
    assert attributes["dates"][0]["dateType"] == "Collected"


def test_schema_errors_name_the_field(two_teams) -> None:
    first, _ = two_teams
    collection = services.collection_create(by=first.participant)
    attributes = md.collection_metadata(collection, identifier="10.5072/X", url="https://x.org/")

    errors = md.schema_errors(attributes)

    assert any(e.startswith("creators") for e in errors)


def test_orcid_check_digit() -> None:
    assert md.orcid_is_valid("0000-0002-1825-0097")
    assert md.orcid_is_valid("0000-0002-9079-593X")
    assert not md.orcid_is_valid("0000-0002-1825-0098")
    assert not md.orcid_is_valid("0000-0002-1825")


def test_suffixes_are_safe_in_urls(db, settings) -> None:
    settings.DOI_FACILITY_CODE = "sls"
    assert md.suffix_part("MX 2468/ä") == "MX-2468"
    assert md.collection_identifier("ab12").startswith(f"{settings.DOI_PREFIX}/SLS-DC-AB12")
