"""Session DOIs: one per investigation, registered when it appears or by the command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from catalogue.models import Investigation
from doi import metadata as md
from doi import services
from doi.models import Doi, DoiState, LocalRegistration
from tests import factories


def test_a_new_investigation_enqueues_its_registration_once_committed(
    db, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    enqueued = []
    monkeypatch.setattr("doi.tasks.register_session_doi.delay", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        investigation = factories.InvestigationFactory()
    investigation.title = "changed"
    with django_capture_on_commit_callbacks(execute=True):
        investigation.save()  # an update does not register again

    assert enqueued == [investigation.pk]


def test_registration_with_the_local_provider_stores_the_doi_on_the_investigation(
    db, local_provider, settings
) -> None:
    settings.DOI_SESSION_PATTERN = "{facility}-{proposal}-{visit}"
    investigation = factories.InvestigationFactory(name="MX-2468", visit_id="id292101")

    doi = services.session_doi_register(investigation_id=investigation.pk, provider=local_provider)

    investigation.refresh_from_db()
    assert investigation.doi == doi.identifier == "10.5072/SLS-MX-2468-ID292101"
    assert doi.state == DoiState.FINDABLE
    record = LocalRegistration.objects.get(identifier=doi.identifier)
    assert record.state == "findable"
    assert record.url == f"{settings.SITE_URL}/doi/10.5072/SLS-MX-2468-ID292101"
    assert [r["method"] for r in record.requests] == ["POST", "PUT"]


def test_session_metadata_is_valid_datacite_and_hides_an_embargoed_title(db) -> None:
    investigation = factories.InvestigationFactory(title="Secret ligand of a drug target")
    identifier = md.session_identifier(investigation)

    attributes = md.session_metadata(investigation, identifier=identifier, url="https://x.org/")

    assert md.schema_errors(attributes) == []
    assert "Secret" not in str(attributes)
    assert investigation.name in attributes["titles"][0]["title"]


def test_registering_again_sends_nothing(db, datacite, datacite_provider) -> None:
    investigation = factories.InvestigationFactory()
    services.session_doi_register(investigation_id=investigation.pk, provider=datacite_provider)
    sent = len(datacite.requests)

    services.session_doi_register(investigation_id=investigation.pk, provider=datacite_provider)

    assert len(datacite.requests) == sent == 3  # lookup, create, publish
    assert datacite.calls("PUT")[0]["body"]["data"]["attributes"]["event"] == "publish"


def test_a_retry_after_a_lost_answer_publishes_the_existing_draft(
    db, datacite, datacite_provider
) -> None:
    investigation = factories.InvestigationFactory()
    datacite.script = [None, "timeout-after"]
    with pytest.raises(Exception, match="did not answer"):
        services.session_doi_register(investigation_id=investigation.pk, provider=datacite_provider)

    doi = services.session_doi_register(
        investigation_id=investigation.pk, provider=datacite_provider
    )

    assert len(datacite.calls("POST")) == 1
    assert datacite.dois[doi.identifier]["state"] == "findable"


def test_command_registers_every_investigation_without_a_doi(db, settings) -> None:
    factories.InvestigationFactory.create_batch(3)
    out = StringIO()

    call_command("register_session_dois", stdout=out)

    assert "Registered 3 session DOIs" in out.getvalue()
    assert not Investigation.objects.filter(doi="").exists()
    assert Doi.objects.filter(state=DoiState.FINDABLE).count() == 3
    call_command("register_session_dois", stdout=out)
    assert "Registered 0 session DOIs" in out.getvalue()


def test_automatic_session_dois_can_be_switched_off(
    db, django_capture_on_commit_callbacks, monkeypatch, settings
) -> None:
    settings.DOI_REGISTER_SESSIONS = False
    enqueued = []
    monkeypatch.setattr("doi.tasks.register_session_doi.delay", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        factories.InvestigationFactory()

    assert enqueued == []


def test_tasks_for_deleted_objects_do_nothing(db) -> None:
    from doi import tasks

    assert tasks.register_session_doi(987654) is None
    assert tasks.reserve_collection(987654) is None
