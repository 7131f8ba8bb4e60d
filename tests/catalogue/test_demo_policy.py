"""The demo's data-policy step: an officer who can log in to her queue, and a believable trail."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from catalogue import demo_policy
from catalogue.models import AccessEvent, EmbargoExtension, InvestigationUser, Role
from portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_officer_finds_a_waiting_request_and_a_history(client) -> None:
    marie = factories.UserFactory(username="mdubois")
    factories.UserFactory(username="rbrown")
    for _ in range(2):
        investigation = factories.InvestigationFactory()
        InvestigationUser.objects.create(
            investigation=investigation, user=marie, role=Role.PRINCIPAL_INVESTIGATOR
        )
    demo_policy.seed(out=io.StringIO())
    officer = User.objects.get(username="lfischer")
    assert officer.check_password("demo") and officer.groups.filter(name="Data policy").exists()
    client.force_login(officer)
    queue = client.get(reverse("catalogue:policy-extensions")).content.decode()
    assert "A PhD thesis builds on these data" in queue
    assert EmbargoExtension.objects.filter(status="pending").count() == 1
    trail = client.get(reverse("catalogue:audit")).content.decode()
    assert trail.count('class="access-event"') == AccessEvent.objects.count() >= 4
    demo_policy.seed(out=io.StringIO())  # seed_demo runs twice: nothing more the second time
    assert trail.count('class="access-event"') == AccessEvent.objects.count()
