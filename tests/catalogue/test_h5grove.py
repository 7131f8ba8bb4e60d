"""h5grove's routes for one datafile (catalogue/h5grove.py): what H5Web asks for, the shapes it
reads back, and every refusal as h5grove's `{"message": ...}`."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from django.test import override_settings
from django.urls import reverse

from catalogue.models import ArchiveStatus
from tests import factories
from tests.access_matrix.test_url_fuzz import GARBAGE
from tests.catalogue.dataset_files import datafile, write_h5

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def files_root(tmp_path_factory):
    """One small NeXus-like file and one text file for the whole module."""
    root = tmp_path_factory.mktemp("h5grove")
    with override_settings(DATA_ROOT=root):
        write_h5("MX-1/scan1/scan.h5")
    (root / "MX-1/scan1/notes.txt").write_text("not HDF5")
    return root


@pytest.fixture
def world(files_root, settings):
    settings.DATA_ROOT = files_root
    member = factories.UserFactory()
    investigation = factories.InvestigationFactory()  # embargoed
    factories.InvestigationUserFactory(investigation=investigation, user=member)
    dataset = factories.DatasetFactory(investigation=investigation, name="scan1")
    h5 = datafile(dataset, "scan.h5", location="MX-1/scan1/scan.h5")
    text = datafile(dataset, "notes.txt", location="MX-1/scan1/notes.txt")
    gone = datafile(dataset, "gone.h5", location="MX-1/scan1/gone.h5")
    return {"member": member, "h5": h5, "text": text, "gone": gone, "dataset": dataset}


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

    # H5Web asks without the trailing slash: sent on to the route, query string kept.
    bare = client.get(f"/datafiles/{pk}/h5grove/meta", {"path": "/entry"}, follow=True)
    assert bare.redirect_chain == [(f"/datafiles/{pk}/h5grove/meta/?path=%2Fentry", 301)]
    assert bare.json()["name"] == "entry"


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
    stack = {"path": "/entry/data/stack", "format": "bin"}
    response = get(client, "data", world["h5"].pk, **stack, selection="0")
    assert response.status_code == 413
    message = response.json()["message"]
    assert "1000 bytes (H5GROVE_MAX_BYTES)" in message and "selection=0,:,:" in message
    rows = get(client, "data", world["h5"].pk, **stack, selection="0,0:16")
    assert rows.status_code == 200 and len(rows.content) == 960
    # As text each value costs far more than its bytes: an eighth of the limit.
    text = get(client, "data", world["h5"].pk, path="/entry/data/stack", selection="0,0:2")
    assert text.status_code == 200 and len(text.json()) == 2
    too_long = get(client, "data", world["h5"].pk, path="/entry/data/stack", selection="0,0:3")
    assert too_long.status_code == 413 and "125 bytes as json" in too_long.json()["message"]


def test_not_hdf5_archived_and_missing_files(client, world) -> None:
    client.force_login(world["member"])
    text = get(client, "meta", world["text"].pk)
    assert text.status_code == 400 and "not an HDF5 file" in text.json()["message"]
    gone = get(client, "meta", world["gone"].pk)
    assert gone.status_code == 404 and "missing from the data storage" in gone.json()["message"]
    world["dataset"].archive_status = ArchiveStatus.ARCHIVED
    world["dataset"].save()
    archived = get(client, "meta", world["h5"].pk)
    assert archived.status_code == 409 and "restored" in archived.json()["message"]


def test_garbage_in_any_parameter_of_a_real_file_is_a_4xx_with_a_message(client, world) -> None:
    """The URL fuzz (tests/access_matrix) walks a text file; here garbage reaches h5py."""
    client.force_login(world["member"])
    base = {"path": "/entry/data/stack", "selection": "0", "format": "bin", "dtype": "safe"}
    names = [*base, "attr_keys", "flatten", "resolve_links"]
    failures = []
    # Control characters never reach the view: portal/middleware.py refuses them for every URL.
    garbage = [value for value in GARBAGE if not re.search(r"[\x00-\x1f\x7f]", value)]
    for route in ("data", "attr", "paths"):  # the others parse the same query as `data`
        for name in names:
            for value in [*garbage, "/entry", "/entry/latest", "/entry/outside", "0,0,0"]:
                response = get(client, route, world["h5"].pk, **{**base, name: value})
                if response.status_code >= 500 or (
                    response.status_code >= 400 and b'"message"' not in response.content
                ):
                    failures.append(f"{route} {name}={value[:20]!r}: {response.status_code}")
    assert failures == []
