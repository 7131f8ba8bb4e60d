"""The live poll of an open logbook answers "nothing new" from the cache: the access check is
its only query and no template renders; whoever writes an event (page, ICAT+) wakes it up."""

from __future__ import annotations

import html
import re

from django.test import RequestFactory
from django.urls import reverse

from logbook.views import pages
from tests import factories
from tests.logbook.test_icatplus import NOTE, notify
from tests.logbook.test_icatplus import setup as setup  # noqa: F401 (a fixture)


def poll_url_from(body: str) -> str:
    return html.unescape(re.search(r'id="logbook-live" hx-get="([^"]+)"', body)[1])


def poll_url(client, page: str) -> str:
    return poll_url_from(client.get(page).content.decode())


def test_nothing_new_is_one_query_and_no_template(
    client, team, add_event, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:
    inv = team.investigation
    with django_capture_on_commit_callbacks(execute=True):
        add_event(inv, text="before the page")
    client.force_login(team.participant)
    live = poll_url(client, reverse("logbook:investigation", args=[inv.pk]))
    quiet = client.get(live, headers={"HX-Request": "true"})
    assert quiet.status_code == 204 and quiet.content == b"" and not quiet.templates

    request = RequestFactory().get(live, headers={"HX-Request": "true"})
    request.user = team.participant
    with django_assert_num_queries(1):  # the access check, nothing else
        assert pages.investigation_live(request, inv.pk).status_code == 204

    # Still the access policy: an outsider polling the same URL gets the same 404 as before.
    client.force_login(team.outsider)
    assert client.get(live).status_code == 404


def test_an_event_from_icatplus_wakes_the_poll(
    client,
    setup,
    add_event,
    django_capture_on_commit_callbacks,  # noqa: F811
) -> None:
    inv = setup["running"]
    with django_capture_on_commit_callbacks(execute=True):
        add_event(inv, text="ct 1")
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    live = poll_url(client, reverse("logbook:investigation", args=[inv.pk]))
    beamline_live = poll_url(client, reverse("logbook:beamline", args=["ID23-1"]) + "?scope=all")
    assert client.get(live).status_code == 204
    assert client.get(beamline_live).status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        response = notify(
            client,
            setup["key"],
            {**NOTE, "content": [{"format": "plainText", "text": "ct 2 from the beamline"}]},
            investigationName="MX-2468",
            instrumentName="ID23-1",
        )
    assert response.status_code == 200
    for url in (live, beamline_live):
        woken = client.get(url, headers={"HX-Request": "true"})
        assert woken.status_code == 200 and b"ct 2 from the beamline" in woken.content
        # The poller it returns carries the new version: asked again, nothing new.
        again = poll_url_from(woken.content.decode())
        assert client.get(again).status_code == 204
