"""The investigation logbook page: access matrix, timeline, filters, search, calendar, live."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories


def url(inv, **params) -> str:
    from urllib.parse import urlencode

    return reverse("logbook:investigation", args=[inv.pk]) + (
        f"?{urlencode(params, doseq=True)}" if params else ""
    )


@pytest.mark.parametrize(
    "who",
    [
        "principal_investigator",
        "participant",
        "collaborator",
        "local_contact",
        "scientist",
        "staff",
    ],
)
def test_team_reads_the_embargoed_logbook(client, team, add_event, who) -> None:
    add_event(team.investigation, text="collect(osc=0.1)")
    client.force_login(getattr(team, who))
    response = client.get(url(team.investigation))
    assert response.status_code == 200
    assert b"collect(osc=0.1)" in response.content
    assert b"Write an entry" in response.content


@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_embargoed_logbook_is_404_for_others(client, team, add_event, who) -> None:
    add_event(team.investigation, text="secret")
    if who:
        client.force_login(getattr(team, who))
    assert client.get(url(team.investigation)).status_code == 404
    live = reverse("logbook:investigation-live", args=[team.investigation.pk])
    assert client.get(live).status_code == 404
    assert (
        client.post(reverse("logbook:investigation-pdf", args=[team.investigation.pk])).status_code
        == 404
    )


def test_released_logbook_is_readable_by_anyone_but_not_writable(client, db, add_event) -> None:
    released = factories.InvestigationFactory(released=True)
    add_event(released, text="public command")
    response = client.get(url(released))
    assert response.status_code == 200
    assert b"public command" in response.content
    assert b"Write an entry" not in response.content
    client.force_login(factories.UserFactory())
    assert b"Write an entry" not in client.get(url(released)).content
    create = reverse("logbook:investigation-create", args=[released.pk])
    assert client.post(create, {"content": "<p>vandal</p>"}).status_code == 403


def test_wrong_method_is_405(client, team) -> None:
    client.force_login(team.participant)
    assert client.post(url(team.investigation)).status_code == 405
    assert (
        client.get(
            reverse("logbook:investigation-create", args=[team.investigation.pk])
        ).status_code
        == 405
    )


def test_timeline_query_count_does_not_grow_with_the_page(
    client, team, add_event, django_assert_max_num_queries
) -> None:
    for i in range(60):
        add_event(team.investigation, text=f"cmd {i}", tags=["alignment"] if i % 2 else [])
    for i in range(5):
        add_event(
            team.investigation,
            type="annotation",
            category="comment",
            by=team.participant.username,
            html=f"<p>note {i}</p>",
        )
    client.force_login(team.participant)
    with django_assert_max_num_queries(20):
        response = client.get(url(team.investigation))
    assert response.content.count(b'class="logbook-event') == 50
    with django_assert_max_num_queries(12):
        client.get(url(team.investigation), headers={"HX-Request": "true"})


def test_infinite_scroll_loads_the_next_page_with_a_cursor(client, team, add_event) -> None:
    start = timezone.now() - timedelta(hours=2)
    for i in range(55):
        add_event(
            team.investigation, text=f"command number {i:02d}", when=start + timedelta(minutes=i)
        )
    client.force_login(team.participant)
    first = client.get(url(team.investigation)).content.decode()
    assert "command number 54" in first and "command number 04" not in first
    assert 'hx-trigger="revealed"' in first
    next_url = (
        first.split('hx-trigger="revealed"')[0]
        .rsplit('hx-get="', 1)[1]
        .split('"')[0]
        .replace("&amp;", "&")
    )
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk]) + next_url,
        headers={"HX-Request": "true"},
    )
    body = page.content.decode()
    assert "<html" not in body
    assert "command number 04" in body and "command number 00" in body
    assert "command number 05" not in body and "command number 54" not in body
    assert 'hx-trigger="revealed"' not in body


def test_oldest_first_order(client, team, add_event) -> None:
    start = timezone.now() - timedelta(hours=1)
    add_event(team.investigation, text="alpha-cmd", when=start)
    add_event(team.investigation, text="omega-cmd", when=start + timedelta(minutes=1))
    client.force_login(team.participant)
    body = client.get(url(team.investigation, order="oldest")).content.decode()
    assert body.index("alpha-cmd") < body.index("omega-cmd")
    body = client.get(url(team.investigation)).content.decode()
    assert body.index("omega-cmd") < body.index("alpha-cmd")


def test_filters_by_type_category_tag_author_and_day(client, team, add_event) -> None:
    inv = team.investigation
    yesterday = timezone.now() - timedelta(days=1)
    add_event(inv, text="mv phi 90")
    add_event(inv, category="error", text="Detector timeout")
    add_event(
        inv,
        type="annotation",
        category="comment",
        by=team.participant.username,
        html="<p>nice crystal</p>",
        tags=["best sample"],
    )
    add_event(inv, category="info", text="old result", when=yesterday)
    client.force_login(team.participant)

    def shown(**params) -> str:
        return client.get(url(inv, **params), headers={"HX-Request": "true"}).content.decode()

    assert "nice crystal" in shown(type="annotation") and "mv phi" not in shown(type="annotation")
    assert "Detector timeout" in shown(category="error") and "mv phi" not in shown(category="error")
    assert "nice crystal" in shown(tag="best sample") and "Detector" not in shown(tag="best sample")
    assert "nice crystal" in shown(author=team.participant.username)
    only_yesterday = shown(day=timezone.localdate(yesterday).isoformat())
    assert "old result" in only_yesterday and "mv phi" not in only_yesterday


def test_search_highlights_matches(client, team, add_event) -> None:
    add_event(team.investigation, text="Beam lost during collection")
    add_event(team.investigation, text="mv phi 90")
    client.force_login(team.participant)
    body = client.get(
        url(team.investigation, q="beam"), headers={"HX-Request": "true"}
    ).content.decode()
    assert "<mark>Beam</mark> lost" in body
    assert "mv phi" not in body


def test_calendar_marks_busier_days_darker_and_links_to_the_day(client, team, add_event) -> None:
    # Midday on the facility's clock: eight events a minute apart stay on one calendar day
    # whatever the time the suite runs.
    busy = timezone.localtime().replace(hour=12, minute=0) - timedelta(days=3)
    for i in range(8):
        add_event(team.investigation, text=f"busy {i}", when=busy + timedelta(minutes=i))
    add_event(team.investigation, text="quiet", when=busy - timedelta(days=1))
    client.force_login(team.participant)
    body = client.get(url(team.investigation)).content.decode()
    day = timezone.localdate(busy).isoformat()
    assert f'class="level-4"><a href="?&amp;day={day}"' in body or f"day={day}" in body
    assert "8 events" in body and "1 event" in body
    assert 'class="level-4"' in body and 'class="level-1"' in body


def test_live_poll_returns_new_events_and_the_marker(client, team, add_event) -> None:
    first = add_event(team.investigation, text="before")
    client.force_login(team.participant)
    live = reverse("logbook:investigation-live", args=[team.investigation.pk])
    quiet = client.get(
        f"{live}?last={first['_id']}", headers={"HX-Request": "true"}
    ).content.decode()
    assert "new event" not in quiet and 'id="logbook-live"' in quiet
    add_event(team.investigation, text="fresh from the beamline")
    add_event(team.investigation, text="and another")
    body = client.get(
        f"{live}?last={first['_id']}", headers={"HX-Request": "true"}
    ).content.decode()
    assert "fresh from the beamline" in body and "and another" in body
    assert "2 new events" in body
    assert 'hx-swap-oob="afterbegin:#events"' in body


def test_broadcast_of_the_period_appears_in_the_investigation_logbook(client, team, db) -> None:
    from logbook.services import event_create

    inv = team.investigation
    event_create(
        investigation=None,
        instrument=None,
        type="broadcast",
        category="info",
        by="admin",
        title="Machine shutdown",
        when=inv.start_date + timedelta(hours=1),
    )
    event_create(
        investigation=None,
        instrument=None,
        type="broadcast",
        category="info",
        by="admin",
        title="Long ago",
        when=inv.start_date - timedelta(days=300),
    )
    client.force_login(team.participant)
    body = client.get(url(inv)).content.decode()
    assert "Machine shutdown" in body and "Long ago" not in body
