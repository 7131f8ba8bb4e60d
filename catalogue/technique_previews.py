"""Technique-aware previews: one picture per dataset, drawn the way its technique is read.

The picture is the dataset's HDF5 file's default NeXus plot (the root's and the entry's `default`
attributes lead to an NXdata, whose `signal` and `axes` name the arrays): a curve against its
axis, an image with its axes' ticks, a frame of a stack. Each technique adds what its scientists
look for first: SAXS draws I(q) log-log with the Guinier region (q·Rg < 1.3) shaded when an Rg is
known; spectroscopy marks the absorption edge on μ(E); tomography shows the central slice of the
volume. Crystallography's processing summary (resolution, space group, cell, completeness, I/σ)
is HTML built from the dataset's parameters (`mx_summary`), sharper than any picture of text.

Pictures are made by a worker (`dataset_preview_make`, from the task that keeps gallery
thumbnails: after an ICAT sync batch, before archiving, and for the demo), never in the request
that shows a page: pages ask `preview_state` and show the picture, or "preview being prepared".
They are stored by dataset id alone under PREVIEW_CACHE_DIR/technique/, so they outlive the files'
move to tape, and served only after `catalogue.access` said yes. Only the slice shown is read
(one frame of a stack, strided rows of a big image): a preview costs the same for a multi-GB file.
Reading the plot: `catalogue.nexus_plot`; drawing it: `catalogue.technique_drawing`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
from django.conf import settings

from . import previews
from .models import HDF5_NAME_Q, ArchiveStatus, Dataset, DatasetParameter, ValueType
from .nexus_plot import NothingToPlot, PlotData, as_text, default_plot, member, nx_class
from .technique_drawing import (  # noqa: F401 (PREVIEW_SIZE: for callers)
    DIFFRACTION,
    MX,
    OTHER,
    PREVIEW_SIZE,
    SAXS,
    SPECTROSCOPY,
    TOMOGRAPHY,
    Drawn,
    render,
)

GUINIER_LIMIT = 1.3  # q·Rg below which the Guinier approximation holds (globular particles)

# Words of technique names (PaNET's, as ICAT gives them), then NeXus application definitions.
TECHNIQUE_WORDS = [
    (SAXS, ("small angle", "saxs", "sans")),
    (MX, ("crystallograph",)),
    (TOMOGRAPHY, ("tomograph",)),
    (SPECTROSCOPY, ("absorption", "xanes", "exafs", "spectroscop", "fluorescence")),
    (DIFFRACTION, ("diffraction", "pair distribution", "scattering")),
]
DEFINITIONS = {
    "NXsas": SAXS,
    "NXcansas": SAXS,
    "NXmx": MX,
    "NXtomo": TOMOGRAPHY,
    "NXtomoproc": TOMOGRAPHY,
    "NXxas": SPECTROSCOPY,
    "NXxasproc": SPECTROSCOPY,
    "NXmonopd": DIFFRACTION,
}


# Where pictures live and what pages know about them ---------------------------------------------


def _folder() -> Path:
    return Path(settings.PREVIEW_CACHE_DIR) / "technique"


def preview_file(dataset_id: int) -> Path:
    return _folder() / f"{dataset_id}.png"


def _none_file(dataset_id: int) -> Path:
    """Written when the worker found nothing to draw; holds the reason."""
    return _folder() / f"{dataset_id}.none"


def preview_state(dataset: Dataset, *, has_hdf5: bool) -> tuple[str, str]:
    """("ready", "") when the picture is made; ("none", why) when the worker found nothing to
    draw; ("pending", "") while it may still come; ("", "") for a dataset with no HDF5 file."""
    if preview_file(dataset.pk).is_file():
        return "ready", ""
    marker = _none_file(dataset.pk)
    if marker.is_file():
        return "none", marker.read_text(errors="replace")
    if has_hdf5 and dataset.archive_status != ArchiveStatus.ONLINE:
        return "none", "The files are on tape, and no preview was made before they left."
    return ("pending", "") if has_hdf5 else ("", "")


def page_context(
    dataset: Dataset, parameters: list[DatasetParameter], *, has_hdf5: bool
) -> dict[str, Any]:
    """What the dataset page's preview card shows: the picture's state and, for a processed MX
    dataset, its summary."""
    state, reason = preview_state(dataset, has_hdf5=has_hdf5)
    return {
        "technique_preview": state,
        "technique_preview_reason": reason,
        "mx_summary": mx_summary(parameters),
    }


# The worker's side ---------------------------------------------------------------------------


def technique_of(dataset: Dataset, definition: str = "") -> str:
    names = " ".join(t.name.lower() for t in dataset.techniques.all())
    for technique, words in TECHNIQUE_WORDS:
        if any(word in names for word in words):
            return technique
    return DEFINITIONS.get(definition, OTHER)


def _hdf5_file(dataset: Dataset):
    """The dataset's HDF5 file the preview is drawn from: the first by name (on the HDF5 files'
    partial index, as the gallery finds its images)."""
    return dataset.datafiles.filter(HDF5_NAME_Q).order_by("name", "id").first()


def dataset_preview_make(*, dataset: Dataset) -> Drawn | None:
    """Draw the dataset's preview while its files are on disk; returns what was drawn, or None
    when there is nothing (no HDF5 file, no default plot: said on the page) or the file is not
    on disk (an earlier picture stays). A picture newer than its file is not drawn again."""
    datafile = _hdf5_file(dataset)
    if datafile is None:
        return None
    try:
        source = previews.data_path(datafile.location)
    except previews.FileMissing:
        return None
    except previews.PreviewError as error:
        _give_up(dataset, str(error))
        return None
    target = preview_file(dataset.pk)
    if target.is_file() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
        return None
    parameters = {
        p.type.name: p
        for p in DatasetParameter.objects.filter(dataset=dataset).select_related("type")
    }
    try:
        with h5py.File(source, "r", locking=False) as handle:
            plot = default_plot(handle)
            technique = technique_of(dataset, plot.definition)
            extras = _extras(handle, plot, technique, parameters)
    except NothingToPlot as reason:
        _give_up(dataset, str(reason))
        return None
    except (OSError, ValueError, TypeError, KeyError, RuntimeError):
        _give_up(dataset, f"{datafile.name} cannot be read here.")
        return None
    try:
        png, drawn = render(plot, technique=technique, **extras)
    except (ValueError, OverflowError, FloatingPointError):  # e.g. infinities on a log axis
        _give_up(dataset, f"The default plot of {datafile.name} cannot be drawn.")
        return None
    previews._write_atomically(target, png)
    _none_file(dataset.pk).unlink(missing_ok=True)
    return drawn


def _give_up(dataset: Dataset, reason: str) -> None:
    _folder().mkdir(parents=True, exist_ok=True)
    _none_file(dataset.pk).write_text(reason)


# What a technique adds: Rg and its q range, the absorption edge ------------------------------

LENGTH_IN_NM = {"nm": 1.0, "a": 0.1, "å": 0.1, "angstrom": 0.1}


def _nm_per(units: str, *, inverse: bool) -> float | None:
    """nm per unit of a length (inverse=False) or of an inverse length ("1/nm", "1/Å", "Å^-1")."""
    text = units.strip().lower().replace("^-1", "").replace("-1", "").replace("1/", "")
    text = text.replace("angstrom", "å")
    scale = LENGTH_IN_NM.get(text)
    if scale is None:
        return None
    return 1 / scale if inverse else scale


def _scalar(node: Any) -> float | None:
    if isinstance(node, h5py.Dataset) and node.dtype.kind in "iuf" and node.size == 1:
        return float(np.asarray(node[()]).reshape(-1)[0])
    return None


def _results(entry: h5py.Group) -> list[h5py.Group]:
    """Groups of an entry that hold processing results (NXparameters, NXprocess, NXcollection)."""
    found = []
    for name in entry:
        node = member(entry, name)
        if nx_class(node) in ("NXparameters", "NXprocess", "NXcollection", "NXnote"):
            found.append(node)
    return found


def _extras(
    handle: h5py.File, plot: PlotData, technique: str, parameters: dict[str, DatasetParameter]
) -> dict[str, Any]:
    if plot.signal.ndim != 1:
        return {}
    if technique == SAXS:
        return {"guinier": _guinier(plot, parameters)}
    if technique == SPECTROSCOPY:
        return {"edge": _edge(plot, parameters)}
    return {}


def _guinier(plot: PlotData, parameters: dict[str, DatasetParameter]):
    """(q_min, q_max, Rg in nm) in the q axis' units, from the file's Guinier results or the
    dataset's "radius of gyration" parameter; None without an Rg or a q axis in known units."""
    q_scale = _nm_per(plot.axis_units[0], inverse=True)
    if plot.axes[0] is None or q_scale is None:
        return None
    rg_nm = q_min = None
    for group in _results(plot.entry):
        for name in ("Rg", "rg", "radius_of_gyration"):
            value = _scalar(member(group, name))
            scale = (
                _nm_per(as_text(group[name].attrs.get("units", "nm")), inverse=False)
                if value
                else None
            )
            if value and scale:
                rg_nm = value * scale
                low = _scalar(member(group, "q_min"))
                if low is not None:
                    low_units = as_text(group["q_min"].attrs.get("units", plot.axis_units[0]))
                    low_scale = _nm_per(low_units, inverse=True)
                    q_min = low * low_scale / q_scale if low_scale else None
                break
        if rg_nm:
            break
    if rg_nm is None and "radius of gyration" in parameters:
        parameter = parameters["radius of gyration"]
        scale = _nm_per(parameter.type.units or "nm", inverse=False)
        if parameter.numeric_value and scale:
            rg_nm = parameter.numeric_value * scale
    if not rg_nm or rg_nm <= 0:
        return None
    q = plot.axes[0]
    q_max = GUINIER_LIMIT / rg_nm / q_scale  # q·Rg = 1.3, in the axis' units
    positive = q[q > 0]
    if positive.size == 0 or q_max <= positive.min():
        return None
    return (q_min if q_min else float(positive.min()), float(q_max), rg_nm)


ENERGY_IN_EV = {"ev": 1.0, "kev": 1000.0}


def _edge(plot: PlotData, parameters: dict[str, DatasetParameter]):
    """(edge energy in the axis' units, label) from the file's edge results or the dataset's
    "edge position" parameter; None when unknown or outside the scan."""
    axis_scale = ENERGY_IN_EV.get(plot.axis_units[0].strip().lower())
    if plot.axes[0] is None or axis_scale is None:
        return None
    energy_ev, label = None, "edge"
    for group in _results(plot.entry):
        for name in ("energy", "edge_energy", "e0"):
            value = _scalar(member(group, name))
            if value and ("element" in group or "edge" in group or name != "energy"):
                units = as_text(group[name].attrs.get("units", "eV")).strip().lower()
                energy_ev = value * ENERGY_IN_EV.get(units, 1.0)
                element = as_text(group["element"][()]) if "element" in group else ""
                edge = as_text(group["edge"][()]) if "edge" in group else ""
                label = " ".join(p for p in (element, edge, "edge") if p)
                break
        if energy_ev:
            break
    if energy_ev is None and "edge position" in parameters:
        parameter = parameters["edge position"]
        scale = ENERGY_IN_EV.get((parameter.type.units or "eV").lower())
        if parameter.numeric_value and scale:
            energy_ev = parameter.numeric_value * scale
    if energy_ev is None:
        return None
    position = energy_ev / axis_scale
    axis = plot.axes[0]
    if not (np.nanmin(axis) <= position <= np.nanmax(axis)):
        return None
    return position, f"{label} {energy_ev:.1f} eV"


# Crystallography's processing summary (HTML, from the dataset's parameters) ------------------

MX_SUMMARY = [
    ("resolution", "Resolution"),
    ("space group", "Space group"),
    ("unit cell", "Cell"),
    ("completeness", "Completeness"),
    ("mean I/sigma", "⟨I/σ(I)⟩"),
    ("CC1/2", "CC½"),
    ("program", "Processed with"),
]


def mx_summary(parameters: list[DatasetParameter]) -> list[tuple[str, str]]:
    """(label, value) rows of a processed MX dataset's summary; empty for anything else (the
    card needs at least the resolution or the space group)."""
    by_name = {p.type.name: p for p in parameters}
    if "resolution" not in by_name and "space group" not in by_name:
        return []
    rows = []
    for name, label in MX_SUMMARY:
        parameter = by_name.get(name)
        if parameter is None:
            continue
        if parameter.type.value_type == ValueType.NUMERIC and parameter.numeric_value is not None:
            value = f"{parameter.numeric_value:.4g}"
        else:
            value = parameter.string_value
        if name == "unit cell":
            value = _cell(value)
        units = parameter.type.units if name != "unit cell" else ""
        rows.append((label, f"{value} {units}".strip()))
    return rows


def _cell(text: str) -> str:
    """ "a b c alpha beta gamma" as crystallographers write it."""
    parts = text.replace(",", " ").split()
    if len(parts) != 6:
        return text
    lengths, angles = parts[:3], parts[3:]
    return f"{' '.join(lengths)} Å, {' '.join(angles)}°"
