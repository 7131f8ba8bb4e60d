"""`manage.py seed_demo` builds a believable facility with real files; running it again is safe.

The facility is generated once for the module (twice, in fact, to check idempotency), committed to
the test database and flushed at the end, because generating it takes a while. The OAI-PMH
harvest of the demo lives here too, for the same reason.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import h5py
import numpy as np
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from sickle import Sickle

from catalogue import access
from catalogue.demo import big_stack
from catalogue.demo_downloads import LARGE_FILE_SIZE
from catalogue.models import (
    ArchiveStatus,
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetType,
    Instrument,
    Investigation,
    InvestigationUser,
    Role,
    Sample,
)
from doi.models import Doi, DoiState
from logbook.models import Event
from portal.models import User
from shipments.models import Parcel
from shipments.workflow import Status

DEMO_LOGINS = ["admin", "mdubois", "jsmith", "akowalska", "pnovak", "emartin", "sgarcia", "tlee",
               "rbrown"]  # fmt: skip


@dataclass
class Demo:
    data_root: Path
    archive_root: Path  # the demo's "tape": archived datasets' files live here
    counts_after_first_run: dict[str, int]
    counts_after_second_run: dict[str, int]
    ids_after_first_run: set[int]
    if_empty_output: str


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Instrument,
            Investigation,
            InvestigationUser,
            Sample,
            Dataset,
            DatasetParameter,
            Datafile,
        )  # fmt: skip
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo")
    roots = {
        name: root / name.lower()
        for name in ("DATA_ROOT", "DOWNLOAD_ROOT", "MEDIA_ROOT", "ARCHIVE_ROOT")
    }
    with django_db_blocker.unblock(), override_settings(**roots):
        call_command("seed_demo", stdout=io.StringIO())
        first = _counts()
        ids = set(Datafile.objects.values_list("id", flat=True))
        call_command("seed_demo", stdout=io.StringIO())
        second = _counts()
        output = io.StringIO()
        call_command("seed_demo", "--if-empty", stdout=output)
        yield Demo(roots["DATA_ROOT"], roots["ARCHIVE_ROOT"], first, second, ids, output.getvalue())
        call_command("flush", interactive=False, verbosity=0)
        # The flush gave content types new ids: forget the cached ones, or later tests would
        # look permissions up through ids that no longer exist.
        ContentType.objects.clear_cache()


def _on_disk(demo: Demo, datafile: Datafile) -> Path:
    archived = datafile.dataset.archive_status == ArchiveStatus.ARCHIVED
    return (demo.archive_root if archived else demo.data_root) / datafile.location


def test_demo_has_seven_beamlines_with_techniques_and_scientists(demo, db) -> None:
    beamlines = Instrument.objects.prefetch_related("techniques", "scientists")
    assert {b.name for b in beamlines} >= {"ID23-1", "BM29", "ID01", "ID19", "ID21", "BM23", "ID31"}
    for beamline in beamlines:
        assert beamline.techniques.exists(), beamline
        assert beamline.scientists.exists(), beamline
    assert Instrument.objects.get(name="ID23-1").scientists.filter(username="pnovak").exists()
    assert Instrument.objects.get(name="BM29").scientists.filter(username="emartin").exists()


def test_demo_spans_six_years_with_released_embargoed_and_proprietary_sessions(demo, db) -> None:
    now = timezone.now()
    investigations = Investigation.objects.all()
    assert investigations.count() >= 40
    assert len({i.start_date.year for i in investigations}) >= 6
    assert Investigation.objects.released(now).count() >= 10
    assert Investigation.objects.embargoed(now).filter(proprietary=False).count() >= 10
    proprietary = Investigation.objects.get(proprietary=True)
    assert proprietary.name.startswith("IN-")
    assert proprietary.release_date < now and not proprietary.is_released
    assert {"MX-2468", "SC-5123", "HC-4821", "ES-1290", "IN-1187"} <= set(
        investigations.values_list("name", flat=True)
    )


def test_every_session_has_a_team_with_a_pi_and_a_local_contact_scientist(demo, db) -> None:
    for investigation in Investigation.objects.select_related("instrument"):
        roles = dict(investigation.members.values_list("role", "user__username"))
        assert Role.PRINCIPAL_INVESTIGATOR in roles, investigation
        local_contact = roles[Role.LOCAL_CONTACT]
        assert investigation.instrument.scientists.filter(username=local_contact).exists()
        assert investigation.samples.exists()
        assert investigation.parameters.exists()


def test_demo_has_raw_and_processed_datasets_with_plausible_parameters(demo, db) -> None:
    assert Dataset.objects.count() >= 400
    raw = Dataset.objects.filter(type=DatasetType.RAW)
    processed = Dataset.objects.filter(type=DatasetType.PROCESSED).prefetch_related("derived_from")
    assert raw.count() > 0 and processed.count() > 0
    for dataset in processed:
        sources = list(dataset.derived_from.all())
        assert sources, dataset
        assert all(s.type == DatasetType.RAW and s.sample_id == dataset.sample_id for s in sources)
    assert not Dataset.objects.filter(parameters__isnull=True).exists()
    energies = DatasetParameter.objects.filter(type__name="energy", type__units="keV")
    assert energies.count() == raw.count()
    assert all(4 < energy < 100 for energy in energies.values_list("numeric_value", flat=True))
    wavelength = DatasetParameter.objects.filter(type__name="wavelength").first()
    assert wavelength.type.units == "Å"


def test_every_datafile_is_on_disk_with_its_size_and_checksum(demo, db) -> None:
    files = list(Datafile.objects.select_related("dataset__investigation__instrument"))
    assert len(files) >= 800
    large = [f for f in files if f.size >= LARGE_FILE_SIZE]
    assert len(large) == 2  # too big to stream: their zips need a download job
    for datafile in large:
        assert (demo.data_root / datafile.location).stat().st_size == datafile.size
    stacks = [f for f in files if f.name == big_stack.FILE_NAME]  # checked on its own below
    for datafile in set(files) - set(large) - set(stacks):
        content = _on_disk(demo, datafile).read_bytes()
        assert len(content) == datafile.size < 300_000, datafile.location
        assert datafile.checksum == "sha256:" + hashlib.sha256(content).hexdigest()
        assert datafile.file_mod_time is not None
        investigation = datafile.dataset.investigation
        proposal, beamline, session, kind = datafile.location.split("/")[:4]
        assert (proposal, beamline, session) == (
            investigation.name,
            investigation.instrument.name,
            investigation.visit_id,
        )
        expected = "RAW_DATA" if datafile.dataset.type == DatasetType.RAW else "PROCESSED_DATA"
        assert kind == expected


def _arrays(h5: h5py.File) -> list[h5py.Dataset]:
    found: list[h5py.Dataset] = []
    h5.visititems(lambda _, item: found.append(item) if isinstance(item, h5py.Dataset) else None)
    return found


def test_hdf5_files_open_and_hold_nexus_arrays(demo, db) -> None:
    datafiles = Datafile.objects.filter(name__endswith=".h5").select_related("dataset")
    assert len(datafiles) >= 400
    for datafile in datafiles:
        location = datafile.location
        with h5py.File(_on_disk(demo, datafile), "r") as h5:
            assert h5["entry"].attrs["NX_class"] == "NXentry"
            assert "instrument" in h5["entry"]
            arrays = _arrays(h5)
            assert any(a.ndim >= 1 and a.size > 50 for a in arrays), location
    frame = (
        demo.data_root
        / Datafile.objects.filter(
            dataset__investigation__name="MX-2468",
            dataset__type=DatasetType.RAW,
            name__endswith=".h5",
        ).values_list("location", flat=True)[0]
    )
    with h5py.File(frame, "r") as h5:
        image = h5["entry/instrument/detector/data"][0]
        assert image.ndim == 2 and image.max() > 10 * np.median(image)  # Bragg spots stand out


def test_an_id23_dataset_holds_a_multi_gb_detector_stack_for_h5web(demo, db) -> None:
    stack = Datafile.objects.get(name=big_stack.FILE_NAME)
    assert stack.dataset.investigation.instrument.name == "ID23-1"
    path = demo.data_root / stack.location
    assert stack.size == path.stat().st_size < 100e6
    with h5py.File(path, "r") as h5:
        data = h5["entry/data"]
        assert (data.attrs["signal"], list(data.attrs["axes"])) == ("data", ["time", "y", "x"])
        assert data["data"].nbytes > 8e9 and data["data"].chunks == (1, 2048, 2048)
        frames = data["data"][0], data["data"][1]
        assert frames[0].sum() > 1000 and not np.array_equal(*frames)  # photons, and they change


def test_png_files_are_real_images(demo, db) -> None:
    datafiles = Datafile.objects.filter(name__endswith=".png").select_related("dataset")
    assert len(datafiles) >= 400
    for datafile in datafiles:
        with Image.open(_on_disk(demo, datafile)) as image:
            image.verify()
            assert image.size[0] >= 200


def test_totals_are_recomputed_from_the_files(demo, db) -> None:
    investigation = Investigation.objects.get(name="MX-2468", visit_id="id231-24681")
    files = Datafile.objects.filter(dataset__investigation=investigation)
    assert investigation.dataset_count == investigation.datasets.count() > 0
    assert investigation.datafile_count == files.count()
    assert investigation.volume == sum(files.values_list("size", flat=True))


def test_running_it_again_changes_nothing(demo, db) -> None:
    assert demo.counts_after_second_run == demo.counts_after_first_run
    assert set(Datafile.objects.values_list("id", flat=True)) == demo.ids_after_first_run


def test_if_empty_leaves_an_existing_facility_alone(demo, db) -> None:
    assert "already has a facility" in demo.if_empty_output
    assert _counts() == demo.counts_after_first_run


def test_demo_users_log_in_with_the_demo_password(demo, db, client) -> None:
    for username in DEMO_LOGINS:  # through the login form, as people (and django-axes) do
        response = client.post("/login/", {"username": username, "password": "demo"})
        assert response.status_code == 302, username
        assert client.session.get("_auth_user_id"), username
        client.logout()


def test_marie_sees_her_embargoed_proposals_and_the_outsider_sees_none(demo, db, client) -> None:
    now = timezone.now()
    marie = User.objects.get(username="mdubois")
    hers = access.my_investigations(marie)
    assert hers.filter(name="MX-2468").embargoed(now).count() >= 2
    assert hers.filter(name="MX-2468").released(now).exists()
    assert hers.embargoed(now).count() >= 4
    outsider = User.objects.get(username="rbrown")
    assert not access.my_investigations(outsider).exists()
    assert (
        access.visible_investigations(outsider).count() == Investigation.objects.released().count()
    )

    embargoed = hers.embargoed(now).first()
    client.force_login(outsider)
    assert client.get(embargoed.get_absolute_url()).status_code == 404
    client.force_login(marie)
    page = client.get("/experiments/").content.decode()
    assert "MX-2468" in page and "SC-5123" in page
    dashboard = client.get("/").content.decode()
    assert 'data-requester="rbrown"' in dashboard  # the demo's request waits for her answer


def test_each_role_of_the_brief_holds(demo, db) -> None:
    pnovak = User.objects.get(username="pnovak")
    beamline_sessions = Investigation.objects.filter(instrument__name="ID23-1")
    assert set(access.my_investigations(pnovak)) == set(beamline_sessions)
    assert (
        InvestigationUser.objects.filter(
            user=pnovak, role=Role.LOCAL_CONTACT, investigation__name__startswith="MX-"
        ).count()
        == beamline_sessions.count()
    )
    anna = InvestigationUser.objects.filter(user__username="akowalska").select_related("added_by")
    assert {(m.role, m.added_by.username) for m in anna} == {(Role.COLLABORATOR, "mdubois")}
    james = InvestigationUser.objects.filter(user__username="jsmith", role=Role.PARTICIPANT)
    assert james.filter(investigation__members__user__username="mdubois").count() >= 3
    assert access.is_safety_officer(User.objects.get(username="sgarcia"))
    tom = User.objects.get(username="tlee")
    assert not tom.is_staff and tom.groups.filter(name="Stores").exists()
    assert access.is_stores(tom) and not User.objects.get(username="sgarcia").is_staff
    assert User.objects.get(username="admin").is_superuser


def test_demo_logins_prints_the_url_and_every_login(demo, db) -> None:
    output = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", stdout=output)
    text = output.getvalue()
    assert "http://127.0.0.1:8000/" in text
    for username in DEMO_LOGINS:
        assert f"\n{username} " in text
    assert "outsider" in text and "principal investigator" in text


def _events_by_session() -> dict[Investigation, list[Event]]:
    sessions = {i.pk: i for i in Investigation.objects.select_related("instrument")}
    events: dict[Investigation, list[Event]] = {session: [] for session in sessions.values()}
    for event in Event.objects.filter(investigation__isnull=False):
        events[sessions[event.investigation_id]].append(event)
    return events


def _text(events: list[Event]) -> str:
    return " ".join(part["text"] for event in events for part in event.content)


def test_each_logbook_speaks_its_techniques_language(demo, db) -> None:
    """The issue's examples: no Rg or indexing at ID01, no tomography outside ID19, BioSAXS
    reports Rg, MX indexes in the space group its processed data names."""
    for session, events in _events_by_session().items():
        if session.start_date > timezone.now():
            continue
        text, beamline = _text(events), session.instrument.name
        assert "commandline" in {e.category for e in events}, session
        if beamline != "BM29":
            assert "Rg =" not in text and "BSA" not in text, session
        if beamline != "ID23-1":
            assert "indexed in" not in text and "collect(" not in text, session
        if beamline != "ID19":
            assert "tomo_scan" not in text, session
        if beamline == "ID23-1":
            groups = DatasetParameter.objects.filter(
                dataset__investigation=session, type__name="space group"
            ).values_list("string_value", flat=True)
            assert all(f"indexed in {group}" in text for group in groups), session
        if beamline == "BM29":
            assert "Rg =" in text and "concentration" in text, session
        if beamline == "ID19":
            assert "tomo_scan" in text and "nabu" in text, session


def test_spectroscopy_calibrates_the_energy_at_the_measured_elements_edge(demo, db) -> None:
    for session, events in _events_by_session().items():
        if session.instrument.name not in ("BM23", "ID21") or not events:
            continue
        element, energy = (
            DatasetParameter.objects.filter(dataset__investigation=session, type__name=name)
            .values_list("string_value" if name == "element" else "numeric_value", flat=True)
            .first()
            for name in ("element", "energy")
        )
        calibrations = [
            part["text"] for e in events for part in e.content if "calibrated" in part["text"]
        ]
        assert calibrations, session
        assert all(element in line and f"{energy:.3f} keV" in line for line in calibrations), (
            session
        )
    bm29 = _text([e for s, es in _events_by_session().items() if s.instrument.name == "BM29"
                  for e in es])  # fmt: skip
    assert "calibrated" not in bm29  # BioSAXS works at a fixed 12.5 keV


def test_logbook_events_fall_inside_their_session_next_to_their_dataset(demo, db) -> None:
    now = timezone.now()
    datasets = {d.pk: d for d in Dataset.objects.all()}
    assert not Event.objects.filter(creation_date__gt=now).exists()  # nothing in the future
    for session, events in _events_by_session().items():
        if session.start_date > now:
            assert not events, session  # nothing logged for a session still to come
        for event in events:
            assert session.start_date <= event.creation_date <= session.end_date, event
            dataset = datasets.get(event.dataset_id)
            if dataset is not None:  # on the same day, minutes from the measurement
                assert dataset.start_date - timedelta(minutes=5) <= event.creation_date
                assert event.creation_date <= dataset.end_date + timedelta(minutes=20)


def test_beamline_logbooks_are_varied_and_past(demo, db) -> None:
    now = timezone.now()
    for beamline in ("ID23-1", "BM29", "ID19", "BM23"):
        notes = Event.objects.filter(
            investigation__isnull=True, instrument_name=beamline, type="annotation"
        )
        texts = [e.content[0]["text"] for e in notes]
        # The "every Cryo refill says the same": no note is another's copy.
        assert len(texts) >= 10 and len(set(texts)) == len(texts), beamline
        assert len(set(notes.values_list("title", flat=True))) >= 6, beamline
        assert all(e.creation_date < now for e in notes)
    mx = _text(list(Event.objects.filter(investigation__isnull=True, instrument_name="ID23-1")))
    assert "Se K edge" in mx and "BSA" not in mx
    saxs = _text(list(Event.objects.filter(investigation__isnull=True, instrument_name="BM29")))
    assert "BSA" in saxs and "Se K edge" not in saxs


def test_upcoming_sessions_have_samples_and_no_data_yet(demo, db) -> None:
    upcoming = Investigation.objects.filter(start_date__gt=timezone.now())
    assert {"MX-2590", "LS-3140"} <= set(upcoming.values_list("name", flat=True))
    for session in upcoming:
        assert session.samples.exists() and not session.datasets.exists(), session


def test_parcels_are_where_their_sessions_dates_put_them(demo, db) -> None:
    now = timezone.now()
    counts = Counter(Parcel.objects.values_list("status", flat=True))
    assert counts[Status.BACK_USER] >= 3 and counts[Status.SENT] >= 2  # a mix, not one of each
    for parcel in Parcel.objects.select_related("shipment__investigation"):
        session = parcel.shipment.investigation
        if session.end_date < now:
            assert parcel.status in {Status.BACK_USER, Status.DESTROYED, Status.REMOVED}
        elif session.start_date > now:  # upcoming: on the way, not yet at the facility
            assert parcel.status not in {Status.STORES, Status.BEAMLINE, Status.BACK_USER}
        assert parcel.status_changed_at <= now


# Keep last: the live server's transactional database is emptied after the test.
def test_an_oai_harvester_pages_through_every_public_record_of_the_demo(
    demo, live_server, settings
) -> None:
    """Sickle, a real OAI-PMH harvester, over HTTP: every findable DOI once, nothing else."""
    settings.OAI_PAGE_SIZE = 10
    public = {
        f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:{doi.identifier}": doi
        for doi in Doi.objects.filter(state=DoiState.FINDABLE).select_related("investigation")
    }
    assert len(public) > 3 * settings.OAI_PAGE_SIZE  # so that the harvest pages
    assert Doi.objects.filter(state=DoiState.DRAFT).exists()  # the reserved collection
    harvester = Sickle(f"{live_server.url}/oai", max_retries=0)

    records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    identifiers = [record.header.identifier for record in records]
    assert len(identifiers) == len(set(identifiers))  # no page repeats a record
    assert set(identifiers) == set(public)
    for record in records:
        doi = public[record.header.identifier]
        assert not record.header.deleted
        assert f"https://doi.org/{doi.identifier}" in record.metadata["identifier"]
        if doi.investigation and not doi.investigation.is_released:
            assert doi.investigation.title not in record.metadata["title"]

    by_post = Sickle(f"{live_server.url}/oai", http_method="POST", max_retries=0)
    headers = list(by_post.ListIdentifiers(metadataPrefix="oai_datacite"))
    assert sorted(h.identifier for h in headers) == sorted(public)
    collections = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="kind:collection"))
    assert [h.identifier for h in collections] == [
        key for key, doi in sorted(public.items(), key=lambda item: item[1].pk)
        if doi.investigation_id is None
    ]  # fmt: skip
