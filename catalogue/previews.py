"""Previews of datafiles: thumbnails of images (HDF5 files are browsed with H5Web, see
`hdf5_outline` and the h5grove routes).

People would rather look than read, but the files are large and live on facility storage, so every
picture is rendered once and cached under `PREVIEW_CACHE_DIR` (keyed by the file's size and mtime,
so a replaced file gets a new picture). The cache is not a public folder: views serve it only after
`catalogue.access` said yes.

Paths come from the catalogue (relative to `DATA_ROOT`); they are resolved and checked so that no
location can read outside `DATA_ROOT`.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import HDF5_NAME_Q, HDF5_SUFFIXES, IMAGE_NAME_Q, IMAGE_SUFFIXES, Datafile, Dataset

GALLERY_SIZE = 24  # the images a dataset page shows, and whose thumbnails outlive the files
THUMBNAIL_SIZE = (256, 256)


class PreviewError(Exception):
    """A problem the user should read about: bad path, unreadable file."""


class FileMissing(PreviewError):
    """The catalogue knows the file but it is not on disk (archived on tape, moved)."""


def is_image(datafile: Datafile) -> bool:
    return datafile.name.lower().endswith(IMAGE_SUFFIXES)


def is_hdf5(datafile: Datafile) -> bool:
    return datafile.name.lower().endswith(HDF5_SUFFIXES)


def data_path(location: str) -> Path:
    """The file on disk for a catalogue location, refusing anything that escapes DATA_ROOT."""
    root = Path(settings.DATA_ROOT).resolve()
    path = (root / location).resolve()
    if not path.is_relative_to(root):
        raise PreviewError("This file's location is outside the facility's data storage.")
    if not path.is_file():
        raise FileMissing("The file is not on disk (it may be archived on tape or moved).")
    return path


def _cache_file(kind: str, datafile: Datafile, source: Path, variant: str) -> Path:
    stat = source.stat()
    key = f"{datafile.location}|{stat.st_size}|{stat.st_mtime_ns}|{variant}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return Path(settings.PREVIEW_CACHE_DIR) / kind / f"{datafile.pk}-{digest}.png"


def _write_atomically(target: Path, content: bytes) -> None:
    """Two requests may render the same picture at once; each renames a complete file into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as part:
        part.write(content)
    os.replace(part.name, target)


# Thumbnails -----------------------------------------------------------------------------------


def datafile_thumbnail(*, datafile: Datafile) -> Path:
    """A PNG at most THUMBNAIL_SIZE of an image datafile, rendered on first use. Each rendering
    is also kept by the file's id alone (`kept/`), and that copy answers once the file has left
    the disk for tape: a gallery of archived data still shows its pictures."""
    try:
        source = data_path(datafile.location)
    except FileMissing:
        kept = kept_thumbnail(datafile)
        if kept is None:
            raise
        return kept
    target = _cache_file("thumbnails", datafile, source, f"{THUMBNAIL_SIZE}")
    if target.exists():
        return target
    try:
        with Image.open(source) as image:
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG decodes at a reduced scale: much faster
            picture = _displayable(ImageOps.exif_transpose(image))
            picture.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            picture.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as error:
        raise PreviewError(f"This image cannot be read ({error.__class__.__name__}).") from None
    _write_atomically(target, out.getvalue())
    _write_atomically(_kept_file(datafile), out.getvalue())
    return target


def _kept_file(datafile: Datafile) -> Path:
    return Path(settings.PREVIEW_CACHE_DIR) / "kept" / f"{datafile.pk}.png"


def kept_thumbnail(datafile: Datafile) -> Path | None:
    """The thumbnail kept for a file whatever became of it, if one was ever rendered."""
    path = _kept_file(datafile)
    return path if path.is_file() else None


def gallery_images(datafiles: QuerySet[Datafile]) -> list[int]:
    """Ids of the images a gallery shows (one more, to say there are others): the first by
    name, on the images' partial index."""
    images = datafiles.filter(IMAGE_NAME_Q).order_by("name", "id")
    return list(images.values_list("pk", flat=True)[: GALLERY_SIZE + 1])


def hdf5_files(datafiles: QuerySet[Datafile], limit: int) -> list[Datafile]:
    """The first HDF5/NeXus files by name, on their partial index (what H5Web can open)."""
    return list(datafiles.filter(HDF5_NAME_Q).order_by("name", "id")[:limit])


def dataset_thumbnails_keep(*, dataset: Dataset, technique_preview: bool = True) -> int:
    """Render the thumbnails of the dataset's gallery, and its technique's preview
    (`catalogue.technique_previews`), while its files are on disk, so they outlive the files'
    move to tape: run when a sync brings files and before archiving. Files that are gone or
    unreadable are skipped (their gallery tile says so). Returns how many thumbnails are kept."""
    if technique_preview:
        from .technique_previews import dataset_preview_make

        dataset_preview_make(dataset=dataset)
    kept = 0
    for datafile in Datafile.objects.filter(pk__in=gallery_images(dataset.datafiles.all())):
        try:
            rendered = datafile_thumbnail(datafile=datafile)
        except PreviewError:
            continue
        if kept_thumbnail(datafile) is None:  # rendered before thumbnails were kept
            _write_atomically(_kept_file(datafile), rendered.read_bytes())
        kept += 1
    return kept


def dataset_thumbnails_keep_later(dataset_ids: Iterable[int]) -> None:
    """`dataset_thumbnails_keep` by a worker once the transaction commits (an ICAT sync batch
    must not wait for image decoding)."""
    from .tasks import sync_thumbnails

    ids = sorted(set(dataset_ids))
    if ids:
        transaction.on_commit(lambda: sync_thumbnails.delay(ids), robust=True)


def _displayable(image: Image.Image) -> Image.Image:
    """8-bit RGB(A) or grey; detector images are often 16- or 32-bit: stretch them to 0-255."""
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    if image.mode in ("I", "I;16", "I;16B", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        low, high = np.percentile(pixels, [0.5, 99.5]) if pixels.size else (0.0, 1.0)
        scaled = np.clip((pixels - low) / ((high - low) or 1.0) * 255, 0, 255)
        return Image.fromarray(scaled.astype(np.uint8), mode="L")
    return image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
