"""Datasets with real files on disk, and zip checks, for the download tests."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from django.conf import settings

from catalogue.models import Datafile, Dataset, Investigation
from tests import factories
from tests.workers import CeleryWorker


def dataset_with_files(
    investigation: Investigation | None = None,
    *,
    files: int = 3,
    size: int = 10_000,
    seed: int = 1,
    name: str | None = None,
    **dataset_fields,
) -> Dataset:
    """A dataset whose datafiles exist under DATA_ROOT with distinct random bytes."""
    rng = random.Random(seed)
    investigation = investigation or factories.InvestigationFactory()
    dataset = factories.DatasetFactory(
        investigation=investigation, **({"name": name} if name else {}), **dataset_fields
    )
    dataset.location = f"{investigation.name}/{dataset.name}"
    dataset.save(update_fields=["location"])
    for i in range(files):
        data = rng.randbytes(size + i)
        location = f"{dataset.location}/scan_{i:04d}.h5"
        path = Path(settings.DATA_ROOT) / location
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        factories.DatafileFactory(
            dataset=dataset,
            name=f"scan_{i:04d}.h5",
            location=location,
            size=len(data),
            checksum=f"sha256:{__import__('hashlib').sha256(data).hexdigest()}",
        )
    Dataset.objects.filter(pk=dataset.pk).refresh_totals()
    Investigation.objects.filter(pk=investigation.pk).refresh_totals()
    dataset.refresh_from_db()
    return dataset


def assert_zip_matches_disk(data: bytes | Path, datafiles: list[Datafile]) -> zipfile.ZipFile:
    """Every member's bytes equal the file on disk, and nothing else is in the zip."""
    archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == len(datafiles) == len(set(names))
    by_file = {f"{f.dataset.investigation.name}/{f.dataset.name}/{f.name}": f for f in datafiles}
    assert set(names) == set(by_file)
    for name, datafile in by_file.items():
        assert archive.read(name) == (Path(settings.DATA_ROOT) / datafile.location).read_bytes(), (
            name
        )
    return archive


def start_worker(tmp_path: Path, label: str, **env: str) -> CeleryWorker:
    """A real worker that also knows the test's ARCHIVE_ROOT, with extra settings from `env`."""
    return CeleryWorker(
        tmp_path / f"worker-{label}.log",
        extra_env={"ARCHIVE_ROOT": str(settings.ARCHIVE_ROOT), **env},
    ).start()
