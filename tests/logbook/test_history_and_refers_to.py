"""An entry's history (versions with word-level diffs), the time a note refers to (validated, shown,
sortable), and the timeline's day separators across "load more" pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from logbook.services import event_update
from logbook.store import EventQuery, get_store


def timeline_url(inv, **params) -> str:
    base = reverse("logbook:investigation", args=[inv.pk])
    return base + (f"?{urlencode(params, doseq=True)}" if params else "")


def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time some days ago (Europe/Paris in the tests)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def local_input(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def events_html(response) -> str:
    return response.content.decode().split('id="events"')[-1]


# History ---------------------------------------------------------------------------------------


def test_history_lists_versions_newest_first_with_authors_times_and_word_diffs(
    client, team, add_event
) -> None:
    inv = team.investigation
    doc = add_event(
        inv,
        type="annotation",
        category="comment",
        by=team.participant.username,
        title="Crystal 3",
        html="<p>Diffracts to 2.1 Å at 12 keV.</p><p>Use &lt;b&gt; loop.</p>",
        tags=["best"],
        when=at(2, 10),
    )
    scope = {"investigation": inv, "instrument": inv.instrument}
    first = event_update(
        event=doc,
        by=team.principal_investigator.username,
        title="Crystal 3",
        html="<p>Diffracts to 1.8 Å at 12 keV.</p><p>Use &lt;b&gt; loop.</p>",
        tags=["best", "mx"],
        **scope,
    )
    event_update(
        event=first,
        by=team.participant.username,
        title="Crystal 3, sweep 2",
        html="<p>Diffracts to 1.8 Å at 12 keV.</p><p>Use &lt;b&gt; loop.</p>",
        tags=["mx"],
        refers_to=at(2, 9, 30),
        **scope,
    )
    client.force_login(team.collaborator)
    url = reverse("logbook:event-history", args=[doc["_id"]])
    page = client.get(url).content.decode()

    versions = page.split('class="logbook-version')[1:]
    assert len(versions) == 3
    current, middle, original = versions
    assert "Current version" in current and team.participant.full_name in current
    assert "Version 2" in middle and team.principal_investigator.full_name in middle
    assert "Original" in original and team.participant.full_name in original
    assert "<del>2.1</del><ins>1.8</ins>" in middle
    assert "<ins>mx</ins>" in middle and "<del>" not in middle.split("diff-tags")[1][:60]
    assert "Title</span> Crystal <del>3</del><ins>3, sweep 2</ins>" in current
    assert "<del>best</del>" in current
    assert f"<ins>{timezone.localtime(at(2, 9, 30)):%d %b %Y} 09:30</ins>" in current
    # The text is compared as text: markup a writer typed shows as typed, never as markup.
    assert "&lt;b&gt; loop" in original and "<b> loop" not in page
    assert "1.8 Å" not in original  # the original reads as it was, not as a diff
    assert f"{timezone.localtime(doc['creationDate']):%d %b %Y %H:%M}" in original

    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and '<details class="event-history" open>' in body
    assert "History · 3 versions" in body and "<del>2.1</del><ins>1.8</ins>" in body


def test_timeline_opens_an_edited_entrys_history_in_place(client, team, add_event) -> None:
    inv = team.investigation
    doc = add_event(
        inv,
        type="annotation",
        category="comment",
        by=team.participant.username,
        html="<p>first words</p>",
    )
    event_update(
        event=doc,
        by=team.participant.username,
        title="",
        html="<p>second words</p>",
        tags=[],
        investigation=inv,
        instrument=inv.instrument,
    )
    client.force_login(team.participant)
    events = events_html(client.get(timeline_url(inv)))
    history = reverse("logbook:event-history", args=[doc["_id"]])
    assert f'hx-get="{history}" hx-target="#history-{doc["_id"]}"' in events
    assert f'id="history-{doc["_id"]}"' in events


# Refers to -------------------------------------------------------------------------------------


def create(client, inv, **data):
    return client.post(reverse("logbook:investigation-create", args=[inv.pk]), data)


@pytest.mark.parametrize(
    ("refers_to", "message"),
    [
        (lambda: timezone.now() + timedelta(hours=2), "can’t be in the future"),
        (lambda: timezone.now() - timedelta(days=45), "can’t be earlier than a week before the"),
        (lambda: "yesterday at noon", "Enter a valid date/time."),
        (lambda: "9999-12-31T23:59", "Give a date between 1900-01-01 and 2200-12-31."),
    ],
    ids=["future", "long-before-the-session", "not-a-time", "year-9999"],
)
def test_a_bad_refers_to_time_is_refused_with_a_clear_error_and_nothing_stored(
    client, team, refers_to, message
) -> None:
    value = refers_to()
    client.force_login(team.participant)
    response = create(
        client,
        team.investigation,
        content="<p>late note</p>",
        refers_to=local_input(value) if isinstance(value, datetime) else value,
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert get_store().find(EventQuery(investigation_id=team.investigation.pk))[0] == []


def test_a_note_refers_to_an_earlier_time_shown_beside_when_it_was_written_and_editable(
    client, team
) -> None:
    inv = team.investigation
    client.force_login(team.participant)
    earlier = timezone.now() - timedelta(hours=3)
    assert (
        create(client, inv, content="<p>pump</p>", refers_to=local_input(earlier)).status_code
        == 302
    )
    doc = get_store().find(EventQuery(investigation_id=inv.pk))[0][0]
    assert doc["refersTo"] == earlier.replace(second=0, microsecond=0)
    events = events_html(client.get(timeline_url(inv)))
    assert "<span>written</span>" in events
    assert f'refers to <time datetime="{doc["refersTo"].isoformat()}"' in events

    edit = reverse("logbook:event-edit", args=[doc["_id"]])
    form = client.get(edit).content.decode()
    assert f'value="{local_input(earlier)}"' in form
    later = timezone.localtime(doc["creationDate"]) + timedelta(hours=1)
    refused = client.post(
        edit, {"content": "<p>pump</p>", "version": "original", "refers_to": local_input(later)}
    )
    assert refused.status_code == 200
    assert "can’t be" in refused.content.decode()
    assert get_store().get(doc["_id"])["previousVersionEvent"] is None
    cleared = client.post(edit, {"content": "<p>pump</p>", "version": "original", "refers_to": ""})
    assert cleared.status_code == 302
    assert get_store().get(doc["_id"])["refersTo"] is None


def test_sorting_by_the_time_referred_to_keeps_the_filters_and_pages_by_keyset(
    client, team, add_event, monkeypatch
) -> None:
    inv = team.investigation
    by = team.participant.username
    notes = {
        "A": add_event(
            inv, type="annotation", category="comment", by=by, html="<p>A</p>", when=at(1, 10)
        ),
        # Written at noon about 08:00.
        "B": add_event(
            inv,
            type="annotation",
            category="comment",
            by=by,
            html="<p>B</p>",
            when=at(1, 12),
            refersTo=at(1, 8),
        ),
        "C": add_event(
            inv, type="annotation", category="comment", by=by, html="<p>C</p>", when=at(1, 14)
        ),
    }
    add_event(inv, text="mv phi 0", when=at(1, 11))  # filtered out below
    client.force_login(team.participant)

    def order(**params) -> str:
        events = events_html(client.get(timeline_url(inv, type="annotation", **params)))
        return "".join(sorted(notes, key=lambda k: events.index(f'id="event-{notes[k]["_id"]}"')))

    assert order() == "CBA"
    assert order(sort="refers") == "CAB"
    assert order(sort="refers", order="oldest") == "BAC"

    monkeypatch.setattr("logbook.views.pages.PAGE_SIZE", 2)
    page = client.get(timeline_url(inv, type="annotation", sort="refers")).content.decode()
    assert 'id="id_sort_refers" value="refers" autocomplete="off" checked' in page
    more = page.split('class="logbook-more" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert "type=annotation" in more and "sort=refers" in more
    rest = client.get(timeline_url(inv) + more, headers={"HX-Request": "true"}).content.decode()
    assert f'id="event-{notes["B"]["_id"]}"' in rest and "<html" not in rest
    assert f'id="event-{notes["A"]["_id"]}"' not in rest


def test_the_store_pages_by_the_time_referred_to_in_every_backend(store, team) -> None:
    inv = team.investigation

    def note(when, refers_to=None):
        doc = {
            "type": "annotation",
            "category": "comment",
            "title": "",
            "content": [],
            "tag": [],
            "creationDate": when,
            "investigationId": inv.pk,
            "removed": False,
        }
        if refers_to:
            doc["refersTo"] = refers_to
        return store.insert(doc)["_id"]

    a = note(at(3, 10))
    b = note(at(3, 12), refers_to=at(3, 9))
    c = note(at(3, 12), refers_to=at(3, 11))
    d = note(at(3, 13))
    query = EventQuery(investigation_id=inv.pk, by_refers_to=True)
    seen, after = [], None
    while True:
        page, after = store.find(query, after=after, limit=1)
        seen += [e["_id"] for e in page]
        if after is None:
            break
    assert seen == [d, c, a, b]
    assert store.count(query, before=store.get(a)) == 2


# Day separators --------------------------------------------------------------------------------


def test_day_separators_run_across_a_load_more_page_without_repeating_a_day(
    client, team, add_event, monkeypatch
) -> None:
    inv = team.investigation
    for when in (at(2, 10), at(2, 9), at(2, 8), at(3, 12)):
        add_event(inv, text=f"collect at {when:%H}", when=when)
    monkeypatch.setattr("logbook.views.pages.PAGE_SIZE", 2)
    client.force_login(team.participant)
    first = events_html(client.get(timeline_url(inv)))
    day2, day3 = (
        f'<h2 class="logbook-day">{timezone.localdate() - timedelta(days=n):%A %-d %B %Y}</h2>'
        for n in (2, 3)
    )
    assert first.count('class="logbook-day"') == 1 and day2 in first
    more = first.split('class="logbook-more" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(timeline_url(inv) + more, headers={"HX-Request": "true"}).content.decode()
    # The day of the first page's last event runs on: only the next day is announced.
    assert second.count('class="logbook-day"') == 1 and day3 in second
    assert second.index("collect at 08") < second.index(day3) < second.index("collect at 12")


def test_events_arriving_live_go_under_the_day_heading_the_page_or_a_new_one(
    client, team, add_event
) -> None:
    inv = team.investigation
    first = add_event(inv, text="mv phi 0", when=timezone.now() - timedelta(minutes=5))
    add_event(inv, text="collect(n=1800)")
    client.force_login(team.participant)
    live = reverse("logbook:investigation-live", args=[inv.pk])
    today, yesterday = timezone.localdate(), timezone.localdate() - timedelta(days=1)

    def poll(top) -> str:
        url = f"{live}?last={first['_id']}&top={top}"
        return client.get(url, headers={"HX-Request": "true"}).content.decode()

    continued = poll(today.isoformat())
    assert 'hx-swap-oob="afterend:#events > h2.logbook-day:first-of-type"' in continued
    assert "collect(n=1800)" in continued and 'logbook-day">' not in continued
    assert f"top={today.isoformat()}" in continued  # the next poll continues the same day
    new_day = poll(yesterday.isoformat())
    assert 'hx-swap-oob="afterbegin:#events"' in new_day
    assert f'<h2 class="logbook-day">{today:%A %-d %B %Y}</h2>' in new_day
