"""Writing: annotations, sanitised HTML, images, comments, edits with history, soft delete, tags."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from logbook.models import Attachment, Tag
from logbook.store import EventQuery, get_store

XSS = [
    '<script>alert("x")</script>hello',
    '<img src=x onerror="alert(1)">hello',
    '<a href="javascript:alert(1)">hello</a>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">hello</p>',
    "<svg><script>alert(1)</script></svg>hello",
    '<iframe src="https://evil.example"></iframe>hello',
]


def png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format="PNG")
    return buffer.getvalue()


def timeline(inv) -> list[dict]:
    return get_store().find(EventQuery(investigation_id=inv.pk))[0]


def create(client, inv, **data):
    return client.post(reverse("logbook:investigation-create", args=[inv.pk]), data)


@pytest.mark.parametrize("payload", XSS)
def test_script_in_an_entry_never_reaches_another_browser(client, team, payload) -> None:
    client.force_login(team.participant)
    assert create(client, team.investigation, title="t", content=payload).status_code == 302
    stored = timeline(team.investigation)[0]["content"][0]["text"]
    client.force_login(team.principal_investigator)
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk])
    ).content.decode()
    events = page.split('id="events"')[1].split("</section>")[0]
    for needle in ("<script", "onerror", "javascript:", "onclick", "<iframe", "alert(1)</script"):
        assert needle not in stored.lower()
        assert needle not in events.lower()
    assert "hello" in events


def test_unsanitised_html_already_in_the_store_is_cleaned_on_display(client, team) -> None:
    get_store().insert(
        {
            "type": "annotation",
            "category": "comment",
            "investigationId": team.investigation.pk,
            "content": [{"format": "html", "text": "<b>ok</b><script>alert(1)</script>"}],
            "tag": [],
            "removed": False,
        }
    )
    client.force_login(team.participant)
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk])
    ).content.decode()
    assert "<b>ok</b>" in page and "alert(1)" not in page


def test_pasted_image_is_stored_with_a_thumbnail_and_shown_inline(client, team) -> None:
    client.force_login(team.participant)
    data_uri = "data:image/png;base64," + base64.b64encode(png((800, 600))).decode()
    response = create(
        client,
        team.investigation,
        content=f'<p>plot</p><p><img src="{data_uri}"></p>',
        tags="plots",
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.investigation == team.investigation
    with Image.open(attachment.thumbnail.path) as thumb:
        assert max(thumb.size) <= 480
    html = timeline(team.investigation)[0]["content"][0]["text"]
    assert "data:" not in html and attachment.get_absolute_url() in html
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk])
    ).content.decode()
    assert (
        f'<a href="{attachment.get_absolute_url()}" target="_blank" class="logbook-image">' in page
    )
    assert f'src="{attachment.get_thumbnail_url()}"' in page
    assert client.get(attachment.get_thumbnail_url()).status_code == 200
    client.force_login(team.outsider)
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_uploaded_file_that_is_not_an_image_is_refused(client, team) -> None:
    client.force_login(team.participant)
    fake = SimpleUploadedFile(
        "plot.png", b"<script>not an image</script>", content_type="image/png"
    )
    response = create(client, team.investigation, content="<p>see plot</p>", image=fake)
    assert response.status_code == 400
    assert "is not an image" in response.content.decode()
    assert timeline(team.investigation) == [] and not Attachment.objects.exists()


def test_too_large_image_is_refused(client, team, settings) -> None:
    settings.LOGBOOK_MAX_IMAGE_BYTES = 10
    client.force_login(team.participant)
    response = create(
        client,
        team.investigation,
        content="<p>x</p>",
        image=SimpleUploadedFile("big.png", png(), content_type="image/png"),
    )
    assert "larger than" in response.content.decode()
    assert timeline(team.investigation) == []


def test_empty_entry_shows_an_error_and_stores_nothing(client, team) -> None:
    client.force_login(team.participant)
    response = create(client, team.investigation, content="")
    assert response.status_code == 400 and "Write something" in response.content.decode()
    assert timeline(team.investigation) == []


def test_comment_on_a_notification_links_to_it(client, team, add_event) -> None:
    note = add_event(team.investigation, text="collect(osc=0.1)")
    client.force_login(team.participant)
    create(client, team.investigation, content="<p>why so fast?</p>", parent=note["_id"])
    comment = timeline(team.investigation)[0]
    assert comment["parentEventId"] == note["_id"]
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk])
    ).content.decode()
    assert f'on <a href="#event-{note["_id"]}">collect(osc=0.1)</a>' in page


def test_edit_keeps_the_previous_version_in_the_history(client, team, add_event) -> None:
    doc = add_event(
        team.investigation,
        type="annotation",
        category="comment",
        by=team.participant.username,
        html="<p>first draft</p>",
    )
    client.force_login(team.principal_investigator)
    edit = reverse("logbook:event-edit", args=[doc["_id"]])
    assert "first draft" in client.get(edit).content.decode()
    assert (
        client.post(
            edit, {"title": "Final", "content": "<p>final text</p>", "tags": "done"}
        ).status_code
        == 302
    )
    history = client.get(reverse("logbook:event-history", args=[doc["_id"]])).content.decode()
    assert history.index("final text") < history.index("first draft")
    assert "2 versions" in history
    assert timeline(team.investigation)[0]["tag"] == ["done"]


def test_notifications_cannot_be_edited(client, team, add_event) -> None:
    doc = add_event(team.investigation, text="mv phi 90")
    client.force_login(team.staff)
    assert client.get(reverse("logbook:event-edit", args=[doc["_id"]])).status_code == 403


def test_remove_then_restore(client, team, add_event) -> None:
    doc = add_event(team.investigation, text="mistake")
    client.force_login(team.participant)
    client.post(reverse("logbook:event-remove", args=[doc["_id"]]))
    assert timeline(team.investigation) == []
    removed_view = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk]) + "?removed=1"
    )
    assert "mistake" in removed_view.content.decode() and "Restore" in removed_view.content.decode()
    client.post(reverse("logbook:event-restore", args=[doc["_id"]]))
    assert len(timeline(team.investigation)) == 1


@pytest.mark.parametrize("who,status", [("outsider", 404), ("other_scientist", 404)])
def test_outsiders_cannot_touch_events(client, team, add_event, who, status) -> None:
    doc = add_event(team.investigation, type="annotation", category="comment", html="<p>x</p>")
    client.force_login(getattr(team, who))
    for name in ("event-edit", "event-history"):
        assert client.get(reverse(f"logbook:{name}", args=[doc["_id"]])).status_code == status
    assert client.post(reverse("logbook:event-remove", args=[doc["_id"]])).status_code == status
    assert len(timeline(team.investigation)) == 1


def test_tags_created_with_a_colour_per_investigation(client, team) -> None:
    client.force_login(team.participant)
    tags_url = reverse("logbook:investigation-tags", args=[team.investigation.pk])
    client.post(tags_url, {"name": "best sample", "colour": "#d63384"})
    client.post(tags_url, {"name": "bad", "colour": "red"})
    assert list(Tag.objects.values_list("name", "colour")) == [("best sample", "#d63384")]
    create(client, team.investigation, content="<p>great</p>", tags="best sample, new one")
    page = client.get(
        reverse("logbook:investigation", args=[team.investigation.pk])
    ).content.decode()
    assert 'style="--tag: #d63384">best sample</span>' in page
    assert Tag.objects.filter(investigation=team.investigation, name="new one").exists()
