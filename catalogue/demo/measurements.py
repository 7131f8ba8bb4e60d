"""What each kind of beamline measures: dataset parameters and the files of raw/processed data.

One class per kind (mx, saxs, nanodiff, tomo, xanes, xas, powder). `raw_parameters` and
`processed_parameters` draw plausible metadata from a `random.Random`; `write_raw` and
`write_processed` write small NeXus-like HDF5 files and PNG previews whose arrays look like the
real thing (diffraction spots, I(q) curves, absorption edges, tomography slices, diffractograms).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from .images import crystal_snapshot_png, image_png, plot_png
from .nexus import write_nexus

HC = 12.398_42  # keV·Å: wavelength = HC / energy

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

# material of the XAS/XANES proposals -> (element, edge, edge energy in keV)
EDGES = {
    "Pt/CeO2": ("Pt", "L3", 11.564),
    "Cu-CHA zeolite": ("Cu", "K", 8.979),
    "LiNi0.9Co0.05Mn0.05O2": ("Ni", "K", 8.333),
    "rice root section": ("As", "K", 11.867),
    "lead chromate paint": ("Cr", "K", 5.989),
    "garnet inclusions": ("Fe", "K", 7.112),
}


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


def _beam(g: random.Random, energy: float, h: float, v: float, flux: float) -> Params:
    transmission = round(g.choice([100, 100, 50, 20, 10, 5]) * 1.0, 1)
    return {
        "energy": energy,
        "wavelength": round(HC / energy, 4),
        "transmission": transmission,
        "flux": float(f"{flux * transmission / 100:.3g}"),
        "beam size horizontal": h,
        "beam size vertical": v,
    }


def _poisson(generator: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    return generator.poisson(np.clip(expected, 0, None)).astype(np.uint32)


def _radius(n: int, cx: float, cy: float) -> np.ndarray:
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


class Crystallography(Kind):
    definition = "NXmx"
    raw_minutes = (2, 6)
    processed_suffix = "autoprocessing"

    def raw_parameters(self, g, ctx):
        energy = round(g.uniform(11.5, 13.5), 3)
        return {
            **_beam(g, energy, 45.0, 30.0, 2.1e12),
            "definition": self.definition,
            "exposure time": g.choice([0.01, 0.02, 0.04]),
            "sample temperature": 100.0,
            "detector": "EIGER2 X 9M",
            "detector distance": round(g.uniform(150, 420), 1),
            "number of images": float(g.choice([900, 1800, 3600])),
            "oscillation range": g.choice([0.1, 0.2]),
            "start angle": round(g.uniform(0, 90), 1),
        }

    def processed_parameters(self, g, ctx, raw):
        return {
            "program": g.choice(["autoPROC", "XDS/XSCALE", "xia2/DIALS"]),
            "resolution": round(g.uniform(1.15, 2.8), 2),
            "space group": random.Random(ctx.sample_seed).choice(
                ["P 21 21 21", "C 1 2 1", "P 1 21 1", "I 2 2 2", "P 43 21 2", "P 61 2 2"]
            ),
            "completeness": round(g.uniform(96, 100), 1),
            "mean I/sigma": round(g.uniform(7, 21), 1),
            "CC1/2": round(g.uniform(0.994, 0.9995), 4),
        }

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        n, frames = 256, []
        cx, cy = n / 2 + generator.normal(0, 2), n / 2 + generator.normal(0, 2)
        r = _radius(n, cx, cy)
        background = 6 + 45 * np.exp(-r / 60) + 18 * np.exp(-(((r - 92) / 7) ** 2))  # solvent ring
        for _ in range(2):
            spots = np.zeros((n, n))
            count = 260
            radius = generator.uniform(10, n * 0.7, count)
            angle = generator.uniform(0, 2 * np.pi, count)
            xs = np.clip((cx + radius * np.cos(angle)).astype(int), 1, n - 2)
            ys = np.clip((cy + radius * np.sin(angle)).astype(int), 1, n - 2)
            np.add.at(spots, (ys, xs), generator.exponential(900, count) * np.exp(-radius / 70))
            blurred = (
                spots / 2 + sum(np.roll(spots, s, axis=a) for a in (0, 1) for s in (-1, 1)) / 8
            )
            image = _poisson(generator, background + blurred)
            image[r < 7] = 0  # the beamstop and its arm
            image[int(cy) :, int(cx) - 2 : int(cx) + 2] = 0
            frames.append(image)
        data = np.stack(frames)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            detector=data,
            measurement={
                "omega": (
                    float(params["start angle"])
                    + np.arange(2) * float(params["oscillation range"]),
                    "°",
                )
            },
            plot=("data", None),
        )
        crystal_snapshot_png(folder / f"{name}_snapshot.png", seed=seed)
        image_png(data[0], folder / f"{name}_frame0001.png", cmap="magma")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        d_min = float(params["resolution"])
        shells = 1 / np.sqrt(np.linspace(1 / 40**2, 1 / d_min**2, 11))[1:]
        i_sigma = float(params["mean I/sigma"]) * 3 * np.exp(-3 * (1 / shells**2) * d_min**2) + 0.8
        completeness = np.clip(
            100 - generator.exponential(1.0, 10) - np.linspace(0, 3, 10), 80, 100
        )
        cc_half = np.clip(1 - 0.002 * np.exp(np.linspace(0, 5.2, 10)), 0.3, 1)
        # Spot finding per image, as the quick-look pipeline reports it.
        image_number = np.arange(1, 361)
        spots = generator.poisson(180 + 40 * np.sin(image_number / 30) ** 2)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "d_min": (shells, "Å"),
                "I_over_sigma": (i_sigma, ""),
                "completeness": (completeness, "%"),
                "cc_half": (cc_half, ""),
                "image_number": (image_number, ""),
                "spots_per_image": (spots, ""),
            },
            plot=("I_over_sigma", "d_min"),
        )
        plot_png(
            1 / shells**2,
            [i_sigma],
            folder / f"{name}_i_sigma.png",
            title=f"{ctx.sample}: <I/sigma(I)> by resolution shell",
            xlabel="1/d² (Å⁻²)",
            ylabel="I/sigma",
        )
        lines = [
            f"{params['program']} summary for {ctx.sample}",
            f"Space group: {params['space group']}",
            "  d_min   I/sig   compl   CC1/2",
        ]
        lines += [
            f"{d:7.2f} {i:7.1f} {c:7.1f} {h:7.3f}"
            for d, i, c, h in zip(shells, i_sigma, completeness, cc_half, strict=True)
        ]
        (folder / "aimless.log").write_text("\n".join(lines) + "\n")


class SolutionScattering(Kind):
    definition = "NXsas"
    raw_minutes = (1, 3)
    processed_suffix = "integrate"

    def _curve(self, ctx: Context, q: np.ndarray) -> tuple[np.ndarray, float]:
        rg = random.Random(ctx.sample_seed).uniform(1.8, 6.5)
        radius = rg / np.sqrt(3 / 5)
        qr = q * radius
        form = (3 * (np.sin(qr) - qr * np.cos(qr)) / qr**3) ** 2
        return 100 * form + 0.02, round(rg, 2)

    def raw_parameters(self, g, ctx):
        return {
            **_beam(g, 12.5, 700.0, 700.0, 1.6e12),
            "definition": self.definition,
            "exposure time": 1.0,
            "sample temperature": g.choice([277.0, 283.0, 293.0]),
            "detector": "PILATUS3 2M",
            "detector distance": 2827.0,
            "number of frames": 10.0,
            "concentration": round(g.uniform(0.5, 8), 2),
            "q min": 0.025,
            "q max": 6.0,
        }

    def processed_parameters(self, g, ctx, raw):
        rg = self._curve(ctx, np.array([0.1]))[1]
        return {
            "program": "BM29 pipeline (FreeSAS)",
            "radius of gyration": rg,
            "maximum dimension": round(rg * g.uniform(2.9, 3.6), 1),
            "molecular weight": round((rg / 0.066) ** 3 / 1000 * g.uniform(0.8, 1.2) / 10, 1),
        }

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        n = 160
        r = _radius(n, n / 2 - 6, n / 2 + 4)
        q = 0.025 + r / r.max() * 4.5
        curve, _ = self._curve(ctx, q)
        frames = np.stack([_poisson(generator, 30 * curve) for _ in range(3)])
        frames[:, r < 5] = 0
        q_axis = np.linspace(0.025, 6.0, 600)
        intensity, _ = self._curve(ctx, q_axis)
        intensity = intensity * generator.normal(1, 0.02, q_axis.size)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            detector=frames,
            measurement={"q": (q_axis, "1/nm"), "I": (intensity, "")},
            plot=("I", "q"),
        )
        image_png(frames[0], folder / f"{name}_preview.png", cmap="inferno")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        q = np.linspace(0.025, 6.0, 800)
        intensity, _ = self._curve(ctx, q)
        sigma = 0.01 * intensity + 0.002
        intensity = intensity + generator.normal(0, 1, q.size) * sigma
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={"q": (q, "1/nm"), "I": (intensity, ""), "sigma": (sigma, "")},
            plot=("I", "q"),
        )
        plot_png(
            q,
            [np.abs(intensity)],
            folder / f"{name}_Iq.png",
            title=f"{ctx.sample}: I(q)",
            xlabel="q (1/nm)",
            ylabel="log I",
            logy=True,
        )
        rows = "\n".join(
            f"{a:.6f} {b:.6e} {c:.6e}" for a, b, c in zip(q, intensity, sigma, strict=True)
        )
        (folder / f"{name}.dat").write_text(f"# {ctx.sample}\n# q(1/nm) I sigma\n{rows}\n")


class NanoDiffraction(Kind):
    definition = "NXscan"
    raw_minutes = (10, 30)
    processed_suffix = "rsm"

    def raw_parameters(self, g, ctx):
        return {
            **_beam(g, round(g.uniform(8.5, 10.5), 3), 0.12, 0.12, 3e9),
            "definition": self.definition,
            "exposure time": g.choice([0.05, 0.1, 0.5]),
            "sample temperature": 295.0,
            "detector": "MAXIPIX 5x1",
            "detector distance": round(g.uniform(850, 1200), 0),
            "Bragg reflection": g.choice(["(002)", "(004)", "(111)", "(113)"]),
            "rocking range": g.choice([0.6, 1.0, 1.5]),
            "number of points": float(g.choice([41, 61, 81])),
        }

    def processed_parameters(self, g, ctx, raw):
        return {"program": "xrayutilities", "maximum strain": round(g.uniform(0.05, 0.6), 3)}

    def _peak(self, generator: np.random.Generator, n: int, shift: float) -> np.ndarray:
        y, x = np.mgrid[0:n, 0:n] - n / 2
        u, v = (x + shift) / 3.0, (y - 0.6 * shift) / 5.0
        fringes = (np.sinc(u / 2) ** 2) * (np.sinc(v / 2) ** 2)
        streak = np.exp(-(x**2) / 8) * 0.02 / (1 + (y / 20) ** 2)
        return 4000 * (fringes + streak) + 0.5

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        frames = np.stack(
            [
                _poisson(generator, self._peak(generator, 128, s) * w)
                for s, w in ((-4, 0.4), (-1, 0.9), (2, 1.0), (5, 0.5))
            ]
        )
        eta = np.linspace(
            -float(params["rocking range"]) / 2, float(params["rocking range"]) / 2, 4
        )
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            detector=frames,
            measurement={"eta": (eta, "°"), "roi_sum": (frames.sum(axis=(1, 2)), "counts")},
            plot=("roi_sum", "eta"),
        )
        image_png(frames[2], folder / f"{name}_preview.png", cmap="magma")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        rsm = (self._peak(generator, 128, 0).T * generator.normal(1, 0.03, (128, 128))).astype(
            np.float32
        )
        position = np.linspace(0, 2.0, 120)
        strain = float(params["maximum strain"]) * np.sin(position * np.pi / 2) ** 2
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "rsm": (rsm, "counts"),
                "position": (position, "µm"),
                "strain": (strain, "%"),
            },
            plot=("strain", "position"),
        )
        image_png(rsm, folder / f"{name}_rsm.png", cmap="viridis")


class Tomography(Kind):
    definition = "NXtomo"
    raw_minutes = (8, 25)
    processed_suffix = "nabu_slice"

    def _spheres(self, ctx: Context) -> np.ndarray:
        generator = np.random.default_rng(ctx.sample_seed)
        body = [[0.0, 0.0, 0.0, 0.8, 1.0]]  # x, y, z, radius, attenuation
        inclusions = [
            [
                *generator.uniform(-0.5, 0.5, 3),
                generator.uniform(0.04, 0.18),
                generator.choice([-0.8, 0.6, 1.5]),
            ]
            for _ in range(14)
        ]
        return np.array(body + inclusions)

    def raw_parameters(self, g, ctx):
        pixel = g.choice([0.65, 1.3, 3.5, 6.5])
        return {
            **_beam(g, g.choice([19.0, 26.0, 40.0, 60.0, 80.0]), 4000.0, 3000.0, 5e13),
            "definition": self.definition,
            "exposure time": g.choice([0.005, 0.01, 0.05]),
            "sample temperature": 295.0,
            "detector": "PCO edge 4.2",
            "number of projections": float(g.choice([2000, 4000, 6000])),
            "pixel size": pixel,
            "propagation distance": float(g.choice([50, 200, 1000, 2800])),
            "scan range": float(g.choice([180, 360])),
        }

    def processed_parameters(self, g, ctx, raw):
        return {
            "program": "nabu",
            "voxel size": raw["pixel size"],
            "reconstruction": "FBP with Paganin phase retrieval",
        }

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        n = 160
        v, u = np.mgrid[-1 : 1 : n * 1j, -1 : 1 : n * 1j]
        projections, angles = [], np.array([0.0, 60.0, 120.0])
        for angle in np.radians(angles):
            thickness = np.zeros((n, n))
            for x, y, z, radius, mu in self._spheres(ctx):
                centre_u = x * np.cos(angle) + y * np.sin(angle)
                d2 = (u - centre_u) ** 2 + (v - z) ** 2
                thickness += mu * 2 * np.sqrt(np.clip(radius**2 - d2, 0, None))
            projections.append(_poisson(generator, 3000 * np.exp(-thickness) + 50))
        data = np.stack(projections).astype(np.uint16)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            detector=data,
            measurement={"rotation_angle": (angles, "°")},
            plot=("data", None),
        )
        image_png(data[0], folder / f"{name}_projection.png", log=False, cmap="gray")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        n = 192
        y, x = np.mgrid[-1 : 1 : n * 1j, -1 : 1 : n * 1j]
        slice_ = np.zeros((n, n), dtype=np.float32)
        for cx, cy, cz, radius, mu in self._spheres(ctx):
            r_slice2 = radius**2 - cz**2  # the sphere's cross-section in the plane z = 0
            if r_slice2 > 0:
                slice_ += (mu * ((x - cx) ** 2 + (y - cy) ** 2 < r_slice2)).astype(np.float32)
        slice_ = (slice_ + generator.normal(0, 0.05, (n, n))).astype(np.float32)
        profile = slice_[n // 2]
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "slice": (slice_, "1/cm"),
                "profile": (profile, "1/cm"),
                "x": (np.linspace(-1, 1, n), "mm"),
            },
            plot=("profile", "x"),
        )
        image_png(slice_, folder / f"{name}_slice.png", log=False, cmap="gray")


def _edge_spectrum(energy_ev: np.ndarray, e0: float, generator: np.random.Generator) -> np.ndarray:
    """mu(E): a pre-edge slope, an arctan edge with a white line, and EXAFS wiggles above."""
    step = 0.5 + np.arctan((energy_ev - e0) / 2.0) / np.pi
    white_line = 0.6 * np.exp(-(((energy_ev - e0 - 6) / 4.0) ** 2))
    k = np.sqrt(np.clip(energy_ev - e0, 0, None) * 0.2625)
    exafs = 0.08 * np.sin(2 * k * 2.2 + 0.5) * np.exp(-2 * 0.006 * k**2) / np.maximum(k, 1)
    return (
        0.1
        - 1e-4 * (energy_ev - e0)
        + step * (1 + exafs)
        + white_line
        + generator.normal(0, 0.003, energy_ev.size)
    )


class Spectroscopy(Kind):
    """BM23: XAS scans in transmission or fluorescence."""

    definition = "NXxas"
    raw_minutes = (15, 40)
    processed_suffix = "norm"

    def raw_parameters(self, g, ctx):
        element, edge, e0 = EDGES.get(ctx.material, ("Fe", "K", 7.112))
        return {
            **_beam(g, e0, 2000.0, 300.0, 1e11),
            "definition": self.definition,
            "exposure time": g.choice([0.5, 1.0, 2.0]),
            "sample temperature": g.choice([295.0, 295.0, 423.0, 573.0, 773.0]),
            "detector": "ionisation chambers",
            "element": element,
            "edge": edge,
            "energy start": round(e0 * 1000 - 200),
            "energy end": round(e0 * 1000 + 800),
            "number of points": 700.0,
            "detection mode": g.choice(["transmission", "fluorescence"]),
        }

    def processed_parameters(self, g, ctx, raw):
        e0 = EDGES.get(ctx.material, ("Fe", "K", 7.112))[2] * 1000
        return {
            "program": "Larch",
            "edge position": round(e0 + g.uniform(-1.5, 2.5), 1),
            "edge step": round(g.uniform(0.4, 1.6), 3),
        }

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        energy = np.linspace(float(params["energy start"]), float(params["energy end"]), 700)
        mu = _edge_spectrum(energy, float(params["energy"]) * 1000, generator)
        i0 = 2e5 * (1 + 0.02 * generator.standard_normal(energy.size))
        it = i0 * np.exp(-mu)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "energy": (energy, "eV"),
                "I0": (i0, "counts"),
                "It": (it, "counts"),
                "mu": (mu, ""),
            },
            plot=("mu", "energy"),
        )
        plot_png(
            energy,
            [mu],
            folder / f"{name}_mu.png",
            title=f"{ctx.sample}: raw mu(E)",
            xlabel="energy (eV)",
            ylabel="mu(E)",
        )

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        e0 = float(params["edge position"])
        energy = np.linspace(e0 - 150, e0 + 750, 700)
        norm = _edge_spectrum(energy, e0, generator)
        k = np.linspace(2, 14, 300)
        chi_k2 = k**2 * 0.08 * np.sin(2 * k * 2.2 + 0.5) * np.exp(-2 * 0.006 * k**2) / k
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "energy": (energy, "eV"),
                "norm": (norm, ""),
                "k": (k, "1/Å"),
                "chi_k2": (chi_k2, "Å^-2"),
            },
            plot=("norm", "energy"),
        )
        plot_png(
            k,
            [chi_k2],
            folder / f"{name}_chik.png",
            title=f"{ctx.sample}: k²·chi(k)",
            xlabel="k (1/Å)",
            ylabel="k²chi(k)",
        )
        rows = "\n".join(f"{a:.2f} {b:.6f}" for a, b in zip(energy, norm, strict=True))
        (folder / f"{name}.nor").write_text(
            f"# {ctx.sample} normalised mu(E)\n# energy norm\n{rows}\n"
        )


class Microscopy(Spectroscopy):
    """ID21: a fluorescence map, then micro-XANES on spots of interest."""

    definition = "NXxas"
    raw_minutes = (30, 60)
    processed_suffix = "xanes_fit"

    def raw_parameters(self, g, ctx):
        params = super().raw_parameters(g, ctx)
        e0 = float(params["energy"]) * 1000
        params.update(
            {
                "beam size horizontal": 0.7,
                "beam size vertical": 0.3,
                "flux": 5e9,
                "detector": "SDD",
                "detection mode": "fluorescence",
                "sample temperature": g.choice([295.0, 110.0]),
                "step size": g.choice([0.5, 1.0, 2.0]),
                "number of points": 4096.0,
                "energy start": round(e0 - 30),
                "energy end": round(e0 + 70),
            }
        )
        return params

    def _map(self, ctx: Context, generator: np.random.Generator) -> np.ndarray:
        blobs = np.random.default_rng(ctx.sample_seed)
        y, x = np.mgrid[0:64, 0:64]
        image = np.full((64, 64), 20.0)
        for cx, cy, width, height in zip(
            *blobs.uniform([0, 0, 2, 50], [64, 64, 8, 400], (12, 4)).T, strict=True
        ):
            image += height * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2))
        return _poisson(generator, image)

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        fluorescence = self._map(ctx, generator)
        energy = np.linspace(float(params["energy start"]), float(params["energy end"]), 300)
        xanes = _edge_spectrum(energy, float(params["energy"]) * 1000, generator)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "fluo_map": (fluorescence, "counts"),
                "energy": (energy, "eV"),
                "xanes": (xanes, ""),
            },
            plot=("xanes", "energy"),
        )
        image_png(fluorescence, folder / f"{name}_map.png", cmap="plasma")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        e0 = float(params["edge position"])
        energy = np.linspace(e0 - 30, e0 + 70, 300)
        reduced = _edge_spectrum(energy, e0 - 3, generator)
        oxidised = _edge_spectrum(energy, e0 + 2, generator)
        fraction = np.clip(self._map(ctx, generator) / 400, 0, 1).astype(np.float32)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "energy": (energy, "eV"),
                "reduced": (reduced, ""),
                "oxidised": (oxidised, ""),
                "oxidised_fraction": (fraction, ""),
            },
            plot=("oxidised", "energy"),
        )
        plot_png(
            energy,
            [reduced, oxidised],
            folder / f"{name}_components.png",
            title=f"{ctx.sample}: XANES components",
            xlabel="energy (eV)",
            ylabel="norm. mu",
        )


class PowderDiffraction(Kind):
    definition = "NXmonopd"
    raw_minutes = (1, 10)
    processed_suffix = "pyfai_1d"

    def _peaks(self, ctx: Context) -> list[tuple[float, float]]:
        generator = random.Random(ctx.sample_seed)
        return [(generator.uniform(1.0, 11.5), generator.uniform(0.1, 1.0)) for _ in range(22)]

    def raw_parameters(self, g, ctx):
        return {
            **_beam(g, 75.0, 100.0, 100.0, 1e12),
            "definition": self.definition,
            "exposure time": g.choice([0.1, 0.5, 1.0]),
            "sample temperature": g.choice([100.0, 295.0, 295.0, 573.0, 1173.0]),
            "detector": "PILATUS3 X CdTe 2M",
            "detector distance": g.choice([300.0, 700.0, 1200.0]),
            "number of images": float(g.choice([10, 60, 600])),
            "2theta max": 12.0,
        }

    def processed_parameters(self, g, ctx, raw):
        return {"program": "pyFAI", "2theta max": raw["2theta max"], "number of points": 2000.0}

    def _pattern(self, ctx: Context, two_theta: np.ndarray) -> np.ndarray:
        pattern = 40 * np.exp(-two_theta / 6) + 5
        for position, height in self._peaks(ctx):
            pattern += 900 * height * np.exp(-(((two_theta - position) / 0.02) ** 2))
        return pattern

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        n = 256
        r = _radius(n, n / 2 + 3, n / 2 - 2)
        image = _poisson(generator, self._pattern(ctx, r / (n / 2) * 12.0 * 0.55))
        self._nexus(
            folder / f"{name}.h5", params, ctx, detector=image[np.newaxis], plot=("data", None)
        )
        image_png(image, folder / f"{name}_preview.png", cmap="viridis")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        two_theta = np.linspace(0.5, 12.0, 2000)
        intensity = generator.poisson(self._pattern(ctx, two_theta)).astype(np.float64)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={"2th": (two_theta, "°"), "I": (intensity, "counts")},
            plot=("I", "2th"),
        )
        plot_png(
            two_theta,
            [intensity],
            folder / f"{name}_pattern.png",
            title=f"{ctx.sample}: integrated pattern",
            xlabel="2θ (°)",
            ylabel="counts",
        )
        rows = "\n".join(
            f"{a:.4f} {b:.1f} {np.sqrt(b):.2f}" for a, b in zip(two_theta, intensity, strict=True)
        )
        (folder / f"{name}.xye").write_text(f"# {ctx.sample}\n{rows}\n")


KINDS: dict[str, Kind] = {
    "mx": Crystallography(),
    "saxs": SolutionScattering(),
    "nanodiff": NanoDiffraction(),
    "tomo": Tomography(),
    "xanes": Microscopy(),
    "xas": Spectroscopy(),
    "powder": PowderDiffraction(),
}

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
