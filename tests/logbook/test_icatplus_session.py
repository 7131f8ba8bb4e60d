"""ICAT+'s session `logbook` routes with Django's test client: bad input is a 400 naming the field
and changes nothing; readers of a released logbook who are not its team read but do not write;
list routes take a constant number of queries. (The contract through `icat-plus-client`:
test_icatplus_session_client.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from logbook.models import Attachment, Tag
from logbook.services import event_create
from logbook.store import EventQuery, get_store
from portal.models import IcatPlusSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logbook():
    now = timezone.now()
    investigation = factories.InvestigationFactory(
        name="MX-2590", start_date=now - timedelta(hours=2), end_date=now + timedelta(hours=2)
    )
    team = factories.make_team(investigation)
    event = event_create(
        investigation=investigation,
        instrument=investigation.instrument,
        type="annotation",
        category="comment",
        by=team.participant.username,
        title="first",
        text="words",
        tags=["crystal"],
    )
    sid = IcatPlusSession.objects.open(user=team.participant)[1]
    return {"inv": investigation, "team": team, "event": event, "sid": sid}


def _url(logbook, route: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/icatplus/logbook/{logbook['sid']}/{route}?{query}"


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(client, logbook) -> None:
    inv = logbook["inv"].pk
    reads = [
        (_url(logbook, "event", investigationId=inv, types="annotation-poem"), "types"),
        (_url(logbook, "event", investigationId=inv, limit=0), "limit"),
        (_url(logbook, "event", investigationId=inv, sortBy="title"), "sortBy"),
        (_url(logbook, "event/count", investigationId=inv, date="2024-13-01"), "date"),
        (_url(logbook, "event/dates", investigationId=inv, format="csv"), "format"),
        (_url(logbook, "event"), "investigationId"),
        (_url(logbook, "event/count", investigationId="x"), "investigationId"),
    ]
    for url, field in reads:
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.json()["field"] == field and response.json()["message"]

    event_id = logbook["event"]["_id"]
    writes = [
        ("post", "event", {"type": "notification", "category": "info"}, "type"),
        ("post", "event", {"type": "annotation", "category": "poem"}, "category"),
        ("post", "event", {"type": "annotation", "tag": [{"name": "x" * 61}]}, "tag"),
        ("put", "event", {"event": {"type": "annotation", "category": "comment"}}, "event"),
        ("patch", "events", {"eventIds": [], "tags": []}, "eventIds"),
        ("post", "event/createfrombase64", {"base64": "data:image/png;base64,!!!"}, "base64"),
        ("post", "event/createfrombase64", {"base64": "data:image/png;base64,aGVsbG8="}, "base64"),
        ("post", "tag", {"name": "new", "color": "red"}, "color"),
        ("post", "tag", {"name": "crystal"}, "name"),
    ]
    for method, route, body, field in writes:
        url = _url(logbook, route, investigationId=logbook["inv"].pk)
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (route, body, response.content)
        assert response.json()["field"] == field, (route, response.json())
    tag = Tag.objects.get(name="crystal")
    rename = client.put(
        _url(logbook, "tag", tagId=tag.pk), {"name": "renamed"}, content_type="application/json"
    )
    assert rename.status_code == 400 and rename.json()["field"] == "name"
    stale = client.put(
        _url(logbook, "event", investigationId=inv),
        {
            "event": {
                "_id": event_id,
                "type": "annotation",
                "category": "comment",
                "previousVersionEvent": {"_id": "12345"},
                "content": [{"format": "plainText", "text": "overwrite"}],
            }
        },
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["previousVersionEvent"] == {"_id": "original"}
    assert get_store().count(logbook_query(logbook)) == 1
    assert get_store().get(event_id)["title"] == "first"
    assert not Attachment.objects.exists()
    assert list(Tag.objects.values_list("name", flat=True)) == ["crystal"]


def logbook_query(logbook) -> EventQuery:
    return EventQuery(investigation_id=logbook["inv"].pk)


def test_released_logbook_is_read_by_anyone_and_written_by_its_team_only(client, logbook) -> None:
    past = timezone.now() - timedelta(days=4 * 365)
    inv = logbook["inv"]
    inv.start_date = inv.end_date = inv.release_date = past
    inv.save()
    outsider = IcatPlusSession.objects.open(user=logbook["team"].outsider)[1]
    base = f"/icatplus/logbook/{outsider}"

    assert client.get(f"{base}/event?investigationId={inv.pk}").json()[0]["title"] == "first"
    for method, route, body in (
        ("post", "event", {"type": "annotation", "category": "comment", "title": "mine"}),
        ("put", "event/remove", {}),
        ("post", "tag", {"name": "mine"}),
        ("post", "event/createfrombase64", {"base64": "data:text/plain;base64,aGVsbG8="}),
    ):
        url = f"{base}/{route}?investigationId={inv.pk}"
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 403, (route, response.content)
    edit = client.put(
        f"{base}/event",
        {"event": {"_id": logbook["event"]["_id"], "type": "annotation", "title": "mine"}},
        content_type="application/json",
    )
    assert edit.status_code == 403
    broadcast = client.post(
        f"{base}/event", {"type": "broadcast", "title": "all"}, content_type="application/json"
    )
    assert broadcast.status_code == 403
    assert client.get(f"{base}/stats/investigation").status_code == 403
    assert get_store().count(logbook_query(logbook)) == 1
    assert get_store().get(logbook["event"]["_id"])["title"] == "first"

    staff = IcatPlusSession.objects.open(user=logbook["team"].staff)[1]
    sent = client.post(
        f"/icatplus/logbook/{staff}/event",
        {"type": "broadcast", "category": "info", "title": "beam lost"},
        content_type="application/json",
    )
    assert sent.status_code == 200
    assert "investigationId" not in sent.json() and sent.json()["type"] == "broadcast"


def test_listing_events_takes_a_constant_number_of_queries(
    client, logbook, django_assert_max_num_queries
) -> None:
    inv = logbook["inv"]
    get_store().insert_many(
        [
            {
                "type": "notification",
                "category": "info",
                "content": [{"format": "plainText", "text": f"scan {n}"}],
                "creationDate": timezone.now() - timedelta(minutes=n),
                "investigationId": inv.pk,
                "instrumentName": inv.instrument.name,
            }
            for n in range(60)
        ]
    )
    with django_assert_max_num_queries(12):
        response = client.get(_url(logbook, "event", investigationId=inv.pk, limit=50, skip=5))
    assert len(response.json()) == 50
    pdf = client.get(_url(logbook, "event", investigationId=inv.pk, format="pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_opening_a_file_sends_to_its_hdf5_view(client, logbook) -> None:
    dataset = factories.DatasetFactory(investigation=logbook["inv"], location="MX-2590/s1")
    datafile = factories.DatafileFactory(dataset=dataset, name="s1.h5", location="MX-2590/s1/s1.h5")
    response = client.get(
        _url(logbook, "datafile/open", investigationId=logbook["inv"].pk, path="/MX-2590/s1/s1.h5")
        + "&scan=4"
    )
    assert response.status_code == 302
    assert response["Location"] == (f"/datasets/{dataset.pk}/?h5={datafile.pk}&path=%2F4.1#hdf5")
