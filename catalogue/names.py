"""Proposal names as people and beamline software type them, made the catalogue's own."""

from __future__ import annotations

import re

from django.db.models import Q

# A proposal is letters then digits (MX-2590, IH-LS-3456 has its own dashes and is left alone);
# BLISS and scientists type `mx2590`, `MX2590`, `mx-2590` or `mx_2590` for the same one.
_LETTERS_DIGITS = re.compile(r"([A-Za-z]+)[-_ ]?(\d+)")


def normalise_proposal(name: str) -> str:
    """The catalogue's spelling of a proposal name (`mx2590` -> `MX-2590`), as ICAT+'s
    `/catalogue/investigation/name/{name}/normalize` answers; anything else is only trimmed and
    upper-cased, so lookups by it stay case-insensitive."""
    text = (name or "").strip()
    match = _LETTERS_DIGITS.fullmatch(text)
    if match:
        return f"{match.group(1).upper()}-{match.group(2)}"
    return text.upper()


def proposal_q(name: str, field: str = "name") -> Q:
    """Investigations of the proposal however it was typed: the normalised spelling, or the
    given one for catalogues whose names do not follow the letters-dash-digits habit."""
    text = (name or "").strip()
    return Q(**{f"{field}__iexact": normalise_proposal(text)}) | Q(**{f"{field}__iexact": text})
