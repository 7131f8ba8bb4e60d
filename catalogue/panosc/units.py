"""Physical units of parameter queries, with pint: a query in nm finds a value stored in Å."""

from __future__ import annotations

from functools import cache

import pint

_REGISTRY = pint.UnitRegistry()
# Spellings the catalogue or PaNOSC clients use that pint reads otherwise or not at all.
_ALIASES = {"celsius": "degC", "°c": "degC", "ph/s": "1/s", "counts": "count"}


class UnitError(ValueError):
    pass


@cache
def _unit(name: str) -> pint.Unit | None:
    spelled = _ALIASES.get(name.strip().lower(), name.strip())
    try:
        return _REGISTRY.Unit(spelled)
    except (pint.errors.PintError, ValueError, AttributeError, TypeError, AssertionError):
        return None


def known(name: str) -> bool:
    return _unit(name) is not None


def convert(value: float, source: str, target: str) -> float | None:
    """`value` in `source` units expressed in `target` units; None when the two do not measure the
    same dimension (or either is not a unit pint knows)."""
    source_unit, target_unit = _unit(source), _unit(target)
    if source_unit is None or target_unit is None:
        return None
    if source_unit.dimensionality != target_unit.dimensionality:
        return None
    return float(_REGISTRY.Quantity(value, source_unit).to(target_unit).magnitude)
