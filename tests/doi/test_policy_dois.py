"""Data-policy changes reach DataCite through the existing DOI tasks, and the DOI mints and
withdrawals they cause are in the audit trail once each."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from catalogue import policy
from catalogue.models import AccessEvent, AccessEventKind
from doi import services, tasks
from doi.models import DoiState
from tests import factories
from tests.doi.datacite_standin import PASSWORD, REPOSITORY_ID


@pytest.fixture
def provider_is_standin(settings, datacite):
    """The tasks' provider (get_provider) is the DataCite stand-in."""
    settings.DATACITE_API_URL = datacite.url
    settings.DATACITE_REPOSITORY_ID, settings.DATACITE_PASSWORD = REPOSITORY_ID, PASSWORD
    settings.DATACITE_TIMEOUT = 1
    return datacite


def _put_attributes(datacite) -> list[dict]:
    return [r["body"]["data"]["attributes"] for r in datacite.calls("PUT")]


@pytest.fixture
def tasks_here(monkeypatch) -> None:
    """The DOI tasks enqueued on commit run in this process, against the stand-in."""
    monkeypatch.setattr(
        tasks.update_session_doi, "delay", lambda pk: tasks.update_session_doi.apply(args=[pk])
    )
    monkeypatch.setattr(
        tasks.withdraw_session_doi, "delay", lambda pk: tasks.withdraw_session_doi.apply(args=[pk])
    )


def test_release_now_sends_the_full_record_to_datacite(
    db,
    provider_is_standin,
    tasks_here,
    django_capture_on_commit_callbacks,
) -> None:
    team = factories.make_team()
    investigation = team.investigation
    services.session_doi_register(investigation_id=investigation.pk)
    assert investigation.title not in str(_put_attributes(provider_is_standin))

    with django_capture_on_commit_callbacks(execute=True):
        policy.investigation_release_now(
            investigation=investigation, by=team.principal_investigator
        )

    sent = _put_attributes(provider_is_standin)[-1]
    assert sent["titles"][0]["title"] == investigation.title
    kinds = list(AccessEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [AccessEventKind.DOI_MINTED, AccessEventKind.RELEASED]


def test_proprietary_withdraws_the_session_doi_and_audits_both(
    db,
    provider_is_standin,
    tasks_here,
    django_capture_on_commit_callbacks,
) -> None:
    investigation = factories.InvestigationFactory(title="Industrial secret")
    doi = services.session_doi_register(investigation_id=investigation.pk)
    officer = factories.UserFactory(username="officer")
    officer.groups.add(Group.objects.get_or_create(name="Data policy")[0])

    with django_capture_on_commit_callbacks(execute=True):
        policy.investigation_set_proprietary(
            investigation=investigation, by=officer, proprietary=True, reason="Contract"
        )

    doi.refresh_from_db()
    assert doi.state == DoiState.WITHDRAWN
    assert "Industrial secret" not in str(provider_is_standin.dois[doi.identifier])
    events = list(AccessEvent.objects.order_by("id").values_list("kind", "actor_name"))
    assert events == [
        (AccessEventKind.DOI_MINTED, "system"),
        (AccessEventKind.PROPRIETARY_SET, officer.display_name),
        (AccessEventKind.DOI_WITHDRAWN, "system"),
    ]
