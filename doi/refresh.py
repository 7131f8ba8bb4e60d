"""Something public about a DOI changed: send its record to DataCite again.

Stub: the contract every caller relies on. Implemented by the DOI metadata work."""

from __future__ import annotations


def metadata_changed(
    *, investigation_id: int | None = None, collection_id: int | None = None
) -> None:
    """Call inside the transaction that made the change; the update is sent after commit."""
