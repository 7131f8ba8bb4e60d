"""Access requests by proposal name: same answer whether the proposal exists or not; the PI
approves (-> Collaborator) or declines on the team tab; both sides get e-mails; all recorded."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from catalogue.models import AccessRequest, Role, TeamChange
from tests import factories
from tests.access_matrix.walk import normalise

pytestmark = pytest.mark.django_db
NEW = reverse("catalogue:access-request-new")


def _normalise(html: str) -> str:
    """The page minus what legitimately differs between two requests (CSRF tokens, names, dates)."""
    html = re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r"<strong>[^<]+</strong> · [^<]+</span>", "", html)


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get(NEW)
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_wrong_method_is_405(client, team) -> None:
    client.force_login(team.outsider)
    assert client.put(NEW).status_code == 405


def test_answer_is_the_same_whether_the_proposal_exists_or_not(
    client, team, django_capture_on_commit_callbacks
) -> None:
    answers, mails = [], []
    for proposal, user in (
        (team.investigation.name, team.outsider),
        ("XX-0000", factories.UserFactory()),
    ):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(NEW, {"proposal": proposal}, follow=True)
        assert response.status_code == 200
        answers.append(
            _normalise(response.content.decode())
            .replace(proposal, "P")
            .replace(user.display_name, "U")
            .replace(user.username, "U")
        )
        (to_requester,) = [m for m in mail.outbox if m.to == [user.email]]
        mails.append(to_requester.body.replace(proposal, "P").replace(user.display_name, "U"))
    assert answers[0] == answers[1]
    assert "was sent" in answers[0]
    assert mails[0] == mails[1]
    assert AccessRequest.objects.count() == 2  # both stored: nothing tells them apart


def test_pi_is_told_and_sees_the_pending_request(
    client, team, django_capture_on_commit_callbacks
) -> None:
    client.force_login(team.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            NEW, {"proposal": team.investigation.name.lower(), "message": "I processed the data."}
        )
    to_pi = [m for m in mail.outbox if m.to == [team.principal_investigator.email]]
    assert len(to_pi) == 1 and team.outsider.display_name in to_pi[0].subject
    assert "I processed the data." in to_pi[0].body
    assert TeamChange.objects.filter(
        investigation=team.investigation, action="requested", by=team.outsider
    ).exists()
    client.force_login(team.principal_investigator)
    body = client.get(
        reverse("catalogue:investigation-team", args=[team.investigation.pk])
    ).content.decode()
    assert f'data-requester="{team.outsider.username}"' in body and "I processed the data." in body


def test_blank_proposal_is_a_field_error(client, team) -> None:
    client.force_login(team.outsider)
    response = client.post(NEW, {"proposal": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not AccessRequest.objects.exists()


@pytest.fixture
def pending(team, client, django_capture_on_commit_callbacks) -> AccessRequest:
    client.force_login(team.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, {"proposal": team.investigation.name})
    mail.outbox.clear()
    return AccessRequest.objects.get()


def _decide(team, access_request, decision: str) -> str:
    return reverse(
        f"catalogue:access-request-{decision}", args=[team.investigation.pk, access_request.pk]
    )


def test_pi_approves_and_the_requester_becomes_a_collaborator(
    client, team, pending, django_capture_on_commit_callbacks
) -> None:
    client.force_login(team.principal_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_decide(team, pending, "approve"))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decided_by == team.principal_investigator
    assert team.investigation.members.get(user=team.outsider).role == Role.COLLABORATOR
    assert TeamChange.objects.filter(
        action="approved", user=team.outsider, by=team.principal_investigator
    ).exists()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([team.outsider.email, team.principal_investigator.email])
    assert "approved" in next(m for m in mail.outbox if m.to == [team.outsider.email]).subject
    client.force_login(team.outsider)
    assert client.get(team.investigation.get_absolute_url()).status_code == 200


def test_pi_declines(client, team, pending, django_capture_on_commit_callbacks) -> None:
    client.force_login(team.principal_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_decide(team, pending, "decline"), headers={"HX-Request": "true"})
    pending.refresh_from_db()
    assert pending.status == "declined"
    assert not team.investigation.members.filter(user=team.outsider).exists()
    assert "declined" in next(m for m in mail.outbox if m.to == [team.outsider.email]).subject
    client.force_login(team.outsider)
    assert client.get(team.investigation.get_absolute_url()).status_code == 404


def test_a_decided_request_cannot_be_decided_again(client, team, pending) -> None:
    client.force_login(team.principal_investigator)
    client.post(_decide(team, pending, "decline"))
    assert client.post(_decide(team, pending, "approve")).status_code == 404
    assert not team.investigation.members.filter(user=team.outsider).exists()


@pytest.mark.parametrize("who", ["participant", "scientist"])
def test_only_the_pi_answers(client, team, pending, who) -> None:
    client.force_login(getattr(team, who))
    assert client.post(_decide(team, pending, "approve")).status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_request_for_another_proposal_cannot_be_approved_here(client, team) -> None:
    other = AccessRequest.objects.create(requester=team.outsider, proposal="XX-0000")
    client.force_login(team.principal_investigator)
    assert client.post(_decide(team, other, "approve")).status_code == 404
    assert not team.investigation.members.filter(user=team.outsider).exists()


def test_requester_sees_their_requests(client, team, pending) -> None:
    factories.UserFactory()
    client.force_login(team.outsider)
    body = client.get(NEW).content.decode()
    assert (
        'id="my-access-requests"' in body and team.investigation.name in body and "Pending" in body
    )


def test_twenty_identical_requests_make_one_and_email_the_pi_once(
    client, team, django_capture_on_commit_callbacks
) -> None:
    client.force_login(team.outsider)
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            answers.append(client.post(NEW, {"proposal": team.investigation.name}))

    assert answers[0].status_code == 302
    assert {a.status_code for a in answers[1:]} == {200}
    assert "is already pending" in answers[1].text
    assert AccessRequest.objects.count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [team.outsider.email, team.principal_investigator.email]
    )


def test_already_pending_answer_is_the_same_whether_the_proposal_exists_or_not(
    client, team
) -> None:
    answers = []
    for proposal, user in (
        (team.investigation.name, team.outsider),
        ("XX-0000", factories.UserFactory()),
    ):
        client.force_login(user)
        client.post(NEW, {"proposal": proposal})
        again = client.post(NEW, {"proposal": proposal.lower()})
        answers.append(
            _normalise(again.text)
            .replace(proposal, "P")
            .replace(proposal.lower(), "p")
            .replace(user.display_name, "U")
            .replace(user.username, "U")
        )

    assert answers[0] == answers[1] and "is already pending" in answers[0]


def test_a_decided_request_can_be_made_again(client, team, pending) -> None:
    pending.status = "declined"
    pending.save()

    response = client.post(NEW, {"proposal": team.investigation.name})

    assert response.status_code == 302
    assert AccessRequest.objects.filter(status="pending").count() == 1


def test_daily_cap_refuses_with_429_and_sends_nothing(
    client, team, settings, django_capture_on_commit_callbacks
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.ACCESS_REQUEST_DAILY_LIMIT = 3
    AccessRequest.objects.create(
        requester=team.outsider, proposal="OLD-1", created_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(team.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        made = [client.post(NEW, {"proposal": f"XX-{n}"}).status_code for n in range(3)]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(NEW, {"proposal": team.investigation.name})

    assert made == [302, 302, 302]  # the request of two days ago does not count
    assert refused.status_code == 429
    assert "3 access requests in the last 24 hours" in refused.text
    assert not AccessRequest.objects.filter(proposal=team.investigation.name).exists()
    assert mail.outbox == []


def test_someone_elses_request_reads_like_a_missing_one(client, team, pending) -> None:
    """The PI of another proposal cannot answer (or learn of) this one's requests."""
    other_team = factories.make_team()
    client.cookies.clear()  # the requester's "request sent" message
    client.force_login(other_team.principal_investigator)

    def approve(request_pk: int):
        return client.post(
            reverse(
                "catalogue:access-request-approve", args=[other_team.investigation.pk, request_pk]
            )
        )

    hidden, missing = approve(pending.pk), approve(pending.pk + 1000)
    assert hidden.status_code == missing.status_code == 404
    assert normalise(hidden.content) == normalise(missing.content)
    pending.refresh_from_db()
    assert pending.status == "pending"
