"""Every kind of beamline the demo knows, by the `kind` its beamlines name in `content.py`."""

from __future__ import annotations

from .base import Context, Kind
from .diffraction import Crystallography, NanoDiffraction, PowderDiffraction, SolutionScattering
from .parameters import PARAMETER_TYPES, SAMPLE_TYPES, Params, sample_parameters
from .spectroscopy import Microscopy, Spectroscopy, Tomography

__all__ = ["KINDS", "PARAMETER_TYPES", "SAMPLE_TYPES", "Context", "Params", "sample_parameters"]

KINDS: dict[str, Kind] = {
    "mx": Crystallography(),
    "saxs": SolutionScattering(),
    "nanodiff": NanoDiffraction(),
    "tomo": Tomography(),
    "xanes": Microscopy(),
    "xas": Spectroscopy(),
    "powder": PowderDiffraction(),
}
