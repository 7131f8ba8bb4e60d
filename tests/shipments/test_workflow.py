"""parcel.move_to: the history it writes, the reasons it gives, and the content lock."""

from __future__ import annotations

import pytest

from shipments.models import ParcelStatus
from shipments.workflow import Status, TransitionRefused, edit_refusal, next_scan_status
from tests.shipments.factories import ParcelFactory, safety_officer


def test_every_change_is_kept_with_who_when_where_and_comment(team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant, comment="all packed")
    parcel.move_to(Status.APPROVED, by=safety_officer(), location="Safety office")
    parcel.move_to(Status.SENT, by=team.participant, tracking_number="1Z999", forwarder="DHL")
    history = list(parcel.history.order_by("created_at", "id"))
    assert [h.status for h in history] == ["CREATED", "READY", "APPROVED", "SENT"]
    assert history[1].created_by == team.participant and history[1].comment == "all packed"
    assert history[2].location == "Safety office"
    parcel.refresh_from_db()
    assert (parcel.status, parcel.tracking_number, parcel.forwarder) == ("SENT", "1Z999", "DHL")


def test_refusal_without_a_reason_is_refused_and_changes_nothing(team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    with pytest.raises(TransitionRefused, match="reason is required"):
        parcel.move_to(Status.REFUSED, by=safety_officer(), comment="  ")
    parcel.refresh_from_db()
    assert parcel.status == "READY"
    assert not ParcelStatus.objects.filter(parcel=parcel, status="REFUSED").exists()


def test_sending_needs_a_tracking_number(team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    parcel.move_to(Status.APPROVED, by=safety_officer())
    with pytest.raises(TransitionRefused, match="tracking number is required"):
        parcel.move_to(Status.SENT, by=team.participant)


def test_team_member_cannot_skip_a_status_and_is_told_the_next_ones(team, parcel) -> None:
    with pytest.raises(
        TransitionRefused, match="cannot go from “Created” to “Sent.*next can be: Ready"
    ):
        parcel.move_to(Status.SENT, by=team.participant, tracking_number="1Z")


def test_team_member_cannot_approve_their_own_parcel(team, parcel) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    with pytest.raises(TransitionRefused, match="Only the safety team"):
        parcel.move_to(Status.APPROVED, by=team.principal_investigator)


def test_an_empty_parcel_cannot_be_declared_ready(team) -> None:
    empty = ParcelFactory(shipment__investigation=team.investigation)
    with pytest.raises(TransitionRefused, match="empty parcel"):
        empty.move_to(Status.READY, by=team.participant)


def test_ready_locks_the_content_and_refused_unlocks_it(team, parcel) -> None:
    assert edit_refusal(parcel, team.participant) is None
    parcel.move_to(Status.READY, by=team.participant)
    assert "locked" in edit_refusal(parcel, team.participant)
    parcel.move_to(Status.REFUSED, by=safety_officer(), comment="no absorbent")
    assert edit_refusal(parcel, team.participant) is None
    assert "Only the experiment team" in edit_refusal(parcel, team.outsider)


def test_a_finished_parcel_says_its_journey_is_over(team, parcel) -> None:
    parcel.move_to(Status.REMOVED, by=team.participant)
    with pytest.raises(TransitionRefused, match="journey is over"):
        parcel.move_to(Status.READY, by=team.participant)


def test_scanning_takes_a_parcel_to_its_next_place(team) -> None:
    parcel = ParcelFactory(shipment__investigation=team.investigation, status=Status.SENT)
    assert next_scan_status(parcel) == Status.STORES
    parcel.status = Status.BACK_STORES
    assert next_scan_status(parcel) == Status.BACK_USER
    parcel.return_instructions = "destroy"
    assert next_scan_status(parcel) == Status.DESTROYED
    parcel.status = Status.APPROVED  # never marked sent: stores receive it all the same
    assert next_scan_status(parcel) == Status.STORES
    parcel.status = Status.READY
    assert next_scan_status(parcel) is None


def test_unknown_status_is_refused_clearly(team, parcel) -> None:
    with pytest.raises(TransitionRefused, match="not a parcel status"):
        parcel.move_to("LOST", by=team.participant)
