"""Who reads what in the logbook: replies, beamline-only messages, images, tags, API keys."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from catalogue import access
from logbook.models import ApiKey, Attachment, Tag
from logbook.pdf import _images
from logbook.store import EventQuery, get_store
from tests import factories

SECRET = "unpublished lysozyme structure of team B"


@pytest.fixture
def two_teams(team, add_event):
    """Team A (the `team` fixture) and an embargoed investigation B with a secret event."""
    other = factories.make_team()
    secret = add_event(other.investigation, type="annotation", category="comment", text=SECRET)
    mine = add_event(team.investigation, type="annotation", category="comment", text="our note")
    return team, other, secret, mine


def timeline_html(client, investigation) -> str:
    return client.get(reverse("logbook:investigation", args=[investigation.pk])).content.decode()


def bad_parents(secret: dict) -> list[str]:
    return [secret["_id"], "999999", "abc", "9" * 20, "x" * 500]


def test_reply_to_another_teams_event_is_refused_like_a_missing_one(client, two_teams) -> None:
    team, _, secret, _ = two_teams
    client.force_login(team.participant)
    url = reverse("logbook:investigation-create", args=[team.investigation.pk])
    answers = set()
    for parent in bad_parents(secret):
        response = client.post(url, {"content": "<p>reply</p>", "parent": parent})
        assert response.status_code == 400
        page = response.content.decode()
        assert "No such event to reply to" in page and SECRET not in page
        answers.add(response.status_code)
    assert answers == {400}
    docs, _ = get_store().find(EventQuery(investigation_id=team.investigation.pk))
    assert [d["content"][0]["text"] for d in docs] == ["our note"]
    assert SECRET not in timeline_html(client, team.investigation)


def test_reply_through_the_api_to_a_hidden_event_is_refused_like_a_missing_one(
    client, two_teams
) -> None:
    team, _, secret, _ = two_teams
    client.force_login(team.participant)
    bodies = []
    for parent in bad_parents(secret):
        response = client.post(
            "/api/logbook/events/",
            {"investigation": team.investigation.pk, "content": "reply", "parent": parent},
            content_type="application/json",
        )
        assert response.status_code == 400
        bodies.append(response.json())
    assert bodies == [{"parent": "No such event to reply to in this logbook."}] * len(bodies)
    docs, _ = get_store().find(EventQuery(investigation_id=team.investigation.pk))
    assert len(docs) == 1


def test_reply_in_the_same_logbook_quotes_its_parent(client, two_teams) -> None:
    team, _, _, mine = two_teams
    client.force_login(team.participant)
    url = reverse("logbook:investigation-create", args=[team.investigation.pk])
    response = client.post(url, {"content": "<p>agreed</p>", "parent": mine["_id"]})
    assert response.status_code == 302
    reply = get_store().find(EventQuery(investigation_id=team.investigation.pk))[0][0]
    assert reply["parentEventId"] == mine["_id"]
    assert "our note" in timeline_html(client, team.investigation).split('id="events"')[1]


def test_stored_reply_to_a_hidden_event_never_shows_its_text(client, two_teams, add_event) -> None:
    """Replies stored before parents were checked: the timeline quotes only readable parents of
    the same logbook."""
    team, other, secret, _ = two_teams
    add_event(
        team.investigation,
        type="annotation",
        category="comment",
        text="a reply",
        parentEventId=secret["_id"],
    )
    for who in (team.participant, other.staff):  # staff may read B, but not beside A's events
        client.force_login(who)
        page = timeline_html(client, team.investigation)
        assert "a reply" in page and SECRET not in page


def test_beamline_only_message_goes_to_the_beamline_logbook_while_a_session_runs(
    client, db
) -> None:
    """pyicat-plus's `beamline_only=True` drops the proposal: only instrumentName is sent."""
    now = timezone.now()
    running = factories.InvestigationFactory(
        start_date=now - timedelta(hours=2), end_date=now + timedelta(hours=2)
    )
    instrument = running.instrument
    _, key = ApiKey.objects.create_key(name="bliss", instrument=instrument)
    response = client.post(
        f"/icatplus/dataacquisition/{key}/notification?instrumentName={instrument.name}",
        json.dumps(
            {
                "type": "annotation",
                "category": "comment",
                "content": [{"format": "plainText", "text": "vacuum valve replaced"}],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200 and "investigationId" not in response.json()
    store = get_store()
    assert store.find(EventQuery(investigation_id=running.pk))[0] == []
    beamline, _ = store.find(EventQuery(instrument_name=instrument.name, beamline_only=True))
    assert [d["content"][0]["text"] for d in beamline] == ["vacuum valve replaced"]


@pytest.fixture
def keyed(db):
    mine = factories.InvestigationFactory(instrument=factories.InstrumentFactory(name="ID23-1"))
    hidden = factories.InvestigationFactory(instrument=factories.InstrumentFactory(name="BM29"))
    _, key = ApiKey.objects.create_key(name="ID23-1", instrument=mine.instrument)
    return mine, hidden, key


def test_icatplus_key_of_another_beamline_cannot_tell_hidden_from_missing(client, keyed) -> None:
    _, hidden, key = keyed
    missing = hidden.pk + 1000

    def dataset_answer(pk):
        response = client.get(f"/icatplus/dataacquisition/{key}/dataset?investigationId={pk}")
        return response.status_code, response.json()["message"].replace(str(pk), "<id>")

    def notify_answer(**params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        response = client.post(
            f"/icatplus/dataacquisition/{key}/notification?{query}",
            json.dumps({"type": "notification", "category": "info", "content": []}),
            content_type="application/json",
        )
        body = response.json()
        return response.status_code, body["field"], body["message"]

    assert dataset_answer(hidden.pk) == dataset_answer(missing)
    assert dataset_answer(hidden.pk)[0] == 400
    by_id = notify_answer(investigationId=hidden.pk)
    assert by_id[0] == 400 and by_id == notify_answer(investigationId=hidden.pk)
    assert by_id[2].replace(str(hidden.pk), "<id>") == notify_answer(investigationId=missing)[
        2
    ].replace(str(missing), "<id>")
    other = notify_answer(instrumentName="BM29")
    unknown = notify_answer(instrumentName="XX99")
    assert other[0] == unknown[0] == 400
    assert other[2].replace("BM29", "<name>") == unknown[2].replace("XX99", "<name>")
    listed = client.get(f"/icatplus/dataacquisition/{key}/investigation?instrumentName=BM29")
    assert listed.status_code == 400
    assert get_store().find(EventQuery(instrument_name="BM29"))[0] == []


def png_file() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="x.png")


def stored_image(**owner) -> Attachment:
    return Attachment.objects.create(
        filename="x.png", content_type="image/png", size=10, file=png_file(), **owner
    )


def test_image_of_no_logbook_is_hidden_and_a_broadcasts_image_is_public(client, db) -> None:
    orphan = stored_image()
    broadcast = stored_image(broadcast=True)
    assert client.get(orphan.get_absolute_url()).status_code == 404
    assert client.get(orphan.get_thumbnail_url()).status_code == 404
    response = client.get(broadcast.get_absolute_url())
    assert response.status_code == 200 and "private" in response["Cache-Control"]


def test_staff_broadcast_image_is_public_and_a_team_image_is_not(client, team) -> None:
    client.force_login(team.staff)
    beamline_create = reverse("logbook:beamline-create", args=[team.investigation.instrument.name])
    upload = SimpleUploadedFile("beam.png", png_file().read(), content_type="image/png")
    response = client.post(
        beamline_create, {"title": "Beam loss", "broadcast": "on", "image": upload}
    )
    assert response.status_code == 302
    image = Attachment.objects.get()
    assert image.broadcast and image.investigation is None and image.instrument_name == ""
    client.logout()
    assert client.get(image.get_absolute_url()).status_code == 200
    team_image = stored_image(investigation=team.investigation)
    assert client.get(team_image.get_absolute_url()).status_code == 404
    client.force_login(team.participant)
    assert client.get(team_image.get_absolute_url()).status_code == 200


def test_pdf_embeds_only_images_the_reader_may_open(team) -> None:
    other = factories.make_team()
    theirs = stored_image(investigation=other.investigation)
    doc = {"content": [{"format": "html", "text": f'<img src="{theirs.get_absolute_url()}">'}]}
    assert _images(team.participant, [doc]) == {}
    assert list(_images(other.participant, [doc])) == [str(theirs.uuid)]


def test_tags_of_an_embargoed_investigation_are_hidden_from_outsiders(team) -> None:
    tag = Tag.objects.create(name="secret-ligand", investigation=team.investigation)
    assert tag in access.visible_tags(team.participant)
    assert tag not in access.visible_tags(team.outsider)
    assert tag not in access.visible_tags(team.other_scientist)


def test_broadcast_right_is_the_policys(team) -> None:
    assert access.can_broadcast(team.staff)
    assert not access.can_broadcast(team.scientist)


@pytest.mark.parametrize(
    "url",
    [
        "logbook:investigation",
        "logbook:investigation-live",
    ],
)
def test_logbook_answers_are_never_kept_by_shared_caches(client, team, add_event, url) -> None:
    add_event(team.investigation, text="collect")
    client.force_login(team.participant)
    response = client.get(reverse(url, args=[team.investigation.pk]), {"last": "1"})
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    api = client.get("/api/logbook/events/", {"investigation": team.investigation.pk})
    assert api.status_code == 200 and "private" in api["Cache-Control"]


def test_quoting_parents_costs_the_same_for_one_reply_or_fifty(
    client, team, add_event, django_assert_max_num_queries
) -> None:
    parents = [add_event(team.investigation, text=f"scan {i}") for i in range(25)]
    for parent in parents:
        add_event(team.investigation, text="seen", parentEventId=parent["_id"])
    client.force_login(team.participant)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("logbook:investigation", args=[team.investigation.pk]))
    assert response.content.decode().count('class="event-reply') == 25


def test_icatplus_cannot_make_an_event_reply_to_another_teams_event(client, two_teams) -> None:
    """ICAT+'s Event has no parent: one sent anyway is not stored, so nothing can be quoted."""
    team, _, secret, _ = two_teams
    _, key = ApiKey.objects.create_key(name="k", instrument=team.investigation.instrument)
    response = client.post(
        f"/icatplus/dataacquisition/{key}/notification?investigationId={team.investigation.pk}",
        json.dumps(
            {
                "type": "annotation",
                "category": "comment",
                "content": [{"format": "plainText", "text": "hi"}],
                "parentEventId": secret["_id"],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200
    stored = get_store().get(response.json()["_id"])
    assert stored["parentEventId"] is None
