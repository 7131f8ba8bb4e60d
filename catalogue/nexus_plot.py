"""The default plot of a NeXus file, read as little as drawing it needs.

The root's and the entry's `default` attributes lead to an NXdata (else the first NXentry's first
NXdata); its `signal` and `axes` (with `<axis>_indices`) name the arrays. A curve longer than
MAX_POINTS and an image wider than MAX_SIDE are read strided, and of a stack only one frame is
read: the central one for tomography (the middle of the volume), else the first. External links
and arrays whose bytes live in other files are never followed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

MAX_POINTS = 4000  # a curve with more points than pixels is read strided
MAX_SIDE = 512  # so is an image
CENTRAL_FRAME_DEFINITIONS = ("NXtomo", "NXtomoproc")


class NothingToPlot(Exception):
    """The file has no default plot that can be drawn (said on the page, not retried)."""


@dataclass
class PlotData:
    signal: np.ndarray  # 1D curve or 2D image, already reduced to what is drawn
    shape: tuple[int, ...]
    signal_label: str
    axes: list[np.ndarray | None]  # one per dimension drawn (None: index)
    axis_labels: list[str]
    axis_units: list[str]
    title: str
    definition: str = ""
    integer: bool = False  # detector counts: drawn on a log colour scale
    frame: int | None = None
    auxiliary: list[tuple[str, np.ndarray]] = field(default_factory=list)
    group: Any = None  # the NXdata (open while the file is)
    entry: Any = None


def as_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.ndarray) and value.size == 1:
        return as_text(value.reshape(-1)[0])
    return str(value) if value is not None else ""


def _names(value: object) -> list[str]:
    """An `axes` or `auxiliary_signals` attribute: a list, or one string ("x" or "y:x")."""
    if isinstance(value, np.ndarray):
        return [as_text(v) for v in value.reshape(-1)]
    text = as_text(value)
    return [n.strip() for n in text.replace(",", ":").split(":")] if text else []


def member(group: h5py.Group, name: str) -> Any:
    """A member by name or relative path; external links lead to other files: never followed."""
    node = group
    for part in name.strip("/").split("/"):
        link = node.get(part, getlink=True) if isinstance(node, h5py.Group) else None
        if link is None or isinstance(link, h5py.ExternalLink):
            return None
        try:
            node = node[part]
        except KeyError:  # a soft link to nothing
            return None
    return node


def nx_class(node: Any) -> str:
    return as_text(node.attrs.get("NX_class", "")) if node is not None else ""


def _find_nxdata(handle: h5py.File) -> tuple[h5py.Group, h5py.Group]:
    """(entry, NXdata) by the `default` attributes, else the first NXentry's first NXdata."""
    entry = member(handle, as_text(handle.attrs.get("default", "")) or "\0")
    if nx_class(entry) != "NXentry":
        entry = next((handle[n] for n in handle if nx_class(member(handle, n)) == "NXentry"), None)
    if entry is None:
        raise NothingToPlot("This file has no NeXus entry to plot.")
    data = member(entry, as_text(entry.attrs.get("default", "")) or "\0")
    if nx_class(data) == "NXentry":  # a default may name a sub-entry
        data = member(data, as_text(data.attrs.get("default", "")) or "\0")
    if nx_class(data) != "NXdata":
        data = next((entry[n] for n in entry if nx_class(member(entry, n)) == "NXdata"), None)
    if data is None:
        raise NothingToPlot("This file names no default plot (NXdata).")
    return entry, data


def _readable(node: Any) -> bool:
    return (
        isinstance(node, h5py.Dataset)
        and node.dtype.kind in "biuf"
        and node.ndim >= 1
        and node.size >= 2
        and not (node.is_virtual or node.external)  # bytes in other files: never read
    )


def _label(node: h5py.Dataset, name: str) -> tuple[str, str]:
    units = as_text(node.attrs.get("units", ""))
    long_name = as_text(node.attrs.get("long_name", ""))
    return long_name or (f"{name} ({units})" if units else name), units


def default_plot(handle: h5py.File) -> PlotData:
    entry, group = _find_nxdata(handle)
    name = as_text(group.attrs.get("signal", ""))
    if not name:  # the older convention: the signal array says signal=1
        name = next((n for n in group if as_text(group[n].attrs.get("signal", "")) == "1"), "")
    signal = member(group, name) if name else None
    if not _readable(signal):
        raise NothingToPlot("The default plot's signal is not a numeric array.")
    axis_names = _names(group.attrs.get("axes", ""))
    for key in group.attrs:  # `<axis>_indices` places an axis on a dimension
        if key.endswith("_indices") and not axis_names:
            axis_names = ["."] * signal.ndim
    by_dimension: dict[int, str] = {}
    for index, axis in enumerate(axis_names):
        position = group.attrs.get(f"{axis}_indices", index)
        position = int(np.asarray(position).reshape(-1)[0])
        if axis and axis != "." and 0 <= position < signal.ndim:
            by_dimension.setdefault(position, axis)
    definition = as_text(entry["definition"][()]) if "definition" in entry else ""
    title = as_text(group["title"][()]) if "title" in group else ""
    title = title or (as_text(entry["title"][()]) if "title" in entry else name)
    return _reduce(
        signal, name, group, by_dimension, title=title, definition=definition, entry=entry
    )


def _steps(shape: tuple[int, ...], limit: int) -> tuple[int, ...]:
    return tuple(max(1, math.ceil(n / limit)) for n in shape)


def _axis(group: h5py.Group, name: str | None, size: int, step: int) -> tuple[Any, str, str]:
    if not name:
        return None, "index", ""
    node = member(group, name)
    if not _readable(node) or node.ndim != 1 or node.shape[0] not in (size, size + 1):
        return None, name, ""
    values = np.asarray(node[()], dtype=np.float64)
    if values.size == size + 1:  # bin edges: their centres
        values = (values[:-1] + values[1:]) / 2
    label, units = _label(node, name)
    return values[::step], label, units


def _reduce(signal, name, group, by_dimension, *, title, definition, entry) -> PlotData:
    """Read what is drawn and no more: a strided curve, a strided image, one frame of a stack."""
    shape = tuple(signal.shape)
    signal_label, _ = _label(signal, name)
    integer = signal.dtype.kind in "biu"
    auxiliary = []
    if signal.ndim == 1:
        (step,) = _steps(shape, MAX_POINTS)
        values = np.asarray(signal[::step], dtype=np.float64)
        axis, axis_label, units = _axis(group, by_dimension.get(0), shape[0], step)
        for other in _names(group.attrs.get("auxiliary_signals", "")):
            node = member(group, other)
            if _readable(node) and node.shape == signal.shape:
                auxiliary.append((other, np.asarray(node[::step], dtype=np.float64)))
        return PlotData(
            signal=values,
            shape=shape,
            signal_label=signal_label,
            axes=[axis],
            axis_labels=[axis_label],
            axis_units=[units],
            title=title,
            definition=definition,
            integer=integer,
            auxiliary=auxiliary,
            group=group,
            entry=entry,
        )
    frame = None
    lead: tuple[int, ...] = ()
    if signal.ndim >= 3:
        frame = shape[0] // 2 if definition in CENTRAL_FRAME_DEFINITIONS else 0
        lead = (frame,) + (0,) * (signal.ndim - 3)
    rows, columns = shape[-2:]
    row_step, column_step = _steps((rows, columns), MAX_SIDE)
    image = np.asarray(
        signal[(*lead, slice(None, None, row_step), slice(None, None, column_step))],
        dtype=np.float64,
    )
    dims = signal.ndim
    y, y_label, y_units = _axis(group, by_dimension.get(dims - 2), rows, row_step)
    x, x_label, x_units = _axis(group, by_dimension.get(dims - 1), columns, column_step)
    return PlotData(
        signal=image,
        shape=shape,
        signal_label=signal_label,
        axes=[y, x],
        axis_labels=[y_label, x_label],
        axis_units=[y_units, x_units],
        title=title,
        definition=definition,
        integer=integer,
        frame=frame,
        group=group,
        entry=entry,
    )
