"""Write small NeXus HDF5 files, laid out as the facility's acquisition and processing software do.

`/entry/instrument/detector/data` holds detector frames, `/entry/measurement/<counter>` the
scalars, spectra and maps of a scan, `/entry/parameters/<name>` the dataset's metadata with its
units, and `/entry/plot` (NXdata) is the default plot: the root's and the entry's `default`
attributes lead to it, its `signal` and `axes` (with `<axis>_indices`) name the arrays, each with
its `units`, so that H5Web, silx or nexpy open the right picture with real axes. Results a
technique's previews need (a SAXS curve's Guinier fit, an absorption edge) live in their own
NXparameters group beside it (`extra`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np

COMPRESSION = {"compression": "gzip", "compression_opts": 4, "shuffle": True}


@dataclass(frozen=True)
class Plot:
    """The default NXdata: `signal` and each name of `axes` (one per dimension of the signal,
    "." for a dimension with no axis, e.g. detector pixels) are arrays of `measurement`, or `data`
    for the detector frames. `errors` names the signal's uncertainties, `auxiliary` other curves
    drawn with it."""

    signal: str
    axes: tuple[str, ...] = ()
    title: str = ""
    errors: str = ""
    auxiliary: tuple[str, ...] = ()


def _group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    group = parent.create_group(name, track_order=True)
    group.attrs["NX_class"] = nx_class
    return group


def _array(group: h5py.Group, name: str, data: np.ndarray, units: str = "") -> h5py.Dataset:
    data = np.asarray(data)
    options = COMPRESSION if data.size > 64 else {}
    if data.ndim == 3:
        options = {**options, "chunks": (1, *data.shape[1:])}  # one frame or slice per chunk
    dataset = group.create_dataset(name, data=data, track_times=False, **options)
    if units:
        dataset.attrs["units"] = units
    return dataset


def _fields(group: h5py.Group, values: dict[str, tuple[float | str, str]]) -> None:
    for name, (value, units) in values.items():
        group[name] = value
        if units:
            group[name].attrs["units"] = units


def write_nexus(
    path: Path,
    *,
    definition: str,
    title: str,
    beamline: str,
    sample: str,
    start: datetime,
    parameters: dict[str, tuple[float | str, str]],
    detector: np.ndarray | None = None,
    measurement: dict[str, tuple[np.ndarray, str]] | None = None,
    plot: Plot | None = None,
    extra: dict[str, dict[str, tuple[float | str, str]]] | None = None,
) -> None:
    with h5py.File(path, "w", track_order=True) as h5:
        h5.attrs.update({"NX_class": "NXroot", "creator": "demo facility"})
        entry = _group(h5, "entry", "NXentry")
        entry["title"] = title
        entry["definition"] = definition
        entry["start_time"] = start.isoformat()
        instrument = _group(entry, "instrument", "NXinstrument")
        instrument["name"] = beamline
        if "energy" in parameters:
            monochromator = _group(instrument, "monochromator", "NXmonochromator")
            _fields(monochromator, {"energy": (parameters["energy"][0], "keV")})
        detector_group = _group(instrument, "detector", "NXdetector")
        if detector is not None:
            _array(detector_group, "data", detector, "counts")
        for name in ("detector distance", "exposure time"):
            if name in parameters:
                _fields(detector_group, {name.replace(" ", "_"): parameters[name]})
        sample_group = _group(entry, "sample", "NXsample")
        sample_group["name"] = sample
        if "sample temperature" in parameters:
            _fields(sample_group, {"temperature": (parameters["sample temperature"][0], "K")})
        measured = _group(entry, "measurement", "NXcollection")
        for name, (data, units) in (measurement or {}).items():
            _array(measured, name, data, units)
        _fields(_group(entry, "parameters", "NXcollection"), parameters)
        for name, values in (extra or {}).items():
            _fields(_group(entry, name, "NXparameters"), values)
        if plot:
            _default_plot(h5, entry, plot, detector_group, measured, title=title)


def _default_plot(
    h5: h5py.File,
    entry: h5py.Group,
    plot: Plot,
    detector: h5py.Group,
    measured: h5py.Group,
    *,
    title: str,
) -> None:
    nxdata = _group(entry, "plot", "NXdata")
    for name in (plot.signal, *plot.auxiliary, *plot.axes):
        if name and name != "." and name not in nxdata:
            # Hard links: the arrays are stored once, where the acquisition wrote them.
            nxdata[name] = detector[name] if name == "data" else measured[name]
    nxdata.attrs["signal"] = plot.signal
    if plot.axes:
        nxdata.attrs["axes"] = list(plot.axes)
        for index, axis in enumerate(plot.axes):
            if axis != ".":
                nxdata.attrs[f"{axis}_indices"] = index
    if plot.errors:
        nxdata[f"{plot.signal}_errors"] = measured[plot.errors]
    if plot.auxiliary:
        nxdata.attrs["auxiliary_signals"] = list(plot.auxiliary)
    nxdata["title"] = plot.title or title
    entry.attrs["default"] = "plot"
    h5.attrs["default"] = "entry"
