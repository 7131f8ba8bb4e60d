"""Experiment plans: what the team asks the beamline to do with each sample.

A plan is `Item.experiment_plan`, a JSON object of string values, as ICAT+ keeps it (key/value
pairs). Each technique has a small schema of named fields with defaults (a native MX data set
at 2 Å, ...) and every plan may carry free-text `comments`. Keys outside the schemas (plans typed
as "key = value" lines before the schemas, or sent by ICAT+ clients) are kept and shown as they
are; only the schemas' keys are checked, wherever a plan comes from (`Item.clean`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalogue.models import Investigation

COMMENTS = "comments"


@dataclass(frozen=True)
class PlanField:
    key: str
    label: str
    kind: str  # "number", "integer", "choice" or "text"
    unit: str = ""
    default: str = ""
    low: Decimal | None = None
    high: Decimal | None = None
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""

    def parse(self, value) -> str:
        """The value as stored (a string); raises ValueError with a message for people."""
        text = str(value).strip()
        if self.kind == "choice":
            for key, label in self.choices:
                if text.lower() in (key, label.lower()):
                    return key
            raise ValueError(f"one of {', '.join(key for key, _ in self.choices)}")
        if self.kind == "text":
            return text
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise ValueError("a number") from None
        if not number.is_finite() or (self.kind == "integer" and number != number.to_integral()):
            raise ValueError("a whole number" if self.kind == "integer" else "a number")
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise ValueError(f"between {self.low} and {self.high}{self.unit_suffix}")
        return str(int(number)) if self.kind == "integer" else f"{number.normalize():f}"

    @property
    def unit_suffix(self) -> str:
        if not self.unit:
            return ""
        return self.unit if self.unit == "°" else f" {self.unit}"


@dataclass(frozen=True)
class Schema:
    name: str
    fields: tuple[PlanField, ...]


D = Decimal
MX = Schema(
    "MX",
    (
        PlanField(
            "strategy",
            "Strategy",
            "choice",
            default="native",
            choices=(
                ("screening", "Screening (a few test images)"),
                ("native", "Native data set"),
                ("anomalous", "Anomalous (SAD), high multiplicity"),
                ("ligand", "Ligand soak series"),
            ),
        ),
        PlanField(
            "required_resolution", "Required resolution", "number", "Å", "2.0", D("0.5"), D(10)
        ),
        PlanField("number_of_images", "Number of images", "integer", "", "3600", D(1), D(100000)),
        PlanField("oscillation", "Oscillation per image", "number", "°", "0.1", D("0.001"), D(10)),
        PlanField("exposure_time", "Exposure time", "number", "s", "0.02", D("0.001"), D(60)),
        PlanField(
            "energy",
            "Energy",
            "number",
            "keV",
            "12.7",
            D(5),
            D(30),
            help="12.7 keV is 0.976 Å; set the edge's energy for an anomalous data set.",
        ),
    ),
)
SAXS = Schema(
    "SAXS",
    (
        PlanField("concentration", "Concentration", "number", "mg/ml", "", D(0), D(500)),
        PlanField("volume", "Volume", "number", "µl", "50", D(1), D(1000)),
        PlanField("buffer", "Buffer", "text", help="e.g. 50 mM HEPES pH 7.5, 150 mM NaCl"),
    ),
)
GENERIC = Schema("", ())
# Catalogue technique names (catalogue/demo/content.py, PaNET labels) -> their plan.
BY_TECHNIQUE = {
    "macromolecular crystallography": MX,
    "serial crystallography": MX,
    "small angle x-ray scattering": SAXS,
    "size exclusion chromatography SAXS": SAXS,
}
# Every schema field by key: a key means the same whichever technique uses it.
FIELDS = {f.key: f for schema in (MX, SAXS) for f in schema.fields}


def schema_for(investigation: Investigation) -> Schema:
    """The plan of the session's technique (its own, else its beamline's; an "MX-" proposal is
    crystallography even without techniques); the generic one (comments only) otherwise."""
    names = list(investigation.techniques.values_list("name", flat=True))
    names += investigation.instrument.techniques.values_list("name", flat=True)
    for name in names:
        if name in BY_TECHNIQUE:
            return BY_TECHNIQUE[name]
    return MX if investigation.name.upper().startswith("MX") else GENERIC


def check(plan: dict) -> list[str]:
    """What is wrong with the schema fields of `plan`, one message each."""
    problems = []
    for key, value in plan.items():
        field = FIELDS.get(key)
        if field is None or value in ("", None):
            continue
        try:
            field.parse(value)
        except ValueError as error:
            problems.append(f"{field.label} should be {error}.")
    return problems


def rows(plan: dict) -> list[tuple[str, str]]:
    """(label, value) to show: schema fields first in their order with units, then the other
    keys as they were typed; comments are shown apart (`plan.comments`)."""
    out = []
    for key, field in FIELDS.items():
        if plan.get(key) not in ("", None):
            value = str(plan[key])
            if field.kind == "choice":
                value = dict(field.choices).get(value, value)
            out.append((field.label, f"{value}{field.unit_suffix}"))
    out += [(k, str(v)) for k, v in plan.items() if k not in FIELDS and k != COMMENTS]
    return out
