"""What the dataset and investigation pages cost in queries: each access question is asked of
the database once per request, and finding a dataset's pictures and HDF5 files reads the same
few rows whether it holds 10 files or 3,000."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

import pytest
from django.db import connection
from django.template.loader import get_template
from django.template.loader_tags import IncludeNode
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, reverse

from catalogue import access
from catalogue.models import Datafile, DatasetParameter
from tests import factories
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
        # The planner sees the tables as they are, not as an earlier test's ANALYZE left their
        # size (pg_class keeps it through the rollback).
        cursor.execute("ANALYZE catalogue_datafile, catalogue_dataset, catalogue_investigation")
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


# What a long table costs: a row adds no URL reversal, no template include and no query -----


@contextmanager
def _render_costs() -> Iterator[Counter]:
    """Counts URL reversals (`{% url %}`, `reverse()`, `get_absolute_url`), template includes
    and queries while it is open."""
    counts: Counter = Counter()
    reverse_with_prefix, include_render = URLResolver._reverse_with_prefix, IncludeNode.render

    def counted_reverse(self, *args, **kwargs):
        counts["reverse"] += 1
        return reverse_with_prefix(self, *args, **kwargs)

    def counted_include(self, context):
        counts["include"] += 1
        return include_render(self, context)

    with (
        patch.object(URLResolver, "_reverse_with_prefix", counted_reverse),
        patch.object(IncludeNode, "render", counted_include),
        CaptureQueriesContext(connection) as queries,
    ):
        yield counts
    counts["query"] = len(queries)


def _costs(client, url: str, marker: str, rows: int) -> Counter:
    client.get(url)  # warm: the navbar's beamlines and the user's groups are cached
    with _render_costs() as counts:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(marker) == rows
    return counts


def test_datasets_tab_costs_the_same_for_5_or_50_rows(client, team) -> None:
    few, many = team.investigation, factories.make_team().investigation
    energy = factories.ParameterTypeFactory()
    for investigation, n in ((few, 5), (many, 50)):
        sample = factories.SampleFactory(investigation=investigation)
        for i in range(n):
            dataset = DatasetFactory(investigation=investigation, sample=sample, name=f"ds_{i}")
            DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=12.4)
    factories.InvestigationUserFactory(investigation=many, user=team.participant)
    client.force_login(team.participant)  # a member: every row has the DOI pick button
    costs = [
        _costs(client, reverse("catalogue:investigation-datasets", args=[inv.pk]), "doi-pick", n)
        for inv, n in ((few, 5), (many, 50))
    ]
    assert costs[0] == costs[1]


def test_datasets_tab_row_buttons_are_the_basket_toggle_and_doi_pick_forms(client, team) -> None:
    """The table writes the two forms out rather than including them per row: the same markup
    as the basket toggle answers with and as the DOI pick template."""
    dataset = DatasetFactory(investigation=team.investigation, name="lysozyme_1")
    client.force_login(team.participant)
    url = reverse("catalogue:investigation-datasets", args=[team.investigation.pk])
    row_toggle, row_pick = _forms(client.get(url).content, "basket-toggle", "doi-pick")
    toggle = reverse("catalogue:basket-toggle-dataset", args=[dataset.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    client.post(toggle, {"compact": "1"}, **htmx)  # in the basket
    (answer,) = _forms(client.post(toggle, {"compact": "1"}, **htmx).content, "basket-toggle")
    assert row_toggle == answer
    template = get_template("doi/_pick_dataset.html")
    request = RequestFactory().get(url)
    request.user = team.participant
    context = {"dataset": dataset, "user": team.participant, "compact": True}
    (included,) = _forms(template.render(context, request).encode(), "doi-pick")
    assert row_pick == included


def _forms(html: bytes, *classes: str) -> list[str]:
    """Each form of these classes, whitespace and per-request values (CSRF token, return path)
    left out."""
    text = html.decode()
    found = []
    for name in classes:
        match = re.search(rf'<form[^>]*class="[^"]*\b{name}\b.*?</form>', text, re.S)
        assert match, name
        form = re.sub(r'(name="(?:csrfmiddlewaretoken|next)" value=)"[^"]*"', r"\1", match[0])
        found.append(re.sub(r"\s+", " ", form.replace("\n", " ")).replace("> <", "><"))
    return found


def test_investigation_lists_cost_the_same_for_5_or_25_rows(client, team) -> None:
    client.force_login(team.principal_investigator)
    few = _costs(client, reverse("catalogue:experiments"), 'data-label="Beamline"', 1)
    for _ in range(30):
        session = factories.InvestigationFactory()
        factories.InvestigationUserFactory(investigation=session, user=team.principal_investigator)
    many = _costs(client, reverse("catalogue:experiments"), 'data-label="Beamline"', 25)
    assert few == many


def test_dataset_file_list_costs_the_same_for_5_or_50_files(client, team) -> None:
    small = DatasetFactory(investigation=team.investigation)
    large = DatasetFactory(investigation=team.investigation)
    for dataset, n in ((small, 5), (large, 50)):
        Datafile.objects.bulk_create(
            Datafile(dataset=dataset, name=f"f_{i:03d}.cbf", location=f"x/{i}") for i in range(n)
        )
    client.force_login(team.participant)
    costs = [
        _costs(client, reverse("catalogue:dataset-detail", args=[d.pk]), "download><i class", n)
        for d, n in ((small, 5), (large, 50))
    ]
    assert costs[0] == costs[1]


def test_logbook_timeline_costs_the_same_for_5_or_50_events(client, team) -> None:
    from logbook.services import event_create

    other = factories.make_team().investigation
    factories.InvestigationUserFactory(investigation=other, user=team.participant)
    for investigation, n in ((team.investigation, 5), (other, 50)):
        for i in range(n):
            event_create(
                investigation=investigation,
                instrument=investigation.instrument,
                type="annotation",
                category="comment",
                by=team.participant.username,
                title="",
                text=f"note {i}",
                html=None,
                tags=["alignment"],
                when=None,
                extra={},
            )
    client.force_login(team.participant)
    costs = [
        _costs(client, reverse("logbook:investigation", args=[inv.pk]), "<article", n)
        for inv, n in ((team.investigation, 5), (other, 50))
    ]
    assert costs[0] == costs[1]
