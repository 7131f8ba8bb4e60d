"""The parameter types of the demo (name, units, value type) and each kind's sample parameters."""

from __future__ import annotations

import random

# name -> (units, value type, description); the ParameterType rows the demo creates.
PARAMETER_TYPES: dict[str, tuple[str, str, str]] = {
    "energy": ("keV", "numeric", "Photon energy at the sample"),
    "wavelength": ("Å", "numeric", "X-ray wavelength"),
    "exposure time": ("s", "numeric", "Exposure time per image or point"),
    "sample temperature": ("K", "numeric", ""),
    "transmission": ("%", "numeric", "Attenuator transmission"),
    "flux": ("ph/s", "numeric", "Photon flux at the sample"),
    "beam size horizontal": ("µm", "numeric", ""),
    "beam size vertical": ("µm", "numeric", ""),
    "definition": ("", "string", "NeXus application definition"),
    "detector": ("", "string", ""),
    "detector distance": ("mm", "numeric", "Sample to detector distance"),
    "number of images": ("", "numeric", ""),
    "oscillation range": ("°", "numeric", "Rotation per image"),
    "start angle": ("°", "numeric", ""),
    "program": ("", "string", "Processing software"),
    "resolution": ("Å", "numeric", "High resolution limit"),
    "space group": ("", "string", ""),
    "unit cell": ("Å, °", "string", "a b c alpha beta gamma"),
    "completeness": ("%", "numeric", ""),
    "mean I/sigma": ("", "numeric", ""),
    "CC1/2": ("", "numeric", "Half-set correlation coefficient"),
    "concentration": ("mg/ml", "numeric", ""),
    "number of frames": ("", "numeric", ""),
    "q min": ("1/nm", "numeric", ""),
    "q max": ("1/nm", "numeric", ""),
    "radius of gyration": ("nm", "numeric", "Guinier Rg"),
    "maximum dimension": ("nm", "numeric", "Dmax from the pair distance distribution"),
    "molecular weight": ("kDa", "numeric", ""),
    "Bragg reflection": ("", "string", ""),
    "rocking range": ("°", "numeric", ""),
    "number of points": ("", "numeric", ""),
    "maximum strain": ("%", "numeric", ""),
    "number of projections": ("", "numeric", ""),
    "pixel size": ("µm", "numeric", ""),
    "propagation distance": ("mm", "numeric", ""),
    "scan range": ("°", "numeric", ""),
    "voxel size": ("µm", "numeric", ""),
    "reconstruction": ("", "string", ""),
    "element": ("", "string", ""),
    "edge": ("", "string", ""),
    "step size": ("µm", "numeric", "Map step"),
    "energy start": ("eV", "numeric", ""),
    "energy end": ("eV", "numeric", ""),
    "detection mode": ("", "string", ""),
    "edge position": ("eV", "numeric", ""),
    "edge step": ("", "numeric", ""),
    "2theta max": ("°", "numeric", ""),
    # Sample and investigation parameters.
    "material": ("", "string", ""),
    "crystal size": ("µm", "numeric", ""),
    "container": ("", "string", ""),
    "mass": ("mg", "numeric", ""),
    "thickness": ("µm", "numeric", ""),
    "allocated shifts": ("", "numeric", "8-hour shifts of beamtime"),
    "proposal type": ("", "string", ""),
    "scientific area": ("", "string", ""),
}

Params = dict[str, float | str]

SAMPLE_TYPES = {
    "mx": "crystal",
    "saxs": "solution",
    "nanodiff": "nanostructure",
    "tomo": "bulk object",
    "xanes": "thin section",
    "xas": "pellet",
    "powder": "powder",
}


def sample_parameters(kind: str, g: random.Random, material: str) -> Params:
    params: Params = {"material": material}
    if kind == "mx":
        params.update({"crystal size": float(g.randint(20, 250)), "container": "SPINE pin"})
    elif kind == "saxs":
        params.update({"concentration": round(g.uniform(0.5, 8), 1), "container": "flow capillary"})
    elif kind in ("nanodiff", "xanes"):
        params.update({"thickness": float(g.randint(1, 60))})
    elif kind == "tomo":
        params.update({"container": "Kapton tube"})
    else:
        params.update({"mass": round(g.uniform(2, 60), 1), "container": "quartz capillary"})
    return params
