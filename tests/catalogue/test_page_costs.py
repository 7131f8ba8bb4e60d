"""What the dataset and investigation pages cost in queries: each access question is asked of
the database once per request, and finding a dataset's pictures and HDF5 files reads the same
few rows whether it holds 10 files or 3,000."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue import access
from catalogue.models import Datafile
from tests.factories import DatasetFactory, InvestigationUserFactory, UserFactory

ROLE_QUERY = 'SELECT "catalogue_investigationuser"."role" AS "role"'
SCIENTIST_QUERY = 'SELECT 1 AS "a" FROM "portal_user" INNER JOIN "catalogue_instrument_scientists"'


def _count(queries, fragment: str) -> int:
    return sum(fragment in q["sql"] for q in queries)


def _get(client, url: str):
    client.get(url)  # warm: the navbar's beamlines and the user's groups are cached
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, captured.captured_queries


@pytest.fixture
def dataset(team):
    return DatasetFactory(investigation=team.investigation, name="lysozyme_1")


@pytest.mark.parametrize("who", ["participant", "scientist"])
# Unmemoised, the dataset page asked for the user's role three times and a scientist's beamline
# twice; the investigation page the same.
def test_dataset_page_asks_each_access_question_once(client, team, dataset, who) -> None:
    client.force_login(getattr(team, who))
    response, queries = _get(client, reverse("catalogue:dataset-detail", args=[dataset.pk]))
    assert b"lysozyme_1" in response.content
    assert _count(queries, ROLE_QUERY) == 1
    # A member is known to be in the team without asking about the beamline's staff.
    assert _count(queries, SCIENTIST_QUERY) == (1 if who == "scientist" else 0)
    assert len(queries) <= (11 if who == "participant" else 12)


def test_investigation_page_asks_each_access_question_once(client, team) -> None:
    client.force_login(team.scientist)
    url = reverse("catalogue:investigation-detail", args=[team.investigation.pk])
    response, queries = _get(client, url)
    assert team.investigation.title.encode() in response.content
    assert _count(queries, ROLE_QUERY) == 1
    assert _count(queries, SCIENTIST_QUERY) == 1
    assert len(queries) <= 9


def test_a_membership_changed_during_the_request_is_seen(db, team) -> None:
    """The memo lives on the user object; a change to a team invalidates it."""
    newcomer = UserFactory(username="newcomer")
    assert access.role_in(newcomer, team.investigation) is None
    InvestigationUserFactory(investigation=team.investigation, user=newcomer)
    assert access.role_in(newcomer, team.investigation) == "participant"
    assert not access.is_beamline_scientist(newcomer, team.investigation.instrument)
    team.investigation.instrument.scientists.add(newcomer)
    assert access.is_beamline_scientist(newcomer, team.investigation.instrument)
    team.investigation.members.filter(user=newcomer).delete()
    assert access.role_in(newcomer, team.investigation) is None


def _fill(dataset, frames: int) -> None:
    """`frames` detector frames, then (last by name) two pictures and an HDF5 master file."""
    names = [f"frame_{i:05d}.cbf" for i in range(frames)]
    names += ["zz_snapshot_1.png", "zz_snapshot_2.JPG", "zz_master.h5"]
    Datafile.objects.bulk_create(
        Datafile(dataset=dataset, name=name, location=f"x/{name}") for name in names
    )


def _rows_read(sql: str) -> int:
    """Rows the plan's scans produced or threw away (EXPLAIN ANALYZE of the query as run)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def walk(node) -> int:
        own = 0
        if "Scan" in node["Node Type"]:
            own = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def _preview_queries(client, dataset) -> tuple[int, list[int]]:
    response, queries = _get(client, reverse("catalogue:dataset-detail", args=[dataset.pk]))
    assert b"zz_snapshot_1.png" in response.content and b"zz_master.h5" in response.content
    previews = [q["sql"] for q in queries if '"catalogue_datafile"."name"::text ~*' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalogue_datafile")  # the planner sees the table as it is
    return len(queries), [_rows_read(sql) for sql in previews]


def test_finding_previews_reads_the_same_rows_for_10_or_3000_files(client, team) -> None:
    small = DatasetFactory(investigation=team.investigation)
    large = DatasetFactory(investigation=team.investigation)
    _fill(small, 10)
    _fill(large, 3000)
    client.force_login(team.participant)
    small_queries, small_rows = _preview_queries(client, small)
    large_queries, large_rows = _preview_queries(client, large)
    assert small_queries == large_queries
    assert len(large_rows) == 2  # images, HDF5 files
    assert large_rows == small_rows
    assert sum(large_rows) <= 3  # the rows shown, not the frames before them
