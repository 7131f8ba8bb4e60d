"""ICAT+'s `POST /catalogue/{sessionId}/files/upload` through `icat-plus-client` against a live
server: a sample's file lands as an attachment event of its investigation's logbook, with the
same bytes, served to the team; readers of a released experiment may not upload, and a hidden
sample is answered as a nonexistent one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icat_plus_client import ApiClient, Configuration
from icat_plus_client.api.catalogue_api import CatalogueApi
from icat_plus_client.exceptions import ApiException

from logbook.models import Attachment
from logbook.store import get_store
from portal.models import IcatPlusSession
from tests import factories

PDB = b"HEADER    HYDROLASE    01-JAN-24   1ABC\nATOM      1  N   LYS A   1\n"
NONEXISTENT = 987654321


def _refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as error:
        call()
    return error.value.status, error.value.body


def test_team_uploads_a_sample_file_into_the_logbook(live_server, transactional_db, client) -> None:
    now = timezone.now()
    today = factories.InvestigationFactory(name="MX-2590", running=True)
    team = factories.make_team(today)
    sample = factories.SampleFactory(investigation=today, name="lyso1")
    hidden_sample = factories.SampleFactory(investigation=factories.InvestigationFactory())
    released = factories.InvestigationFactory(
        start_date=now - timedelta(days=2000), end_date=now - timedelta(days=1990)
    )
    released_sample = factories.SampleFactory(investigation=released)
    participant = IcatPlusSession.objects.open(user=team.participant)[1]
    outsider = IcatPlusSession.objects.open(user=team.outsider)[1]
    api = CatalogueApi(ApiClient(Configuration(host=f"{live_server.url}/icatplus")))

    info = api.catalogue_session_id_files_upload_post(
        participant,
        str(sample.pk),
        ("model.pdb", PDB),
        "pdb",
        group_name="ligands",
        multiplicity=2,
    )

    assert (info.investigation_id, info.sample_id) == (today.pk, sample.pk)
    [resource] = info.resources
    assert (resource.filename, resource.file_type, resource.group_name, resource.multiplicity) == (
        "model.pdb",
        "pdb",
        "ligands",
        2,
    )
    attachment = Attachment.objects.get(uuid=resource.id)
    assert (attachment.investigation_id, attachment.sample_id) == (today.pk, sample.pk)
    assert (attachment.file_type, attachment.group_name, attachment.multiplicity) == (
        "pdb",
        "ligands",
        2,
    )
    assert attachment.file.read() == PDB
    event = get_store().get(info.id)
    assert (event["investigationId"], event["type"], event["category"]) == (
        today.pk,
        "attachment",
        "file",
    )
    assert event["file"] == [resource.id]
    client.force_login(team.participant)
    served = client.get(resource.file)
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDB
    # The sample's files, as ICAT+'s sample page lists and downloads them.
    (listed,) = api.catalogue_session_id_files_get(participant, sample_id=str(sample.pk))
    assert (listed.sample_id, [r.id for r in listed.resources]) == (sample.pk, [resource.id])
    download = api.catalogue_session_id_files_download_get_without_preload_content(
        participant, sample_id=str(sample.pk), resource_id=resource.id
    )
    assert download.status == 200 and download.read() == PDB

    # Binary that is neither an image nor a PDF is refused; readers may not write; hidden = none.
    status, body = _refusal(
        lambda: api.catalogue_session_id_files_upload_post(
            participant, str(sample.pk), ("x.bin", b"\xff\xfe\x00\x01"), "bin"
        )
    )
    assert status == 400 and "file" in body
    status, _ = _refusal(
        lambda: api.catalogue_session_id_files_upload_post(
            outsider, str(released_sample.pk), ("model.pdb", PDB), "pdb"
        )
    )
    assert status == 403
    hidden = _refusal(
        lambda: api.catalogue_session_id_files_upload_post(
            outsider, str(hidden_sample.pk), ("model.pdb", PDB), "pdb"
        )
    )
    missing = _refusal(
        lambda: api.catalogue_session_id_files_upload_post(
            outsider, str(NONEXISTENT), ("model.pdb", PDB), "pdb"
        )
    )
    assert hidden == missing and hidden[0] == 404
    assert Attachment.objects.count() == 1
