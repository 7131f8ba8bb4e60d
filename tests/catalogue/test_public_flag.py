"""The stored public flag (Investigation.is_public) and the lists that read it: the flag never
disagrees with the release rule, the beat task catches up with release dates that pass, and
/public/ and My experiments read rows in proportion to what they show, not to the facility."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from catalogue import access, tasks
from catalogue.models import Investigation
from tests import factories

pytestmark = pytest.mark.django_db


def _agree() -> None:
    flagged = set(Investigation.objects.filter(is_public=True).values_list("id", flat=True))
    assert flagged == set(Investigation.objects.released().values_list("id", flat=True))
    assert set(access.public_investigations().values_list("id", flat=True)) == flagged


def _states() -> dict[str, Investigation]:
    """The access matrix's states (tests/access_matrix/world.py) plus a release in the future."""
    now = timezone.now()
    old = {"start_date": now - timedelta(days=2000), "end_date": now - timedelta(days=1990)}
    return {
        "embargoed": factories.InvestigationFactory(),
        "released": factories.InvestigationFactory(**old),
        "proprietary": factories.InvestigationFactory(proprietary=True, **old),
        "future": factories.InvestigationFactory(release_date=now + timedelta(days=1), **old),
    }


def test_flag_follows_the_rule_through_every_kind_of_write() -> None:
    states = _states()
    assert {k: v.is_public for k, v in states.items()} == {
        "embargoed": False,
        "released": True,
        "proprietary": False,
        "future": False,
    }
    _agree()
    # The admin's "release now" and the ICAT+ embargo change write with update().
    Investigation.objects.filter(pk=states["embargoed"].pk).update(release_date=timezone.now())
    _agree()
    Investigation.objects.filter(pk=states["released"].pk).update(proprietary=True)
    _agree()
    inv = states["future"]
    inv.release_date = timezone.now() + timedelta(days=3650)
    inv.save()
    _agree()
    # The ICAT sync creates and updates in bulk.
    now = timezone.now()
    created = Investigation.objects.bulk_create(
        [
            Investigation(
                name=f"MX-77{i}",
                visit_id="id1",
                title="bulk",
                instrument=inv.instrument,
                start_date=now - timedelta(days=2000),
                end_date=now - timedelta(days=1999),
                release_date=now - timedelta(days=i),
                proprietary=i == 2,
            )
            for i in range(1, 4)
        ]
    )
    created[0].proprietary = True
    Investigation.objects.bulk_update(created[:1], ["proprietary"])
    _agree()


def _written_before_release(inv: Investigation, *, proprietary: bool = False) -> None:
    """A row stored while its release date was ahead; the date has passed since (the trigger,
    which would recompute the flag from today's clock, is held off for this one write)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE catalogue_investigation SET release_date = now() - interval '1 hour',"
            " proprietary = %s, is_public = false WHERE id = %s",
            [proprietary, inv.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_beat_task_publishes_a_session_whose_release_date_passed(client) -> None:
    due, closed = factories.InvestigationFactory(), factories.InvestigationFactory()
    _written_before_release(due)
    _written_before_release(closed, proprietary=True)
    url = reverse("catalogue:public")
    names = [i.name for i in client.get(url).context["page"].rows]
    assert due.name not in names  # the flag lags until the beat task, never leads
    assert tasks.release_due() == 1
    names = [i.name for i in client.get(url).context["page"].rows]
    assert due.name in names
    assert closed.name not in names
    _agree()


def _rows_read(queryset) -> int:
    """Rows the page query takes from catalogue_investigation, from EXPLAIN ANALYZE."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def walk(node) -> int:
        own = 0
        if node.get("Relation Name") == "catalogue_investigation":
            read = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            own = read * node["Actual Loops"]
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def test_lists_read_rows_in_proportion_to_the_page_not_the_facility() -> None:
    """A user with 23 sessions among 2,000, the newest 600 of them embargoed."""
    user = factories.UserFactory()
    instrument = factories.InstrumentFactory()
    now = timezone.now()
    Investigation.objects.bulk_create(
        Investigation(
            name=f"MX-{i}",
            visit_id="id1",
            title="t",
            instrument=instrument,
            start_date=now - timedelta(hours=8 * i + 1),
            end_date=now - timedelta(hours=8 * i),
            release_date=now + timedelta(days=30) if i < 600 else now - timedelta(hours=8 * i),
        )
        for i in range(2000)
    )
    for inv in Investigation.objects.order_by("id")[::87][:23]:
        factories.InvestigationUserFactory(investigation=inv, user=user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalogue_investigation")
        cursor.execute("ANALYZE catalogue_investigationuser")
    page = ["-start_date", "-id"]
    mine = access.my_investigations(user).select_related("instrument").order_by(*page)[:26]
    assert len(mine) == 23
    assert _rows_read(mine) <= 2 * 23
    public = access.public_investigations().select_related("instrument").order_by(*page)[:26]
    assert len(public) == 26
    assert _rows_read(public) <= 2 * 26
