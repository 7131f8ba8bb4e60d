"""What every kind of beamline measurement shares: its context, beam parameters, the base class.

A kind draws plausible dataset parameters from a `random.Random` (`raw_parameters`,
`processed_parameters`) and writes small NeXus-like HDF5 files and PNG previews whose arrays look
like the real thing (`write_raw`, `write_processed`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from .nexus import write_nexus
from .parameters import PARAMETER_TYPES, Params

HC = 12.398_42  # keV·Å: wavelength = HC / energy


@dataclass(frozen=True)
class Context:
    """Where a dataset was measured; `sample_seed` makes a sample's raw and processed agree."""

    beamline: str
    sample: str
    material: str
    title: str
    start: datetime
    sample_seed: int


def units_of(params: Params) -> dict[str, tuple[float | str, str]]:
    return {name: (value, PARAMETER_TYPES[name][0]) for name, value in params.items()}


def beam_parameters(g: random.Random, energy: float, h: float, v: float, flux: float) -> Params:
    transmission = round(g.choice([100, 100, 50, 20, 10, 5]) * 1.0, 1)
    return {
        "energy": energy,
        "wavelength": round(HC / energy, 4),
        "transmission": transmission,
        "flux": float(f"{flux * transmission / 100:.3g}"),
        "beam size horizontal": h,
        "beam size vertical": v,
    }


def poisson_counts(generator: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    return generator.poisson(np.clip(expected, 0, None)).astype(np.uint32)


def radius_map(n: int, cx: float, cy: float) -> np.ndarray:
    y, x = np.mgrid[0:n, 0:n]
    return np.hypot(x - cx, y - cy)


class Kind:
    definition = ""
    raw_minutes = (2, 10)
    program = ""

    def raw_parameters(self, g: random.Random, ctx: Context) -> Params:
        raise NotImplementedError

    def processed_parameters(self, g: random.Random, ctx: Context, raw: Params) -> Params:
        raise NotImplementedError

    def write_raw(
        self, folder: Path, *, name: str, params: Params, ctx: Context, seed: int
    ) -> None:
        raise NotImplementedError

    def write_processed(
        self, folder: Path, *, name: str, params: Params, ctx: Context, seed: int
    ) -> None:
        raise NotImplementedError

    def _nexus(self, path: Path, params: Params, ctx: Context, **kwargs) -> None:
        write_nexus(
            path,
            definition=self.definition,
            title=ctx.title,
            beamline=ctx.beamline,
            sample=ctx.sample,
            start=ctx.start,
            parameters=units_of(params),
            **kwargs,
        )
