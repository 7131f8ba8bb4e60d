"""Safe paths under DATA_ROOT and the names files get in a zip or a download list."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

from catalogue.models import (
    Datafile,
)


class DownloadError(Exception):
    """A reason, for people, why a download cannot be made."""


class UnsafePath(DownloadError):
    pass


class MissingFile(DownloadError):
    pass


# Paths and names --------------------------------------------------------------------------------


def safe_path(location: str, *, root: Path | None = None) -> Path:
    """The file at `location` under `root` (DATA_ROOT), refusing anything that resolves outside it:
    absolute paths, `..`, and symlinks pointing elsewhere."""
    root = Path(root or settings.DATA_ROOT).resolve()
    path = (root / location).resolve()
    if path == root or not path.is_relative_to(root):
        raise UnsafePath(f"The path of {location!r} is outside the data storage.")
    return path


_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|]")


def clean_component(part: str) -> str:
    """One path component that every unzip tool writes where it should: no separators, no control
    characters, no `.`/`..`, no leading dots or spaces."""
    part = _UNSAFE_CHARS.sub("_", part.replace("/", "_")).strip().lstrip(".").strip()
    return part or "_"


def member_name(datafile: Datafile) -> str:
    """`<proposal>/<dataset>/<path inside the dataset>`: relative, clean, readable."""
    dataset = datafile.dataset
    prefix = dataset.location.strip("/") + "/" if dataset.location.strip("/") else ""
    location = datafile.location.strip("/")
    inner = location[len(prefix) :] if prefix and location.startswith(prefix) else datafile.name
    parts = [p for p in inner.split("/") if p not in ("", ".")]
    return "/".join(
        clean_component(p)
        for p in [dataset.investigation.name, dataset.name, *(parts or [datafile.name])]
    )


def unique_names(names: Iterable[str]) -> Iterator[str]:
    """The names again, with `~2`, `~3`... before the extension of repeats."""
    seen: set[str] = set()
    for name in names:
        yield unique_name(name, seen)


def unique_name(name: str, seen: set[str]) -> str:
    """The name, or with `~2`, `~3`... before its extension if `seen` holds it; added to seen."""
    candidate, n = name, 1
    while candidate in seen:
        n += 1
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem}~{n}.{ext}" if dot and "/" not in ext else f"{name}~{n}"
    seen.add(candidate)
    return candidate


def named_per_dataset(datafiles: Iterable[Datafile]) -> Iterator[tuple[Datafile, str]]:
    """Each datafile with its member name, reading the datafiles as they come (ordered by
    dataset, as Selection.datafiles is): names are made unique within each dataset, so only that
    dataset's names are held, and a dataset named like an earlier one of its investigation gets
    its own folder (`<dataset>~2`). Memory grows with the datasets, not with the files."""
    folders: dict[str, int] = {}  # "<proposal>/<dataset>" -> how many datasets took it
    current, seen, folder = None, set(), ""
    for datafile in datafiles:
        proposal, dataset, rest = member_name(datafile).split("/", 2)
        if datafile.dataset_id != current:
            current, seen = datafile.dataset_id, set()
            folder = f"{proposal}/{dataset}"
            folders[folder] = taken = folders.get(folder, 0) + 1
            folder += f"~{taken}" if taken > 1 else ""
        yield datafile, f"{folder}/{unique_name(rest, seen)}"
