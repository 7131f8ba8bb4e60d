"""JSON API for events under the access policy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

LIST = "/api/logbook/events/"


@pytest.mark.parametrize(
    "who,status",
    [
        ("participant", 200),
        ("scientist", 200),
        ("staff", 200),
        ("outsider", 404),
        ("other_scientist", 404),
        (None, 404),
    ],
)
def test_list_access(client, team, add_event, who, status) -> None:
    add_event(team.investigation, text="collect")
    if who:
        client.force_login(getattr(team, who))
    response = client.get(LIST, {"investigation": team.investigation.pk})
    assert response.status_code == status
    if status == 200:
        assert response.json()["results"][0]["content"][0]["text"] == "collect"


def test_list_filters_and_cursor(client, team, add_event) -> None:
    for i in range(5):
        add_event(
            team.investigation, text=f"cmd {i}", category="error" if i == 2 else "commandline"
        )
    client.force_login(team.participant)
    page = client.get(LIST, {"investigation": team.investigation.pk, "page_size": 2}).json()
    assert [e["content"][0]["text"] for e in page["results"]] == ["cmd 4", "cmd 3"]
    second = client.get(page["next"]).json()
    assert [e["content"][0]["text"] for e in second["results"]] == ["cmd 2", "cmd 1"]
    errors = client.get(LIST, {"investigation": team.investigation.pk, "category": "error"}).json()
    assert [e["content"][0]["text"] for e in errors["results"]] == ["cmd 2"]
    assert (
        client.get(LIST, {"investigation": team.investigation.pk, "cursor": "junk"}).status_code
        == 400
    )
    assert (
        client.get(LIST, {"investigation": team.investigation.pk, "category": "nope"}).status_code
        == 400
    )


def test_create_update_and_history(client, team) -> None:
    client.force_login(team.participant)
    created = client.post(
        LIST,
        {
            "investigation": team.investigation.pk,
            "title": "Note",
            "content": "<p>hi<script>x()</script></p>",
            "tags": ["a"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    event = created.json()
    assert event["content"][0]["text"] == "<p>hi</p>" and event["tag"] == [{"name": "a"}]
    detail = reverse("api-logbook-event-detail", args=[event["_id"]])
    updated = client.patch(detail, {"content": "<p>hello</p>"}, content_type="application/json")
    assert updated.status_code == 200 and updated.json()["content"][0]["text"] == "<p>hello</p>"
    history = client.get(reverse("api-logbook-event-history", args=[event["_id"]])).json()
    assert [v["content"][0]["text"] for v in history] == ["<p>hello</p>", "<p>hi</p>"]


def test_create_requires_a_logbook_and_content(client, team) -> None:
    client.force_login(team.participant)
    response = client.post(LIST, {"title": ""}, content_type="application/json")
    assert response.status_code == 400 and "investigation" in response.json()
    response = client.post(
        LIST, {"investigation": team.investigation.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "content" in response.json()


def test_released_logbook_readable_by_anyone_writable_by_team_only(client, db, add_event) -> None:
    released = factories.InvestigationFactory(released=True)
    add_event(released, type="annotation", category="comment", html="<p>public</p>")
    assert client.get(LIST, {"investigation": released.pk}).status_code == 200
    client.force_login(factories.UserFactory())
    response = client.post(
        LIST, {"investigation": released.pk, "content": "<p>x</p>"}, content_type="application/json"
    )
    assert response.status_code == 403
    doc = client.get(LIST, {"investigation": released.pk}).json()["results"][0]
    detail = reverse("api-logbook-event-detail", args=[doc["_id"]])
    assert (
        client.patch(
            detail, {"content": "<p>defaced</p>"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert len(client.get(LIST, {"investigation": released.pk}).json()["results"]) == 1


def test_outsider_cannot_read_or_write_an_embargoed_event(client, team, add_event) -> None:
    doc = add_event(team.investigation, type="annotation", category="comment", html="<p>secret</p>")
    client.force_login(team.outsider)
    detail = reverse("api-logbook-event-detail", args=[doc["_id"]])
    assert client.get(detail).status_code == 404
    assert (
        client.patch(detail, {"content": "x"}, content_type="application/json").status_code == 404
    )
