"""ICAT+'s catalogue group through `icat-plus-client` itself, against a live test server: what
MXCuBE and ESRF's scripts read once logged in. Every answer must deserialise into the client's
models and name the right objects; a hidden experiment is answered as a nonexistent one."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.catalogue_api import CatalogueApi
from icat_plus_client.exceptions import ApiException

from catalogue.models import DatasetParameter, InvestigationParameter, Role, SampleParameter
from portal.models import IcatPlusSession
from tests import factories


@pytest.fixture
def api(live_server) -> CatalogueApi:
    return CatalogueApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))


@pytest.fixture
def world(transactional_db):
    """Today's session on ID23-1 with a sample, a dataset and its files, its team; another
    team's embargoed session on the same beamline."""
    beamline = factories.InstrumentFactory(name="ID23-1", description="MX beamline")
    today = factories.InvestigationFactory(
        name="MX-2590",
        instrument=beamline,
        running=True,
        title="Lysozyme today",
    )
    team = factories.make_team(today)
    energy = factories.ParameterTypeFactory(name="energy", units="keV")
    InvestigationParameter.objects.create(investigation=today, type=energy, numeric_value=12.7)
    sample = factories.SampleFactory(investigation=today, name="lyso1")
    SampleParameter.objects.create(
        sample=sample,
        type=factories.ParameterTypeFactory(name="position", units="", value_type="string"),
        string_value="puck 1, pin 3",
    )
    dataset = factories.DatasetFactory(
        investigation=today, sample=sample, name="lyso1_1", location="MX-2590/id23-1/lyso1_1"
    )
    DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=12.0)
    files = [factories.DatafileFactory(dataset=dataset, name=f"img_{n}.cbf") for n in range(3)]
    hidden = factories.InvestigationFactory(name="MX-2600", instrument=beamline, title="SECRET")
    hidden_sample = factories.SampleFactory(investigation=hidden, name="secret-sample")
    hidden_dataset = factories.DatasetFactory(investigation=hidden, sample=hidden_sample)
    factories.InvestigationUserFactory(investigation=hidden, role=Role.PRINCIPAL_INVESTIGATOR)
    return {
        "team": team,
        "today": today,
        "sample": sample,
        "dataset": dataset,
        "files": files,
        "hidden": hidden,
        "hidden_dataset": hidden_dataset,
        "participant": IcatPlusSession.objects.open(user=team.participant)[1],
        "scientist": IcatPlusSession.objects.open(user=team.scientist)[1],
        "outsider": IcatPlusSession.objects.open(user=team.outsider)[1],
        "pi": IcatPlusSession.objects.open(user=team.principal_investigator)[1],
    }


def test_participant_finds_todays_investigation_on_the_beamline(api, world) -> None:
    found = api.catalogue_session_id_investigation_get(
        world["participant"], instrument_name="id23-1", start_date=timezone.localdate().isoformat()
    )

    assert [i.name for i in found] == ["MX-2590"]
    assert found[0].instrument.name == "ID23-1"
    assert found[0].parameters == {"energy": "12.7"}
    assert found[0].meta.page.total == 1
    assert {u.role for u in found[0].investigation_users} >= {"Principal investigator"}


def test_instrument_scientist_filter_lists_every_session_of_the_beamline(api, world) -> None:
    found = api.catalogue_session_id_investigation_get(
        world["scientist"], filter="instrumentScientist", sort_by="name", sort_order="1"
    )

    assert [i.name for i in found] == ["MX-2590", "MX-2600"]


def test_outsider_never_finds_an_embargoed_investigation(api, world) -> None:
    by_id = api.catalogue_session_id_investigation_get(
        world["outsider"], ids=f"{world['hidden'].pk},{world['today'].pk}"
    )
    mine = api.catalogue_session_id_investigation_get(world["outsider"], search="SECRET")

    assert by_id == [] and mine == []


def test_investigation_list_pages_with_limit_and_skip(api, world) -> None:
    # With no filter, a beamline scientist's own experiments are their beamline's sessions.
    pages = [
        api.catalogue_session_id_investigation_get(
            world["scientist"], limit="1", skip=str(skip), sort_by="startDate", sort_order="-1"
        )
        for skip in (0, 1, 2)
    ]

    assert [[i.name for i in page] for page in pages] == [["MX-2590"], ["MX-2600"], []]
    assert pages[1][0].meta.page.current_page == 2
    assert pages[1][0].meta.page.total_pages == 2


def test_bad_paging_or_filter_is_a_400_naming_the_parameter(api, world) -> None:
    for kwargs in ({"limit": "0"}, {"skip": "x"}, {"filter": "everything"}, {"ids": "1,a"}):
        with pytest.raises(ApiException) as error:
            api.catalogue_session_id_investigation_get(world["participant"], **kwargs)
        assert error.value.status == 400
        assert next(iter(kwargs)) in error.value.body


def test_unknown_session_gets_403(api, world) -> None:
    with pytest.raises(ApiException) as error:
        api.catalogue_session_id_investigation_get("00000000-0000-4000-8000-000000000000")

    assert error.value.status == 403


def test_proposal_names_are_normalised(api, world) -> None:
    assert api.catalogue_investigation_name_investigation_name_normalize_get("mx2590") == "MX-2590"
    assert api.catalogue_investigation_name_investigation_name_normalize_get("MX-2590") == "MX-2590"


def test_datasets_of_an_investigation_carry_parameters_and_file_count(api, world) -> None:
    world["dataset"].file_count = 3
    world["dataset"].save()

    found = api.catalogue_session_id_dataset_get(
        world["participant"], investigation_ids=str(world["today"].pk)
    )

    assert [d.name for d in found] == ["lyso1_1"]
    parameters = {p.name: p.value for p in found[0].parameters}
    assert parameters["energy"] == "12"
    assert parameters["__fileCount"] == "3"
    assert found[0].sample_name == "lyso1"
    assert found[0].investigation.name == "MX-2590"
    assert found[0].location.startswith("/")


def test_datasets_by_id_leave_out_hidden_ones(api, world) -> None:
    ids = f"{world['dataset'].pk},{world['hidden_dataset'].pk}"

    found = api.catalogue_session_id_dataset_id_dataset_ids_dataset_get(world["participant"], ids)

    assert [d.id for d in found] == [world["dataset"].pk]


def test_files_of_a_dataset_are_listed_and_paged(api, world) -> None:
    dataset_id = world["dataset"].pk

    files = api.catalogue_session_id_dataset_id_dataset_id_datafile_get(
        world["participant"], str(dataset_id), limit="2", skip="1"
    )
    by_ids = api.catalogue_session_id_datafile_get(
        world["participant"], datafile_ids=str(world["files"][0].pk)
    )

    assert [f.datafile.name for f in files] == ["img_1.cbf", "img_2.cbf"]
    assert [f.datafile.id for f in by_ids] == [world["files"][0].pk]


def test_files_of_a_hidden_dataset_are_a_404_like_a_missing_one(api, world) -> None:
    bodies = set()
    for dataset_id in (world["hidden_dataset"].pk, 10**9):
        with pytest.raises(ApiException) as error:
            api.catalogue_session_id_dataset_id_dataset_id_datafile_get(
                world["outsider"], str(dataset_id)
            )
        assert error.value.status == 404
        bodies.add(error.value.body)

    assert len(bodies) == 1


def test_samples_of_an_investigation_with_their_parameters(api, world) -> None:
    found = api.catalogue_session_id_samples_get(
        world["participant"], investigation_id=str(world["today"].pk)
    )

    assert [s.name for s in found] == ["lyso1"]
    assert {p.name: p.value for p in found[0].parameters} == {"position": "puck 1, pin 3"}
    assert found[0].investigation.name == "MX-2590"
    assert found[0].meta.page.total == 1


def test_outsider_lists_no_hidden_sample(api, world) -> None:
    found = api.catalogue_session_id_samples_get(
        world["outsider"], investigation_id=str(world["hidden"].pk)
    )

    assert found == []


def test_dataset_parameters_of_an_investigation(api, world) -> None:
    found = api.catalogue_session_id_datasetparameter_get(
        world["participant"], investigation_id=str(world["today"].pk), name="energy"
    )

    assert [(p.name, p.value, p.units, p.sample_name) for p in found] == [
        ("energy", "12", "keV", "lyso1")
    ]


def test_instruments_and_techniques(api, world) -> None:
    factories.TechniqueFactory(name="MX", pid="http://purl.org/pan-science/PaNET/PaNET01178")

    instruments = api.catalogue_instruments_get()
    mine = api.catalogue_session_id_instruments_get(
        world["scientist"], filter="instrumentscientist"
    )
    techniques = api.catalogue_techniques_get()

    assert "ID23-1" in {i.name for i in instruments}
    assert [i.name for i in mine] == ["ID23-1"]
    assert "MX" in {t.name for t in techniques}


def test_team_of_an_investigation_with_email_for_the_pi_only(api, world) -> None:
    pk = world["today"].pk

    as_pi = api.catalogue_session_id_investigation_id_investigation_id_investigationusers_get(
        world["pi"], pk
    )
    as_participant = (
        api.catalogue_session_id_investigation_id_investigation_id_investigationusers_get(
            world["participant"], pk
        )
    )
    people = api.catalogue_session_id_investigation_investigation_id_user_get(
        world["participant"], str(pk)
    )

    assert {m.name for m in as_pi} == {m.name for m in as_participant} == {p.name for p in people}
    assert all(m.email for m in as_pi) and not any(m.email for m in as_participant)
    assert {m.investigation_name for m in as_pi} == {"MX-2590"}


def test_team_of_a_hidden_investigation_is_a_404(api, world) -> None:
    with pytest.raises(ApiException) as error:
        api.catalogue_session_id_investigation_id_investigation_id_investigationusers_get(
            world["outsider"], world["hidden"].pk
        )

    assert error.value.status == 404


def test_participant_downloads_a_file_by_its_facility_path(api, world) -> None:
    datafile = world["files"][0]
    (settings.DATA_ROOT / datafile.location).parent.mkdir(parents=True, exist_ok=True)
    (settings.DATA_ROOT / datafile.location).write_bytes(b"frame bytes")
    found = api.catalogue_session_id_dataset_id_dataset_id_datafile_get(
        world["participant"], str(world["dataset"].pk)
    )
    filepath = next(f.datafile.location for f in found if f.datafile.id == datafile.pk)

    response = api.catalogue_session_id_datafile_download_get_without_preload_content(
        world["participant"],
        filepath=filepath,
        dataset_id=str(world["dataset"].pk),
        investigation_id=str(world["today"].pk),
    )

    assert response.status == 200
    assert response.read() == b"frame bytes"


def test_outsider_download_of_a_hidden_file_is_the_404_of_a_missing_one(api, world) -> None:
    hidden = factories.DatafileFactory(dataset=world["hidden_dataset"])
    (settings.DATA_ROOT / hidden.location).parent.mkdir(parents=True, exist_ok=True)
    (settings.DATA_ROOT / hidden.location).write_bytes(b"secret")
    answers = set()
    for dataset_id, investigation_id, filepath in (
        (world["hidden_dataset"].pk, world["hidden"].pk, hidden.location),
        (10**9, world["hidden"].pk, hidden.location),
        (world["dataset"].pk, world["today"].pk, "nowhere/at/all.cbf"),
    ):
        response = api.catalogue_session_id_datafile_download_get_without_preload_content(
            world["outsider"] if dataset_id != world["dataset"].pk else world["participant"],
            filepath=filepath,
            dataset_id=str(dataset_id),
            investigation_id=str(investigation_id),
        )
        answers.add((response.status, response.read()))

    assert len(answers) == 1 and next(iter(answers))[0] == 404
