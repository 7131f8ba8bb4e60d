"""Demo step for downloads: some datasets go to "tape", some become too large to stream.

Runs after `catalogue.demo` (see DEMO_STEPS) and finds its datasets by querying the database:
- the two oldest released datasets are archived: their files move to ARCHIVE_ROOT, so "Request
  restore" has something to copy back (their gallery thumbnails are kept first);
- one dataset of MX-2468 (Marie Dubois's proposal) and one public dataset get a 3 GiB sparse
  file (no disk used), so their zip needs a download job.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from . import previews
from .models import ArchiveStatus, Datafile, Dataset, Investigation

LARGE_FILE_SIZE = 3 * 2**30


def seed(*, out) -> None:
    online = (
        Dataset.objects.filter(archive_status=ArchiveStatus.ONLINE, file_count__gt=0)
        .select_related("investigation")
        .order_by("investigation__start_date", "id")
    )
    released = online.filter(investigation__in=Investigation.objects.released())
    # The catalogue's demo may already mark datasets as archived; otherwise archive two. Either
    # way their files go to the "tape" (a second run finds them there and moves nothing).
    if not Dataset.objects.filter(archive_status=ArchiveStatus.ARCHIVED).exists():
        Dataset.objects.filter(pk__in=[d.pk for d in released[:2]]).update(
            archive_status=ArchiveStatus.ARCHIVED
        )
    to_archive = list(Dataset.objects.filter(archive_status=ArchiveStatus.ARCHIVED))
    for dataset in to_archive:
        _move_to_tape(dataset)
    archived_ids = [d.pk for d in to_archive]

    large = [
        online.exclude(pk__in=archived_ids)
        .filter(investigation__name="MX-2468")
        .order_by("-id")
        .first(),
        released.exclude(pk__in=archived_ids).order_by("-investigation__start_date", "-id").first(),
    ]
    large = [d for i, d in enumerate(large) if d is not None and d not in large[:i]]
    for dataset in large:
        _add_sparse_file(dataset)
    out.write(
        f"Downloads: {len(to_archive)} archived datasets on the demo tape; "
        f"large (job needed): {', '.join(f'{d.investigation}/{d.name}' for d in large) or '-'}."
    )


def _move_to_tape(dataset: Dataset) -> None:
    # As the facility's archiving would: the gallery's thumbnails are made while the files are
    # on disk, and stay when they leave (catalogue/previews.py).
    # Not the technique previews: drawing them here would double the demo's time; the worker
    # that draws the others starts after the demo, so these datasets say "no preview (on tape)".
    previews.dataset_thumbnails_keep(dataset=dataset, technique_preview=False)
    for datafile in dataset.datafiles.all():
        source = Path(settings.DATA_ROOT) / datafile.location
        target = Path(settings.ARCHIVE_ROOT) / datafile.location
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
    Dataset.objects.filter(pk=dataset.pk).update(archive_status=ArchiveStatus.ARCHIVED)


def _add_sparse_file(dataset: Dataset) -> None:
    folder = dataset.location.strip("/") or f"{dataset.investigation.name}/{dataset.name}"
    # A raw detector dump, not HDF5: sparse zeros must not pretend to be a readable file.
    location = f"{folder}/{dataset.name}_detector_frames.raw"
    path = Path(settings.DATA_ROOT) / location
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(LARGE_FILE_SIZE)  # sparse: reads as zeros, takes no disk space
    Datafile.objects.get_or_create(
        dataset=dataset,
        location=location,
        defaults={"name": path.name, "size": LARGE_FILE_SIZE, "checksum": ""},
    )
    Dataset.objects.filter(pk=dataset.pk).refresh_totals()
    Investigation.objects.filter(pk=dataset.investigation_id).refresh_totals()
