"""Papers that use a session's or a collection's data, as DataCite related identifiers.

Stub until linked publications land: the metadata builder already asks here."""

from __future__ import annotations


def related_identifiers(*, investigation=None, collection=None) -> list[dict]:
    """DataCite `relatedIdentifiers` entries for the publications linked to this object."""
    return []
