"""ICAT+'s session `logbook` routes through `icat-plus-client` itself, against a live test server:
the e-logbook as ESRF's web client and scripts use it once logged in. Answers must deserialise
into the client's models and mean the right thing; an outsider's session gets what a
nonexistent id gets. (Input edges: test_icatplus_session.py, with the cheaper test client.)"""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.logbook_api import LogbookApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.dataacquisition_api_key_base64_post_request_tag_inner import (
    DataacquisitionApiKeyBase64PostRequestTagInner as TagName,
)
from icat_plus_client.models.event import Event
from icat_plus_client.models.event_content_inner import EventContentInner
from icat_plus_client.models.logbook_session_id_event_createfrombase64_post_request import (
    LogbookSessionIdEventCreatefrombase64PostRequest as Base64Body,
)
from icat_plus_client.models.logbook_session_id_event_put_request import (
    LogbookSessionIdEventPutRequest,
)
from icat_plus_client.models.logbook_session_id_event_put_request_event import (
    LogbookSessionIdEventPutRequestEvent,
)
from icat_plus_client.models.logbook_session_id_events_patch_request import (
    LogbookSessionIdEventsPatchRequest,
)
from icat_plus_client.models.tag import Tag as IcatTag
from PIL import Image

from catalogue.models import Role
from logbook.models import Attachment, Tag
from logbook.services import event_create
from logbook.store import get_store
from portal.models import IcatPlusSession
from tests import factories

NONEXISTENT = "987654321"


@pytest.fixture
def api(live_server) -> LogbookApi:
    return LogbookApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))


@pytest.fixture
def world(transactional_db):
    """Today's session on ID23-1 with its team and two notifications from BLISS; a beamline
    message; another team's embargoed session with its own secret entry."""
    now = timezone.now()
    beamline = factories.InstrumentFactory(name="ID23-1")
    today = factories.InvestigationFactory(
        name="MX-2590",
        instrument=beamline,
        running=True,
    )
    team = factories.make_team(today)
    for n, category in enumerate(["info", "error"]):
        event_create(
            investigation=today,
            instrument=beamline,
            type="notification",
            category=category,
            by="",
            text=f"scan {n} {category}",
            when=now - timedelta(hours=4 - n),
        )
    event_create(
        investigation=None,
        instrument=beamline,
        type="notification",
        category="info",
        by="",
        text="beam refill",
    )
    hidden = factories.InvestigationFactory(name="MX-2600", instrument=beamline)
    factories.InvestigationUserFactory(investigation=hidden, role=Role.PRINCIPAL_INVESTIGATOR)
    secret = event_create(
        investigation=hidden,
        instrument=beamline,
        type="annotation",
        category="comment",
        by="someone",
        title="SECRET entry",
        text="secret words",
    )
    sessions = {
        role: IcatPlusSession.objects.open(user=getattr(team, role))[1]
        for role in ("participant", "collaborator", "scientist", "staff", "outsider")
    }
    return {"team": team, "today": today, "hidden": hidden, "secret": secret, **sessions}


def png_data_uri() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "teal").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _refused(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as refused:
        call()
    return refused.value.status, refused.value.body


def test_team_writes_reads_edits_tags_removes_and_restores_outsiders_get_404(api, world) -> None:
    sid, inv = world["participant"], str(world["today"].pk)

    written = api.logbook_session_id_event_post(
        sid,
        investigation_id=inv,
        event=Event(
            type="annotation",
            category="comment",
            title="Crystal looks good",
            content=[
                EventContentInner(format="plainText", text="diffracts to 1.8 A"),
                EventContentInner(format="html", text="<p>diffracts to <b>1.8 A</b></p>"),
            ],
            tag=[TagName(name="crystal")],
        ),
    )
    assert isinstance(written, Event)
    assert (written.investigation_id, written.username) == (
        world["today"].pk,
        world["team"].participant.username,
    )
    assert [t.name for t in written.tag] == ["crystal"]

    # Lists, filters and counts: the team's three events, newest first by default.
    events = api.logbook_session_id_event_get(sid, investigation_id=inv)
    assert [e.id for e in events][0] == written.id and len(events) == 3
    assert all(isinstance(e, Event) for e in events)
    errors = api.logbook_session_id_event_get(sid, investigation_id=inv, types="NOTIFICATION-ERROR")
    assert [e.content[0].text for e in errors] == ["scan 1 error"]
    oldest = api.logbook_session_id_event_get(
        sid, investigation_id=inv, sort_order="1", limit="1", skip="1"
    )
    assert [e.content[0].text for e in oldest] == ["scan 1 error"]
    assert api.logbook_session_id_event_get(sid, investigation_id=inv, search="diffracts")[
        0
    ].id == (written.id)
    assert [
        e.id for e in api.logbook_session_id_event_get(sid, investigation_id=inv, tags="crystal")
    ] == [written.id]
    assert len(api.logbook_session_id_event_get(sid, investigation_id=inv, not_tags="crystal")) == 2
    assert api.logbook_session_id_event_count_get(sid, investigation_id=inv) == 3
    today = timezone.localdate().isoformat()
    assert today in api.logbook_session_id_event_dates_get(sid, investigation_id=inv)
    page = api.logbook_session_id_event_page_get(
        sid, id=written.id, investigation_id=inv, limit="2"
    )
    assert (page.page.total, page.page.total_pages, page.page.current_page) == (3, 2, 1)
    last = api.logbook_session_id_event_page_get(
        sid, id=events[-1].id, investigation_id=inv, limit="2"
    )
    assert last.page.current_page == 2

    # An edit keeps the version it replaced; one started from that old version is refused.
    def edit(event: Event, words: str):
        fields = event.to_dict() | {"content": [{"format": "html", "text": words}]}
        body = LogbookSessionIdEventPutRequestEvent.from_dict(fields)
        return api.logbook_session_id_event_put(
            sid,
            investigation_id=inv,
            logbook_session_id_event_put_request=LogbookSessionIdEventPutRequest(event=body),
        )

    edited = edit(written, "<p>diffracts to 1.6 A</p>")
    assert edited.id == written.id and edited.previous_version_event
    assert "1.6 A" in edited.content[0].text
    status, body = _refused(lambda: edit(written, "<p>my stale words</p>"))
    assert status == 409 and "since you opened it" in body
    assert "1.6 A" in get_store().get(written.id)["content"][0]["text"]

    # Tags: the logbook's own, a new one, its colour; then tag two events at once.
    created = api.logbook_session_id_tag_post(
        sid, investigation_id=inv, tag=IcatTag(name="ligand", color="#112233")
    )
    assert (created.name, created.color, created.investigation_id) == ("ligand", "#112233", inv)
    recoloured = api.logbook_session_id_tag_put(
        sid, tag_id=created.id, investigation_id=inv, tag=IcatTag(name="ligand", color="#445566")
    )
    assert recoloured.color == "#445566"
    assert {t.name for t in api.logbook_session_id_tag_get(sid, investigation_id=inv)} == {
        "crystal",
        "ligand",
    }
    tagged = api.logbook_session_id_events_patch(
        sid,
        investigation_id=inv,
        logbook_session_id_events_patch_request=LogbookSessionIdEventsPatchRequest(
            event_ids=[events[1].id, events[2].id], tags=[IcatTag(name="ligand")]
        ),
    )
    assert [[t.name for t in e.tag] for e in tagged] == [["ligand"], ["ligand"]]
    assert api.logbook_session_id_event_count_get(sid, investigation_id=inv, tags="ligand") == 2

    # A photo and a PDF from the phone: attachment events in this logbook.
    photo = api.logbook_session_id_event_createfrombase64_post(
        sid,
        investigation_id=inv,
        logbook_session_id_event_createfrombase64_post_request=Base64Body(
            var_base64=png_data_uri()
        ),
    )
    pdf = api.logbook_session_id_event_createfrombase64_post(
        sid,
        investigation_id=inv,
        logbook_session_id_event_createfrombase64_post_request=Base64Body(
            var_base64="data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4 x").decode()
        ),
    )
    assert (photo.type, photo.content_type, pdf.content_type) == (
        "attachment",
        "image/png",
        "application/pdf",
    )
    stored = Attachment.objects.get(uuid=pdf.file[0])
    assert stored.file.read() == b"%PDF-1.4 x" and stored.investigation == world["today"]

    # Removal flags what the filters select (soft delete); restore brings it back.
    removed = api.logbook_session_id_event_remove_put(sid, investigation_id=inv, types="attachment")
    assert {e.id for e in removed} == {photo.id, pdf.id}
    assert api.logbook_session_id_event_count_get(sid, investigation_id=inv) == 3
    restored = api.logbook_session_id_event_restore_put(sid, investigation_id=inv)
    assert {e.id for e in restored} == {photo.id, pdf.id}
    assert api.logbook_session_id_event_count_get(sid, investigation_id=inv) == 5

    # A collaborator (team) reads it too; an outsider gets a nonexistent investigation's answer.
    assert api.logbook_session_id_event_count_get(world["collaborator"], investigation_id=inv) == 5
    outsider = world["outsider"]
    for call in (
        lambda i: api.logbook_session_id_event_get(outsider, investigation_id=i),
        lambda i: api.logbook_session_id_event_count_get(outsider, investigation_id=i),
        lambda i: api.logbook_session_id_tag_get(outsider, investigation_id=i),
        lambda i: api.logbook_session_id_event_remove_put(outsider, investigation_id=i),
    ):
        hidden = _refused(lambda call=call: call(str(world["hidden"].pk)))
        assert hidden == _refused(lambda call=call: call(NONEXISTENT))
        assert _refused(lambda call=call: call(inv))[0] == 404
    # Nor edit or tag, by its id, an event it may not read: a nonexistent one's answer.
    secret = world["secret"]

    def edit(event_id: str):
        body = LogbookSessionIdEventPutRequestEvent(
            _id=event_id, type="annotation", category="comment", title="mine now"
        )
        return api.logbook_session_id_event_put(
            outsider,
            logbook_session_id_event_put_request=LogbookSessionIdEventPutRequest(event=body),
        )

    def tag(event_id: str):
        return api.logbook_session_id_events_patch(
            outsider,
            investigation_id=str(world["hidden"].pk),
            logbook_session_id_events_patch_request=LogbookSessionIdEventsPatchRequest(
                event_ids=[event_id], tags=[IcatTag(name="x")]
            ),
        )

    for call in (edit, tag):
        hidden = _refused(lambda call=call: call(secret["_id"]))
        assert hidden == _refused(lambda call=call: call(NONEXISTENT)) and hidden[0] == 404
        assert "SECRET" not in hidden[1]
    page = _refused(
        lambda: api.logbook_session_id_event_page_get(
            world["participant"], id=secret["_id"], investigation_id=str(world["today"].pk)
        )
    )
    assert page[0] == 404
    assert get_store().get(secret["_id"])["title"] == "SECRET entry"
    assert not Tag.objects.filter(name="x").exists()


def test_beamline_logbook_statistics_and_opening_a_file(api, world) -> None:
    scientist, staff = world["scientist"], world["staff"]

    # The beamline logbook by its name as BLISS writes it; with or without its sessions' events.
    everything = api.logbook_session_id_event_get(scientist, instrument_name="id23-1")
    assert {e.content[0].text for e in everything} >= {"beam refill", "scan 0 info", "secret words"}
    only = api.logbook_session_id_event_get(
        scientist, instrument_name="id23-1", filter_investigation=True
    )
    assert [e.content[0].text for e in only] == ["beam refill"]
    note = api.logbook_session_id_event_post(
        scientist,
        event=Event(
            type="annotation",
            category="comment",
            instrument_name="ID23-1",
            content=[EventContentInner(format="plainText", text="mirror realigned")],
        ),
    )
    assert (note.instrument_name, note.investigation_id) == ("ID23-1", None)
    assert {
        t.beamline_name for t in api.logbook_session_id_tag_get(scientist, instrument_name="ID23-1")
    } <= {"ID23-1"}
    # A team member is not the beamline's: its logbook is a nonexistent one to them.
    status, _ = _refused(
        lambda: api.logbook_session_id_event_get(world["participant"], instrument_name="ID23-1")
    )
    assert status == 404

    # Statistics are the administrators' (staff).
    counts = api.logbook_session_id_stats_count_get(staff)
    assert {c.id: c.count for c in counts} == {"annotation": 2, "notification": 3}
    stats = api.logbook_session_id_stats_investigation_get(
        staff, start_date=timezone.localdate().isoformat()
    )
    row = next(s for s in stats if s.name == "MX-2590")
    assert (row.notifications, row.annotations, row.instrument) == (2, 0, "ID23-1")
    assert _refused(lambda: api.logbook_session_id_stats_count_get(world["participant"]))[0] == 403

    # Opening a file: the portal's HDF5 viewer. The client follows the redirect without the
    # portal's cookie, so the file opened is a released one (its page is public).
    past = timezone.now() - timedelta(days=5 * 365)
    public = factories.InvestigationFactory(
        name="MX-1000", start_date=past, end_date=past, release_date=past
    )
    dataset = factories.DatasetFactory(investigation=public, location="MX-1000/scan1")
    factories.DatafileFactory(dataset=dataset, name="scan1.h5", location="MX-1000/scan1/scan1.h5")
    opened = api.logbook_session_id_datafile_open_get_with_http_info(
        world["participant"], str(public.pk), "MX-1000/scan1/scan1.h5", scan="3"
    )
    assert opened.status_code == 200
    hidden_file = factories.DatafileFactory(
        dataset=factories.DatasetFactory(investigation=world["hidden"])
    )
    for investigation, path in ((world["hidden"], hidden_file.location), (public, "nope.h5")):
        refused = _refused(
            lambda investigation=investigation, path=path: api.logbook_session_id_datafile_open_get(
                world["outsider"], str(investigation.pk), path
            )
        )
        assert refused[0] == 404
