"""E-mail goes one way: portal.mail renders it, the mail task delivers it after the commit and
tries again with backoff when the server refuses or cannot be reached."""

from __future__ import annotations

import smtplib
import socket

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse

from portal.mail import mail_send
from portal.tasks import mail_deliver
from tests import factories
from tests.mail_backends import OUTAGE_MARKER, FlakyLocmemBackend
from tests.workers import wait_for

FACILITY = settings.FACILITY_NAME


def _context(team) -> dict:
    return {"investigation": team.investigation, "user": team.outsider, "by": team.participant}


def test_mail_is_sent_only_after_the_commit(team, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        mail_send(
            to=["anna@example.org", "", "anna@example.org"],
            template="collaborator_added",
            context=_context(team),
        )
        assert mail.outbox == []

    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["anna@example.org"]
    assert message.subject == f"You now have access to {team.investigation.name} ({FACILITY})"
    assert team.investigation.get_absolute_url() in message.body
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html" and team.investigation.name in html


def test_rolled_back_change_sends_nothing(team, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            mail_send(
                to=["anna@example.org"], template="collaborator_added", context=_context(team)
            )
            raise RuntimeError

    assert callbacks == [] and mail.outbox == []


def test_text_only_template_has_no_html_part(team, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        mail_send(to=["anna@example.org"], template="collaborator_removed", context=_context(team))

    assert mail.outbox[0].alternatives == []


def test_refused_message_is_retried_until_it_goes_through(settings, monkeypatch) -> None:
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyLocmemBackend"
    monkeypatch.setattr(FlakyLocmemBackend, "failures_left", 2)

    result = mail_deliver.apply(kwargs={"to": ["a@example.org"], "subject": "S", "text": "T"})

    assert result.successful() and result.result == 1
    assert FlakyLocmemBackend.failures_left == 0
    assert [m.subject for m in mail.outbox] == ["S"]


def test_retries_stop_after_mail_max_retries(settings, monkeypatch) -> None:
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyLocmemBackend"
    monkeypatch.setattr(FlakyLocmemBackend, "failures_left", 100)

    result = mail_deliver.apply(kwargs={"to": ["a@example.org"], "subject": "S", "text": "T"})

    assert result.failed() and isinstance(result.result, smtplib.SMTPServerDisconnected)
    assert 100 - FlakyLocmemBackend.failures_left == settings.MAIL_MAX_RETRIES + 1
    assert mail.outbox == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_adding_a_collaborator_with_smtp_down_answers_at_once_and_mail_arrives_later(
    client, mail_worker, settings
) -> None:
    worker, outbox = mail_worker
    # Were anything sent inside the request, it would fail against this closed port.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    (outbox / OUTAGE_MARKER).touch()  # the worker's server is down too
    team = factories.make_team()
    newcomer = factories.UserFactory(email="anna@example.org")
    client.force_login(team.principal_investigator)

    response = client.post(
        reverse("catalogue:team-add", args=[team.investigation.pk]), {"user": newcomer.username}
    )

    assert response.status_code == 302
    assert team.investigation.members.filter(user=newcomer).exists()
    wait_for(
        lambda: "Retry in" in worker.log(),
        timeout=90,
        message=f"the worker to fail and plan a retry; log:\n{worker.log()}",
    )
    assert not list(outbox.glob("*.log"))
    (outbox / OUTAGE_MARKER).unlink()  # the server is back
    sent = wait_for(
        lambda: list(outbox.glob("*.log")),
        timeout=90,
        message=f"the retried e-mail; log:\n{worker.log()}",
    )
    (message,) = [path.read_text() for path in sent]
    assert "To: anna@example.org" in message
    assert f"You now have access to {team.investigation.name}" in message
