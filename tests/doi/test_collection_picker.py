"""The editor's dataset picker: the user's mintable datasets grouped by session (proposal,
beamline, dates), searched as one types, a keyset page at a time; datasets already in the
collection are marked and ticks survive another search or page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from doi import services
from doi.collection_views import PICKER_SIZE
from tests import factories

PICKER = {"HX-Request": "true", "HX-Target": "picker"}


@pytest.fixture
def three_sessions(db):
    """One proposal measured in three sessions on one beamline, each with the same datasets."""
    pi = factories.UserFactory(username="pi")
    beamline = factories.InstrumentFactory(name="ID23-1")
    sessions = []
    for n, day in enumerate((3, 10, 17)):
        start = datetime(2026, 3, day, 8, tzinfo=UTC)
        investigation = factories.InvestigationFactory(
            name="MX-2468",
            visit_id=f"id2468{n:02d}",
            instrument=beamline,
            start_date=start,
            end_date=start + timedelta(days=2),
        )
        factories.InvestigationUserFactory(
            investigation=investigation, user=pi, role="principal_investigator"
        )
        for name in ("lyso_0001", "lyso_0002"):
            factories.DatasetFactory(
                investigation=investigation, name=name, start_date=start + timedelta(hours=1)
            )
        sessions.append(investigation)
    return pi, sessions


def _ids(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="dataset" value="(\d+)"', body)]


def test_datasets_are_grouped_by_session_with_beamline_and_dates(client, three_sessions) -> None:
    pi, sessions = three_sessions
    collection = services.collection_create(by=pi, datasets=[sessions[0].datasets.first()])
    client.force_login(pi)

    response = client.get(collection.get_absolute_url(), {"q": "lyso"}, headers=PICKER)

    body = response.content.decode()
    assert "<html" not in body and body.count('class="picker-session ') == 3
    # Newest session first, each named by its session id and dates.
    heads = [body.index(f"session id2468{n:02d}") for n in (2, 1, 0)]
    assert heads == sorted(heads)
    assert "17 Mar 2026 – 19 Mar 2026" in body and "3 Mar 2026 – 5 Mar 2026" in body
    assert body.count("ID23-1") == 3
    assert "3 Mar 2026 10:00" in body  # each dataset's own date (09:00 UTC, Paris time)
    # The one already picked is marked, not offered again.
    assert "In this collection" in body
    assert sessions[0].datasets.first().pk not in _ids(body) and len(_ids(body)) == 5


def test_ticks_survive_another_search(client, three_sessions) -> None:
    pi, sessions = three_sessions
    collection = services.collection_create(by=pi)
    ticked = sessions[1].datasets.get(name="lyso_0002")
    client.force_login(pi)

    response = client.get(
        collection.get_absolute_url(), {"q": "0001", "dataset": [ticked.pk]}, headers=PICKER
    )

    body = response.content.decode()
    assert 'id="picker-ticked"' in body and f'value="{ticked.pk}" checked' in body
    assert ticked.pk in _ids(body)


def test_many_datasets_come_a_keyset_page_at_a_time_in_few_queries(
    client, three_sessions, django_assert_max_num_queries
) -> None:
    pi, sessions = three_sessions
    for n in range(PICKER_SIZE):
        factories.DatasetFactory(investigation=sessions[2], name=f"scan_{n:03d}")
    collection = services.collection_create(by=pi)
    client.force_login(pi)
    url = collection.get_absolute_url()

    with django_assert_max_num_queries(8):
        first = client.get(url, headers=PICKER).content.decode()
    cursor = re.search(r'cursor=([\w-]+)" hx-get', first).group(1)
    second = client.get(url, {"cursor": cursor}, headers=PICKER).content.decode()
    garbled = client.get(url, {"cursor": "not-a-cursor"}, headers=PICKER)

    assert len(_ids(first)) == PICKER_SIZE
    assert set(_ids(first)).isdisjoint(_ids(second))
    assert len(_ids(first)) + len(_ids(second)) == PICKER_SIZE + 6
    assert garbled.status_code == 200 and _ids(garbled.content.decode()) == _ids(first)


def test_only_the_users_mintable_datasets_are_offered(client, three_sessions) -> None:
    pi, sessions = three_sessions
    scientist = factories.UserFactory(username="beamline-scientist")
    sessions[0].instrument.scientists.add(scientist)  # sees the datasets, is in no team
    factories.DatasetFactory(name="lyso_foreign")
    client.force_login(scientist)

    body = client.get(reverse("doi:collection-new"), {"q": "lyso"}, headers=PICKER)

    assert _ids(body.content.decode()) == []
    client.force_login(pi)
    mine = client.get(reverse("doi:collection-new"), {"q": "lyso"}, headers=PICKER).content
    assert len(_ids(mine.decode())) == 6 and b"lyso_foreign" not in mine
    assert b'form="collection-form"' in mine  # on the new page, ticks are saved with the form
