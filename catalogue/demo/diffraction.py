"""Diffraction and scattering: crystallography (ID23-1), BioSAXS (BM29), nano-diffraction (ID01),
powder diffraction (ID31)."""

from __future__ import annotations

import random

import numpy as np

from .base import Context, Kind, beam_parameters, poisson_counts, radius_map
from .images import crystal_snapshot_png, image_png, plot_png
from .nexus import Plot


def _cell(a: float, b: float, c: float, alpha: float = 90, beta: float = 90, gamma: float = 90):
    return " ".join(
        f"{v:.2f}" if i < 3 else f"{v:.1f}" for i, v in enumerate((a, b, c, alpha, beta, gamma))
    )


# space group -> a cell of its lattice system (a b c in Å, alpha beta gamma in degrees)
CELLS = {
    "P 21 21 21": lambda r: _cell(r.uniform(40, 80), r.uniform(60, 110), r.uniform(80, 160)),
    "C 1 2 1": lambda r: _cell(
        r.uniform(90, 180), r.uniform(40, 80), r.uniform(50, 110), beta=r.uniform(95, 125)
    ),
    "P 1 21 1": lambda r: _cell(
        r.uniform(35, 70), r.uniform(50, 90), r.uniform(40, 80), beta=r.uniform(92, 118)
    ),
    "I 2 2 2": lambda r: _cell(r.uniform(60, 90), r.uniform(70, 110), r.uniform(90, 140)),
    "P 43 21 2": lambda r: _cell(*(2 * [r.uniform(55, 105)]), r.uniform(90, 200)),
    "P 61 2 2": lambda r: _cell(*(2 * [r.uniform(70, 120)]), r.uniform(100, 250), gamma=120),
}


class Crystallography(Kind):
    definition = "NXmx"
    raw_minutes = (2, 6)
    processed_suffix = "autoprocessing"

    def raw_parameters(self, g, ctx):
        energy = round(g.uniform(11.5, 13.5), 3)
        return {
            **beam_parameters(g, energy, 45.0, 30.0, 2.1e12),
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
        # Space group and cell belong to the crystal form: drawn from the sample, not the run.
        crystal = random.Random(ctx.sample_seed)
        space_group = crystal.choice(list(CELLS))
        return {
            "program": g.choice(["autoPROC", "XDS/XSCALE", "xia2/DIALS"]),
            "resolution": round(g.uniform(1.15, 2.8), 2),
            "space group": space_group,
            "unit cell": CELLS[space_group](crystal),
            "completeness": round(g.uniform(96, 100), 1),
            "mean I/sigma": round(g.uniform(7, 21), 1),
            "CC1/2": round(g.uniform(0.994, 0.9995), 4),
        }

    def write_raw(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        n, frames = 256, []
        cx, cy = n / 2 + generator.normal(0, 2), n / 2 + generator.normal(0, 2)
        r = radius_map(n, cx, cy)
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
            image = poisson_counts(generator, background + blurred)
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
            plot=Plot("data", ("omega", ".", "."), title=f"{ctx.sample}: diffraction images"),
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
            plot=Plot(
                "I_over_sigma", ("d_min",), title=f"{ctx.sample}: <I/σ(I)> by resolution shell"
            ),
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
            **beam_parameters(g, 12.5, 700.0, 700.0, 1.6e12),
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
        r = radius_map(n, n / 2 - 6, n / 2 + 4)
        q = 0.025 + r / r.max() * 4.5
        curve, _ = self._curve(ctx, q)
        frames = np.stack([poisson_counts(generator, 30 * curve) for _ in range(3)])
        frames[:, r < 5] = 0
        q_axis = np.linspace(0.025, 6.0, 600)
        intensity, _ = self._curve(ctx, q_axis)
        intensity = intensity * generator.normal(1, 0.02, q_axis.size)
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            detector=frames,
            measurement={"q": (q_axis, "1/nm"), "I": (intensity, "a.u.")},
            plot=Plot("I", ("q",), title=f"{ctx.sample}: I(q), frame average"),
        )
        image_png(frames[0], folder / f"{name}_preview.png", cmap="inferno")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        q = np.linspace(0.025, 6.0, 800)
        intensity, _ = self._curve(ctx, q)
        sigma = 0.01 * intensity + 0.002
        intensity = intensity + generator.normal(0, 1, q.size) * sigma
        rg = float(params["radius of gyration"])
        # The Guinier fit as the pipeline reports it: valid up to q·Rg = 1.3.
        guinier = q <= 1.3 / rg
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={"q": (q, "1/nm"), "I": (intensity, "a.u."), "sigma": (sigma, "a.u.")},
            plot=Plot("I", ("q",), title=f"{ctx.sample}: I(q)", errors="sigma"),
            extra={
                "guinier": {
                    "Rg": (rg, "nm"),
                    "I0": (round(float(intensity[guinier][:5].mean()), 3), "a.u."),
                    "q_min": (round(float(q[guinier][0]), 4), "1/nm"),
                    "q_max": (round(float(q[guinier][-1]), 4), "1/nm"),
                }
            },
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
            **beam_parameters(g, round(g.uniform(8.5, 10.5), 3), 0.12, 0.12, 3e9),
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
                poisson_counts(generator, self._peak(generator, 128, s) * w)
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
            plot=Plot(
                "data",
                ("eta", ".", "."),
                title=f"{ctx.sample} {params['Bragg reflection']}: rocking scan",
            ),
        )
        image_png(frames[2], folder / f"{name}_preview.png", cmap="magma")

    def write_processed(self, folder, *, name, params, ctx, seed):
        generator = np.random.default_rng(seed)
        rsm = (self._peak(generator, 128, 0).T * generator.normal(1, 0.03, (128, 128))).astype(
            np.float32
        )
        position = np.linspace(0, 2.0, 120)
        strain = float(params["maximum strain"]) * np.sin(position * np.pi / 2) ** 2
        # Reciprocal space around the reflection: q_z along the rows, q_x along the columns.
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            measurement={
                "rsm": (rsm, "counts"),
                "qz": (np.linspace(3.05, 3.19, 128), "1/Å"),
                "qx": (np.linspace(-0.035, 0.035, 128), "1/Å"),
                "position": (position, "µm"),
                "strain": (strain, "%"),
            },
            plot=Plot("rsm", ("qz", "qx"), title=f"{ctx.sample}: reciprocal space map"),
        )
        image_png(rsm, folder / f"{name}_rsm.png", cmap="viridis")


class PowderDiffraction(Kind):
    definition = "NXmonopd"
    raw_minutes = (1, 10)
    processed_suffix = "pyfai_1d"

    def _peaks(self, ctx: Context) -> list[tuple[float, float]]:
        generator = random.Random(ctx.sample_seed)
        return [(generator.uniform(1.0, 11.5), generator.uniform(0.1, 1.0)) for _ in range(22)]

    def raw_parameters(self, g, ctx):
        return {
            **beam_parameters(g, 75.0, 100.0, 100.0, 1e12),
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
        r = radius_map(n, n / 2 + 3, n / 2 - 2)
        image = poisson_counts(generator, self._pattern(ctx, r / (n / 2) * 12.0 * 0.55))
        self._nexus(
            folder / f"{name}.h5",
            params,
            ctx,
            detector=image,
            plot=Plot("data", (".", "."), title=f"{ctx.sample}: detector image"),
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
            plot=Plot("I", ("2th",), title=f"{ctx.sample}: integrated pattern"),
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
