"""The proprietary flag: set by the data-policy office with a reason, audited; nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from catalogue.models import AccessEvent, AccessEventKind, Investigation
from tests import factories

pytestmark = pytest.mark.django_db


def _url(team) -> str:
    return reverse("catalogue:investigation-proprietary", args=[team.investigation.pk])


@pytest.fixture
def officer(db):
    user = factories.UserFactory(username="policy-officer")
    user.groups.add(Group.objects.get_or_create(name="Data policy")[0])
    return user


def test_office_makes_a_session_proprietary_with_a_reason(client, team, officer) -> None:
    client.force_login(officer)
    response = client.post(_url(team), {"proprietary": "on", "reason": "Industrial contract"})
    assert response.status_code == 302
    assert Investigation.objects.get(pk=team.investigation.pk).proprietary
    [event] = AccessEvent.objects.all()
    assert event.kind == AccessEventKind.PROPRIETARY_SET and event.reason == "Industrial contract"


def test_no_reason_no_change(client, team, officer) -> None:
    client.force_login(officer)
    response = client.post(_url(team), {"proprietary": "on", "reason": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert not Investigation.objects.get(pk=team.investigation.pk).proprietary
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("who", ["principal_investigator", "participant", "scientist", "staff"])
def test_nobody_else_sets_it(client, team, who) -> None:
    client.force_login(getattr(team, who))
    assert client.post(_url(team), {"proprietary": "on", "reason": "x"}).status_code == 403
    assert not Investigation.objects.get(pk=team.investigation.pk).proprietary


def test_outsider_gets_404(client, team) -> None:
    client.force_login(team.outsider)
    assert client.post(_url(team), {"proprietary": "on", "reason": "x"}).status_code == 404
