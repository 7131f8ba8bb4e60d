"""A session DOI's record follows the data: a change to anything public (title, team, release,
licence) is sent to DataCite by a task, and every output shows the same title, creators, year and
licence as DataCite holds."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import timedelta

import bibtexparser
import pytest
import rispy
from django.urls import reverse
from django.utils import timezone

from catalogue.models import InvestigationUser, Role
from doi import metadata as md
from doi import refresh, services, tasks
from doi.models import CollectionState, Doi, LocalRegistration
from tests import factories
from tests.doi.conftest import filled_collection
from tests.doi.datacite_standin import PASSWORD, REPOSITORY_ID, DataCiteStandIn
from tests.workers import wait_for


@pytest.fixture
def provider_is_standin(settings, datacite):
    """The tasks' provider (get_provider) is the DataCite stand-in; enqueued tasks run here."""
    settings.DATACITE_API_URL = datacite.url
    settings.DATACITE_REPOSITORY_ID, settings.DATACITE_PASSWORD = REPOSITORY_ID, PASSWORD
    settings.DATACITE_TIMEOUT = 1
    return datacite


@pytest.fixture
def run_tasks_here(monkeypatch) -> list[int]:
    ran = []

    def update(investigation_id: int) -> None:
        ran.append(investigation_id)
        tasks.update_session_doi.apply(args=[investigation_id], throw=True)

    monkeypatch.setattr(tasks.update_session_doi, "delay", update)
    return ran


@dataclass
class Registered:
    team: factories.Team
    doi: Doi
    datacite: DataCiteStandIn


@pytest.fixture
def released(db, provider_is_standin) -> Registered:
    """A released session, its team (the PI with an ORCID), and its DOI at the stand-in."""
    investigation = factories.InvestigationFactory(released=True, title="Lysozyme, first look")
    team = factories.make_team(investigation)
    team.principal_investigator.orcid = "0000-0002-1825-0097"
    team.principal_investigator.save()
    doi = services.session_doi_register(investigation_id=investigation.pk)
    provider_is_standin.requests.clear()
    return Registered(team, doi, provider_is_standin)


def _put_attributes(datacite) -> list[dict]:
    return [r["body"]["data"]["attributes"] for r in datacite.calls("PUT")]


def _landing(client, doi: Doi) -> dict:
    page = client.get(doi.get_absolute_url()).content.decode()
    title = re.search(r'<h1 class="h3 mb-2" id="doi-title">(.*?)</h1>', page).group(1)
    year = re.search(r'name="citation_publication_date" content="(\d{4})"', page).group(1)
    # The page once showed "Year 2025" next to "Published 30 Nov 2026".
    assert re.search(r'id="doi-published">\d+ \w+ (\d{4})</dd>', page).group(1) == year
    return {
        "title": html.unescape(title),
        "creators": [
            html.unescape(a)
            for a in re.findall(r'<meta name="citation_author" content="(.*?)"', page)
        ],
        "year": year,
        "licence": re.search(r'<a href="([^"]+)" rel="license">', page).group(1),
        "jsonld": json.loads(
            re.search(
                r'<script type="application/ld\+json" id="jsonld">(.*?)</script>', page, re.S
            ).group(1)
        ),
    }


def _every_output(client, doi: Doi, datacite_record: dict) -> dict[str, dict]:
    """Title, creators ("Family, Given"), year and licence as each output shows them."""
    url = reverse("doi:export", args=[doi.prefix, doi.suffix, "bib"])
    (bib,) = bibtexparser.parse_string(client.get(url).content.decode()).entries
    url = reverse("doi:export", args=[doi.prefix, doi.suffix, "ris"])
    (ris,) = rispy.loads(client.get(url).content.decode())
    exported = client.get(reverse("doi:datacite-json", args=[doi.prefix, doi.suffix])).json()
    landing = _landing(client, doi)
    ld = landing.pop("jsonld")
    licence = next(r for r in datacite_record["rightsList"] if "rightsIdentifier" in r)

    def datacite(record: dict) -> dict:
        rights = next(r for r in record["rightsList"] if "rightsIdentifier" in r)
        return {
            "title": record["titles"][0]["title"],
            "creators": [c["name"] for c in record["creators"]],
            "year": record["publicationYear"],
            "licence": rights["rightsUri"],
        }

    return {
        "DataCite (stand-in)": datacite(datacite_record),
        "DataCite JSON export": datacite(exported),
        "landing page": landing,
        "BibTeX": {
            "title": bib["title"].strip("{}"),
            "creators": bib["author"].split(" and "),
            "year": bib["year"],
            "licence": licence["rightsUri"] if bib["copyright"] == licence["rights"] else "",
        },
        "RIS": {
            "title": ris["title"],
            "creators": ris["authors"],
            "year": ris["year"],
            "licence": re.search(r"<(.*)>", ris["notes"][-1]).group(1),
        },
        "JSON-LD": {
            "title": ld["name"],
            "creators": [f"{p['familyName']}, {p['givenName']}" for p in ld["creator"]],
            "year": ld["datePublished"][:4],
            "licence": ld["license"],
        },
    }


def test_new_title_and_team_reach_the_datacite_stand_in_and_every_output(
    client, released, run_tasks_here, django_capture_on_commit_callbacks
) -> None:
    investigation = released.team.investigation
    newcomer = factories.UserFactory(
        first_name="Ada", last_name="Lovelace", orcid="0000-0002-9079-593X"
    )

    with django_capture_on_commit_callbacks(execute=True):
        investigation.title = "Lysozyme, second look"
        investigation.save()
    with django_capture_on_commit_callbacks(execute=True):
        InvestigationUser.objects.create(
            investigation=investigation, user=newcomer, role=Role.PARTICIPANT
        )

    first, second = _put_attributes(released.datacite)
    assert first["titles"][0]["title"] == second["titles"][0]["title"] == "Lysozyme, second look"
    ada = next(c for c in second["creators"] if c["name"] == "Lovelace, Ada")
    assert ada["nameIdentifiers"][0]["nameIdentifier"] == "https://orcid.org/0000-0002-9079-593X"
    assert "event" not in second  # an update: the DOI stays findable
    outputs = _every_output(client, released.doi, released.datacite.dois[released.doi.identifier])
    expected = outputs["DataCite (stand-in)"]
    assert expected["title"] == "Lysozyme, second look" and "Lovelace, Ada" in expected["creators"]
    assert expected["year"] == str(timezone.localtime(investigation.release_date).year)
    assert expected["licence"] == "https://creativecommons.org/licenses/by/4.0/legalcode"
    for name, shown in outputs.items():
        assert shown == expected, name


def test_a_member_removed_or_given_another_role_is_sent_too(
    released, run_tasks_here, django_capture_on_commit_callbacks
) -> None:
    team = released.team
    collaborator = InvestigationUser.objects.get(user=team.collaborator)

    with django_capture_on_commit_callbacks(execute=True):
        collaborator.role = Role.LOCAL_CONTACT
        collaborator.save()
    with django_capture_on_commit_callbacks(execute=True):
        InvestigationUser.objects.filter(user=team.participant).delete()

    (as_contact, removed) = _put_attributes(released.datacite)
    names = {c["name"] for c in as_contact["contributors"] if c["nameType"] == "Personal"}
    assert md._member(collaborator)["name"] in names
    assert len(removed["creators"]) == 1  # the principal investigator alone


def test_an_unchanged_record_is_not_sent_again(released, run_tasks_here) -> None:
    tasks.update_session_doi.apply(args=[released.team.investigation.pk], throw=True)

    assert released.datacite.calls("PUT") == []


def test_an_embargoed_title_never_reaches_datacite(
    db, provider_is_standin, run_tasks_here, django_capture_on_commit_callbacks
) -> None:
    investigation = factories.make_team().investigation
    services.session_doi_register(investigation_id=investigation.pk)

    with django_capture_on_commit_callbacks(execute=True):
        investigation.title = "Secret ligand of a drug target"
        investigation.save()

    assert run_tasks_here == [investigation.pk]
    assert provider_is_standin.calls("PUT") == [provider_is_standin.calls("PUT")[0]]  # publish
    assert "Secret" not in json.dumps(provider_is_standin.dois)


def test_the_release_sends_the_full_record_with_the_release_year(
    db, provider_is_standin, run_tasks_here
) -> None:
    investigation = factories.make_team().investigation
    doi = services.session_doi_register(investigation_id=investigation.pk)
    assert doi.metadata["publicationYear"] == str(timezone.localdate().year)
    # Release dates pass without a save: the hourly task finds the records sent under embargo.
    released_on = timezone.now() - timedelta(days=400)
    type(investigation).objects.filter(pk=investigation.pk).update(release_date=released_on)

    assert tasks.update_stale_session_dois() == 1
    tasks.update_stale_session_dois()  # checked again: the same record is not sent twice

    (sent,) = _put_attributes(provider_is_standin)[1:]  # after the registration's publish
    assert sent["titles"][0]["title"] == investigation.title
    assert sent["publicationYear"] == str(timezone.localtime(released_on).year)
    assert len(sent["creators"]) == 3 and sent["rightsList"][1]["rightsUri"] == md.OPEN_ACCESS


def test_a_title_synced_from_icat_is_sent_by_the_hourly_check(released, run_tasks_here) -> None:
    """The ICAT sync writes in bulk (no signal): ICAT's modification time tells what changed."""
    investigation = released.team.investigation
    type(investigation).objects.filter(pk=investigation.pk).update(
        title="Renamed in ICAT", mod_time=timezone.now() + timedelta(seconds=1)
    )

    assert tasks.update_stale_session_dois() == 1

    (sent,) = _put_attributes(released.datacite)
    assert sent["titles"][0]["title"] == "Renamed in ICAT"


def test_a_new_doi_license_is_sent_to_every_session_doi(released, run_tasks_here, settings) -> None:
    settings.DOI_LICENSE = "CC0-1.0"

    assert tasks.update_stale_session_dois() == 1

    (sent,) = _put_attributes(released.datacite)
    assert sent["rightsList"][0]["rightsIdentifier"] == "cc0-1.0"


def test_a_minted_collection_is_sent_again_through_its_corrections_path(
    db, local_provider, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    team = factories.make_team()
    dataset = factories.DatasetFactory(investigation=team.investigation)
    collection = filled_collection(team.participant, [dataset])
    services.collection_mint(collection=collection, by=team.participant, confirmed=True)
    services.collection_publish(collection_id=collection.pk, provider=local_provider)
    enqueued = []
    monkeypatch.setattr(tasks.update_collection, "delay", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        refresh.metadata_changed(collection_id=collection.pk)

    collection.refresh_from_db()
    assert collection.state == CollectionState.UPDATING and enqueued == [collection.pk]


def test_worker_sends_a_released_sessions_new_title(celery_worker) -> None:
    """The whole path once: the signal, on commit, the broker, a real worker, the provider."""
    investigation = factories.InvestigationFactory(released=True)
    wait_for(
        lambda: Doi.objects.filter(investigation=investigation, state="findable").exists(),
        timeout=180,
        message=f"the session DOI; worker log:\n{celery_worker.log()}",
    )
    doi = Doi.objects.get(investigation=investigation)

    investigation.title = "Sent by the worker"
    investigation.save()

    def sent() -> bool:
        record = LocalRegistration.objects.get(identifier=doi.identifier)
        return record.attributes["titles"][0]["title"] == "Sent by the worker"

    wait_for(sent, timeout=180, message=f"the update; worker log:\n{celery_worker.log()}")
    assert Doi.objects.get(pk=doi.pk).metadata["titles"][0]["title"] == "Sent by the worker"
