"""Proposal names as typed by people and beamline software."""

from __future__ import annotations

import pytest

from catalogue.names import normalise_proposal


@pytest.mark.parametrize(
    "typed,name",
    [
        ("mx2590", "MX-2590"),
        ("MX2590", "MX-2590"),
        ("mx-2590", "MX-2590"),
        (" Mx_2590 ", "MX-2590"),
        ("ih-ls-3456", "IH-LS-3456"),
        ("", ""),
    ],
)
def test_proposal_names_are_spelled_as_the_catalogue_spells_them(typed, name) -> None:
    assert normalise_proposal(typed) == name
