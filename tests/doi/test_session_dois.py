"""Session DOIs: one per investigation, registered when it appears or by the command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

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

    assert "Registered 3 session DOIs, withdrew 0" in out.getvalue()
    assert not Investigation.objects.filter(doi="").exists()
    assert Doi.objects.filter(state=DoiState.FINDABLE).count() == 3
    _make_proprietary(Investigation.objects.first())
    call_command("register_session_dois", stdout=out)
    assert "Registered 0 session DOIs, withdrew 1" in out.getvalue()
    assert Doi.objects.filter(state=DoiState.WITHDRAWN).count() == 1


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


def test_a_proprietary_session_never_gets_a_doi(db, datacite, datacite_provider) -> None:
    investigation = factories.InvestigationFactory(proprietary=True)

    assert (
        services.session_doi_register(investigation_id=investigation.pk, provider=datacite_provider)
        is None
    )
    assert not Doi.objects.exists() and datacite.requests == []
    assert investigation not in services.investigations_without_session_doi()


def test_registration_never_sends_an_embargoed_sessions_title_summary_or_team(
    db, datacite, datacite_provider
) -> None:
    team = factories.make_team(
        factories.InvestigationFactory(title="Secret ligand", summary="It binds the target.")
    )

    services.session_doi_register(
        investigation_id=team.investigation.pk, provider=datacite_provider
    )

    sent = str([r["body"] for r in datacite.requests if r["body"]])
    for secret in ("Secret ligand", "It binds", team.principal_investigator.full_name):
        assert secret not in sent
    assert f"experiment {team.investigation.name} on beamline" in sent
    assert "Data under embargo until" in sent


def _make_proprietary(investigation) -> None:
    # update(), as the ICAT sync writes: no signal sees it, so the pages must not rely on one.
    Investigation.objects.filter(pk=investigation.pk).update(proprietary=True)


def test_withdrawing_points_the_datacite_record_at_a_tombstone_naming_nothing(
    db, client, datacite, datacite_provider, settings
) -> None:
    investigation = factories.InvestigationFactory(title="Industrial secret")
    doi = services.session_doi_register(
        investigation_id=investigation.pk, provider=datacite_provider
    )
    _make_proprietary(investigation)

    services.session_doi_withdraw(doi_id=doi.pk, provider=datacite_provider)
    services.session_doi_withdraw(doi_id=doi.pk, provider=datacite_provider)  # again: nothing

    record = dict(datacite.dois[doi.identifier])
    assert record["state"] == "findable"  # never deleted: it still resolves
    assert record["url"] == services.tombstone_url()
    del record["doi"]  # the identifier itself was chosen at registration and cannot change
    for secret in (investigation.name, investigation.instrument.name, "Industrial secret"):
        assert secret not in str(record)
    assert record["creators"] == [{"name": settings.DOI_PUBLISHER, "nameType": "Organizational"}]
    assert len(datacite.calls("PUT")) == 2  # publish, then the one withdrawal
    doi.refresh_from_db()
    investigation.refresh_from_db()
    assert doi.state == DoiState.WITHDRAWN and investigation.doi == ""
    tombstone = client.get(reverse("doi:withdrawn"))
    assert tombstone.status_code == 200 and "This DOI has been withdrawn" in tombstone.text
    assert doi.identifier not in tombstone.text and investigation.name not in tombstone.text


def test_a_session_no_longer_proprietary_gets_its_doi_back(db, datacite, datacite_provider) -> None:
    investigation = factories.InvestigationFactory()
    doi = services.session_doi_register(
        investigation_id=investigation.pk, provider=datacite_provider
    )
    _make_proprietary(investigation)
    services.session_doi_withdraw(doi_id=doi.pk, provider=datacite_provider)
    Investigation.objects.filter(pk=investigation.pk).update(proprietary=False)

    again = services.session_doi_register(
        investigation_id=investigation.pk, provider=datacite_provider
    )

    assert again.pk == doi.pk and again.state == DoiState.FINDABLE
    assert datacite.dois[doi.identifier]["url"] == doi.landing_url
    assert investigation.name in str(datacite.dois[doi.identifier]["titles"])


def test_making_a_session_proprietary_enqueues_the_withdrawal_of_its_doi(
    db, local_provider, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    investigation = factories.InvestigationFactory()
    doi = services.session_doi_register(investigation_id=investigation.pk, provider=local_provider)
    enqueued = []
    monkeypatch.setattr("doi.tasks.withdraw_session_doi.delay", enqueued.append)

    investigation.proprietary = True
    with django_capture_on_commit_callbacks(execute=True):
        investigation.save()

    assert enqueued == [doi.pk]


def test_the_hourly_sweep_withdraws_dois_the_signal_missed(db, local_provider, monkeypatch) -> None:
    from doi import tasks

    investigation = factories.InvestigationFactory()
    doi = services.session_doi_register(investigation_id=investigation.pk, provider=local_provider)
    _make_proprietary(investigation)
    withdrawn, registered = [], []
    monkeypatch.setattr("doi.tasks.withdraw_session_doi.delay", withdrawn.append)
    monkeypatch.setattr("doi.tasks.register_session_doi.delay", registered.append)

    tasks.register_missing_session_dois()

    assert withdrawn == [doi.pk] and registered == []
