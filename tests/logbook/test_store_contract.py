"""One contract for every logbook store: the ORM, and MongoDB (mongomock stand-in / real server)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from logbook.store import EventQuery, InvalidCursor
from tests import factories

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def inv(db):
    return factories.InvestigationFactory(instrument=factories.InstrumentFactory(name="ID23-1"))


def note(inv, minutes: int, **extra) -> dict:
    doc = {
        "type": "notification",
        "category": "commandline",
        "title": "",
        "content": [{"format": "plainText", "text": f"mxcube collect {minutes}"}],
        "tag": [],
        "username": "pnovak",
        "creationDate": T0 + timedelta(minutes=minutes),
        "investigationId": inv.pk,
        "investigationName": inv.name,
        "instrumentName": "ID23-1",
    }
    doc.update(extra)
    return doc


def test_insert_returns_the_document_with_an_id(store, inv) -> None:
    doc = store.insert(note(inv, 1, tag=["sample A"], software="MXCuBE"))
    assert doc["_id"]
    assert doc["investigationId"] == inv.pk
    assert doc["tag"] == ["sample A"]
    assert doc["software"] == "MXCuBE"
    assert doc["removed"] is False
    assert doc["creationDate"] == T0 + timedelta(minutes=1)
    assert store.get(doc["_id"]) == doc


def test_get_unknown_or_malformed_id_is_none(store, inv) -> None:
    assert store.get("not-an-id") is None
    assert store.get("999999") is None


def test_timeline_pages_with_a_cursor_newest_first_and_oldest_first(store, inv) -> None:
    store.insert_many([note(inv, m) for m in range(7)])
    query = EventQuery(investigation_id=inv.pk)
    page1, cursor = store.find(query, limit=3)
    page2, cursor2 = store.find(query, after=cursor, limit=3)
    page3, cursor3 = store.find(query, after=cursor2, limit=3)
    minutes = [d["content"][0]["text"] for d in page1 + page2 + page3]
    assert minutes == [f"mxcube collect {m}" for m in range(6, -1, -1)]
    assert cursor3 is None
    oldest, _ = store.find(EventQuery(investigation_id=inv.pk, newest_first=False), limit=2)
    assert [d["content"][0]["text"] for d in oldest] == ["mxcube collect 0", "mxcube collect 1"]


def test_same_timestamp_events_are_neither_lost_nor_repeated(store, inv) -> None:
    store.insert_many([note(inv, 0) for _ in range(5)])
    seen, cursor = [], None
    while True:
        page, cursor = store.find(EventQuery(investigation_id=inv.pk), after=cursor, limit=2)
        seen += [d["_id"] for d in page]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5


def test_bad_cursor_is_rejected(store, inv) -> None:
    with pytest.raises(InvalidCursor):
        store.find(EventQuery(investigation_id=inv.pk), after="garbage")


def test_filters_by_type_category_tag_author_and_date(store, inv) -> None:
    store.insert_many(
        [
            note(inv, 1),
            note(
                inv, 2, type="annotation", category="comment", username="mdubois", tag=["crystal"]
            ),
            note(inv, 3, category="error", tag=["crystal", "beam"]),
            note(inv, 60 * 24, category="info"),
        ]
    )

    def titles(**kw) -> list[str]:
        page, _ = store.find(EventQuery(investigation_id=inv.pk, **kw))
        return [d["content"][0]["text"].split()[-1] for d in page]

    assert titles(types=("annotation",)) == ["2"]
    assert titles(categories=("error", "info")) == [str(60 * 24), "3"]
    assert titles(tags=("crystal",)) == ["3", "2"]
    assert titles(tags=("crystal", "beam")) == ["3"]
    assert titles(usernames=("mdubois",)) == ["2"]
    assert titles(date_from=T0 + timedelta(hours=1)) == [str(60 * 24)]
    assert titles(date_to=T0 + timedelta(hours=1)) == ["3", "2", "1"]


def test_icat_plus_filters_skip_pages_counts_and_positions(store, inv) -> None:
    store.insert_many(
        [
            note(inv, 1),
            note(inv, 2, type="annotation", category="comment", tag=["crystal"]),
            note(inv, 3, category="error", tag=["crystal", "beam"]),
            note(inv, 4, category="info", tag=["beam"]),
        ]
    )
    store.insert(
        {**note(inv, 5), "type": "broadcast", "investigationId": None, "instrumentName": None}
    )

    def texts(query: EventQuery, **kw) -> list[str]:
        return [d["content"][0]["text"].split()[-1] for d in store.find_skip(query, **kw)]

    base = EventQuery(investigation_id=inv.pk)
    assert texts(
        replace(base, kinds=(("notification", "error"), ("annotation", ""))), skip=0, limit=9
    ) == ["3", "2"]
    assert texts(replace(base, any_tags=("beam", "crystal")), skip=0, limit=9) == ["4", "3", "2"]
    assert texts(replace(base, not_tags=("crystal",)), skip=0, limit=9) == ["4", "1"]
    assert texts(base, skip=1, limit=2) == ["3", "2"]
    # Merged with the broadcasts of the session's period, skip counts across both.
    period = replace(base, broadcasts_between=(T0, T0 + timedelta(hours=1)))
    assert texts(period, skip=0, limit=2) == ["5", "4"]
    assert texts(replace(period, newest_first=False), skip=3, limit=5) == ["4", "5"]
    assert store.count(period) == 5
    third = store.find_skip(period, skip=2, limit=1)[0]
    assert store.count(period, before=third) == 2
    assert store.count(replace(period, newest_first=False), before=third) == 2
    assert store.type_counts([inv.pk, inv.pk + 1]) == {inv.pk: {"notification": 3, "annotation": 1}}


def test_full_text_search_finds_words_in_title_and_content(store, inv) -> None:
    store.insert_many(
        [
            note(inv, 1, content=[{"format": "plainText", "text": "beam lost during collection"}]),
            note(inv, 2, title="Lysozyme crystal centred"),
            note(
                inv, 3, content=[{"format": "html", "text": "<p>the <b>crystal</b> diffracts</p>"}]
            ),
        ]
    )
    found, _ = store.find(EventQuery(investigation_id=inv.pk, text="crystal"))
    assert len(found) == 2
    found, _ = store.find(EventQuery(investigation_id=inv.pk, text="beam"))
    assert [d["content"][0]["text"] for d in found] == ["beam lost during collection"]


def test_scopes_investigation_beamline_and_broadcasts(store, inv) -> None:
    other = factories.InvestigationFactory(instrument=inv.instrument)
    store.insert_many(
        [
            note(inv, 1),
            note(other, 2),
            note(inv, 3, investigationId=None, investigationName=None, title="beamline only"),
            note(
                inv,
                4,
                type="broadcast",
                category="info",
                investigationId=None,
                instrumentName=None,
                title="Beam loss",
            ),
            note(
                inv,
                60 * 24 * 400,
                type="broadcast",
                category="info",
                investigationId=None,
                instrumentName=None,
                title="Much later",
            ),
        ]
    )
    period = (T0, T0 + timedelta(days=5))
    timeline, _ = store.find(EventQuery(investigation_id=inv.pk, broadcasts_between=period))
    assert [d["type"] for d in timeline] == ["broadcast", "notification"]
    beamline, _ = store.find(
        EventQuery(instrument_name="ID23-1", beamline_only=True, all_broadcasts=True)
    )
    assert [d["title"] for d in beamline] == ["Much later", "Beam loss", "beamline only"]
    across, _ = store.find(EventQuery(instrument_name="ID23-1"))
    assert len(across) == 3
    only_broadcasts, _ = store.find(
        EventQuery(investigation_id=inv.pk, types=("broadcast",), broadcasts_between=period)
    )
    assert [d["title"] for d in only_broadcasts] == ["Beam loss"]


def test_edit_keeps_every_previous_version(store, inv) -> None:
    doc = store.insert(
        note(inv, 1, type="annotation", category="comment", title="v1", username="jsmith")
    )
    store.update(doc["_id"], {"title": "v2", "investigationId": 12345}, by="mdubois")
    edited = store.update(doc["_id"], {"title": "v3", "tag": ["done"]}, by="jsmith")
    assert edited["_id"] == doc["_id"]
    assert edited["title"] == "v3"
    assert edited["investigationId"] == inv.pk  # not editable
    history = store.history(doc["_id"])
    assert [v["title"] for v in history] == ["v3", "v2", "v1"]
    assert [v["username"] for v in history] == ["jsmith", "mdubois", "jsmith"]
    timeline, _ = store.find(EventQuery(investigation_id=inv.pk))
    assert [d["title"] for d in timeline] == ["v3"]
    found, _ = store.find(EventQuery(investigation_id=inv.pk, tags=("done",)))
    assert len(found) == 1


def test_soft_delete_hides_and_restore_brings_back(store, inv) -> None:
    doc = store.insert(note(inv, 1))
    store.set_removed(doc["_id"], True)
    assert store.find(EventQuery(investigation_id=inv.pk))[0] == []
    removed, _ = store.find(EventQuery(investigation_id=inv.pk, removed=True))
    assert [d["_id"] for d in removed] == [doc["_id"]]
    store.set_removed(doc["_id"], False)
    assert len(store.find(EventQuery(investigation_id=inv.pk))[0]) == 1


def test_move_takes_every_event_of_a_session_with_its_history_and_removed_ones(store, inv) -> None:
    other = factories.InvestigationFactory(instrument=inv.instrument)
    edited = store.insert(note(inv, 1, type="annotation", category="comment", title="v1"))
    store.update(edited["_id"], {"title": "v2"}, by="jsmith")
    removed = store.insert(note(inv, 2))
    store.set_removed(removed["_id"], True)
    stays = store.insert(note(other, 3))
    matched, moved = store.move_investigation(
        inv.pk, investigation_id=other.pk, investigation_name=other.name, instrument_name="ID23-1"
    )
    assert matched == moved == 3  # the edited event, its earlier version, the removed one
    assert store.find(EventQuery(investigation_id=inv.pk))[0] == []
    timeline, _ = store.find(EventQuery(investigation_id=other.pk))
    assert {d["_id"] for d in timeline} == {edited["_id"], stays["_id"]}
    assert {d["investigationName"] for d in timeline} == {other.name}
    assert [v["title"] for v in store.history(edited["_id"])] == ["v2", "v1"]
    assert store.get(removed["_id"])["investigationId"] == other.pk


def test_newer_than_and_high_water_mark_drive_live_updates(store, inv) -> None:
    first = store.insert(note(inv, 1))
    query = EventQuery(investigation_id=inv.pk)
    assert store.high_water_mark() == first["_id"]
    assert store.newer_than(query, last_id=first["_id"]) == []
    later = store.insert(note(inv, 0, title="posted late with an old date"))
    assert [d["_id"] for d in store.newer_than(query, last_id=first["_id"])] == [later["_id"]]
    assert store.high_water_mark() == later["_id"]
    assert store.newer_than(query, last_id="garbage") == []


def test_day_counts_for_the_calendar(store, inv) -> None:
    store.insert_many([note(inv, m) for m in (0, 1, 2)] + [note(inv, 60 * 24 * 2)])
    counts = store.day_counts(EventQuery(investigation_id=inv.pk, date_from=T0 + timedelta(days=1)))
    assert counts == {date(2025, 3, 10): 3, date(2025, 3, 12): 1}
