"""ICAT+'s sample_metadata group through `icat-plus-client` itself, against a live test server:
the team declares, changes and removes sample sheets (catalogue samples with their parameters)
and their files, a beamline reads the samples of a session. Every answer deserialises into the
client's models; a hidden experiment's samples are answered as nonexistent ones.

ICAT+ answers `GET .../samples` and `.../metadata` with a list of sample sheets, which the
client's generated methods (typed as one `Samplemetadatasample`, or untyped) cannot read: those
two and the file download (untyped) are called through the client's `_without_preload_content`
variant, and each sheet is read with the client's model."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.sample_metadata_api import SampleMetadataApi
from icat_plus_client.exceptions import ApiException
from icat_plus_client.models.samplemetadata import Samplemetadata
from icat_plus_client.models.samplemetadata_session_id_access_rules_post_request import (
    SamplemetadataSessionIdAccessRulesPostRequest,
)
from icat_plus_client.models.samplemetadatasample import Samplemetadatasample

from catalogue.models import Role, Sample, SampleFile, SampleParameter
from portal.models import IcatPlusSession
from tests import factories


@pytest.fixture
def api(live_server) -> SampleMetadataApi:
    return SampleMetadataApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))


@pytest.fixture
def world(transactional_db):
    """Today's MX-2590 session on ID23-1 with an A-form sample (from ICAT) measured in a dataset;
    a released session whose samples anyone reads; another team's embargoed session."""
    now = timezone.now()
    beamline = factories.InstrumentFactory(name="ID23-1")
    today = factories.InvestigationFactory(
        name="MX-2590",
        instrument=beamline,
        running=True,
    )
    team = factories.make_team(today)
    factories.ParameterTypeFactory(name="buffer", units="", value_type="string")
    factories.ParameterTypeFactory(name="concentration", units="mg/ml")
    lyso = factories.SampleFactory(investigation=today, name="lyso1", icat_id=501)
    factories.DatasetFactory(investigation=today, sample=lyso, name="lyso1_1")
    released = factories.InvestigationFactory(
        name="MX-1000",
        instrument=beamline,
        start_date=now - timedelta(days=2000),
        end_date=now - timedelta(days=1999),
    )
    old_sample = factories.SampleFactory(investigation=released, name="old-sample")
    hidden = factories.InvestigationFactory(name="MX-2600", instrument=beamline)
    factories.InvestigationUserFactory(investigation=hidden, role=Role.PRINCIPAL_INVESTIGATOR)
    hidden_sample = factories.SampleFactory(investigation=hidden, name="secret-sample")
    sessions = {
        name: IcatPlusSession.objects.open(user=user)[1]
        for name, user in {
            "participant": team.participant,
            "scientist": team.scientist,
            "outsider": team.outsider,
        }.items()
    }
    return {
        "today": today,
        "lyso": lyso,
        "released": released,
        "old_sample": old_sample,
        "hidden": hidden,
        "hidden_sample": hidden_sample,
        **sessions,
    }


def _sheets(api: SampleMetadataApi, session: str, **kwargs) -> list[Samplemetadatasample]:
    response = api.samplemetadata_session_id_samples_get_without_preload_content(session, **kwargs)
    assert response.status == 200, response.data
    return [Samplemetadatasample.from_dict(item) for item in json.loads(response.data)]


def _status(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(ApiException) as error:
        call(*args, **kwargs)
    return error.value.status, json.loads(error.value.body)["message"]


def test_team_declares_changes_and_removes_a_sample_sheet(api, world) -> None:
    today, sid = world["today"], world["participant"]
    sheet = Samplemetadatasample(
        name="lyso2",
        description="lysozyme, second crystal",
        metadata=[
            Samplemetadata(name="buffer", value=["HEPES 20 mM"]),
            Samplemetadata(name="concentration", value=["12.5"]),
        ],
    )

    created = api.samplemetadata_session_id_samples_post(sid, str(today.pk), sheet)

    sample = Sample.objects.get(pk=created.id)
    assert (sample.investigation, sample.name, sample.icat_id) == (today, "lyso2", None)
    assert {(p.type.name, p.value) for p in sample.parameters.select_related("type")} == {
        ("buffer", "HEPES 20 mM"),
        ("concentration", 12.5),
    }
    assert created.investigation_ids == str(today.pk)
    assert {m.name: m.value for m in created.metadata} == {
        "buffer": ["HEPES 20 mM"],
        "concentration": ["12.5"],
    }

    listed = _sheets(api, sid, investigation_id=str(today.pk), sort_by="name")
    assert [s.name for s in listed] == ["lyso1", "lyso2"]
    assert _sheets(api, sid, investigation_id=str(today.pk), sample_ids=created.id)[0].description
    with_buffer = api.samplemetadata_session_id_metadata_get_without_preload_content(
        sid, str(today.pk), "any", "buffer", metadata_value="HEPES 20 mM"
    )
    assert [s["name"] for s in json.loads(with_buffer.data)] == ["lyso2"]

    changed = api.samplemetadata_session_id_samples_put(
        sid,
        created.id,
        str(today.pk),
        Samplemetadatasample(
            name="lyso2b", metadata=[Samplemetadata(name="concentration", value=["8"])]
        ),
    )
    assert (changed.name, [(m.name, m.value) for m in changed.metadata]) == (
        "lyso2b",
        [("concentration", ["8"])],
    )
    assert changed.description == "lysozyme, second crystal"  # not sent, so kept

    # The A-form sample comes from ICAT: changed there, never here; nor is it removed.
    assert _status(
        api.samplemetadata_session_id_samples_put, sid, str(world["lyso"].pk), str(today.pk), sheet
    ) == (403, "This sample comes from ICAT: change it there")
    assert (
        _status(
            api.samplemetadata_session_id_samples_delete,
            sid,
            str(today.pk),
            f"{created.id},{world['lyso'].pk}",
        )[0]
        == 403
    )
    assert Sample.objects.filter(pk=created.id).exists()

    removed = api.samplemetadata_session_id_samples_delete(sid, str(today.pk), created.id)
    assert removed.deleted_count == 1
    assert not Sample.objects.filter(pk=created.id).exists()
    assert not SampleParameter.objects.filter(sample_id=created.id).exists()


def test_outsiders_get_what_a_nonexistent_id_gets_and_readers_may_not_write(api, world) -> None:
    out, hidden, missing = world["outsider"], world["hidden"], "987654321"
    hidden_sample = world["hidden_sample"]
    sheet = Samplemetadatasample(name="intruder")

    assert _sheets(api, out, investigation_id=str(hidden.pk)) == []
    assert _sheets(api, out, investigation_id=missing) == []
    hidden_post = _status(api.samplemetadata_session_id_samples_post, out, str(hidden.pk), sheet)
    missing_post = _status(api.samplemetadata_session_id_samples_post, out, missing, sheet)
    assert hidden_post == missing_post == (404, "No such investigation")
    hidden_put = _status(
        api.samplemetadata_session_id_samples_put,
        out,
        str(hidden_sample.pk),
        str(hidden.pk),
        sheet,
    )
    missing_put = _status(api.samplemetadata_session_id_samples_put, out, missing, missing, sheet)
    assert hidden_put == missing_put
    secret = SampleFile.objects.create(
        sample=hidden_sample,
        metadata_name="photo",
        filename="secret.txt",
        content_type="text/plain",
        size=6,
        file=ContentFile(b"SECRET", name="secret.txt"),
    )
    hidden_file = _status(
        api.samplemetadata_session_id_samples_files_get,
        out,
        str(hidden.pk),
        str(hidden_sample.pk),
        str(secret.pk),
    )
    assert hidden_file == _status(
        api.samplemetadata_session_id_samples_files_get, out, missing, missing, missing
    )
    hidden_drop = _status(
        api.samplemetadata_session_id_samples_files_delete,
        out,
        str(hidden.pk),
        str(hidden_sample.pk),
        str(secret.pk),
    )
    assert hidden_drop == _status(
        api.samplemetadata_session_id_samples_files_delete, out, missing, missing, missing
    )
    assert SampleFile.objects.filter(pk=secret.pk).exists()

    # Released samples are read by anyone, changed by no one outside the team.
    released, old = world["released"], world["old_sample"]
    assert [s.name for s in _sheets(api, out, investigation_id=str(released.pk))] == ["old-sample"]
    assert (
        _status(api.samplemetadata_session_id_samples_delete, out, str(released.pk), str(old.pk))[0]
        == 403
    )
    assert Sample.objects.filter(pk=old.pk, name="old-sample").exists()
    assert not Sample.objects.filter(name="intruder").exists()


def test_beamline_reads_the_samples_of_todays_session(api, world) -> None:
    today, sid = world["today"], world["scientist"]

    found = api.samplemetadata_session_id_samples_acquisition_get(
        sid, "mx2590", "id23-1", start_date=timezone.localdate().isoformat()
    )
    other_day = api.samplemetadata_session_id_samples_acquisition_get(
        sid, "MX-2590", "ID23-1", start_date="2001-01-01"
    )
    outsider = api.samplemetadata_session_id_samples_acquisition_get(
        world["outsider"], "MX-2600", "ID23-1"
    )

    assert [(s.id, s.name, s.proposal, s.beamline) for s in found] == [
        (str(world["lyso"].pk), "lyso1", "MX-2590", "ID23-1")
    ]
    assert found[0].linked_sample_a_form_name == "lyso1"
    assert found[0].session_start_date == timezone.localtime(today.start_date).date().isoformat()
    assert other_day == [] and outsider == []

    assert api.samplemetadata_session_id_samples_prefix_get(sid, "default").prefix == ""

    # The team attaches files to a sample (ICAT's too: files are the portal's own), reads them
    # back byte for byte, and removes them.
    lyso, inv = str(world["lyso"].pk), str(today.pk)
    png = b"\x89PNG\r\n\x1a\n" + b"crystal" * 100
    model = b"HEADER    LYSOZYME\nATOM      1  N   LYS A   1\n"
    sheet = api.samplemetadata_session_id_samples_files_post(
        sid, lyso, inv, "photo", files=[("crystal.png", png), ("model.pdb", model)]
    )
    photo_ids = {m.name: m.value for m in sheet.metadata}["photo"]
    assert len(photo_ids) == 2
    read = api.samplemetadata_session_id_samples_files_get_without_preload_content(
        world["participant"], inv, lyso, photo_ids[1]
    )
    assert (read.status, read.data) == (200, model)
    refused = _status(
        api.samplemetadata_session_id_samples_files_post,
        sid,
        lyso,
        inv,
        "photo",
        files=[("fake.pdf", b"MZ\x90\x00not a pdf")],
    )
    assert refused[0] == 400 and "fake.pdf" in refused[1]
    after = api.samplemetadata_session_id_samples_files_delete(sid, inv, lyso, photo_ids[0])
    assert {m.name: m.value for m in after.metadata}["photo"] == [photo_ids[1]]
    assert _status(
        api.samplemetadata_session_id_samples_files_get, sid, inv, lyso, photo_ids[0]
    ) == (404, "No such file")

    # Who sees a sample is the portal's access policy: no per-project rules.
    assert (
        _status(
            api.samplemetadata_session_id_access_rules_post,
            sid,
            SamplemetadataSessionIdAccessRulesPostRequest(
                projectName="p", entity="sample", metadataName="buffer"
            ),
        )[0]
        == 403
    )
