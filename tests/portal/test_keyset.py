"""portal.keyset, the one pagination: every row once, forward and back, in either direction,
with empty (NULL) sort values where PostgreSQL puts them; damaged cursors are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue.models import Dataset
from portal import keyset
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def datasets():
    investigation = factories.InvestigationFactory()
    start = timezone.now()
    for n in range(7):
        # Ties on the start time, and two without one.
        when = None if n in (2, 5) else start + timedelta(minutes=n % 2)
        factories.DatasetFactory(investigation=investigation, name=f"d{n}", start_date=when)
    return Dataset.objects.filter(investigation=investigation)


def _walk(queryset, ordering: list[str]) -> tuple[list[int], list[int]]:
    """Every page forward, then every page back from the last; the ids in the order shown."""
    forward, pages, cursor = [], [], None
    while True:
        page = keyset.paginate(queryset, ordering=ordering, cursor=cursor, size=2)
        pages.append(page)
        forward += [row.pk for row in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    backward, page = [], pages[-1]
    while page.previous_cursor:
        page = keyset.paginate(queryset, ordering=ordering, cursor=page.previous_cursor, size=2)
        backward = [row.pk for row in page.rows] + backward
    return forward, backward + [row.pk for row in pages[-1].rows]


@pytest.mark.parametrize("ordering", [["start_date", "id"], ["-start_date", "-id"]])
def test_every_row_once_forward_and_back_with_empty_sort_values(datasets, ordering) -> None:
    forward, back = _walk(datasets, ordering)
    # PostgreSQL's own order: an empty start time above every other.
    rows = sorted(datasets, key=lambda d: (d.start_date is None, d.start_date or 0, d.pk))
    expected = [d.pk for d in rows]
    if ordering[0].startswith("-"):
        expected.reverse()
    assert forward == expected == back
    undated = set(datasets.filter(start_date=None).values_list("pk", flat=True))
    assert set(forward[-2:] if ordering[0] == "start_date" else forward[:2]) == undated


@pytest.mark.parametrize("cursor", ["banana", "eyJ2IjpbMV0sImQiOiJuIn0", "e30"])
def test_a_damaged_cursor_is_refused_or_gives_the_first_page(datasets, cursor) -> None:
    with pytest.raises(keyset.BadCursor):
        keyset.paginate(datasets, ordering=["start_date", "id"], cursor=cursor, size=2)
    page, stale = keyset.paginate_or_first(
        datasets, ordering=["start_date", "id"], cursor=cursor, size=2
    )
    assert stale and len(page.rows) == 2 and page.previous_cursor is None
