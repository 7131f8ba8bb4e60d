from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.db import transaction
from django.test import override_settings


def _stand_in_files(record_files):
    """The demo's datasets with one small stand-in file each instead of its generated HDF5 and
    images (minutes of work): the PaNOSC API reads file names and sizes, never their bytes."""

    def files(dataset, write) -> None:
        record_files(dataset, lambda folder: Path(folder, f"{folder.name}.h5").write_bytes(b"0"))

    return files


# One proposal per beamline (every kind of data and parameter), Marie Dubois's two whose datasets
# her minted data collection takes, and the proprietary one: a third of the demo's proposals,
# a third of its seeding time.
PROPOSALS = {"MX-2468", "MX-2590", "LS-3021", "HC-4821", "ES-1290", "EV-0418", "CH-6031",
             "MA-5390", "IN-1187"}  # fmt: skip


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """The demo's catalogue (the proposals above) and DOIs, without logbook, shipments or search
    vectors (the PaNOSC API reads none of them), made once per module in a transaction rolled
    back at the end."""
    from catalogue import demo as catalogue_demo
    from catalogue import search
    from doi import demo as doi_demo

    root = tmp_path_factory.mktemp("panosc")
    roots = {name: root / name.lower() for name in ("DATA_ROOT", "MEDIA_ROOT", "ARCHIVE_ROOT")}
    with django_db_blocker.unblock(), override_settings(**roots):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with (
                mock.patch.object(catalogue_demo, "_files", _stand_in_files(catalogue_demo._files)),
                mock.patch.object(
                    catalogue_demo,
                    "PROPOSALS",
                    [p for p in catalogue_demo.PROPOSALS if p.name in PROPOSALS],
                ),
                # Search vectors are a third of the seeding time; the PaNOSC API reads none.
                mock.patch.object(search, "refresh_after_save"),
            ):
                catalogue_demo.seed(out=io.StringIO())
            doi_demo.seed(out=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(demo_world, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        yield
