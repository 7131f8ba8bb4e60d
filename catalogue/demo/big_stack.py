"""The demo's multi-GB HDF5: an Eiger-like detector stack (1000 frames of 2048 x 2048 uint16,
about 8.4 GB once decompressed), chunked one frame per chunk and compressed with bitshuffle/LZ4 as
beamline detectors write it, so that H5Web and the h5grove routes can be shown reading one frame
of a file nobody would download to look at.

Written in about a second and some 50 MB on disk (bitshuffle/LZ4 cannot shrink an 8 MB frame
below ~48 kB, even an empty one): a handful of distinct frames (sparse
photon counts on diffraction rings, as a fast low-dose acquisition records) are compressed once
and their bytes written for every frame with `write_direct_chunk`, so nothing is compressed 1800
times."""

from __future__ import annotations

from pathlib import Path

import h5py
import hdf5plugin
import numpy as np

FRAMES, HEIGHT, WIDTH = 1000, 2048, 2048
DISTINCT = 12  # frames actually computed; frame i is frame i % DISTINCT of them
PHOTONS_PER_FRAME = 6000  # a low-dose frame: mostly empty pixels, as photon counters record
PIXEL_MM = 0.075
FRAME_SECONDS = 0.01
FILE_NAME = "eiger_stack.h5"


def _frames(count: int, height: int, width: int, seed: int) -> list[np.ndarray]:
    """Single photons on powder rings (one of which grows with time) over a weak diffuse
    background, a beam stop and the gaps between detector modules. Photons are drawn as
    positions from the radial profile rather than as a Poisson draw per pixel: a sparse frame
    costs milliseconds whatever its size."""
    rng = np.random.default_rng(seed)
    scale = min(height, width) / 2048
    cy, cx = height * 0.48, width * 0.52
    radii = np.arange(int(np.hypot(height, width)) + 1, dtype=np.float64)
    rings = [(r0 * scale, w * scale) for r0, w in ((180, 3), (310, 4), (452, 4), (610, 6))]
    frames = []
    for index in range(count):
        growth = 0.3 + index / max(count - 1, 1)
        profile = 0.02 * np.exp(-radii / (600 * scale))
        for number, (radius, sigma) in enumerate(rings):
            weight = 1.0 / (number + 1) * (growth if number == 2 else 1.0)
            profile += weight * np.exp(-(((radii - radius) / sigma) ** 2) / 2)
        density = profile * radii  # photons per ring of radius r grow with its circumference
        photons = int(PHOTONS_PER_FRAME * scale**2)
        r = rng.choice(radii, size=photons, p=density / density.sum()) + rng.random(photons)
        angle = rng.random(photons) * 2 * np.pi
        y = (cy + r * np.sin(angle)).astype(np.int64)
        x = (cx + r * np.cos(angle)).astype(np.int64)
        inside = (y >= 0) & (y < height) & (x >= 0) & (x < width) & (r > 40 * scale)
        frame = np.zeros((height, width), dtype=np.uint16)
        np.add.at(frame, (y[inside], x[inside]), 1)
        for row in (height // 4, height // 2, 3 * height // 4):  # gaps between modules
            frame[row : row + max(1, int(37 * scale))] = 0
        frame[:, width // 2 : width // 2 + max(1, int(10 * scale))] = 0
        frames.append(frame)
    return frames


def _compressed(frame: np.ndarray, compression) -> tuple[int, bytes]:
    """(filter mask, bytes) of one frame as HDF5 stores it in a chunk with `compression`."""
    with h5py.File("chunk.h5", "w", driver="core", backing_store=False) as scratch:
        dataset = scratch.create_dataset(
            "frame", data=frame[np.newaxis], chunks=(1, *frame.shape), **compression
        )
        return dataset.id.read_direct_chunk((0, 0, 0))


def write_big_stack(
    path: Path,
    *,
    frames: int = FRAMES,
    height: int = HEIGHT,
    width: int = WIDTH,
    distinct: int = DISTINCT,
    seed: int = 23,
) -> Path:
    """Write the stack as a NeXus file whose default plot is the image stack."""
    compression = hdf5plugin.Bitshuffle(cname="lz4")
    chunks = [_compressed(f, compression) for f in _frames(distinct, height, width, seed)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as handle:
        handle.attrs["default"] = "entry"
        entry = handle.create_group("entry")
        entry.attrs.update(NX_class="NXentry", default="data")
        entry["title"] = "Eiger 4M time series, low-dose powder rings"
        detector = entry.create_group("instrument/detector")
        detector.attrs["NX_class"] = "NXdetector"
        detector["count_time"] = FRAME_SECONDS
        detector["count_time"].attrs["units"] = "s"
        detector["x_pixel_size"] = PIXEL_MM
        detector["x_pixel_size"].attrs["units"] = "mm"
        data = entry.create_group("data")
        data.attrs.update(NX_class="NXdata", signal="data", axes=["time", "y", "x"])
        stack = data.create_dataset(
            "data",
            shape=(frames, height, width),
            dtype=np.uint16,
            chunks=(1, height, width),
            **compression,
        )
        stack.attrs.update(interpretation="image", units="counts")
        for index in range(frames):
            mask, chunk = chunks[index % distinct]
            stack.id.write_direct_chunk((index, 0, 0), chunk, mask)
        data["time"] = np.arange(frames) * FRAME_SECONDS
        data["time"].attrs["units"] = "s"
        data["y"] = np.arange(height) * PIXEL_MM
        data["y"].attrs["units"] = "mm"
        data["x"] = np.arange(width) * PIXEL_MM
        data["x"].attrs["units"] = "mm"
        detector["data"] = h5py.SoftLink("/entry/data/data")
    return path
