"""E-mails to the team and the local contact: refused (with the reason), at stores, sent back."""

from __future__ import annotations

from django.core import mail

from shipments.workflow import Status
from tests.shipments.factories import safety_officer


def _members(team) -> set[str]:
    return {
        u.email
        for u in (
            team.principal_investigator,
            team.participant,
            team.collaborator,
            team.local_contact,
        )
    }


def test_refusal_emails_the_team_and_local_contact_with_the_reason(
    team, parcel, django_capture_on_commit_callbacks
) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        parcel.move_to(
            Status.REFUSED, by=safety_officer(), comment="Pack the dewar in absorbent material"
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == _members(team)
    assert team.scientist.email not in message.to and team.outsider.email not in message.to
    assert parcel.code in message.subject and "Refused" in message.subject
    assert "Pack the dewar in absorbent material" in message.body
    assert parcel.get_absolute_url() in message.body


def test_arrival_at_stores_and_return_are_emailed(
    team, parcel, django_capture_on_commit_callbacks
) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    parcel.move_to(Status.APPROVED, by=safety_officer())
    parcel.move_to(Status.SENT, by=team.participant, tracking_number="1Z1", forwarder="DHL")
    with django_capture_on_commit_callbacks(execute=True):
        parcel.move_to(Status.STORES, by=team.staff, location="Stores, building 40")
        parcel.move_to(Status.BACK_USER, by=team.staff, tracking_number="RET-778")
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2 and "At stores" in subjects[0] and "Sent back" in subjects[1]
    assert "Stores, building 40" in mail.outbox[0].body
    assert "RET-778" in mail.outbox[1].body


def test_other_changes_send_no_email(team, parcel, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        parcel.move_to(Status.READY, by=team.participant)
        parcel.move_to(Status.APPROVED, by=safety_officer())
    assert mail.outbox == []
