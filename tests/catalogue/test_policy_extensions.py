"""Embargo extensions: the PI asks with a reason, within the limits; the data-policy office (its
group, or a superuser) answers on its own screen; the release date moves only on approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalogue.models import (
    AccessEvent,
    AccessEventKind,
    EmbargoExtension,
    ExtensionStatus,
    Investigation,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    user = factories.UserFactory(username="policy-officer")
    user.groups.add(
        Group.objects.get_or_create(name="Data policy")[0]
    )  # the migration made it; a flush may not
    return user


def _ask_url(team) -> str:
    return reverse("catalogue:investigation-extension", args=[team.investigation.pk])


def _ask(client, team, days: int, reason: str = "Paper under review"):
    team.investigation.refresh_from_db()
    day = timezone.localdate(team.investigation.release_date + timedelta(days=days))
    return client.post(_ask_url(team), {"new_release_date": day.isoformat(), "reason": reason})


def _decide(client, extension, decision: str, answer: str = "As the policy allows"):
    url = reverse("catalogue:policy-extension-decide", args=[extension.pk])
    return client.post(url, {"decision": decision, "answer": answer})


def _release_date(team):
    return Investigation.objects.get(pk=team.investigation.pk).release_date


def test_pi_asks_and_the_office_approves(
    client, team, officer, django_capture_on_commit_callbacks
) -> None:
    before = team.investigation.release_date
    client.force_login(team.principal_investigator)
    assert _ask(client, team, 200).status_code == 302
    extension = EmbargoExtension.objects.get()
    assert extension.status == ExtensionStatus.PENDING and _release_date(team) == before
    client.force_login(officer)
    queue = client.get(reverse("catalogue:policy-extensions")).content.decode()
    assert team.investigation.name in queue and "Paper under review" in queue
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(client, extension, "approve").status_code == 302
    assert timezone.localdate(_release_date(team)) == timezone.localdate(
        before + timedelta(days=200)
    )
    kinds = list(AccessEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [AccessEventKind.EXTENSION_REQUESTED, AccessEventKind.EXTENSION_APPROVED]
    [answer] = [m for m in mail.outbox if "Embargo extension" in m.subject]
    assert team.principal_investigator.email in answer.to and "approved" in answer.subject


def test_a_refusal_keeps_the_date_and_tells_the_pi_why(
    client, team, officer, django_capture_on_commit_callbacks
) -> None:
    before = team.investigation.release_date
    client.force_login(team.principal_investigator)
    _ask(client, team, 100)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, EmbargoExtension.objects.get(), "refuse", "No grounds given")
    assert _release_date(team) == before
    assert EmbargoExtension.objects.get().status == ExtensionStatus.REFUSED
    [answer] = [m for m in mail.outbox if "Embargo extension" in m.subject]
    assert "No grounds given" in answer.body


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [
        (-10, "why", "after the current release date"),
        (0, "why", "after the current release date"),
        (731, "why", "At most 730 days"),
        (100, "   ", "Say why"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_error(client, team, days, reason, message) -> None:
    client.force_login(team.principal_investigator)
    response = _ask(client, team, days, reason)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EmbargoExtension.objects.exists() and not AccessEvent.objects.exists()


def test_at_most_two_extensions_and_one_pending_at_a_time(client, team, officer) -> None:
    client.force_login(team.principal_investigator)
    _ask(client, team, 10)
    second = _ask(client, team, 20)
    assert "already waiting" in second.content.decode()
    for _ in range(2):
        client.force_login(officer)
        _decide(client, EmbargoExtension.objects.get(status="pending"), "approve")
        client.force_login(team.principal_investigator)
        _ask(client, team, 10)
    response = _ask(client, team, 10)
    assert response.status_code == 400 and "the most allowed" in response.content.decode()
    assert EmbargoExtension.objects.filter(status="approved").count() == 2
    assert not EmbargoExtension.objects.filter(status="pending").exists()


@pytest.mark.parametrize("who", ["participant", "collaborator", "local_contact", "staff"])
def test_only_the_pi_asks(client, team, who) -> None:
    client.force_login(getattr(team, who))
    assert _ask(client, team, 10).status_code == 403
    assert not EmbargoExtension.objects.exists()


def test_hidden_session_is_404_to_outsiders(client, team) -> None:
    client.force_login(team.outsider)
    assert _ask(client, team, 10).status_code == 404


@pytest.mark.parametrize("who", ["principal_investigator", "staff", "outsider"])
def test_only_the_office_answers(client, team, who) -> None:
    extension = EmbargoExtension.objects.create(
        investigation=team.investigation,
        requested_by=team.principal_investigator,
        current_release_date=team.investigation.release_date,
        new_release_date=team.investigation.release_date + timedelta(days=30),
        reason="why",
    )
    client.force_login(getattr(team, who))
    assert client.get(reverse("catalogue:policy-extensions")).status_code == 404
    assert _decide(client, extension, "approve").status_code == 404
    assert EmbargoExtension.objects.get().status == ExtensionStatus.PENDING


def test_superusers_count_as_the_office(client, team) -> None:
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("catalogue:policy-extensions")).status_code == 200


def test_the_queue_pages_by_keyset_with_capped_queries(
    client, officer, django_assert_max_num_queries, settings
) -> None:
    from catalogue.views import policy as views

    for _ in range(views.PAGE_SIZE + 3):
        investigation = factories.InvestigationFactory()
        EmbargoExtension.objects.create(
            investigation=investigation,
            current_release_date=investigation.release_date,
            new_release_date=investigation.release_date + timedelta(days=30),
            reason="why",
        )
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("catalogue:policy-extensions"))
    assert first.content.decode().count('class="extension-row"') == views.PAGE_SIZE
    cursor = first.context["page"].next_cursor
    second = client.get(reverse("catalogue:policy-extensions"), {"cursor": cursor})
    assert second.content.decode().count('class="extension-row"') == 3
