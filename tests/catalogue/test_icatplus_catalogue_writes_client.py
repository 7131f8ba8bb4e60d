"""ICAT+'s catalogue writes through `icat-plus-client` itself, against a live test server: the
team changed as on the team page (same rule, history and e-mails), sample and dataset parameters
changed by the team and read back through the client's own reads, the end of an embargo moved by
staff. Whoever may not see the experiment gets exactly what a nonexistent id gets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.catalogue_api import CatalogueApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.catalogue_investigations_investigation_id_release_date_post_request import (  # noqa: E501
    CatalogueInvestigationsInvestigationIdReleaseDatePostRequest as ReleaseDate,
)
from icat_plus_client.models.catalogue_session_id_investigation_id_investigation_id_investigationusers_post_request import (  # noqa: E501
    CatalogueSessionIdInvestigationIdInvestigationIdInvestigationusersPostRequest as Name,
)
from icat_plus_client.models.parameter import Parameter

from catalogue.models import (
    DatasetParameter,
    Investigation,
    InvestigationUser,
    Role,
    SampleParameter,
    TeamChange,
    TeamChangeAction,
)
from logbook.models import Event
from portal.models import IcatPlusSession
from tests import factories

NONEXISTENT = 987654321


def _api(live_server, bearer: str | None = None) -> CatalogueApi:
    config = Configuration(host=f"{live_server.url}/icatplus", access_token=bearer)
    return CatalogueApi(ApiClient(config))


@pytest.fixture
def world(transactional_db):
    """Today's session on ID23-1 with its team, a sample and a dataset with parameters; a
    released session of another team; another team's embargoed session."""
    now = timezone.now()
    beamline = factories.InstrumentFactory(name="ID23-1")
    today = factories.InvestigationFactory(
        name="MX-2590",
        instrument=beamline,
        running=True,
    )
    team = factories.make_team(today)
    position = factories.ParameterTypeFactory(name="position", units="", value_type="string")
    energy = factories.ParameterTypeFactory(name="energy", units="keV")
    factories.ParameterTypeFactory(name="temperature", units="K")
    sample = factories.SampleFactory(investigation=today, name="lyso1")
    dataset = factories.DatasetFactory(investigation=today, sample=sample, name="lyso1_1")
    hidden = factories.InvestigationFactory(name="MX-2600", instrument=beamline, title="SECRET")
    hidden_sample = factories.SampleFactory(investigation=hidden, name="secret-sample")
    released = factories.InvestigationFactory(
        name="MX-1000",
        start_date=now - timedelta(days=2000),
        end_date=now - timedelta(days=1990),
    )
    released_sample = factories.SampleFactory(investigation=released)
    released_dataset = factories.DatasetFactory(investigation=released, sample=released_sample)

    def session(user) -> str:
        return IcatPlusSession.objects.open(user=user)[1]

    return {
        "team": team,
        "today": today,
        "sample": sample,
        "position": SampleParameter.objects.create(
            sample=sample, type=position, string_value="puck 1, pin 3"
        ),
        "energy": DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=12),
        "hidden": hidden,
        "hidden_position": SampleParameter.objects.create(
            sample=hidden_sample, type=position, string_value="SECRET place"
        ),
        "released": released,
        "released_sample": released_sample,
        "released_energy": DatasetParameter.objects.create(
            dataset=released_dataset, type=energy, numeric_value=8
        ),
        "newcomer": factories.UserFactory(username="akowalska", email="anna@example.org"),
        "pi": session(team.principal_investigator),
        "participant": session(team.participant),
        "scientist": session(team.scientist),
        "outsider": session(team.outsider),
        "staff": session(team.staff),
    }


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as error:
        call()
    return error.value.status, error.value.body.replace(str(NONEXISTENT), "<ID>")


def _same_as_nonexistent(call, object_id: int) -> None:
    """`call(id)` for the hidden object and for a nonexistent one: the same 404, word for word."""
    hidden = _refusal(lambda: call(object_id))
    missing = _refusal(lambda: call(NONEXISTENT))
    assert hidden[0] == 404
    assert hidden == (missing[0], missing[1])
    assert "SECRET" not in hidden[1]


def test_pi_adds_and_removes_a_collaborator_as_on_the_team_page(live_server, world) -> None:
    api = _api(live_server)
    add = api.catalogue_session_id_investigation_id_investigation_id_investigationusers_post
    remove = api.catalogue_session_id_investigation_id_investigation_id_investigationusers_delete
    today = world["today"]

    added = add(world["pi"], today.pk, Name(name="akowalska"))
    assert (added.name, added.role, added.investigation_id) == (
        "akowalska",
        "Collaborator",
        today.pk,
    )
    assert added.email == "anna@example.org"  # the one who manages the team sees e-mails
    membership = InvestigationUser.objects.get(investigation=today, user=world["newcomer"])
    assert (membership.role, membership.added_by) == (
        Role.COLLABORATOR,
        world["team"].principal_investigator,
    )
    assert TeamChange.objects.filter(
        investigation=today, action=TeamChangeAction.ADDED, user=world["newcomer"]
    ).exists()
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    team = api.catalogue_session_id_investigation_id_investigation_id_investigationusers_get(
        world["participant"], today.pk
    )
    assert "akowalska" in {member.name for member in team}

    # Twice is refused as the page refuses it; a participant may not change the team at all.
    status, body = _refusal(lambda: add(world["pi"], today.pk, Name(name="akowalska")))
    assert status == 400 and "already in the team" in body
    status, _ = _refusal(
        lambda: add(world["participant"], today.pk, Name(name=world["team"].outsider.username))
    )
    assert status == 403
    _same_as_nonexistent(
        lambda pk: add(world["outsider"], pk, Name(name="akowalska")), world["hidden"].pk
    )

    left = remove(world["pi"], today.pk, Name(name="akowalska"))
    assert "akowalska" not in {member.name for member in left}
    assert {member.role for member in left} >= {"Principal investigator", "Participant"}
    assert not InvestigationUser.objects.filter(user=world["newcomer"]).exists()
    assert TeamChange.objects.filter(action=TeamChangeAction.REMOVED, by__isnull=False).exists()
    assert mail.outbox[-1].to == ["anna@example.org"]
    # Roles from the proposal stay, as on the page.
    status, body = _refusal(
        lambda: remove(world["pi"], today.pk, Name(name=world["team"].participant.username))
    )
    assert status == 400 and "only collaborators" in body
    assert InvestigationUser.objects.filter(user=world["team"].participant).exists()


def test_team_sets_sample_and_dataset_parameters_and_reads_them_back(live_server, world) -> None:
    api = _api(live_server)
    today, sample = world["today"], world["sample"]

    api.catalogue_session_id_samples_sample_id_sample_parameters_post(
        world["participant"],
        str(sample.pk),
        str(today.pk),
        parameter=Parameter(name="Temperature", value="100", units="K"),
    )
    api.catalogue_session_id_sample_parameters_id_put(
        world["scientist"],
        world["position"].pk,
        str(today.pk),
        parameter=Parameter(name="position", value="puck 2, pin 7"),
    )
    api.catalogue_session_id_datasetparameter_put(
        world["participant"],
        parameter_id=str(world["energy"].pk),
        parameter=Parameter(name="energy", value="12.66", units="keV"),
    )

    [read] = api.catalogue_session_id_samples_get(world["participant"], sample_ids=str(sample.pk))
    assert {(p.name, p.value, p.units) for p in read.parameters} == {
        ("position", "puck 2, pin 7", ""),
        ("temperature", "100", "K"),
    }
    [energy] = api.catalogue_session_id_datasetparameter_get(
        world["participant"], investigation_id=str(today.pk), name="energy"
    )
    assert (energy.value, energy.units) == ("12.66", "keV")

    # Readers of a released experiment may read, not write; hidden ones do not exist.
    status, _ = _refusal(
        lambda: api.catalogue_session_id_datasetparameter_put(
            world["outsider"],
            parameter_id=str(world["released_energy"].pk),
            parameter=Parameter(name="energy", value="1"),
        )
    )
    assert status == 403
    status, _ = _refusal(
        lambda: api.catalogue_session_id_samples_sample_id_sample_parameters_post(
            world["outsider"],
            str(world["released_sample"].pk),
            str(world["released"].pk),
            parameter=Parameter(name="temperature", value="1", units="K"),
        )
    )
    assert status == 403
    _same_as_nonexistent(
        lambda pk: api.catalogue_session_id_sample_parameters_id_put(
            world["outsider"], pk, str(world["hidden"].pk), parameter=Parameter(name="x", value="1")
        ),
        world["hidden_position"].pk,
    )
    assert SampleParameter.objects.get(pk=world["hidden_position"].pk).string_value == (
        "SECRET place"
    )
    assert DatasetParameter.objects.get(pk=world["released_energy"].pk).numeric_value == 8


def test_staff_move_the_end_of_an_embargo_and_no_one_else(live_server, world) -> None:
    today = world["today"]
    new_day = date.today() + timedelta(days=30)

    _api(live_server, world["staff"]).catalogue_investigations_investigation_id_release_date_post(
        str(today.pk), ReleaseDate(release_date=new_day, message="paper accepted")
    )

    today.refresh_from_db()
    assert timezone.localtime(today.release_date).date() == new_day
    assert not Investigation.objects.released().filter(pk=today.pk).exists()
    # As ICAT+ does, the experiment's logbook says who moved it, to when, and why.
    [note] = Event.objects.filter(investigation=today).values("title", "content")
    assert note["title"] == "Release date changed"
    assert new_day.isoformat() in str(note["content"]) and "paper accepted" in str(note["content"])
    status, _ = _refusal(
        lambda: _api(
            live_server, world["pi"]
        ).catalogue_investigations_investigation_id_release_date_post(
            str(today.pk), ReleaseDate(release_date=date.today())
        )
    )
    assert status == 403
    _same_as_nonexistent(
        lambda pk: _api(
            live_server, world["outsider"]
        ).catalogue_investigations_investigation_id_release_date_post(
            str(pk), ReleaseDate(release_date=date.today())
        ),
        world["hidden"].pk,
    )
    status, _ = _refusal(
        lambda: _api(live_server).catalogue_investigations_investigation_id_release_date_post(
            str(today.pk), ReleaseDate(release_date=date.today())
        )
    )
    assert status == 403  # no session
    today.refresh_from_db()
    assert timezone.localtime(today.release_date).date() == new_day
