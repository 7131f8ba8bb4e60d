"""Parameters compared by value *and* unit: a condition in nm is converted (units.py) into the
units each matching parameter type is stored in, so no value is converted row by row and the
comparison stays in the database."""

from __future__ import annotations

from django.db.models import Q

from catalogue.models import ParameterType, ValueType

from . import units
from .fields import NEGATED, OPERATORS, as_list, as_number, as_text, field_q, operation
from .filters import BadFilter
from .schema import Field

PARAMETER_KEYS = {"name", "variable", "value", "unit", "operator"}
# PaNOSC clients' names for parameters the catalogue names otherwise.
PARAMETER_ALIASES = {"photon_energy": "energy", "temperature": "sample temperature"}
EQUAL_TOLERANCE = 1e-9  # relative: a value converted between units is rarely bit-identical


def _names(name: str) -> list[str]:
    spaced = name.replace("_", " ")
    return list(dict.fromkeys([name, spaced, PARAMETER_ALIASES.get(name.lower(), spaced)]))


def _name_q(name: object, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for spelling in _names(as_text(name, "name")):
        q |= Q(**{f"{prefix}name__iexact": spelling})
    return q


def parameter_q(condition: dict) -> Q:
    """One parameter row: name, value (with an operator) and unit, judged together."""
    name = condition.get("name", condition.get("variable"))
    unit = condition.get("unit")
    if isinstance(name, dict):  # {"name": {"like": "wave%"}}: any parameter so named
        q = field_q(Field("type__name"), "name", name)
        name = None
    else:
        q = _name_q(name, "type__") if name is not None else Q()
    if unit is not None and not isinstance(unit, str):
        raise BadFilter('`unit` takes a string, e.g. "nm"')
    if "value" not in condition:
        if "operator" in condition:
            raise BadFilter("a parameter condition with an operator needs a `value`")
        return q & (_unit_q(unit) if unit is not None else Q())
    if "operator" in condition:
        operator, operand = condition["operator"], condition["value"]
        if operator not in OPERATORS:
            raise BadFilter(f"unknown operator `{operator}`")
    else:
        operator, operand = operation(condition["value"], "value")
    if operator in NEGATED:
        return q & ~_value_q(name, NEGATED[operator], operand, unit)
    return q & _value_q(name, operator, operand, unit)


def _value_q(name: object, operator: str, operand: object, unit: str | None) -> Q:
    numbers = operand if isinstance(operand, list) else [operand]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers)
    if not numeric:  # text values: the unit, if any, must be the stored one
        spec = Field("string_value")
        q = field_q(spec, "value", {operator: operand})
        return q & (Q(type__units=unit) if unit is not None else Q())
    for number in numbers:
        as_number(number, "value")
    if unit is None:
        return _numeric_q(operator, operand)
    types = ParameterType.objects.filter(value_type=ValueType.NUMERIC)
    if name is not None:
        types = types.filter(_name_q(name))
    q = Q(pk__in=[])
    for type_id, stored_unit in types.values_list("pk", "units"):
        converted = _convert(operand, unit, stored_unit)
        if converted is not None:
            q |= Q(type_id=type_id) & _numeric_q(operator, converted)
    return q


def _convert(operand: object, unit: str, stored_unit: str) -> object | None:
    if unit.strip() == stored_unit.strip():
        return operand
    if isinstance(operand, list):
        values = [units.convert(v, unit, stored_unit) for v in operand]
        return None if None in values else values
    return units.convert(operand, unit, stored_unit)


def _numeric_q(operator: str, operand: object) -> Q:
    if operator == "eq":
        margin = abs(operand) * EQUAL_TOLERANCE
        return Q(numeric_value__range=(operand - margin, operand + margin))
    if operator in ("between", "inq"):
        values = as_list(operand, "value", 2 if operator == "between" else None)
        if operator == "between":
            return Q(numeric_value__range=sorted(values))
        either = Q(pk__in=[])
        for value in values:
            either |= _numeric_q("eq", value)
        return either
    if operator in ("like", "ilike"):
        raise BadFilter("`like` compares text, not numbers")
    return Q(**{f"numeric_value__{operator}": operand})


def _unit_q(unit: str) -> Q:
    """Parameters stored in `unit` or in any unit of the same dimension."""
    stored = ParameterType.objects.values_list("units", flat=True).distinct()
    same = [u for u in stored if u == unit or units.convert(1.0, unit, u) is not None]
    return Q(type__units__in=same)
