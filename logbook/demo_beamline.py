"""What the scientists of each beamline write in its beamline logbook between user sessions.

Each kind of beamline has its own routine (an MX beamline refills its cryostream and calibrates
on a selenium edge, BioSAXS measures water and BSA, an XAS beamline calibrates on metal foils), so
the entries differ from one beamline to the next and from one week to the next.
"""

from __future__ import annotations

import random

Note = tuple[str, str]  # title, text (HTML paragraph content)


def _mx(g: random.Random) -> list[Note]:
    return [
        ("Cryo refill", f"Cryostream dewar refilled; stable at {g.uniform(99.6, 100.4):.1f} K."),
        (
            "Energy calibration",
            f"Se K edge scan on the selenomethionine standard: edge at "
            f"{g.uniform(12.655, 12.661):.3f} keV, offset corrected.",
        ),
        (
            "Detector",
            f"EIGER2 X 9M: new flat field and pixel mask ({g.randint(40, 90)} dead pixels).",
        ),
        (
            "Sample changer",
            f"Gripper recalibrated; {g.randint(40, 48)} test pins mounted without a failure.",
        ),
        (
            "Beam size",
            f"Measured on the scintillator: {g.randint(28, 34)} × {g.randint(18, 24)} µm² FWHM "
            "with the 30 µm aperture.",
        ),
        (
            "Thaumatin test",
            f"Reference crystal to {g.uniform(1.05, 1.25):.2f} Å, P 41 21 2, "
            "autoprocessing pipelines agree.",
        ),
    ]


def _saxs(g: random.Random) -> list[Note]:
    return [
        (
            "Water calibration",
            f"Absolute scale: water I(0) = {g.uniform(0.0160, 0.0166):.4f} 1/cm.",
        ),
        (
            "BSA standard",
            f"BSA at 5 mg/ml: Rg = {g.uniform(2.85, 2.96):.2f} nm, MW {g.randint(63, 69)} kDa.",
        ),
        (
            "Flow cell",
            f"Quartz capillary replaced after {g.randint(800, 2400)} samples; cleaning "
            "cycle checked.",
        ),
        (
            "SEC column",
            f"Superdex 200 Increase re-equilibrated; back pressure {g.uniform(1.6, 2.4):.1f} MPa.",
        ),
        (
            "Detector",
            f"PILATUS3 2M: {g.randint(2, 6)} modules trimmed again, background checked.",
        ),
    ]


def _nanodiff(g: random.Random) -> list[Note]:
    return [
        (
            "KB alignment",
            f"Focus re-optimised: {g.randint(100, 140)} × {g.randint(100, 140)} nm² "
            "from knife-edge scans.",
        ),
        (
            "Goniometer",
            f"Sphere of confusion measured: {g.randint(60, 150)} nm over 360° of eta.",
        ),
        (
            "Energy calibration",
            f"Ni K edge on the foil: {g.uniform(8.331, 8.335):.3f} keV, offset corrected.",
        ),
        (
            "Detector",
            f"MAXIPIX threshold equalised, flat field taken at {g.choice([8, 9, 10])} keV.",
        ),
    ]


def _tomo(g: random.Random) -> list[Note]:
    return [
        (
            "Rotation axis",
            f"Axis tilt corrected to {g.uniform(0.001, 0.01):.3f}°; centre of rotation checked.",
        ),
        (
            "Scintillator",
            f"GGG:Eu scintillator exchanged ({g.choice([10, 25])} µm) for the high-resolution "
            "optics.",
        ),
        (
            "Resolution test",
            f"Siemens star resolved down to {g.uniform(0.6, 1.4):.1f} µm with the 10× optics.",
        ),
        (
            "Monochromator",
            f"Multilayer tuned to {g.choice([19, 26, 40])} keV, harmonic rejection checked.",
        ),
    ]


def _xanes(g: random.Random) -> list[Note]:
    return [
        (
            "Energy calibration",
            f"Fe K edge on the foil at {g.uniform(7.110, 7.114):.3f} keV; As K edge on "
            f"As2O5 at {g.uniform(11.872, 11.876):.3f} keV.",
        ),
        ("Vacuum", f"Sample chamber at {g.uniform(1, 9):.0f}e-6 mbar after the venting."),
        (
            "Focusing",
            f"KB focus 0.{g.randint(6, 8)} × 0.{g.randint(2, 4)} µm² on the Siemens star.",
        ),
        (
            "Fluorescence detector",
            f"SDD energy scale recalibrated, resolution {g.randint(128, 140)} eV at Mn Kα.",
        ),
    ]


def _xas(g: random.Random) -> list[Note]:
    return [
        (
            "Energy calibration",
            f"Cu foil: first inflection at {g.uniform(8.978, 8.981):.3f} keV; Pt foil L3 at "
            f"{g.uniform(11.563, 11.566):.3f} keV.",
        ),
        (
            "Gas system",
            f"Mass flow controllers checked; leak test passed at {g.randint(2, 5)} bar.",
        ),
        (
            "Ion chambers",
            f"I0/I1 gases refilled (N2/He), dark currents {g.randint(5, 20)} pA.",
        ),
        (
            "Furnace",
            f"Capillary furnace calibrated to {g.choice([773, 873, 1073])} K with a thermocouple.",
        ),
    ]


def _powder(g: random.Random) -> list[Note]:
    return [
        (
            "Calibration",
            f"CeO2 at 75 keV: detector distance {g.uniform(699, 702):.1f} mm, tilt "
            f"{g.uniform(0.1, 0.6):.2f}°.",
        ),
        ("Cryostream", f"Cryostream serviced; ramp 100–500 K checked at {g.randint(5, 6)} K/min."),
        (
            "Detector",
            f"PILATUS3 X CdTe 2M: flat field renewed, {g.randint(2, 9)} bad pixels masked.",
        ),
        (
            "Sample changer",
            f"Capillary spinner realigned; {g.randint(20, 40)} capillaries run unattended.",
        ),
    ]


def _common(g: random.Random) -> list[Note]:
    """What every beamline writes now and then, whatever its technique."""
    return [
        (
            "Machine day",
            f"No beam from 08:00 to {g.choice([16, 18, 20])}:00 (accelerator development); "
            "vacuum and interlocks checked meanwhile.",
        ),
        (
            "Software",
            f"Control software updated to release {g.randint(2, 3)}.{g.randint(0, 9)}; "
            "macros of the user sessions tested.",
        ),
        (
            "Safety",
            f"Hutch search procedure checked; radiation survey with the safety group, "
            f"{g.randint(12, 30)} points, all at background.",
        ),
        (
            "Handover",
            f"Next users' samples arrived in stores ({g.randint(1, 4)} dewars); "
            "beamline ready for them.",
        ),
    ]


NOTES = {
    "mx": _mx,
    "saxs": _saxs,
    "nanodiff": _nanodiff,
    "tomo": _tomo,
    "xanes": _xanes,
    "xas": _xas,
    "powder": _powder,
}


def beamline_notes(g: random.Random, kind: str, count: int) -> list[Note]:
    """`count` entries, each routine at most once before any repeats, never the same text twice
    (a routine done again reads differently: other values, as on the real beamline)."""
    notes: list[Note] = []
    for _ in range(20 * count):  # bounded: a routine with few values may run out of new texts
        if len(notes) >= count:
            break
        batch = NOTES.get(kind, _nanodiff)(g) + _common(g)
        g.shuffle(batch)
        notes += [note for note in batch if note[1] not in {text for _, text in notes}]
    return notes[:count]
