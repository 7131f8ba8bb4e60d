"""The ORM store answers a tag filter from `logbook_eventtag` in timeline order (PostgreSQL): the
same events as filtering every event's tags, a page's worth of rows read, and the side table
follows every write."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from logbook.models import Event, EventTag, Tag
from logbook.store import EventQuery
from logbook.store import orm as orm_store
from logbook.store.orm import OrmEventStore
from tests import factories

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
TAGS = ["calibration", "best sample", "to reprocess", "alignment"]
# Words the English stemmer leaves alone and no tag contains, so a plain `in` is the oracle.
WORDS = ["detector", "crystal", "shutter", "mesh"]


@pytest.fixture
def store(db) -> OrmEventStore:
    assert connection.vendor == "postgresql", "the side table is kept by PostgreSQL triggers"
    return OrmEventStore()


@pytest.fixture
def inv(db):
    return factories.InvestigationFactory(instrument=factories.InstrumentFactory(name="ID23-1"))


def note(inv, minute: int, tags: list[str], words: list[str], **extra) -> dict:
    return {
        "type": "notification",
        "category": "commandline",
        "title": "",
        "content": [{"format": "plainText", "text": " ".join(["collect", *words])}],
        "tag": tags,
        "username": "pnovak",
        # Two events in three share their minute: ties go to the id.
        "creationDate": T0 + timedelta(minutes=minute - minute % 3 // 2),
        "investigationId": inv.pk if inv else None,
        "investigationName": inv.name if inv else "",
        "instrumentName": "ID23-1",
        **extra,
    }


@pytest.fixture
def logbook(store, inv) -> list[dict]:
    """An investigation's events, another investigation's and the beamline's own, some edited
    (their tags changed) and some removed; the documents the store lists."""
    rng = random.Random(3)
    other = factories.InvestigationFactory(instrument=inv.instrument)
    docs = []
    for minute in range(210):
        owner = (inv, inv, inv, other, None)[minute % 5]
        tags = rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2, 3]))
        docs.append(note(owner, minute, tags, rng.sample(WORDS, 2)))
    store.insert_many(docs)
    ids = list(Event.objects.values_list("id", flat=True))
    for pk in rng.sample(ids, 25):
        store.update(str(pk), {"tag": rng.sample(TAGS, rng.choice([0, 1, 2]))}, by="editor")
    for pk in rng.sample(ids, 15):
        store.set_removed(str(pk), True)
    live = Event.objects.filter(superseded=False, removed=False).values_list("id", flat=True)
    return list(store.get_many([str(pk) for pk in live]).values())


def expected(docs: list[dict], query: EventQuery) -> list[str]:
    def shown(doc: dict) -> bool:
        if query.investigation_id is not None:
            if doc["investigationId"] != query.investigation_id:
                return False
        elif doc["instrumentName"] != query.instrument_name or (
            query.beamline_only and doc["investigationId"] is not None
        ):
            return False
        tags = set(doc["tag"])
        words = doc["content"][0]["text"].split()
        return (
            set(query.tags) <= tags
            and (not query.any_tags or bool(tags & set(query.any_tags)))
            and not tags & set(query.not_tags)
            and all(word in words for word in query.text.split())
        )

    order = sorted(
        (d for d in docs if shown(d)),
        key=lambda d: (d["creationDate"], int(d["_id"])),
        reverse=query.newest_first,
    )
    return [d["_id"] for d in order]


def every_page(store, query: EventQuery, limit: int = 4) -> list[str]:
    ids, cursor = [], None
    while True:
        page, cursor = store.find(query, after=cursor, limit=limit)
        ids += [d["_id"] for d in page]
        if cursor is None:
            return ids


def random_query(rng: random.Random, inv) -> EventQuery:
    scope = rng.choice(
        [
            {"investigation_id": inv.pk},
            {"instrument_name": "ID23-1", "beamline_only": True},
            {"instrument_name": "ID23-1"},
        ]
    )
    tags = tuple(rng.sample(TAGS, rng.choice([0, 1, 1, 2])))
    rest = [t for t in TAGS if t not in tags]
    any_tags = tuple(rng.sample(rest, rng.choice([0, 2, 3] if not tags else [0, 0, 2])))
    left = [t for t in rest if t not in any_tags]
    return EventQuery(
        **scope,
        tags=tags or (() if any_tags else (rng.choice(TAGS),)),
        any_tags=any_tags,
        not_tags=tuple(rng.sample(left, min(len(left), rng.choice([0, 0, 1])))),
        text=rng.choice(["", "", rng.choice(WORDS)]),
        newest_first=rng.random() < 0.7,
    )


def test_tag_filters_show_what_a_plain_filter_of_every_event_shows(
    store, logbook, inv, monkeypatch
) -> None:
    rng = random.Random(11)
    for _ in range(40):
        query = random_query(rng, inv)
        want = expected(logbook, query)
        assert every_page(store, query) == want, query
        assert [d["_id"] for d in store.find_skip(query, skip=3, limit=5)] == want[3:8], query
    # And what the store showed before the side table, filtering every event's tag list.
    monkeypatch.setattr(orm_store, "_tag_led", lambda query, broadcast: False)
    query = EventQuery(investigation_id=inv.pk, any_tags=("calibration", "alignment"))
    assert every_page(store, query) == expected(logbook, query)


def tag_rows(doc: dict) -> set[str]:
    return set(EventTag.objects.filter(event_id=doc["_id"]).values_list("tag", flat=True))


def test_the_side_table_follows_edits_removals_moves_and_deletes(store, inv) -> None:
    doc = store.insert(note(inv, 1, ["calibration", "alignment", "alignment"], ["mesh"]))
    by_tag = EventQuery(investigation_id=inv.pk, tags=("calibration",))
    assert [d["_id"] for d in store.find(by_tag)[0]] == [doc["_id"]]
    assert tag_rows(doc) == {"calibration", "alignment"}

    store.update(doc["_id"], {"tag": ["alignment"]}, by="editor")
    assert store.find(by_tag)[0] == []  # the tag removed no longer matches, nor its old version
    assert tag_rows(doc) == {"alignment"}
    assert EventTag.objects.count() == 1

    store.set_removed(doc["_id"], True)
    assert not tag_rows(doc)
    store.set_removed(doc["_id"], False)
    assert tag_rows(doc) == {"alignment"}

    elsewhere = factories.InvestigationFactory(instrument=inv.instrument)
    store.move_investigation(
        inv.pk, investigation_id=elsewhere.pk, investigation_name="X", instrument_name="ID23-1"
    )
    moved = EventQuery(investigation_id=elsewhere.pk, tags=("alignment",))
    assert [d["_id"] for d in store.find(moved)[0]] == [doc["_id"]]
    assert store.find(replace(moved, investigation_id=inv.pk))[0] == []

    Event.objects.all().delete()
    assert not EventTag.objects.exists()


def test_the_tag_filter_page_costs_what_the_timeline_page_costs(
    client, team, store, django_assert_max_num_queries
) -> None:
    store.insert_many(
        [note(team.investigation, i, ["alignment"] if i % 3 else [], ["mesh"]) for i in range(70)]
    )
    Tag.objects.create(investigation=team.investigation, name="alignment")
    client.force_login(team.participant)
    page = reverse("logbook:investigation", args=[team.investigation.pk]) + "?tag=alignment"
    with django_assert_max_num_queries(20):
        response = client.get(page)
    assert response.content.count(b'class="logbook-event') == 46
    with django_assert_max_num_queries(12):
        client.get(page, headers={"HX-Request": "true"})


# The rows read -----------------------------------------------------------------------------


def copy_events(inv, total: int) -> None:
    """`total` events with COPY (a second, not minutes): a tenth tagged "alignment", one in
    two hundred "calibration", a third of them annotations."""
    columns = (
        "type, category, content, tags, creation_date, investigation_id, instrument_name, title, "
        "username, investigation_name, dataset_name, software, machine, source, filename, "
        "content_type, file, superseded, removed, search_text"
    )
    blank = ("",) * 9 + ("[]", False, False, "")
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY logbook_event ({columns}) FROM STDIN") as copy,
    ):
        for n in range(total):
            tags = ["alignment"] if n % 10 == 0 else []
            tags += ["calibration"] if n % 200 == 0 else []
            kind = ("annotation", "comment") if n % 3 == 0 else ("notification", "info")
            copy.write_row(
                (
                    *kind,
                    json.dumps([{"format": "plainText", "text": f"step {n}"}]),
                    json.dumps(tags),
                    T0 + timedelta(seconds=n),
                    inv.pk,
                    "ID23-1",
                    *blank,
                )
            )
        # Filled by the triggers, in the same statement.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE logbook_event")
        cursor.execute("ANALYZE logbook_eventtag")


def rows_read(plan: dict) -> int:
    """Rows the plan's scans of the two tables touched: returned or filtered out, every loop."""
    own = 0
    if plan.get("Relation Name") in {"logbook_event", "logbook_eventtag"}:
        touched = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        own = (touched + plan.get("Rows Removed by Index Recheck", 0)) * plan["Actual Loops"]
    return own + sum(rows_read(child) for child in plan.get("Plans", []))


def read_by(store, query: EventQuery, *, after: str | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        store.find(query, after=after, limit=50)
    total = 0
    with connection.cursor() as cursor:
        for executed in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + executed["sql"])
            plan = cursor.fetchone()[0]
            total += rows_read((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return total


def test_a_tag_filter_reads_a_page_of_rows_not_every_tagged_event(store, inv, monkeypatch) -> None:
    copy_events(inv, 20_000)
    assert EventTag.objects.filter(tag="alignment").count() == 2_000
    tagged = EventQuery(investigation_id=inv.pk, tags=("alignment",))
    _, deep = store.find(tagged, after=store.find(tagged, limit=900)[1], limit=50)
    # A page is 51 rows, each read in the side table and in the events: ~2 pages' worth (twice
    # for two tags of which any will do: each leads a walk of its own).
    for query, after, walks in [
        (tagged, None, 1),
        (tagged, deep, 1),
        (replace(tagged, newest_first=False), None, 1),
        (replace(tagged, tags=(), any_tags=("alignment", "calibration")), None, 2),
    ]:
        assert read_by(store, query, after=after) <= 3 * 51 * walks, query
    # Another filter that keeps one tagged event in three reads three times as many.
    assert read_by(store, replace(tagged, types=("annotation",))) <= 8 * 51
    # The same page, filtering the events' tag lists as before, walks the timeline (ten events
    # per one shown) or reads every tagged event, whichever the planner bets on.
    monkeypatch.setattr(orm_store, "_tag_led", lambda query, broadcast: False)
    assert read_by(store, tagged) > 3 * 51
