"""The demo's multi-GB detector stack (catalogue/demo/big_stack.py) through the h5grove routes: a
frame is read from the few chunks it lies in (bytes read measured by the file object HDF5 reads
through), and a request for more than H5GROVE_MAX_BYTES is refused before anything is read."""

from __future__ import annotations

import h5py
import hdf5plugin  # noqa: F401
import numpy as np
import pytest
from django.urls import reverse

from catalogue.demo.big_stack import FILE_NAME, write_big_stack
from tests import factories
from tests.catalogue.dataset_files import datafile

STACK = "/entry/data/data"


@pytest.fixture(scope="module")
def big_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    write_big_stack(root / "MX-1" / "scan" / FILE_NAME)
    return root


@pytest.fixture
def stack(big_root, settings, db):
    settings.DATA_ROOT = big_root
    investigation = factories.InvestigationFactory()  # under embargo: its team reads it
    member = factories.UserFactory()
    factories.InvestigationUserFactory(investigation=investigation, user=member)
    dataset = factories.DatasetFactory(investigation=investigation, name="scan")
    return member, datafile(dataset, FILE_NAME, location=f"MX-1/scan/{FILE_NAME}")


def _chunk_bytes(path, frames) -> int:
    with h5py.File(path) as handle:
        info = handle[STACK].id
        return sum(info.get_chunk_info_by_coord((frame, 0, 0)).size for frame in frames)


def test_a_frame_of_a_multi_gb_stack_reads_only_its_chunk(client, stack, big_root) -> None:
    member, stack = stack
    client.force_login(member)
    url = reverse("catalogue:h5grove-data", args=[stack.pk])
    path = big_root / stack.location
    assert path.stat().st_size < 100e6  # on disk, while the stack below is 8 GB
    with h5py.File(path) as handle:
        assert handle[STACK].nbytes > 8e9

    frame = client.get(url, {"path": STACK, "selection": "500", "format": "bin", "dtype": "safe"})
    assert frame.status_code == 200
    pixels = np.frombuffer(frame.content, dtype="<u2").reshape(2048, 2048)
    assert 1000 < pixels.sum() < 20000  # sparse photons, not an empty frame
    one = _chunk_bytes(path, [500])
    read = int(frame["X-Bytes-Read"])
    assert one <= read < one + 256 * 1024  # its chunk, plus the file's metadata and chunk index

    three = client.get(url, {"path": STACK, "selection": "10:13,0:64,0:64", "format": "npy"})
    chunks = _chunk_bytes(path, [10, 11, 12])
    assert chunks <= int(three["X-Bytes-Read"]) < chunks + 256 * 1024


def test_the_whole_stack_is_refused_with_the_limit_and_how_to_slice(client, stack) -> None:
    member, stack = stack
    client.force_login(member)
    url = reverse("catalogue:h5grove-data", args=[stack.pk])
    response = client.get(url, {"path": STACK, "format": "bin"})
    assert response.status_code == 413
    message = response.json()["message"]
    assert "7.8 GiB (1000x2048x2048 of uint16)" in message
    assert "at most 64.0 MiB (H5GROVE_MAX_BYTES)" in message and "selection=0,:,:" in message
    stats = client.get(reverse("catalogue:h5grove-stats", args=[stack.pk]), {"path": STACK})
    assert stats.status_code == 413
