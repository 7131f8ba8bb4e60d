"""Spectroscopy and imaging: XAS (BM23), X-ray microscopy with micro-XANES (ID21), tomography
(ID19)."""

from __future__ import annotations

import numpy as np

from .base import Context, Kind, beam_parameters, poisson_counts
from .images import image_png, plot_png
from .nexus import Plot

# material of the XAS/XANES proposals -> (element, edge, edge energy in keV)
EDGES = {
    "Pt/CeO2": ("Pt", "L3", 11.564),
    "Cu-CHA zeolite": ("Cu", "K", 8.979),
    "LiNi0.9Co0.05Mn0.05O2": ("Ni", "K", 8.333),
    "rice root section": ("As", "K", 11.867),
    "lead chromate paint": ("Cr", "K", 5.989),
    "garnet inclusions": ("Fe", "K", 7.112),
}


def _edge(ctx: Context, energy_ev: float) -> dict[str, dict[str, tuple[float | str, str]]]:
    """The absorption edge measured, as an NXparameters group of the file."""
    element, edge, _ = EDGES.get(ctx.material, ("Fe", "K", 7.112))
    return {"edge": {"element": (element, ""), "edge": (edge, ""), "energy": (energy_ev, "eV")}}


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
            **beam_parameters(g, e0, 2000.0, 300.0, 1e11),
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
            plot=Plot("mu", ("energy",), title=f"{ctx.sample}: μ(E)"),
            extra=_edge(ctx, round(float(params["energy"]) * 1000, 1)),
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
            plot=Plot("norm", ("energy",), title=f"{ctx.sample}: normalised μ(E)"),
            extra=_edge(ctx, e0),
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
        return poisson_counts(generator, image)

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
            plot=Plot("xanes", ("energy",), title=f"{ctx.sample}: micro-XANES μ(E)"),
            extra=_edge(ctx, round(float(params["energy"]) * 1000, 1)),
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
            plot=Plot(
                "oxidised",
                ("energy",),
                title=f"{ctx.sample}: XANES components",
                auxiliary=("reduced",),
            ),
            extra=_edge(ctx, e0),
        )
        plot_png(
            energy,
            [reduced, oxidised],
            folder / f"{name}_components.png",
            title=f"{ctx.sample}: XANES components",
            xlabel="energy (eV)",
            ylabel="norm. mu",
        )


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
            **beam_parameters(g, g.choice([19.0, 26.0, 40.0, 60.0, 80.0]), 4000.0, 3000.0, 5e13),
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
            projections.append(poisson_counts(generator, 3000 * np.exp(-thickness) + 50))
        data = np.stack(projections).astype(np.uint16)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            detector=data,
            measurement={"rotation_angle": (angles, "°")},
            plot=Plot("data", ("rotation_angle", ".", "."), title=f"{ctx.sample}: projections"),
        )
        image_png(data[0], folder / f"{name}_projection.png", log=False, cmap="gray")

    def write_processed(self, folder, *, name, params, ctx, seed):
        """The reconstructed volume (a downsampled copy, as nabu writes for quick looks)."""
        generator = np.random.default_rng(seed)
        n, depth = 96, 24
        z, y, x = np.mgrid[-0.5 : 0.5 : depth * 1j, -1 : 1 : n * 1j, -1 : 1 : n * 1j]
        volume = np.zeros(z.shape, dtype=np.float32)
        for cx, cy, cz, radius, mu in self._spheres(ctx):
            volume += mu * (((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2) < radius**2)
        # Attenuation in 1/cm, quantised as reconstructions stored for viewing are (it keeps
        # the file small: noise does not compress).
        volume = np.round((volume + generator.normal(0, 0.04, volume.shape)) * 32) / 32
        voxel = float(params["voxel size"]) / 1000  # mm
        centre = volume[depth // 2]
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "volume": (volume.astype(np.float32), "1/cm"),
                "z": ((np.arange(depth) - depth / 2) * voxel, "mm"),
                "y": ((np.arange(n) - n / 2) * voxel, "mm"),
                "x": ((np.arange(n) - n / 2) * voxel, "mm"),
            },
            plot=Plot("volume", ("z", "y", "x"), title=f"{ctx.sample}: reconstructed volume"),
        )
        image_png(centre, folder / f"{name}_slice.png", log=False, cmap="gray")
