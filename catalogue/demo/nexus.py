"""Write small NeXus-like HDF5 files, laid out as the facility's acquisition software does.

`/entry/instrument/detector/data` holds detector frames, `/entry/measurement/<counter>` the
scalars and spectra of a scan, `/entry/parameters/<name>` the dataset's metadata with its units,
and `/entry/plot` (NXdata) tells viewers what to draw by default.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import h5py
import numpy as np

COMPRESSION = {"compression": "gzip", "compression_opts": 4, "shuffle": True}


def _group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    group = parent.create_group(name, track_order=True)
    group.attrs["NX_class"] = nx_class
    return group


def _array(group: h5py.Group, name: str, data: np.ndarray, units: str = "") -> h5py.Dataset:
    data = np.asarray(data)
    options = COMPRESSION if data.size > 64 else {}
    dataset = group.create_dataset(name, data=data, track_times=False, **options)
    if units:
        dataset.attrs["units"] = units
    return dataset


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
    plot: tuple[str, str | None] | None = None,
) -> None:
    """`plot` names the signal and axis among `measurement` (or `data` for the detector)."""
    with h5py.File(path, "w", track_order=True) as h5:
        h5.attrs.update({"NX_class": "NXroot", "default": "entry", "creator": "demo facility"})
        entry = _group(h5, "entry", "NXentry")
        entry.attrs["default"] = "plot"
        entry["title"] = title
        entry["definition"] = definition
        entry["start_time"] = start.isoformat()
        instrument = _group(entry, "instrument", "NXinstrument")
        instrument["name"] = beamline
        if "energy" in parameters:
            monochromator = _group(instrument, "monochromator", "NXmonochromator")
            monochromator["energy"] = parameters["energy"][0]
            monochromator["energy"].attrs["units"] = "keV"
        detector_group = _group(instrument, "detector", "NXdetector")
        if detector is not None:
            chunks = (1, *detector.shape[1:]) if detector.ndim == 3 else True
            detector_group.create_dataset(
                "data", data=detector, chunks=chunks, track_times=False, **COMPRESSION
            )
        for name in ("detector distance", "exposure time"):
            if name in parameters:
                value, units = parameters[name]
                detector_group[name.replace(" ", "_")] = value
                detector_group[name.replace(" ", "_")].attrs["units"] = units
        sample_group = _group(entry, "sample", "NXsample")
        sample_group["name"] = sample
        if "sample temperature" in parameters:
            sample_group["temperature"] = parameters["sample temperature"][0]
            sample_group["temperature"].attrs["units"] = "K"
        measured = _group(entry, "measurement", "NXcollection")
        for name, (data, units) in (measurement or {}).items():
            _array(measured, name, data, units)
        parameter_group = _group(entry, "parameters", "NXcollection")
        for name, (value, units) in parameters.items():
            parameter_group[name] = value
            if units:
                parameter_group[name].attrs["units"] = units
        if plot:
            signal, axis = plot
            nxdata = _group(entry, "plot", "NXdata")
            source = detector_group if signal == "data" else measured
            nxdata[signal] = source[signal]  # hard link: the data is stored once
            nxdata.attrs["signal"] = signal
            if axis:
                nxdata[axis] = measured[axis]
                nxdata.attrs["axes"] = axis
