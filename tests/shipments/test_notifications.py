"""E-mails to the team and the local contact: refused (with the reason), at stores, sent back."""

from __future__ import annotations

from django.core import mail

from shipments.notifications import parcel_status_notify
from shipments.workflow import Status
from tests.shipments.factories import safety_officer
from tests.workers import wait_for


def _members(team) -> set[str]:
    people = (team.principal_investigator, team.participant, team.collaborator, team.local_contact)
    return {u.email for u in people}


def test_refusal_email_goes_to_the_team_and_local_contact_with_the_reason(
    team, parcel, django_capture_on_commit_callbacks
) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    entry = parcel.move_to(
        Status.REFUSED, by=safety_officer(), comment="Pack it in absorbent", notify=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert parcel_status_notify(status_id=entry.pk) == 4
    message = mail.outbox[0]
    assert set(message.to) == _members(team)
    assert team.scientist.email not in message.to and team.outsider.email not in message.to
    assert parcel.code in message.subject and "Refused" in message.subject
    assert "Pack it in absorbent" in message.body
    assert parcel.get_absolute_url() in message.body


def test_arrival_at_stores_and_return_emails_say_where_and_how(
    team, parcel, django_capture_on_commit_callbacks
) -> None:
    parcel.move_to(Status.READY, by=team.participant)
    parcel.move_to(Status.APPROVED, by=safety_officer())
    parcel.move_to(Status.SENT, by=team.participant, tracking_number="1Z1", forwarder="DHL")
    with django_capture_on_commit_callbacks(execute=True):
        parcel.move_to(Status.STORES, by=team.staff, location="Stores, building 40")
        parcel.move_to(Status.BACK_USER, by=team.staff, tracking_number="RET-778")
    assert "At stores" in mail.outbox[0].subject and "Stores, building 40" in mail.outbox[0].body
    assert "Sent back" in mail.outbox[1].subject and "RET-778" in mail.outbox[1].body


def test_only_refused_stores_and_back_user_schedule_an_email(
    team, parcel, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as quiet:
        parcel.move_to(Status.READY, by=team.participant)
        parcel.move_to(Status.APPROVED, by=safety_officer())
        parcel.move_to(Status.SENT, by=team.participant, tracking_number="1Z")
    with django_capture_on_commit_callbacks() as loud:
        parcel.move_to(Status.STORES, by=team.staff)
        parcel.move_to(Status.BEAMLINE, by=team.staff)
        parcel.move_to(Status.BACK_STORES, by=team.staff)
        parcel.move_to(Status.BACK_USER, by=team.staff, tracking_number="R1")
    assert len(quiet) == 0 and len(loud) == 2


def test_a_refusal_is_emailed_by_a_real_worker_after_the_commit(celery_worker) -> None:
    from tests import factories
    from tests.shipments.factories import ItemFactory, ParcelFactory

    team = factories.make_team()
    parcel = ParcelFactory(shipment__investigation=team.investigation)
    ItemFactory(parcel=parcel)
    parcel.move_to(Status.READY, by=team.participant)
    parcel.move_to(Status.REFUSED, by=safety_officer(), comment="Leaking")  # commits: enqueued
    wait_for(
        lambda: (
            f"e-mailed 4 people: [{team.investigation.name}] Parcel {parcel.code}"
            in celery_worker.log()
        ),
        timeout=90,
        message=f"the worker to send the e-mail; log:\n{celery_worker.log()}",
    )
