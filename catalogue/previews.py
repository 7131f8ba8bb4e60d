"""Previews of datafiles: thumbnails of images, the tree of an HDF5 file, plots of its arrays.

People would rather look than read, but the files are large and live on facility storage, so every
picture is rendered once and cached under `PREVIEW_CACHE_DIR` (keyed by the file's size and mtime,
so a replaced file gets a new picture). The cache is not a public folder: views serve it only after
`catalogue.access` said yes.

Paths come from the catalogue (relative to `DATA_ROOT`); they are resolved and checked so that no
location can read outside `DATA_ROOT`. In HDF5 files only hard links are followed: soft and external
links are listed, never opened (an external link may point anywhere on the filesystem), and arrays
whose bytes live in other files (virtual or external storage) are not plotted.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Datafile, Dataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
GALLERY_SIZE = 24  # the images a dataset page shows, and whose thumbnails outlive the files
# Images and HDF5 files are found by name among the first files only: a detector dataset can hold
# hundreds of thousands of frames, and a suffix match cannot use an index.
PREVIEW_SCAN_FILES = 2000
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs")
THUMBNAIL_SIZE = (256, 256)
MAX_TREE_NODES = 400  # a tree longer than this is cut (detector files can hold thousands of scans)
MAX_TREE_DEPTH = 12
MAX_POINTS_1D = 4000  # more points than pixels in the plot is wasted reading
MAX_SIDE_2D = 1024


class PreviewError(Exception):
    """A problem the user should read about: bad path, unreadable file, not plottable."""


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
    """Ids of the images a gallery shows (one more, to say there are others): by name among
    the first PREVIEW_SCAN_FILES files, on the (dataset, name, id) index."""
    first = datafiles.order_by("name", "id").values_list("pk", "name")[:PREVIEW_SCAN_FILES]
    ids = [pk for pk, name in first if name.lower().endswith(IMAGE_SUFFIXES)]
    return ids[: GALLERY_SIZE + 1]


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


# HDF5 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class H5Node:
    path: str
    name: str
    depth: int
    kind: str  # group, dataset, link
    shape: tuple[int, ...] | None = None
    dtype: str = ""
    nx_class: str = ""
    target: str = ""  # where a soft or external link points (shown, never followed)
    plottable: bool = False

    @property
    def shape_text(self) -> str:
        if self.shape is None:
            return ""
        return " × ".join(str(n) for n in self.shape) if self.shape else "scalar"


@dataclass(frozen=True)
class H5Tree:
    nodes: list[H5Node]
    truncated: bool

    @property
    def default_plot(self) -> str | None:
        """The first image-like array, else the first curve: what a scientist looks at first."""
        plottable = [n for n in self.nodes if n.plottable]
        for node in plottable:
            if len(node.shape or ()) >= 2:
                return node.path
        return plottable[0].path if plottable else None


@contextmanager
def _open_h5(source: Path) -> Iterator[h5py.File]:
    try:
        # No file locking: beamline software may still hold the file open for writing.
        handle = h5py.File(source, "r", locking=False)
    except OSError:
        raise PreviewError("This file is not a readable HDF5 file.") from None
    with handle:
        yield handle


def _plottable(dataset: h5py.Dataset) -> bool:
    if dataset.dtype.kind not in "biuf" or dataset.ndim == 0 or dataset.size < 2:
        return False
    # Bytes stored in other files could be anywhere on disk: never read them.
    return not (dataset.is_virtual or dataset.external)


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")


def _walk(group: h5py.Group, prefix: str, depth: int, nodes: list[H5Node], seen: set) -> bool:
    """Append the group's members depth-first; True when the tree had to be cut. A group reached
    a second time (hard links can make loops) is listed but not walked again."""
    truncated = False
    for name in group:
        if len(nodes) >= MAX_TREE_NODES:
            return True
        path = f"{prefix}/{name}"
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.SoftLink):
            nodes.append(H5Node(path, name, depth, "link", target=link.path))
            continue
        if isinstance(link, h5py.ExternalLink):
            nodes.append(H5Node(path, name, depth, "link", target=f"{link.filename}:{link.path}"))
            continue
        member = group.get(name)
        if isinstance(member, h5py.Group):
            nx_class = _text(member.attrs.get("NX_class", ""))
            nodes.append(H5Node(path, name, depth, "group", nx_class=nx_class))
            if member.id in seen or depth >= MAX_TREE_DEPTH:
                truncated = True
                continue
            seen.add(member.id)
            truncated = _walk(member, path, depth + 1, nodes, seen) or truncated
        elif isinstance(member, h5py.Dataset):
            string = h5py.check_string_dtype(member.dtype)
            nodes.append(
                H5Node(
                    path,
                    name,
                    depth,
                    "dataset",
                    shape=tuple(member.shape),
                    dtype="string" if string else str(member.dtype),
                    plottable=_plottable(member),
                )
            )
    return truncated


def hdf5_tree(*, datafile: Datafile) -> H5Tree:
    """The groups and arrays of an HDF5 datafile, with shapes and dtypes."""
    source = data_path(datafile.location)
    with _open_h5(source) as handle:
        nodes: list[H5Node] = []
        truncated = _walk(handle, "", 0, nodes, {handle.id})
    return H5Tree(nodes=nodes, truncated=truncated)


def _resolve(handle: h5py.File, path: str) -> h5py.Dataset:
    """The array at `path`, reached through hard links only; anything else is a PreviewError."""
    parts = path.split("/")
    if not path.startswith("/") or len(path) > 1024 or any(p in ("", ".", "..") for p in parts[1:]):
        raise PreviewError("Choose an array from the file's tree (a path like /entry/data/data).")
    node: h5py.Group | h5py.Dataset = handle
    for part in parts[1:]:
        if not isinstance(node, h5py.Group) or part not in node:
            raise PreviewError(f"There is no array {path} in this file.")
        if not isinstance(node.get(part, getlink=True), h5py.HardLink):
            raise PreviewError(f"{path} goes through a link; links are not followed.")
        node = node[part]
    if not isinstance(node, h5py.Dataset):
        raise PreviewError(f"{path} is a group, not an array.")
    if not _plottable(node):
        raise PreviewError(f"{path} is not a numeric array that can be plotted.")
    return node


def _read_downsampled(dataset: h5py.Dataset) -> tuple[np.ndarray, tuple[int, ...]]:
    """Read at most a plot's worth of values with strided slicing (never the whole array).
    Arrays of 3 or more dimensions show their first frame."""
    shape = dataset.shape
    try:
        if len(shape) == 1:
            step = max(1, math.ceil(shape[0] / MAX_POINTS_1D))
            return np.asarray(dataset[::step], dtype=np.float64), (step,)
        steps = tuple(max(1, math.ceil(n / MAX_SIDE_2D)) for n in shape[-2:])
        index = (0,) * (len(shape) - 2) + tuple(slice(None, None, s) for s in steps)
        return np.asarray(dataset[index], dtype=np.float64), steps
    except (OSError, ValueError, TypeError):
        # e.g. compressed with a filter this server does not have
        raise PreviewError("This array cannot be read here (unsupported compression?).") from None


def _render(data: np.ndarray, steps: tuple[int, ...], *, title: str, units: str) -> bytes:
    import matplotlib  # imported late: it is slow to import and only plots need it
    from matplotlib.figure import Figure  # Agg canvas by default, no pyplot global state

    with matplotlib.rc_context({"font.size": 11}):
        return _draw(
            Figure(figsize=(6.4, 4.0), dpi=100, layout="constrained"),
            data,
            steps,
            title=title,
            units=units,
        )


def _draw(figure, data: np.ndarray, steps: tuple[int, ...], *, title: str, units: str) -> bytes:
    axes = figure.add_subplot()
    if data.ndim == 1:
        axes.plot(np.arange(data.size) * steps[0], data, color="#0b5ed7", linewidth=1.2)
        axes.set_xlabel("index")
        axes.set_ylabel(units or "value")
        axes.grid(alpha=0.3)
        axes.margins(x=0)
    else:
        finite = data[np.isfinite(data)]
        low, high = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 1.0)
        height, width = data.shape[0] * steps[0], data.shape[1] * steps[1]
        ratio = width / max(height, 1)
        image = axes.imshow(
            data,
            cmap="viridis",
            vmin=low,
            vmax=high if high > low else low + 1,
            extent=(0, width, height, 0),
            interpolation="nearest",
            aspect="equal" if 0.25 < ratio < 4 else "auto",
        )
        figure.colorbar(image, ax=axes, shrink=0.9, label=units or None)
    downsampled = any(s > 1 for s in steps)
    axes.set_title(title + ("  (downsampled)" if downsampled else ""), fontsize=11)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def hdf5_plot(*, datafile: Datafile, path: str) -> Path:
    """A PNG plot of the array at `path`: a line for 1D, an image with a colour bar for 2D."""
    source = data_path(datafile.location)
    target = _cache_file("plots", datafile, source, path)
    if target.exists():
        return target
    with _open_h5(source) as handle:
        dataset = _resolve(handle, path)
        data, steps = _read_downsampled(dataset)
        units = _text(dataset.attrs.get("units", ""))
    _write_atomically(target, _render(data, steps, title=path, units=units))
    return target
