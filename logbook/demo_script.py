"""What each kind of beamline writes into an experiment's logbook, in its own words.

A script turns one dataset's parameters (the ones the catalogue demo gave it) into the command
lines the control software logged while measuring it and the results it printed, so that the
logbook agrees with the data: an MX session indexes crystals in the space group its processed
dataset names, a BioSAXS session reports the Rg of its processed curve, an XAS session calibrates
its energy on the edge of the element it measures. Lines are (category, text); `demo.py` places
them in time next to their dataset.
"""

from __future__ import annotations

import random

Params = dict[str, float | str]
Lines = list[tuple[str, str]]

CMD, INFO, ERROR, COMMENT = "commandline", "info", "error", "comment"


def _num(params: Params, name: str, default: float) -> float:
    value = params.get(name, default)
    return float(value) if not isinstance(value, str) else default


def _str(params: Params, name: str, default: str) -> str:
    value = params.get(name)
    return value if isinstance(value, str) and value else default


def _first_run(dataset_name: str) -> bool:
    return dataset_name.endswith("_0001")


class Script:
    software = "BLISS"
    # Said by the team after a processed result, about its sample.
    comments: list[str] = []
    errors: list[str] = []

    def setup(self, g: random.Random, params: Params) -> Lines:
        raise NotImplementedError

    def raw(self, g: random.Random, name: str, sample: str, params: Params) -> Lines:
        raise NotImplementedError

    def processed(self, g: random.Random, name: str, sample: str, params: Params) -> Lines:
        raise NotImplementedError


class Crystallography(Script):
    software = "MXCuBE"
    comments = [
        "{sample}: clean diffraction, moving on to the next crystal.",
        "{sample}: ice rings at 3.9 Å, annealed once; the second collection is cleaner.",
        "{sample}: radiation damage visible after 1200 images, halved the transmission.",
        "{sample}: density for the ligand is clear in the first maps.",
        "{sample}: anisotropic, keep for the merged data set only.",
        "{sample}: best crystal of the day.",
    ]
    errors = [
        "Sample changer: gripper failed to pick the pin, retried successfully",
        "Cryostream temperature out of range (112 K), collection paused 40 s",
        "Detector arm did not reach its position (soft limit), moved back",
        "Centring failed: no crystal found in the loop, switched to mesh scan",
    ]

    def setup(self, g, params):
        energy = _num(params, "energy", 12.7)
        return [
            (CMD, f"set_energy({energy:.3f})"),
            (INFO, f"Energy {energy:.3f} keV, wavelength {_num(params, 'wavelength', 1):.4f} Å"),
            (CMD, "set_aperture(30)"),
            (CMD, "beam_centre_check()"),
            (INFO, f"Beam centre {g.uniform(2060, 2075):.1f}, {g.uniform(2155, 2170):.1f} px"),
            (CMD, "sample_changer.scan_pucks()"),
            (INFO, f"{g.randint(3, 8)} pucks found in the dewar"),
        ]

    def raw(self, g, name, sample, params):
        images = int(_num(params, "number of images", 1800))
        osc = _num(params, "oscillation range", 0.1)
        exposure = _num(params, "exposure time", 0.02)
        transmission = _num(params, "transmission", 100)
        distance = _num(params, "detector distance", 250)
        start = _num(params, "start angle", 0)
        lines: Lines = []
        if _first_run(name):
            puck, position = g.randint(1, 8), g.randint(1, 16)
            lines += [
                (CMD, f"mount_sample(puck={puck}, position={position})"),
                (INFO, f"{sample} mounted from puck {puck}, position {position}"),
                (CMD, g.choice(["centre_crystal(method='xray')", "centre_crystal(clicks=3)"])),
                (CMD, "characterise(wedges=4, osc=0.1, exp=0.02)"),
                (
                    INFO,
                    f"EDNA strategy: {images} images of {osc}°, {exposure} s, "
                    f"transmission {transmission:g} %",
                ),
            ]
        else:
            lines += [
                (CMD, f"mv phi {g.uniform(0, 180):.1f}"),
                (CMD, "centre_crystal(clicks=3)"),
            ]
        lines += [
            (CMD, f"set_detector_distance({distance:.1f})"),
            (CMD, f"set_transmission({transmission:g})"),
            (CMD, f"collect(start={start}, osc={osc}, n={images}, exp={exposure})"),
            (INFO, f"{name}: {images} images written ({images * osc:g}° of rotation)"),
        ]
        return lines

    def processed(self, g, name, sample, params):
        return [
            (
                INFO,
                f"{_str(params, 'program', 'autoPROC')}: indexed in "
                f"{_str(params, 'space group', 'P 21 21 21')}, resolution "
                f"{_num(params, 'resolution', 1.8):.2f} Å, completeness "
                f"{_num(params, 'completeness', 99.1):g} %, I/σ "
                f"{_num(params, 'mean I/sigma', 12):g}, CC1/2 {_num(params, 'CC1/2', 0.998):g}",
            ),
            (CMD, f"dimple {name}.mtz model.pdb"),
        ]


class SolutionScattering(Script):
    software = "BsxCuBE3"
    comments = [
        "{sample}: Guinier region linear down to qRg 1.3, no aggregation.",
        "{sample}: slight aggregation at low q, will rerun on the SEC column.",
        "{sample}: frames merge cleanly, curve matches the previous concentration.",
        "{sample}: Kratky plot says folded and compact.",
        "{sample}: measure again with fresh buffer from the same dialysis.",
    ]
    errors = [
        "Flow cell blocked: pressure 3.2 bar, flushed with water",
        "Sample changer: air bubble detected in the capillary, sample reloaded",
        "HPLC pump pressure alarm, column flow reduced to 0.5 ml/min",
    ]

    def setup(self, g, params):
        distance = _num(params, "detector distance", 2827) / 1000
        return [
            (CMD, "flow_cell.clean()"),
            (INFO, "Cleaning cycle: detergent, water, buffer"),
            (CMD, "measure_water()"),
            (INFO, f"Water calibration: I(0) = {g.uniform(0.0160, 0.0166):.4f} 1/cm"),
            (CMD, "measure_standard('BSA', concentration=5.0)"),
            (INFO, f"BSA standard: Rg = {g.uniform(2.85, 2.95):.2f} nm, MW ≈ 66 kDa"),
            (INFO, f"Energy 12.5 keV, detector distance {distance:.3f} m"),
        ]

    def raw(self, g, name, sample, params):
        temperature = _num(params, "sample temperature", 293) - 273.15
        if "buffer" in sample.lower():
            return [
                (CMD, f"load_sample(plate=1, well={g.randint(1, 96)})"),
                (CMD, f"measure_buffer('{sample}', frames=10, exposure=1.0)"),
                (INFO, f"{name}: buffer, 10 frames, all merged"),
                (CMD, "flow_cell.flush()"),
            ]
        merged = g.choice([10, 10, 10, 9, 8])
        concentration = _num(params, "concentration", 2.0)
        return [
            (CMD, f"set_temperature({temperature:.0f})"),
            (CMD, f"load_sample(plate=1, well={g.randint(1, 96)})"),
            (CMD, f"measure('{sample}', frames=10, exposure=1.0, flow=True)"),
            (INFO, f"{name}: concentration {concentration:.2f} mg/ml, {merged}/10 frames merged"),
            (CMD, "flow_cell.flush()"),
        ]

    def processed(self, g, name, sample, params):
        if "buffer" in sample.lower():
            return [(INFO, f"{name}: buffer averaged, used for the subtraction of the samples")]
        return [
            (
                INFO,
                f"{_str(params, 'program', 'FreeSAS')}: Rg = "
                f"{_num(params, 'radius of gyration', 3.0):.2f} nm, Dmax = "
                f"{_num(params, 'maximum dimension', 10):.1f} nm, MW ≈ "
                f"{_num(params, 'molecular weight', 50):.0f} kDa",
            )
        ]


class NanoDiffraction(Script):
    comments = [
        "{sample}: fringes well resolved, the object is isolated.",
        "{sample}: peak splits at the edge of the object, relaxation as expected.",
        "{sample}: drifted 200 nm during the map, re-aligned on the fluorescence.",
        "{sample}: strain map looks symmetric, good candidate for the 3D series.",
    ]
    errors = [
        "Piezo piy did not settle (position error 40 nm), scan point repeated",
        "MAXIPIX readout timeout, scan restarted",
        "Beam lost: ring current 0 mA, waiting for refill",
    ]

    def setup(self, g, params):
        energy = _num(params, "energy", 9.0)
        return [
            (CMD, f"mv energy {energy:.3f}"),
            (CMD, "dscan pix -0.5 0.5 100 0.05"),
            (INFO, f"Knife-edge scan: beam {g.randint(100, 140)} × {g.randint(100, 140)} nm²"),
            (CMD, "align_kb_mirrors()"),
            (INFO, "KB mirrors focused, flux 3e9 ph/s in the spot"),
        ]

    def raw(self, g, name, sample, params):
        reflection = _str(params, "Bragg reflection", "(004)")
        rocking = _num(params, "rocking range", 1.0)
        points = int(_num(params, "number of points", 61))
        exposure = _num(params, "exposure time", 0.1)
        eta = g.uniform(10, 35)
        lines: Lines = []
        if _first_run(name):
            lines += [
                (CMD, f"dmesh piy -2 2 40 piz -2 2 40 {exposure}"),
                (INFO, f"{sample} found at piy={g.uniform(-1, 1):.3f}, piz={g.uniform(-1, 1):.3f}"),
                (CMD, f"umv eta {eta:.3f} delta {2 * eta:.3f}"),
                (INFO, f"Bragg peak {reflection} on the MAXIPIX, max {g.randint(2, 90)}k counts"),
            ]
        lines += [
            (CMD, f"ascan eta {eta - rocking / 2:.3f} {eta + rocking / 2:.3f} {points} {exposure}"),
            (INFO, f"{name}: rocking curve of {reflection}, {points} points"),
            (CMD, f"sxdm piy -1 1 80 piz -1 1 80 {exposure}"),
        ]
        return lines

    def processed(self, g, name, sample, params):
        strain = _num(params, "maximum strain", 0.2)
        return [(INFO, f"xrayutilities: reciprocal space map, maximum strain {strain:.3f} %")]


class Tomography(Script):
    comments = [
        "{sample}: good contrast, pores well separated from the matrix.",
        "{sample}: small ring artefacts, flat fields taken again for the next scan.",
        "{sample}: moved slightly during the scan, repeated with a tighter holder.",
        "{sample}: region of interest chosen for the high-resolution scan.",
    ]
    errors = [
        "Rotation stage following error, scan aborted and restarted",
        "Camera frame drops (12 projections lost), scan repeated",
        "Beam lost: ring current 0 mA, waiting for refill",
    ]

    def setup(self, g, params):
        energy = _num(params, "energy", 26.0)
        return [
            (CMD, f"set_energy({energy:g})"),
            (INFO, f"Energy {energy:g} keV (multilayer monochromator)"),
            (CMD, "align_rotation_axis()"),
            (INFO, f"Rotation axis aligned, tilt {g.uniform(0.001, 0.02):.3f}°"),
            (CMD, "take_flats(41)"),
        ]

    def raw(self, g, name, sample, params):
        projections = int(_num(params, "number of projections", 4000))
        exposure = _num(params, "exposure time", 0.01)
        scan_range = _num(params, "scan range", 360)
        pixel = _num(params, "pixel size", 1.3)
        distance = _num(params, "propagation distance", 200)
        lines: Lines = []
        if _first_run(name):
            lines += [
                (CMD, f"mv sz {g.uniform(-5, 5):.2f}"),
                (CMD, f"mv detector_distance {distance:g}"),
                (INFO, f"{sample} centred on the rotation axis"),
            ]
        lines += [
            (CMD, "take_flats(41)"),
            (CMD, f"tomo_scan(nproj={projections}, exp={exposure}, range={scan_range:g})"),
            (
                INFO,
                f"{name}: {projections} projections over {scan_range:g}°, "
                f"pixel {pixel:g} µm, distance {distance:g} mm",
            ),
        ]
        return lines

    def processed(self, g, name, sample, params):
        return [
            (
                INFO,
                f"nabu: {_str(params, 'reconstruction', 'FBP')}, "
                f"voxel {_num(params, 'voxel size', 1.3):g} µm, 2048 slices",
            )
        ]


class Spectroscopy(Script):
    """BM23's XAS; ID21's micro-XANES below: the energy is calibrated at the element's edge."""

    comments = [
        "{sample}: edge shifts under reaction conditions, as hoped.",
        "{sample}: glitch near the white line, repeated the scan.",
        "{sample}: spectra reproducible over three scans, averaged.",
        "{sample}: self-absorption suspected, switched to a thinner pellet.",
    ]
    errors = [
        "Monochromator encoder error, energy scan restarted",
        "Ion chamber I0 saturated: gain lowered",
        "Gas flow controller did not reach set point (He/O2)",
    ]

    def setup(self, g, params):
        element, edge = _str(params, "element", "Fe"), _str(params, "edge", "K")
        e0 = _num(params, "energy", 7.112)
        return [
            (CMD, f"calibrate('{element}_foil')"),
            (
                INFO,
                f"Energy calibrated on a {element} foil: first inflection of the "
                f"{element} {edge} edge at {e0:.3f} keV",
            ),
            (CMD, f"mv energy {e0 + 0.05:.3f}"),
        ]

    def raw(self, g, name, sample, params):
        start, end = _num(params, "energy start", 7000), _num(params, "energy end", 8000)
        points = int(_num(params, "number of points", 700))
        mode = _str(params, "detection mode", "transmission")
        exposure = _num(params, "exposure time", 1)
        temperature = _num(params, "sample temperature", 295)
        lines: Lines = []
        if _first_run(name) and temperature > 300:
            lines.append((CMD, f"furnace.ramp({temperature:.0f}, rate=10)"))
        lines += [
            (CMD, f"zapenergy({start:.0f}, {end:.0f}, {points}, {exposure:g})"),
            (INFO, f"{name}: {mode}, {points} points at {temperature:.0f} K"),
        ]
        return lines

    def processed(self, g, name, sample, params):
        return [
            (
                INFO,
                f"Larch: E0 = {_num(params, 'edge position', 7112):.1f} eV, "
                f"edge step {_num(params, 'edge step', 1):.3f}",
            )
        ]


class Microscopy(Spectroscopy):
    def setup(self, g, params):
        element, edge = _str(params, "element", "Fe"), _str(params, "edge", "K")
        e0 = _num(params, "energy", 7.112)
        return [
            (CMD, f"calibrate('{element}_reference')"),
            (INFO, f"Energy calibrated on a {element} reference: {edge} edge at {e0:.3f} keV"),
            (CMD, "focus_kb()"),
            (INFO, "Beam 0.7 × 0.3 µm² on the Siemens star"),
        ]

    def raw(self, g, name, sample, params):
        step = _num(params, "step size", 1.0)
        start, end = _num(params, "energy start", 7080), _num(params, "energy end", 7180)
        element = _str(params, "element", "Fe")
        spots = g.randint(3, 8)
        return [
            (CMD, f"fluo_map(nx=100, ny=80, step={step:g}, dwell=0.1)"),
            (INFO, f"{name}: {element} map, {spots} spots of interest"),
            (CMD, f"xanes(points={list(range(1, spots + 1))}, start={start:.0f}, end={end:.0f})"),
        ]

    def processed(self, g, name, sample, params):
        reduced = g.randint(20, 80)
        return [
            (
                INFO,
                f"Linear combination fit: {reduced} % reduced, {100 - reduced} % oxidised; "
                f"edge at {_num(params, 'edge position', 7112):.1f} eV",
            )
        ]


class PowderDiffraction(Script):
    comments = [
        "{sample}: sharp peaks, no sign of an amorphous hump.",
        "{sample}: new reflections appear above 500 K, the transition we expected.",
        "{sample}: preferred orientation, capillary spun for the next run.",
        "{sample}: PDF to 25 Å shows the expected local order.",
    ]
    errors = [
        "Furnace thermocouple reading unstable, ramp paused",
        "Detector overflow on the strongest ring, attenuators inserted",
        "Beam lost: ring current 0 mA, waiting for refill",
    ]

    def setup(self, g, params):
        distance = _num(params, "detector distance", 700)
        return [
            (CMD, "mv energy 75"),
            (CMD, "calibrate('CeO2')"),
            (INFO, f"Geometry refined on CeO2: distance {distance + g.uniform(-2, 2):.1f} mm"),
        ]

    def raw(self, g, name, sample, params):
        images = int(_num(params, "number of images", 60))
        exposure = _num(params, "exposure time", 0.5)
        temperature = _num(params, "sample temperature", 295)
        lines: Lines = []
        if _first_run(name):
            lines.append((CMD, f"mv capillary_y {g.uniform(-3, 3):.2f}"))
        if temperature != 295:
            lines.append((CMD, f"temperature.ramp({temperature:.0f})"))
        lines += [
            (CMD, f"loopscan({images}, {exposure})"),
            (INFO, f"{name}: {images} images at {temperature:.0f} K"),
        ]
        return lines

    def processed(self, g, name, sample, params):
        return [
            (
                INFO,
                f"pyFAI: azimuthal integration to 2θ = {_num(params, '2theta max', 12):g}°, "
                f"{int(_num(params, 'number of points', 2000))} points",
            )
        ]


SCRIPTS: dict[str, Script] = {
    "mx": Crystallography(),
    "saxs": SolutionScattering(),
    "nanodiff": NanoDiffraction(),
    "tomo": Tomography(),
    "xanes": Microscopy(),
    "xas": Spectroscopy(),
    "powder": PowderDiffraction(),
}
