"""h5grove's routes for one datafile (catalogue/h5grove.py): what H5Web asks for, the shapes it
reads back, and every refusal as h5grove's `{"message": ...}`."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.urls import reverse

from catalogue.models import ArchiveStatus
from tests import factories
from tests.catalogue.dataset_files import datafile, write_h5

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    member = factories.UserFactory()
    investigation = factories.InvestigationFactory()  # embargoed
    factories.InvestigationUserFactory(investigation=investigation, user=member)
    dataset = factories.DatasetFactory(investigation=investigation, name="scan1")
    h5 = datafile(dataset, "scan.h5")
    write_h5(h5.location)
    text = datafile(dataset, "notes.txt")
    path = settings.DATA_ROOT / text.location
    path.write_text("not HDF5")
    return {"member": member, "h5": h5, "text": text, "dataset": dataset}


def url(route: str, pk: int, **params) -> str:
    return reverse(f"catalogue:h5grove-{route}", args=[pk]), params


def get(client, route, pk, **params):
    path, params = url(route, pk, **params)
    return client.get(path, params)


def test_meta_attr_data_paths_stats_as_h5web_reads_them(client, world) -> None:
    client.force_login(world["member"])
    pk = world["h5"].pk
    meta = get(client, "meta", pk, path="/entry/data", file="ignored.h5")
    assert meta.status_code == 200, meta.content
    assert meta["Cache-Control"].startswith("private") or "private" in meta["Cache-Control"]
    names = {child["name"]: child for child in meta.json()["children"]}
    assert names["stack"]["shape"] == [3, 20, 30]
    assert names["stack"]["type"]["dtype"] == "<u2"

    attr = get(client, "attr", pk, path="/entry/data")
    assert attr.json() == {"NX_class": "NXdata"}

    frame = get(
        client, "data", pk, path="/entry/data/stack", selection="1,:,:", format="bin", dtype="safe"
    )
    assert frame["Content-Type"] == "application/octet-stream"
    values = np.frombuffer(frame.content, dtype="<u2").reshape(20, 30)
    assert values[0, 0] == 600 and values[-1, -1] == 1199

    npy = get(client, "data", pk, path="/entry/data/stack", selection="2,5", format="npy")
    assert np.load(io.BytesIO(npy.content)).tolist() == list(range(1350, 1380))

    as_json = get(client, "data", pk, path="/entry/data/stack", selection="0,0,0:3", flatten="true")
    assert as_json.json() == [0, 1, 2]

    stats = get(client, "stats", pk, path="/entry/data/stack", selection="0")
    assert stats.json()["max"] == 599 and stats.json()["min"] == 0

    paths = get(client, "paths", pk, path="/entry")
    assert "/entry/data/stack" in paths.json() and "/entry/latest" in paths.json()

    bare = client.get(f"/datafiles/{pk}/h5grove/meta", {"path": "/"})
    assert bare.status_code == 200 and bare.json()["kind"] == "group"


def test_external_link_is_listed_never_followed(client, world) -> None:
    client.force_login(world["member"])
    meta = get(client, "meta", world["h5"].pk, path="/entry/outside")
    assert meta.json()["kind"] == "external_link"
    data = get(client, "data", world["h5"].pk, path="/entry/outside")
    assert data.status_code == 400


@pytest.mark.parametrize(
    "params,words",
    [
        ({"path": "/entry/nothing"}, "is not a valid path in scan.h5"),
        ({"path": "entry"}, "must start with '/'"),
        ({"path": "/entry/data/stack", "selection": "a:b"}, "not a NumPy-like selection"),
        ({"path": "/entry/data/stack", "selection": "0,0,0,0"}, "at most 3"),
        ({"path": "/entry/data/stack", "selection": "7"}, "outside 0..2"),
        ({"path": "/entry/data/stack", "selection": "::-1"}, "step"),
        ({"path": "/entry/data/stack", "format": "xls"}, "format: use one of"),
        ({"path": "/entry/data/stack", "dtype": "float"}, "dtype: use one of"),
        ({"path": "/entry/title", "dtype": "safe"}, "non-numeric"),
        ({"path": "/entry/data/stack", "format": "csv"}, "cannot be read"),
        ({"path": "/entry/data", "resolve_links": "maybe"}, "resolve_links"),
        ({"path": "/entry/data"}, "not a dataset"),
    ],
)
def test_bad_query_is_a_400_with_a_message(client, world, params, words) -> None:
    client.force_login(world["member"])
    response = get(client, "data", world["h5"].pk, **params)
    assert response.status_code == 400, response.content
    assert words in response.json()["message"]


def test_a_selection_over_the_limit_is_refused_before_reading(client, world, settings) -> None:
    settings.H5GROVE_MAX_BYTES = 1000  # one frame is 1200 bytes
    client.force_login(world["member"])
    response = get(client, "data", world["h5"].pk, path="/entry/data/stack", selection="0")
    assert response.status_code == 413
    message = response.json()["message"]
    assert "1000 bytes (H5GROVE_MAX_BYTES)" in message and "selection=0,:,:" in message
    row = get(client, "data", world["h5"].pk, path="/entry/data/stack", selection="0,0")
    assert row.status_code == 200


def test_not_hdf5_archived_and_missing_files(client, world, settings) -> None:
    client.force_login(world["member"])
    text = get(client, "meta", world["text"].pk)
    assert text.status_code == 400 and "not an HDF5 file" in text.json()["message"]
    (settings.DATA_ROOT / world["h5"].location).unlink()
    assert get(client, "meta", world["h5"].pk).status_code == 404
    world["dataset"].archive_status = ArchiveStatus.ARCHIVED
    world["dataset"].save()
    archived = get(client, "meta", world["h5"].pk)
    assert archived.status_code == 409 and "restored" in archived.json()["message"]
