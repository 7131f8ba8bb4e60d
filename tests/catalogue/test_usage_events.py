"""Usage events are written by the views where things happen: one download per file served (a
Range continuation is not a new one), a zip per session it holds, DOI landing views, OAI-PMH
requests and logbook entries."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.urls import reverse

from catalogue.models import Audience, Investigation, UsageEvent, UsageKind
from doi import services
from doi.providers import LocalProvider
from logbook.services import event_create
from tests import factories
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db

SIZE = 50_000


@pytest.fixture
def datafile(team):
    return dataset_with_files(team.investigation, files=1, size=SIZE).datafiles.get()


def _download(client, datafile, **headers):
    response = client.get(reverse("catalogue:datafile-download", args=[datafile.pk]), **headers)
    b"".join(response.streaming_content) if response.streaming else response.content
    return response


def _totals(kind=UsageKind.FILE_DOWNLOAD) -> tuple[int, int, int]:
    events = UsageEvent.objects.filter(kind=kind)
    sums = events.aggregate(count=Sum("count"), size=Sum("bytes"))
    return events.count(), sums["count"] or 0, sums["size"] or 0


def test_a_member_downloading_a_file_is_one_team_download(client, team, datafile) -> None:
    client.force_login(team.participant)
    assert _download(client, datafile).status_code == 200

    event = UsageEvent.objects.get()
    assert (event.kind, event.count, event.bytes) == (UsageKind.FILE_DOWNLOAD, 1, datafile.size)
    assert event.audience == Audience.TEAM
    assert event.investigation_id == team.investigation.pk
    assert event.beamline == team.investigation.instrument.name
    assert event.user_id == team.participant.pk


def test_a_resumed_download_counts_once_with_all_its_bytes(client, team, datafile) -> None:
    client.force_login(team.participant)
    assert _download(client, datafile, HTTP_RANGE="bytes=0-9999").status_code == 206
    assert _download(client, datafile, HTTP_RANGE="bytes=10000-").status_code == 206

    assert _totals() == (2, 1, datafile.size)


def test_a_download_asked_again_from_the_start_is_a_new_download(client, team, datafile) -> None:
    client.force_login(team.participant)
    _download(client, datafile)
    _download(client, datafile)

    assert _totals()[1] == 2


def test_another_person_resuming_the_same_file_is_their_own_download(
    client, team, datafile
) -> None:
    client.force_login(team.participant)
    _download(client, datafile, HTTP_RANGE="bytes=0-9999")
    client.force_login(team.collaborator)
    _download(client, datafile, HTTP_RANGE="bytes=10000-")

    assert _totals()[1] == 2


def test_head_not_modified_and_refusals_are_not_downloads(client, team, datafile) -> None:
    client.force_login(team.participant)
    url = reverse("catalogue:datafile-download", args=[datafile.pk])
    etag = _download(client, datafile)["ETag"]
    UsageEvent.objects.all().delete()

    assert client.head(url).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.force_login(team.outsider)
    assert client.get(url).status_code == 404

    assert not UsageEvent.objects.exists()


def test_anyone_downloading_released_data_is_the_public(client) -> None:
    investigation = factories.InvestigationFactory(released=True)
    datafile = dataset_with_files(investigation, files=1).datafiles.get()

    _download(client, datafile)

    event = UsageEvent.objects.get()
    assert event.audience == Audience.PUBLIC and event.user_id is None
    assert event.visitor.startswith("a") and "127.0.0.1" not in event.visitor


def test_a_zip_is_one_download_of_each_session_it_holds(client, team) -> None:
    first = dataset_with_files(team.investigation, files=2)
    other = make_other_session(team)
    second = dataset_with_files(other, files=1, seed=2)
    client.force_login(team.participant)

    response = client.get(
        reverse("catalogue:download-zip") + f"?dataset={first.pk}&dataset={second.pk}"
    )
    b"".join(response.streaming_content)

    events = UsageEvent.objects.filter(kind=UsageKind.ZIP_DOWNLOAD)
    assert {(e.investigation_id, e.count, e.bytes) for e in events} == {
        (team.investigation.pk, 1, first.size),
        (other.pk, 1, second.size),
    }


def make_other_session(team) -> Investigation:
    other = factories.InvestigationFactory(instrument=team.investigation.instrument)
    factories.InvestigationUserFactory(investigation=other, user=team.participant)
    return other


def test_a_doi_landing_view_is_recorded_for_its_session(client) -> None:
    local_provider = LocalProvider(prefix="10.5072")
    investigation = factories.InvestigationFactory(released=True)
    doi = services.session_doi_register(investigation_id=investigation.pk, provider=local_provider)

    assert client.get(doi.get_absolute_url()).status_code == 200
    assert client.head(doi.get_absolute_url()).status_code == 200

    event = UsageEvent.objects.get()
    assert (event.kind, event.investigation_id) == (UsageKind.DOI_LANDING_VIEW, investigation.pk)


def test_an_answered_oai_request_is_one_harvest_and_a_bad_one_none(client) -> None:
    assert client.get("/oai", {"verb": "Identify"}).status_code == 200
    client.get("/oai", {"verb": "Nonsense"})

    assert list(UsageEvent.objects.values_list("kind", flat=True)) == [UsageKind.OAI_HARVEST]


def test_a_logbook_entry_is_team_activity_of_its_session(team) -> None:
    event_create(
        investigation=team.investigation,
        instrument=team.investigation.instrument,
        type="annotation",
        category="comment",
        by=team.participant.username,
        text="Beam back after refill",
    )

    event = UsageEvent.objects.get()
    assert (event.kind, event.audience) == (UsageKind.LOGBOOK_EVENT, Audience.TEAM)
    assert event.investigation_id == team.investigation.pk
