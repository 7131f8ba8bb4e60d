"""OAI-PMH at /oai: what a harvester gets for each verb and each mistake, every answer checked
against the OAI-PMH 2.0 schema (tests/doi/oai_schema.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from catalogue.models import Investigation
from doi import services
from doi.models import DataCollection, Doi, DoiKind
from doi.oai import tokens
from doi.providers import LocalProvider
from tests import factories
from tests.doi.conftest import filled_collection
from tests.doi.oai_schema import NS, error_code, texts, valid_response

URL = "/oai"
HOST = "127.0.0.1"  # the test settings' SITE_URL host: records are oai:127.0.0.1:<DOI>


@dataclass
class World:
    released: Doi
    embargoed: Doi
    withdrawn: Doi
    pending: Doi
    collection: Doi
    reserved: Doi

    @property
    def public(self) -> list[Doi]:
        return [self.released, self.embargoed, self.withdrawn, self.collection]


def oai_id(doi: Doi) -> str:
    return f"oai:{HOST}:{doi.identifier}"


@pytest.fixture(autouse=True)
def _repository(settings) -> None:
    settings.SITE_URL = f"http://{HOST}:8000"
    settings.OAI_REPOSITORY_IDENTIFIER = HOST
    settings.OAI_ADMIN_EMAIL = "data-portal@example.org"


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Made once for the module and committed; each test's changes are rolled back (`db`)."""
    with django_db_blocker.unblock(), override_settings(SITE_URL=f"http://{HOST}:8000"):
        yield _make_world(LocalProvider(prefix="10.5072"))
        call_command("flush", interactive=False, verbosity=0)
        ContentType.objects.clear_cache()  # the flush gave content types new ids


@pytest.fixture
def world(_world, db) -> World:
    return _world


def _make_world(local_provider: LocalProvider) -> World:
    technique = factories.TechniqueFactory(name="Macromolecular crystallography")
    beamline = factories.InstrumentFactory(name="ID23-1")
    released = factories.InvestigationFactory(
        released=True, instrument=beamline, title="Lysozyme at 100 K", summary="Real summary."
    )
    released.techniques.add(technique)
    team = factories.make_team(released)
    embargoed = factories.InvestigationFactory(instrument=beamline, title="Secret ligand screen")
    industrial = factories.InvestigationFactory(title="Industrial beamtime")
    unregistered = factories.InvestigationFactory()

    def register(investigation: Investigation) -> Doi:
        return services.session_doi_register(
            investigation_id=investigation.pk, provider=local_provider
        )

    released_doi, embargoed_doi, withdrawn_doi = map(register, (released, embargoed, industrial))
    Investigation.objects.filter(pk=industrial.pk).update(proprietary=True)
    withdrawn_doi = services.session_doi_withdraw(doi_id=withdrawn_doi.pk, provider=local_provider)
    pending = Doi.objects.create(
        identifier="10.5072/SLS-PENDING", kind=DoiKind.SESSION, investigation=unregistered
    )
    other = factories.InvestigationFactory(instrument=factories.InstrumentFactory(name="BM29"))
    factories.InvestigationUserFactory(investigation=other, user=team.principal_investigator)
    datasets = [
        factories.DatasetFactory(investigation=released),
        factories.DatasetFactory(investigation=other),
    ]
    minted = filled_collection(team.principal_investigator, datasets)
    services.collection_mint(collection=minted, by=team.principal_investigator, confirmed=True)
    services.collection_publish(collection_id=minted.pk, provider=local_provider)
    draft = filled_collection(team.principal_investigator, datasets[:1])
    services.collection_reserve(collection=draft, by=team.principal_investigator)
    services.collection_register_draft(collection_id=draft.pk, provider=local_provider)
    minted.refresh_from_db()
    draft.refresh_from_db()
    return World(released_doi, embargoed_doi, withdrawn_doi, pending, minted.doi, draft.doi)


def get(client, **params):
    return valid_response(client.get(URL, params))


def harvest(client, verb: str = "ListIdentifiers", **params) -> tuple[list[str], list]:
    """Every identifier of a list, following resumption tokens; and the token elements seen."""
    root = get(client, verb=verb, **params)
    identifiers, seen = [], []
    while True:
        assert error_code(root) is None, root.xpath("string(oai:error)", namespaces=NS)
        identifiers += texts(root, f"oai:{verb}//oai:header/oai:identifier")
        token = root.xpath(f"oai:{verb}/oai:resumptionToken", namespaces=NS)
        if not token or not token[0].text:
            seen += token
            return identifiers, seen
        seen.append(token[0])
        root = get(client, verb=verb, resumptionToken=token[0].text)


def test_identify_names_the_repository_and_promises_persistent_deletions(world, client) -> None:
    root = get(client, verb="Identify")
    assert texts(root, "oai:Identify/oai:baseURL") == [f"http://{HOST}:8000/oai"]
    assert texts(root, "oai:Identify/oai:deletedRecord") == ["persistent"]
    assert texts(root, "oai:Identify/oai:granularity") == ["YYYY-MM-DDThh:mm:ssZ"]
    assert texts(root, "oai:Identify/oai:adminEmail") == ["data-portal@example.org"]
    earliest = texts(root, "oai:Identify/oai:earliestDatestamp")[0]
    listed = texts(get(client, verb="ListIdentifiers", metadataPrefix="oai_dc"), "//oai:datestamp")
    assert earliest == min(listed)


def test_post_form_gets_the_same_answer_as_get(world, client) -> None:
    response = client.post(URL, {"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                 "identifier": oai_id(world.released)})  # fmt: skip
    root = valid_response(response)
    assert texts(root, "//dc:title")[:1] == ["Lysozyme at 100 K"]
    assert client.put(URL).status_code == 405


def test_list_records_shows_exactly_the_public_dois_and_withdrawn_ones_as_deleted(
    world, client
) -> None:
    root = get(client, verb="ListRecords", metadataPrefix="oai_dc")
    records = root.xpath("oai:ListRecords/oai:record", namespaces=NS)
    by_id = {texts(r, "oai:header/oai:identifier")[0]: r for r in records}
    assert set(by_id) == {oai_id(doi) for doi in world.public}
    deleted = by_id[oai_id(world.withdrawn)]
    assert deleted.xpath("oai:header/@status", namespaces=NS) == ["deleted"]
    assert not deleted.xpath("oai:metadata", namespaces=NS)
    assert texts(deleted, "oai:header/oai:setSpec") == ["kind:session"]
    assert (
        b"Industrial beamtime"
        not in valid_response(
            client.get(URL, {"verb": "ListRecords", "metadataPrefix": "oai_datacite"})
        )
        .xpath("string()")
        .encode()
    )
    released = by_id[oai_id(world.released)]
    assert texts(released, ".//dc:title")[:1] == ["Lysozyme at 100 K"]
    assert "Real summary." in texts(released, ".//dc:description")
    assert f"https://doi.org/{world.released.identifier}" in texts(released, ".//dc:identifier")
    assert texts(released, "oai:header/oai:setSpec") == [
        "kind:session", "beamline:ID23-1", "technique:macromolecular-crystallography"
    ]  # fmt: skip
    collection = by_id[oai_id(world.collection)]
    assert texts(collection, ".//dc:title")[:1] == ["Lysozyme at room temperature"]
    assert texts(collection, "oai:header/oai:setSpec") == [
        "kind:collection", "beamline:BM29", "beamline:ID23-1",
        "technique:macromolecular-crystallography",
    ]  # fmt: skip


def test_an_embargoed_session_shows_only_the_minimal_metadata(world, client) -> None:
    for prefix in ("oai_dc", "oai_datacite"):
        root = get(client, verb="GetRecord", metadataPrefix=prefix,
                   identifier=oai_id(world.embargoed))  # fmt: skip
        text = root.xpath("string(//oai:metadata)", namespaces=NS)
        assert "Secret ligand screen" not in text
        assert world.embargoed.investigation.summary not in text
        assert "under embargo until" in text
        assert f"experiment {world.embargoed.investigation.name}" in text


def test_oai_datacite_carries_the_datacite_resource_of_the_doi(world, client) -> None:
    root = get(client, verb="GetRecord", metadataPrefix="oai_datacite",
               identifier=oai_id(world.released))  # fmt: skip
    assert texts(root, "//dcite:resource/dcite:identifier") == [world.released.identifier]
    assert texts(root, "//dcite:resource/dcite:titles/dcite:title")[:1] == ["Lysozyme at 100 K"]
    formats = get(client, verb="ListMetadataFormats", identifier=oai_id(world.released))
    assert texts(formats, "//oai:metadataNamespace") == [
        "http://www.openarchives.org/OAI/2.0/oai_dc/", "http://datacite.org/schema/kernel-4"
    ]  # fmt: skip


def test_a_deleted_record_is_a_header_in_get_record(world, client) -> None:
    root = get(client, verb="GetRecord", metadataPrefix="oai_datacite",
               identifier=oai_id(world.withdrawn))  # fmt: skip
    assert root.xpath("//oai:header/@status", namespaces=NS) == ["deleted"]
    assert not root.xpath("//oai:metadata", namespaces=NS)


def test_list_sets_names_kinds_beamlines_and_techniques(world, client) -> None:
    specs = texts(get(client, verb="ListSets"), "//oai:setSpec")
    assert {"kind:session", "kind:collection", "beamline:ID23-1", "beamline:BM29",
            "technique:macromolecular-crystallography"} <= set(specs)  # fmt: skip


@pytest.mark.parametrize(
    ("set_spec", "expected"),
    [
        ("kind:collection", ["collection"]),
        ("kind:session", ["released", "embargoed", "withdrawn"]),
        ("beamline:ID23-1", ["released", "embargoed", "collection"]),
        ("beamline:BM29", ["collection"]),
        ("technique:macromolecular-crystallography", ["released", "collection"]),
    ],
)
def test_selective_harvest_by_set(world, client, set_spec, expected) -> None:
    identifiers, _ = harvest(client, metadataPrefix="oai_dc", set=set_spec)
    assert sorted(identifiers) == sorted(oai_id(getattr(world, name)) for name in expected)


def test_selective_harvest_by_datestamp_at_both_granularities(world, client) -> None:
    old = datetime(2020, 5, 17, 10, 30, 15, tzinfo=UTC)
    Doi.objects.filter(pk=world.collection.pk).update(updated_at=old)
    DataCollection.objects.filter(doi=world.collection).update(updated_at=old)
    only_old = {"metadataPrefix": "oai_dc", "until": "2020-05-17T10:30:15Z"}
    assert harvest(client, **only_old)[0] == [oai_id(world.collection)]
    assert harvest(client, metadataPrefix="oai_dc", until="2020-05-17")[0] == [
        oai_id(world.collection)
    ]
    recent, _ = harvest(client, metadataPrefix="oai_dc", **{"from": "2020-05-17T10:30:16Z"})
    assert oai_id(world.collection) not in recent
    assert len(recent) == 3
    day = harvest(client, metadataPrefix="oai_dc", **{"from": "2020-05-17", "until": "2020-05-17"})
    assert day[0] == [oai_id(world.collection)]
    root = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2020-05-17")
    assert texts(root, "//oai:datestamp") == ["2020-05-17T10:30:15Z"]


def test_resumption_tokens_page_through_everything_once(world, client, settings) -> None:
    settings.OAI_PAGE_SIZE = 3
    for verb in ("ListIdentifiers", "ListRecords"):
        identifiers, seen = harvest(client, verb, metadataPrefix="oai_datacite")
        assert sorted(identifiers) == sorted(oai_id(doi) for doi in world.public)
        assert [t.get("completeListSize") for t in seen] == ["4", "4"]
        assert [t.get("cursor") for t in seen] == ["0", "3"]
        expires = datetime.strptime(seen[0].get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ")
        assert expires.replace(tzinfo=UTC) > timezone.now() + timedelta(hours=1)
        assert seen[-1].text is None  # the last page closes the list with an empty token


def test_an_expired_or_forged_token_is_a_bad_resumption_token(world, client, settings) -> None:
    settings.OAI_PAGE_SIZE = 1
    resume = tokens.Resume("ListRecords", "oai_dc", "", "", "", after=0, cursor=0)
    expired, _ = tokens.issue(resume, now=datetime.now(UTC) - timedelta(days=2))
    fresh, _ = tokens.issue(resume)
    for token, verb in [(expired, "ListRecords"), (fresh[:-2], "ListRecords"),
                        (fresh, "ListIdentifiers"), ("x", "ListSets")]:  # fmt: skip
        root = get(client, verb=verb, resumptionToken=token)
        assert error_code(root) == "badResumptionToken"
        assert root.xpath("oai:request/@resumptionToken", namespaces=NS) == [token]
    assert error_code(get(client, verb="ListRecords", resumptionToken=fresh)) is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "set": "kind:session"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"},
         "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-02-30"},
         "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-01-01",
          "until": "2024-01-02T00:00:00Z"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-01-02",
          "until": "2024-01-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "no spaces here"},
         "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:127.0.0.1:10.5072/X"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21", "until": "soon"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:a b<c>"},
         "idDoesNotExist"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:127.0.0.1:10.5/X"},
         "idDoesNotExist"),
        ({"verb": "ListMetadataFormats", "identifier": "10.5072/X"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "beamline:ID99"},
         "noRecordsMatch"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2999-01-01"},
         "noRecordsMatch"),
    ],
)  # fmt: skip
def test_protocol_errors(world, client, params, code) -> None:
    root = get(client, **params)
    assert error_code(root) == code
    assert root.xpath("string(oai:error)", namespaces=NS)  # says what is wrong
    attributes = root.xpath("oai:request", namespaces=NS)[0].attrib
    # After badVerb or badArgument the protocol echoes no argument; otherwise it echoes them all.
    assert bool(attributes) == (code not in ("badVerb", "badArgument"))


def test_pending_and_reserved_dois_do_not_exist(world, client) -> None:
    for doi in (world.pending, world.reserved):
        root = get(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=oai_id(doi))
        assert error_code(root) == "idDoesNotExist"


def test_a_page_of_headers_takes_a_fixed_number_of_queries(
    world, client, django_assert_max_num_queries
) -> None:
    for _ in range(5):
        investigation = factories.InvestigationFactory(released=True)
        investigation.techniques.add(factories.TechniqueFactory(name="SAXS"))
        services.session_doi_register(investigation_id=investigation.pk)
    with django_assert_max_num_queries(8):
        root = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert len(texts(root, "//oai:identifier")) == 9


def test_corrected_metadata_shows_up_in_the_next_incremental_harvest(world, client) -> None:
    old = datetime(2021, 3, 1, tzinfo=UTC)
    Doi.objects.update(updated_at=old)
    Investigation.objects.update(mod_time=old)
    Investigation.objects.filter(release_date__lte=timezone.now()).update(release_date=old)
    DataCollection.objects.update(updated_at=old)
    since = {"metadataPrefix": "oai_dc", "from": "2021-03-02"}
    assert error_code(get(client, verb="ListIdentifiers", **since)) == "noRecordsMatch"
    collection = DataCollection.objects.get(doi=world.collection)
    collection.title = "Lysozyme at 293 K"
    collection.save()
    services.collection_send_corrections(collection=collection, by=collection.created_by)
    services.collection_push_update(
        collection_id=collection.pk, provider=LocalProvider(prefix="10.5072")
    )
    root = get(client, verb="ListRecords", **since)
    assert texts(root, "//oai:header/oai:identifier") == [oai_id(world.collection)]
    assert texts(root, "//dc:title")[:1] == ["Lysozyme at 293 K"]


def test_a_session_whose_embargo_ends_is_harvested_again_in_full(world, client) -> None:
    old = datetime(2021, 3, 1, tzinfo=UTC)
    Doi.objects.update(updated_at=old)
    Investigation.objects.update(mod_time=old)
    Investigation.objects.filter(release_date__lte=timezone.now()).update(release_date=old)
    released_at = (timezone.now() - timedelta(minutes=5)).replace(microsecond=0)
    Investigation.objects.filter(doi=world.embargoed.identifier).update(release_date=released_at)
    since = {"metadataPrefix": "oai_dc", "from": "2021-03-02", "set": "kind:session"}
    root = get(client, verb="ListRecords", **since)
    assert texts(root, "//oai:header/oai:identifier") == [oai_id(world.embargoed)]
    assert texts(root, "//oai:datestamp") == [
        released_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ]
    assert texts(root, "//dc:title")[:1] == ["Secret ligand screen"]
