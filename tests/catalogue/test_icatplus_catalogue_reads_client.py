"""The rest of ICAT+'s catalogue reads through `icat-plus-client` itself, against a live test
server: DOI data collections, dataset documents, timelines, parameter values, an experiment's
files, sample pages, users, parameter types and the bearer-token `/catalogue/datasets`. Each
answer must deserialise into the client's models and name the right objects; what a session may
not see is answered exactly as what does not exist."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.catalogue_api import CatalogueApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.datacollection import Datacollection

from catalogue.models import DatasetParameter, DatasetType, Role, SampleParameter
from doi.models import CollectionState, DataCollection, Doi, DoiKind, DoiState
from logbook.models import Attachment
from portal.models import IcatPlusSession
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
MISSING = 10**9


def _api(live_server, bearer: str | None = None) -> CatalogueApi:
    configuration = Configuration(host=f"{live_server.url}/icatplus", access_token=bearer)
    return CatalogueApi(ApiClient(configuration))


@pytest.fixture
def api(live_server) -> CatalogueApi:
    return _api(live_server)


def _attachment(investigation, name: str, data: bytes) -> Attachment:
    attachment = Attachment(
        investigation=investigation,
        filename=name,
        content_type="application/pdf",
        size=len(data),
        uploaded_by="someone",
    )
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    """Today's session on ID23-1 (team, two samples, datasets with parameters, a PDF in its
    logbook, a draft DOI collection of its PI); another team's embargoed session on the same
    beamline; a released session whose dataset is in a findable DOI collection."""
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    beamline = factories.InstrumentFactory(name="ID23-1")
    today = factories.InvestigationFactory(
        name="MX-2590", instrument=beamline, start_date=now - timedelta(hours=5), end_date=now
    )
    team = factories.make_team(today)
    energy = factories.ParameterTypeFactory(name="energy", units="keV")
    position = factories.ParameterTypeFactory(name="position", units="", value_type="string")
    samples = [factories.SampleFactory(investigation=today, name=n) for n in ("a1", "b2", "c3")]
    SampleParameter.objects.create(sample=samples[0], type=position, string_value="puck 1")
    mx = factories.TechniqueFactory(name="MX", pid="PaNET01178")
    datasets = []
    for n, (sample, value) in enumerate(zip(samples, (12.0, 12.0, 13.5), strict=True)):
        dataset = factories.DatasetFactory(
            investigation=today,
            sample=sample,
            name=f"{sample.name}_1",
            start_date=now - timedelta(hours=4 - n),
            end_date=now - timedelta(hours=4 - n, minutes=-30),
            file_count=3,
            size=1000,
            type=DatasetType.PROCESSED if n == 2 else DatasetType.RAW,
        )
        DatasetParameter.objects.create(dataset=dataset, type=energy, numeric_value=value)
        if n < 2:
            dataset.techniques.add(mx, factories.TechniqueFactory(name="SAXS", pid="PaNET01188"))
        datasets.append(dataset)
    hidden = factories.InvestigationFactory(name="MX-2600", instrument=beamline, title="SECRET")
    factories.InvestigationUserFactory(investigation=hidden, role=Role.PRINCIPAL_INVESTIGATOR)
    hidden_sample = factories.SampleFactory(investigation=hidden, name="secret-sample")
    hidden_dataset = factories.DatasetFactory(
        investigation=hidden, sample=hidden_sample, name="secret-dataset"
    )
    DatasetParameter.objects.create(dataset=hidden_dataset, type=energy, numeric_value=99)
    released = factories.InvestigationFactory(name="MX-1000", instrument=beamline, released=True)
    released_dataset = factories.DatasetFactory(
        investigation=released, name="public_1", start_date=now - timedelta(days=4 * 365)
    )
    findable = DataCollection.objects.create(
        title="Published data",
        state=CollectionState.FINDABLE,
        created_by=factories.UserFactory(),
        doi=Doi.objects.create(
            identifier="10.5072/COLLECTION-1", kind=DoiKind.COLLECTION, state=DoiState.FINDABLE
        ),
    )
    findable.datasets.add(released_dataset)
    draft = DataCollection.objects.create(
        title="Manuscript", created_by=team.principal_investigator
    )
    draft.datasets.add(datasets[0], hidden_dataset)
    return {
        "team": team,
        "today": today,
        "samples": samples,
        "datasets": datasets,
        "hidden": hidden,
        "hidden_sample": hidden_sample,
        "hidden_dataset": hidden_dataset,
        "released_dataset": released_dataset,
        "findable": findable,
        "draft": draft,
        "pdf": _attachment(today, "plan.pdf", PDF),
        "secret_pdf": _attachment(hidden, "secret.pdf", b"%PDF secret"),
        **{
            role: IcatPlusSession.objects.open(user=getattr(team, role))[1]
            for role in ("participant", "principal_investigator", "outsider", "staff")
        },
    }


def _error(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(ApiException) as error:
        call(*args, **kwargs)
    return error.value.status, error.value.body


def _collections(response) -> list[tuple[Datacollection, dict]]:
    # ICAT+'s OpenAPI declares one Datacollection, but the route lists them (see the view).
    # The model drops what it does not declare (the DOI): each comes with its JSON.
    assert response.status == 200
    return [(Datacollection.from_dict(item), item) for item in json.loads(response.read())]


def test_data_collections_are_the_readable_ones_with_the_visible_datasets(api, world) -> None:
    listed = api.catalogue_session_id_datacollection_get_without_preload_content
    as_pi = [c for c, _ in _collections(listed(world["principal_investigator"]))]
    as_participant = _collections(listed(world["participant"]))
    of_dataset = _collections(
        listed(world["participant"], dataset_id=str(world["released_dataset"].pk))
    )
    deprecated = api.catalogue_session_id_dataset_id_dataset_id_datacollection_get(
        world["principal_investigator"], str(world["datasets"][0].pk)
    )

    assert [c.id for c in as_pi] == [world["draft"].pk, world["findable"].pk]
    # The PI's draft holds a dataset of another team: it is left out, even for the draft's maker.
    draft_datasets = as_pi[0].data_collection_datasets
    assert [d.dataset.name for d in draft_datasets] == ["a1_1"]
    assert as_pi[0].create_id == world["team"].principal_investigator.username
    assert [c.id for c, _ in as_participant] == [c.id for c, _ in of_dataset]
    assert [(c.id, raw["doi"]) for c, raw in as_participant] == [
        (world["findable"].pk, "10.5072/COLLECTION-1")
    ]
    assert [c.id for c in deprecated] == [world["draft"].pk]
    hidden = _error(
        api.catalogue_session_id_dataset_id_dataset_id_datacollection_get,
        world["outsider"],
        str(world["hidden_dataset"].pk),
    )
    missing = _error(
        api.catalogue_session_id_dataset_id_dataset_id_datacollection_get,
        world["outsider"],
        str(MISSING),
    )
    assert hidden == missing and hidden[0] == 404


def test_dataset_documents_and_timelines(api, world) -> None:
    ids = ",".join(str(d.pk) for d in (*world["datasets"], world["hidden_dataset"]))
    sid = world["participant"]

    documents = api.catalogue_session_id_dataset_id_dataset_ids_dataset_document_get(sid, ids)
    by_investigation = api.catalogue_session_id_dataset_timeline_get(
        sid, investigation_id=str(world["today"].pk)
    )
    by_sample = api.catalogue_session_id_dataset_timeline_get(
        sid, sample_id=str(world["samples"][1].pk)
    )
    beamline = api.catalogue_session_id_investigation_timeline_get(sid, "id23-1")

    assert [d.name for d in documents] == ["a1_1", "b2_1", "c3_1"]
    assert documents[0].investigation.name == "MX-2590" and documents[0].sample_name == "a1"
    assert {p.name: p.value for p in documents[0].parameters}["energy"] == "12"
    assert [t.dataset_name for t in by_investigation] == ["a1_1", "b2_1", "c3_1"]
    assert by_investigation[2].dataset_type == "processed"
    assert (by_investigation[0].file_count, by_investigation[0].elapsed_time) == ("3", "1800")
    assert [t.dataset_name for t in by_sample] == ["b2_1"]
    # Released and own sessions of the beamline, oldest first; never another team's embargoed one.
    assert [t.investigation_name for t in beamline] == ["MX-1000", "MX-2590"]
    outsider = world["outsider"]
    for hidden_id in (world["hidden"].pk, MISSING):
        assert (
            api.catalogue_session_id_dataset_timeline_get(outsider, investigation_id=str(hidden_id))
            == []
        )
    assert (
        api.catalogue_session_id_dataset_id_dataset_ids_dataset_document_get(
            outsider, str(world["hidden_dataset"].pk)
        )
        == []
    )


def test_parameter_values_samples_and_the_page_of_a_sample(api, world) -> None:
    sid = world["participant"]
    today = str(world["today"].pk)

    values = api.catalogue_session_id_datasetparameter_values_get(
        sid, investigation_id=f"{today},{world['hidden'].pk}", name="energy"
    )
    samples = api.catalogue_session_id_investigation_id_investigation_id_sample_get(sid, today)
    pages = [
        api.catalogue_session_id_samples_sample_id_page_get(
            sid, str(sample.pk), investigation_id=today, limit="2"
        )
        for sample in world["samples"]
    ]
    descending = api.catalogue_session_id_samples_sample_id_page_get(
        sid,
        str(world["samples"][0].pk),
        investigation_id=today,
        limit="2",
        sort_by="name",
        sort_order="-1",
    )

    assert [(v.name, v.value, v.units) for v in values] == [
        ("energy", "12", "keV"),
        ("energy", "13.5", "keV"),
    ]
    assert [s.name for s in samples] == ["a1", "b2", "c3"]
    assert {p.name: p.value for p in samples[0].parameters} == {"position": "puck 1"}
    assert [p.page.current_page for p in pages] == [1, 1, 2]
    assert (pages[0].page.total, pages[0].page.total_pages) == (3, 2)
    assert descending.page.current_page == 2
    outsider = world["outsider"]
    answers = {
        _error(api.catalogue_session_id_samples_sample_id_page_get, outsider, str(sample_id))
        for sample_id in (world["hidden_sample"].pk, MISSING)
    }
    assert len(answers) == 1 and next(iter(answers))[0] == 404
    answers = {
        _error(
            api.catalogue_session_id_investigation_id_investigation_id_sample_get,
            outsider,
            str(investigation_id),
        )
        for investigation_id in (world["hidden"].pk, MISSING)
    }
    assert len(answers) == 1 and next(iter(answers))[0] == 404


def test_files_of_an_investigation_are_its_logbook_attachments(api, world) -> None:
    sid = world["participant"]

    files = api.catalogue_session_id_files_get(sid, investigation_id=str(world["today"].pk))
    resource = files[0].resources[0]
    response = api.catalogue_session_id_files_download_get_without_preload_content(
        sid, sample_id=str(files[0].sample_id), resource_id=resource.id
    )

    assert [(f.investigation_id, f.sample_id) for f in files] == [(world["today"].pk, 0)]
    assert (resource.filename, resource.group_name) == ("plan.pdf", "logbook")
    assert response.status == 200 and response.read() == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    # Nothing was uploaded for this sample: the experiment's own files are not its.
    assert api.catalogue_session_id_files_get(sid, sample_id=str(world["samples"][0].pk)) == []
    outsider = world["outsider"]
    assert (
        api.catalogue_session_id_files_get(outsider, investigation_id=str(world["hidden"].pk)) == []
    )
    answers = set()
    for resource_id in (world["secret_pdf"].uuid, "00000000-0000-4000-8000-000000000000"):
        answer = api.catalogue_session_id_files_download_get_without_preload_content(
            outsider, sample_id="0", resource_id=str(resource_id)
        )
        answers.add((answer.status, answer.read()))
    assert len(answers) == 1 and next(iter(answers))[0] == 404


def test_public_lists_users_and_datasets_by_bearer_session(live_server, api, world) -> None:
    users = api.catalogue_session_id_user_get(world["staff"])
    refused = _error(api.catalogue_session_id_user_get, world["participant"])
    parameters = api.catalogue_parameters_get(name="Energy")
    day = timezone.localdate()
    anonymous = _api(live_server)
    participant = _api(live_server, bearer=world["participant"])
    ids = ",".join(str(d.pk) for d in (world["datasets"][0], world["released_dataset"]))

    public = anonymous.catalogue_datasets_get(dataset_ids=ids)
    mine = participant.catalogue_datasets_get(dataset_ids=ids, sort_by="name")
    by_technique = participant.catalogue_datasets_get(
        technique_pids="PaNET01178", sort_by="sampleName", sort_order="-1"
    )
    on_the_beamline = participant.catalogue_datasets_get(
        instrument_name="id23-1",
        start_date=(day - timedelta(days=1)).isoformat(),
        dataset_type="processed",
    )
    documents = participant.catalogue_datasets_documents_get(
        start_date=(day - timedelta(days=1)).isoformat(),
        end_date=(day + timedelta(days=1)).isoformat(),
    )
    public_documents = anonymous.catalogue_datasets_documents_get(
        start_date=(day - timedelta(days=5 * 365)).isoformat(), end_date=day.isoformat()
    )

    assert world["team"].participant.username in {u.name for u in users}
    assert all(u.email for u in users)
    assert refused[0] == 403 and "administrators" in refused[1]
    assert [(p.name, p.units, p.value) for p in parameters] == [("energy", "keV", "NUMERIC")]
    assert api.catalogue_investigationtypes_get() == []
    assert [d.name for d in public] == ["public_1"]
    assert [d.name for d in mine] == ["a1_1", "public_1"]
    assert [d.name for d in on_the_beamline] == ["c3_1"]
    assert [d.name for d in by_technique] == ["b2_1", "a1_1"]
    assert [d.name for d in documents] == ["a1_1", "b2_1", "c3_1"]
    assert [d.name for d in public_documents] == ["public_1"]
    assert _error(anonymous.catalogue_datasets_get)[0] == 400
    forged = _api(live_server, bearer="00000000-0000-4000-8000-000000000000")
    assert _error(forged.catalogue_datasets_get, dataset_ids=ids)[0] == 403
