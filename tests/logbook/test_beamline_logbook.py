"""The beamline logbook: scientists of the beamline and staff only; broadcasts by staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from logbook.services import event_create
from logbook.store import EventQuery, get_store


def url(team, **extra) -> str:
    return reverse("logbook:beamline", args=[team.investigation.instrument.name])


def beamline_note(team, text: str) -> dict:
    return event_create(
        investigation=None,
        instrument=team.investigation.instrument,
        type="annotation",
        category="comment",
        by="pnovak",
        html=f"<p>{text}</p>",
    )


@pytest.mark.parametrize(
    "who,status",
    [
        ("scientist", 200),
        ("staff", 200),
        ("other_scientist", 404),
        ("participant", 404),
        ("outsider", 404),
    ],
)
def test_beamline_logbook_access(client, team, who, status) -> None:
    beamline_note(team, "weekly alignment")
    client.force_login(getattr(team, who))
    response = client.get(url(team))
    assert response.status_code == status
    if status == 200:
        assert "weekly alignment" in response.content.decode()


def test_anonymous_gets_404(client, team) -> None:
    assert client.get(url(team)).status_code == 404
    assert client.get(reverse("logbook:beamline", args=["NOPE"])).status_code == 404


def test_beamline_view_across_its_investigations(client, team, add_event) -> None:
    beamline_note(team, "weekly alignment")
    add_event(team.investigation, text="collect in a session")
    client.force_login(team.scientist)
    own = client.get(url(team)).content.decode()
    assert "weekly alignment" in own and "collect in a session" not in own
    across = client.get(url(team) + "?scope=all").content.decode()
    assert "weekly alignment" in across and "collect in a session" in across


def test_scientist_writes_in_the_beamline_logbook_but_cannot_broadcast(client, team) -> None:
    client.force_login(team.scientist)
    create = reverse("logbook:beamline-create", args=[team.investigation.instrument.name])
    client.post(create, {"content": "<p>detector calibrated</p>", "broadcast": "on"})
    doc = get_store().find(
        EventQuery(instrument_name=team.investigation.instrument.name, beamline_only=True)
    )[0][0]
    assert doc["type"] == "annotation" and doc["investigationId"] is None


def test_staff_broadcast_appears_in_every_logbook_of_the_period(client, team) -> None:
    client.force_login(team.staff)
    create = reverse("logbook:beamline-create", args=[team.investigation.instrument.name])
    response = client.post(
        create, {"title": "Beam loss", "content": "<p>RF trip</p>", "broadcast": "on"}
    )
    assert response.status_code == 302
    # The broadcast was sent now; move the session's period around it to see it there.
    from django.utils import timezone

    inv = team.investigation
    inv.end_date = timezone.now()
    inv.save()
    client.force_login(team.participant)
    page = client.get(reverse("logbook:investigation", args=[inv.pk])).content.decode()
    assert "Beam loss" in page and "Broadcast" in page
