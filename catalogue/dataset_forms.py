"""Filters for dataset lists (the datasets tab and the API): sample, type, and a parameter range
in any compatible unit ("energy between 10 and 12 keV", "temperature below 100 K", or 10000 eV).

Values are stored in each parameter type's own units; a range typed in another unit of the same
quantity is converted before the query, so the database compares like with like.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet

from portal.fields import IdField

from .models import Dataset, DatasetParameter, DatasetType, ParameterType, Sample

# unit -> (quantity, scale, offset): value in the quantity's base unit = value * scale + offset.
UNITS: dict[str, tuple[str, float, float]] = {
    "eV": ("energy", 1.0, 0.0),
    "keV": ("energy", 1e3, 0.0),
    "MeV": ("energy", 1e6, 0.0),
    "m": ("length", 1.0, 0.0),
    "mm": ("length", 1e-3, 0.0),
    "µm": ("length", 1e-6, 0.0),
    "um": ("length", 1e-6, 0.0),
    "nm": ("length", 1e-9, 0.0),
    "Å": ("length", 1e-10, 0.0),
    "angstrom": ("length", 1e-10, 0.0),
    "s": ("time", 1.0, 0.0),
    "ms": ("time", 1e-3, 0.0),
    "µs": ("time", 1e-6, 0.0),
    "us": ("time", 1e-6, 0.0),
    "min": ("time", 60.0, 0.0),
    "h": ("time", 3600.0, 0.0),
    "K": ("temperature", 1.0, 0.0),
    "°C": ("temperature", 1.0, 273.15),
    "degC": ("temperature", 1.0, 273.15),
    "C": ("temperature", 1.0, 273.15),
    "Hz": ("frequency", 1.0, 0.0),
    "kHz": ("frequency", 1e3, 0.0),
    "MHz": ("frequency", 1e6, 0.0),
    "Pa": ("pressure", 1.0, 0.0),
    "kPa": ("pressure", 1e3, 0.0),
    "bar": ("pressure", 1e5, 0.0),
    "mbar": ("pressure", 1e2, 0.0),
    "mA": ("current", 1e-3, 0.0),
    "%": ("fraction", 0.01, 0.0),
}


def convert(value: float, *, from_units: str, to_units: str) -> float:
    """`value` in `from_units` expressed in `to_units`; ValueError for different quantities."""
    if from_units == to_units:
        return value
    try:
        source, target = UNITS[from_units], UNITS[to_units]
    except KeyError:
        raise ValueError(
            f"{from_units or 'no unit'} cannot be converted to {to_units or 'no unit'}."
        ) from None
    if source[0] != target[0]:
        raise ValueError(f"{from_units} cannot be converted to {to_units}.")
    return (value * source[1] + source[2] - target[2]) / target[1]


# Other spellings, accepted when typed (API) but not offered in the page's unit menu.
UNIT_ALIASES = {"um", "us", "degC", "C", "angstrom"}


def compatible_units(units: str) -> list[str]:
    """The units a range on a parameter measured in `units` may be typed in (its own first)."""
    if units not in UNITS:
        return [units]
    quantity = UNITS[units][0]
    others = [u for u, (q, _, _) in UNITS.items() if q == quantity and u not in UNIT_ALIASES]
    return [units] + [u for u in others if u != units]


def numeric_parameter_types(datasets: QuerySet[Dataset]) -> QuerySet[ParameterType]:
    """The numeric parameter types that occur on these datasets: what a range filter may offer."""
    used = DatasetParameter.objects.filter(
        dataset__in=datasets.order_by().values("pk"), numeric_value__isnull=False
    ).values("type_id")
    return ParameterType.objects.filter(pk__in=used).order_by("name", "units")


class RangeForm(forms.Form):
    """The parameter range, shared by the page form and the API form."""

    minimum = forms.FloatField(required=False, label="From")
    maximum = forms.FloatField(required=False, label="To")
    units = forms.CharField(required=False, max_length=16, label="Units")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parameter: ParameterType | None = data.get("parameter")
        low, high = data.get("minimum"), data.get("maximum")
        if (low is not None or high is not None) and parameter is None and not self.errors:
            raise ValidationError("Choose a parameter for the range.")
        if low is not None and high is not None and low > high:
            raise ValidationError("The lower bound of the range is above the upper bound.")
        units = data.get("units") or ""
        if parameter is not None and units and units != parameter.units:
            try:
                low = (
                    None
                    if low is None
                    else convert(low, from_units=units, to_units=parameter.units)
                )
                high = (
                    None
                    if high is None
                    else convert(high, from_units=units, to_units=parameter.units)
                )
            except ValueError as error:
                self.add_error("units", str(error))
        data["low"], data["high"] = low, high
        return data


class DatasetFilterForm(RangeForm):
    """The datasets tab: choices limited to what the investigation has."""

    sample = forms.ModelChoiceField(
        queryset=Sample.objects.none(),
        required=False,
        empty_label="All samples",
        error_messages={"invalid_choice": "This sample is not part of the experiment."},
    )
    type = forms.ChoiceField(
        choices=[("", "All types"), *DatasetType.choices],
        required=False,
        label="Type",
        error_messages={"invalid_choice": "The type is raw or processed."},
    )
    parameter = forms.ModelChoiceField(
        queryset=ParameterType.objects.none(),
        required=False,
        empty_label="Any parameter",
        error_messages={"invalid_choice": "This parameter is not measured in this experiment."},
    )
    field_order = ["sample", "type", "parameter", "minimum", "maximum", "units"]

    def __init__(
        self,
        *args: Any,
        samples: QuerySet[Sample],
        parameter_types: QuerySet[ParameterType],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sample"].queryset = samples
        self.fields["parameter"].queryset = parameter_types
        units: list[str] = []
        for parameter_type in parameter_types:
            units += [u for u in compatible_units(parameter_type.units) if u and u not in units]
        self.unit_choices = units
        self.fields["units"].widget = forms.Select(
            choices=[("", "units"), *[(u, u) for u in units]]
        )


class DatasetApiFilterForm(RangeForm):
    """Query parameters of /api/datasets/: ids rather than choices (the list is already visible)."""

    investigation = IdField(required=False)
    sample = IdField(required=False)
    type = forms.ChoiceField(choices=[("", ""), *DatasetType.choices], required=False)
    parameter = forms.CharField(
        required=False, max_length=255, help_text="a parameter type id or name"
    )
    field_order = ["investigation", "sample", "type", "parameter", "minimum", "maximum", "units"]

    def clean_parameter(self) -> ParameterType | None:
        raw = self.cleaned_data["parameter"].strip()
        if not raw:
            return None
        matches = (
            ParameterType.objects.filter(pk=int(raw))
            if raw.isdigit()
            else ParameterType.objects.filter(name=raw)
        )
        found = list(matches[:2])
        if not found:
            raise ValidationError(f"Unknown parameter {raw!r}.")
        if len(found) > 1:
            raise ValidationError(f"Several parameters are named {raw!r}; give its id.")
        return found[0]


def filter_datasets(datasets: QuerySet[Dataset], data: dict[str, Any]) -> QuerySet[Dataset]:
    """Apply cleaned filter values (from either form) to a queryset of visible datasets."""
    if data.get("investigation"):
        datasets = datasets.filter(investigation_id=data["investigation"])
    if data.get("sample"):
        datasets = datasets.filter(sample=data["sample"])
    if data.get("type"):
        datasets = datasets.filter(type=data["type"])
    if data.get("parameter") is not None:
        values = DatasetParameter.objects.filter(dataset=OuterRef("pk"), type=data["parameter"])
        if data.get("low") is not None:
            values = values.filter(numeric_value__gte=data["low"])
        if data.get("high") is not None:
            values = values.filter(numeric_value__lte=data["high"])
        datasets = datasets.filter(Exists(values))
    return datasets
