"""Tiny real files for dataset tests: PNG/JPEG images and an HDF5 file written into DATA_ROOT,
with the catalogue rows that point at them."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from django.conf import settings
from PIL import Image

from catalogue.models import Datafile, Dataset, DatasetParameter, ParameterType
from tests import factories


def write_png(location: str, size: tuple[int, int] = (640, 480)) -> Path:
    path = Path(settings.DATA_ROOT) / location
    path.parent.mkdir(parents=True, exist_ok=True)
    gradient = np.linspace(0, 255, size[0] * size[1]).reshape(size[1], size[0]).astype(np.uint8)
    Image.fromarray(gradient, mode="L").convert("RGB").save(path, format="PNG")
    return path


def write_jpeg(location: str, size: tuple[int, int] = (400, 800)) -> Path:
    path = Path(settings.DATA_ROOT) / location
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 80, 40)).save(path, format="JPEG")
    return path


def write_h5(location: str, *, long_curve: int = 500) -> Path:
    """A small NeXus-like file: a 2D detector frame, a 1D curve, a 3D stack, a string, a soft link
    and an external link pointing outside DATA_ROOT (which must never be followed)."""
    path = Path(settings.DATA_ROOT) / location
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as handle:
        entry = handle.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry["title"] = "lysozyme scan"
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXdata"
        y, x = np.mgrid[0:48, 0:64]
        data["data"] = np.sin(x / 6.0) * np.cos(y / 5.0)
        data["spectrum"] = np.exp(-((np.arange(long_curve) - long_curve / 2) ** 2) / 2000.0)
        data["spectrum"].attrs["units"] = "counts"
        data["stack"] = np.arange(3 * 20 * 30, dtype=np.uint16).reshape(3, 20, 30)
        entry["latest"] = h5py.SoftLink("/entry/data/data")
        entry["outside"] = h5py.ExternalLink("/etc/passwd", "/secret")
    return path


def datafile(dataset: Dataset, name: str, **kwargs) -> Datafile:
    location = kwargs.pop("location", f"{dataset.investigation.name}/{dataset.name}/{name}")
    return Datafile.objects.create(dataset=dataset, name=name, location=location, **kwargs)


def set_parameter(dataset: Dataset, name: str, units: str, value: float) -> DatasetParameter:
    parameter_type, _ = ParameterType.objects.get_or_create(name=name, units=units)
    return DatasetParameter.objects.create(
        dataset=dataset, type=parameter_type, numeric_value=value
    )


def dataset_with_files(investigation=None, **kwargs) -> Dataset:
    """A dataset with a PNG, a JPEG, an HDF5 file and a text file, all really on disk."""
    dataset = factories.DatasetFactory(
        **({"investigation": investigation} if investigation else {}), **kwargs
    )
    for name, writer in (
        ("frame_0001.png", write_png),
        ("photo.jpg", write_jpeg),
        ("scan.h5", write_h5),
    ):
        file = datafile(dataset, name, size=1, checksum="sha256:" + "ab" * 32)
        writer(file.location)
    datafile(dataset, "notes.txt")
    return dataset
