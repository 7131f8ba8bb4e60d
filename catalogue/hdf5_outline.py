"""The outline of an HDF5/NeXus file as a plain list: what the dataset page shows without JavaScript
(with it, H5Web browses the file through the h5grove routes).

Bounded like every preview: at most MAX_NODES entries and MAX_DEPTH levels, so a detector file
with thousands of scans costs one bounded walk. Only hard links are followed; soft and external
links are listed with their target, never opened (an external link may point anywhere on disk).
The file is found through `previews.data_path`, which refuses locations outside DATA_ROOT.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import h5py

from .models import Datafile
from .previews import PreviewError, data_path

MAX_NODES = 400
MAX_DEPTH = 12


@dataclass(frozen=True)
class Node:
    path: str
    name: str
    depth: int
    kind: str  # group, dataset, link
    shape: tuple[int, ...] | None = None
    dtype: str = ""
    nx_class: str = ""
    target: str = ""  # where a soft or external link points

    @property
    def shape_text(self) -> str:
        if self.shape is None:
            return ""
        return " × ".join(str(n) for n in self.shape) if self.shape else "scalar"


@dataclass(frozen=True)
class Outline:
    nodes: list[Node]
    truncated: bool
    default: str  # the NeXus default plot (root `default` → entry `default` → NXdata), or ""


@contextmanager
def open_h5(source: Path) -> Iterator[h5py.File]:
    try:
        # No file locking: beamline software may still hold the file open for writing.
        handle = h5py.File(source, "r", locking=False)
    except OSError:
        raise PreviewError("This file is not a readable HDF5 file.") from None
    with handle:
        yield handle


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")


def _walk(group: h5py.Group, prefix: str, depth: int, nodes: list[Node], seen: set) -> bool:
    """Append the group's members depth-first; True when the outline had to be cut. A group reached
    a second time (hard links can make loops) is listed but not walked again."""
    truncated = False
    for name in group:
        if len(nodes) >= MAX_NODES:
            return True
        path = f"{prefix}/{name}"
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.SoftLink):
            nodes.append(Node(path, name, depth, "link", target=link.path))
            continue
        if isinstance(link, h5py.ExternalLink):
            nodes.append(Node(path, name, depth, "link", target=f"{link.filename}:{link.path}"))
            continue
        member = group.get(name)
        if isinstance(member, h5py.Group):
            nodes.append(
                Node(path, name, depth, "group", nx_class=_text(member.attrs.get("NX_class")))
            )
            if member.id in seen or depth >= MAX_DEPTH:
                truncated = True
                continue
            seen.add(member.id)
            truncated = _walk(member, path, depth + 1, nodes, seen) or truncated
        elif isinstance(member, h5py.Dataset):
            string = h5py.check_string_dtype(member.dtype)
            dtype = "string" if string else str(member.dtype)
            nodes.append(Node(path, name, depth, "dataset", tuple(member.shape), dtype))
    return truncated


def _default_plot(handle: h5py.File) -> str:
    """Follow NeXus `default` attributes from the root down to a group (NXdata), hard links only."""
    node, path = handle, ""
    for _ in range(MAX_DEPTH):
        name = _text(node.attrs.get("default"))
        if not name or "/" in name or name not in node:
            break
        if not isinstance(node.get(name, getlink=True), h5py.HardLink):
            break
        child = node[name]
        if not isinstance(child, h5py.Group):
            break
        node, path = child, f"{path}/{name}"
    return path


def hdf5_outline(*, datafile: Datafile) -> Outline:
    """The groups and arrays of an HDF5 datafile with shapes and dtypes, and its default plot."""
    with open_h5(data_path(datafile.location)) as handle:
        nodes: list[Node] = []
        truncated = _walk(handle, "", 0, nodes, {handle.id})
        return Outline(nodes=nodes, truncated=truncated, default=_default_plot(handle))
