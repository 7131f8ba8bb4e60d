"""The principal investigator's "Release now": who may, what the confirmation says, and that the
session is public at once (the stored flag, /public/), the team e-mailed and the release audited."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from catalogue.models import AccessEvent, AccessEventKind, Investigation
from tests import factories

pytestmark = pytest.mark.django_db


def _url(team) -> str:
    return reverse("catalogue:investigation-release", args=[team.investigation.pk])


def test_pi_sees_what_becomes_public_before_confirming(client, team) -> None:
    factories.SampleFactory(investigation=team.investigation)
    client.force_login(team.principal_investigator)
    page = client.get(team.investigation.get_absolute_url()).content.decode()
    assert _url(team) in page  # the button
    response = client.get(_url(team))
    body = response.content.decode()
    assert response.status_code == 200
    for label in ("datasets", "files", "samples", "logbook events", "DOI"):
        assert label in body
    assert not Investigation.objects.get(pk=team.investigation.pk).is_public


def test_release_now_makes_the_session_public_at_once(
    client, team, django_capture_on_commit_callbacks
) -> None:
    client.force_login(team.principal_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(team))
    assert response.status_code == 302
    investigation = Investigation.objects.get(pk=team.investigation.pk)
    assert investigation.is_public and investigation.is_released
    client.logout()
    assert investigation.title in client.get(reverse("catalogue:public")).content.decode()
    assert client.get(investigation.get_absolute_url()).status_code == 200
    [message] = [m for m in mail.outbox if "is now public" in m.subject]
    assert team.participant.email in message.to and team.collaborator.email in message.to
    [event] = AccessEvent.objects.filter(investigation=investigation)
    assert event.kind == AccessEventKind.RELEASED and event.actor == team.principal_investigator


@pytest.mark.parametrize(
    "who", ["participant", "collaborator", "local_contact", "scientist", "staff"]
)
def test_only_the_pi_may_release(client, team, who) -> None:
    client.force_login(getattr(team, who))
    assert client.get(_url(team)).status_code == 403
    assert client.post(_url(team)).status_code == 403
    assert not Investigation.objects.get(pk=team.investigation.pk).is_public
    assert not AccessEvent.objects.exists()


def test_outsider_gets_404_as_for_a_nonexistent_session(client, team) -> None:
    client.force_login(team.outsider)
    assert client.post(_url(team)).status_code == 404
    assert client.get(reverse("catalogue:investigation-release", args=[987654])).status_code == 404
    assert not Investigation.objects.get(pk=team.investigation.pk).is_public


def test_proprietary_session_cannot_be_released(client, team) -> None:
    Investigation.objects.filter(pk=team.investigation.pk).update(proprietary=True)
    client.force_login(team.principal_investigator)
    response = client.post(_url(team))
    assert response.status_code == 302  # back to the session, with the reason
    investigation = Investigation.objects.get(pk=team.investigation.pk)
    assert not investigation.is_public and not AccessEvent.objects.exists()


def test_a_failing_release_leaves_neither_change_nor_audit_row(client, team, monkeypatch) -> None:
    from catalogue import policy

    def broken(**kwargs):
        raise RuntimeError("mail queue refused")

    monkeypatch.setattr(policy, "mail_send", broken)
    client.raise_request_exception = False
    client.force_login(team.principal_investigator)
    assert client.post(_url(team)).status_code == 500
    assert not Investigation.objects.get(pk=team.investigation.pk).is_public
    assert not AccessEvent.objects.exists()
