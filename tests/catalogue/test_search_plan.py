"""Search finds few matches through the GIN index: a word that matches nothing reads no rows of
the table, however big (PostgreSQL; on SQLite the branches agree trivially). Many matches take
the newest-first walk, with the same hits, counts and order."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalogue import search as catalogue_search
from tests import factories

pytestmark = pytest.mark.django_db
GIN = "catalogue_dataset_search_gin"


@pytest.fixture
def datasets():
    investigation = factories.InvestigationFactory(released=True)
    for i in range(12):
        factories.DatasetFactory(investigation=investigation, name=f"insulin_{i:02d}")


def _dataset_nodes(plan: dict) -> list[dict]:
    nodes, stack = [], [plan]
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", []))
        # A bitmap index scan names the index only; its heap scan names the table.
        if node.get("Relation Name") == "catalogue_dataset" or GIN == node.get("Index Name"):
            nodes.append(node)
    return nodes


def test_a_word_matching_nothing_reads_only_the_gin_index(datasets) -> None:
    with CaptureQueriesContext(connection) as queries:
        sections = catalogue_search.search(AnonymousUser(), "zzyzx", kind="datasets")
    assert [(s.kind, s.count, s.rows) for s in sections] == [("datasets", 0, [])]
    if connection.vendor != "postgresql":
        return
    # The candidates' statement: it ranks (ts_rank) but does not headline (that is the page's).
    (statement,) = [
        q["sql"]
        for q in queries.captured_queries
        if "ts_rank" in q["sql"] and "ts_headline" not in q["sql"]
    ]
    with transaction.atomic(), connection.cursor() as db:
        # The large-table plans on twelve rows: there a sequential scan would be the cheaper
        # probe, and sorting every match cheaper than walking the primary key newest first. At
        # facility scale the planner bets on that walk for any ORDER BY id DESC LIMIT, which
        # reads every row when nothing matches.
        db.execute("SET LOCAL enable_seqscan = off")
        db.execute("SET LOCAL enable_sort = off")
        db.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
        raw = db.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    # The walk stays in the plan, for common words, but does not run.
    walks = [n for n in _dataset_nodes(plan) if n.get("Scan Direction") == "Backward"]
    assert walks and all(n["Actual Loops"] == 0 for n in walks)
    nodes = [n for n in _dataset_nodes(plan) if n["Actual Loops"] > 0]
    assert {(n["Node Type"], n.get("Index Name")) for n in nodes} == {
        ("Bitmap Heap Scan", None),
        ("Bitmap Index Scan", GIN),
    }
    assert sum(n["Actual Rows"] + n.get("Rows Removed by Filter", 0) for n in nodes) == 0


def _pages(user) -> list:
    """Each page of the datasets kind: (count, capped, pks), following the next cursors."""
    pages, cursor = [], None
    while True:
        (section,) = catalogue_search.search(user, "insulin", kind="datasets", cursor=cursor)
        pages.append((section.count, section.count_capped, [r.pk for r in section.rows]))
        cursor = section.page.next_cursor
        if not cursor:
            return pages


def test_few_and_many_matches_give_the_same_hits(datasets, monkeypatch) -> None:
    monkeypatch.setitem(catalogue_search.CANDIDATES, "datasets", 10)  # PostgreSQL
    monkeypatch.setattr(catalogue_search, "COUNT_CAP", 10)  # SQLite
    monkeypatch.setattr(catalogue_search, "PAGE_SIZE", 4)
    user = AnonymousUser()
    few = _pages(user)
    monkeypatch.setattr(catalogue_search, "RARE_MATCHES", 3)  # 12 matches are now "many"
    with CaptureQueriesContext(connection) as queries:
        (section,) = catalogue_search.search(user, "insulin", kind="datasets")
    assert _pages(user) == few
    assert {(count, capped) for count, capped, _ in few} == {(10, True)}  # "10+"
    shown = [pk for _, _, pks in few for pk in pks]
    assert shown == sorted(set(shown), reverse=True)  # equal ranks: newest first, none twice
    # The probe and both branches are one statement, then the page's rows: as before.
    assert len([q for q in queries.captured_queries if "catalogue_dataset" in q["sql"]]) == 2
