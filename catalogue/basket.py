"""The download basket: datasets and single files picked across pages, kept in the session
(so anonymous visitors can collect public data too). Ids only; access is checked when used."""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "download_basket"
MAX_ITEMS = 1000  # a session is not a database: beyond this, ask for a metalink of the datasets


class Basket:
    def __init__(self, request: HttpRequest) -> None:
        self.session = request.session
        raw = self.session.get(SESSION_KEY) or {}
        self.datasets: list[int] = [int(i) for i in raw.get("datasets", [])]
        self.datafiles: list[int] = [int(i) for i in raw.get("datafiles", [])]

    def __len__(self) -> int:
        return len(self.datasets) + len(self.datafiles)

    def _items(self, kind: str) -> list[int]:
        return self.datasets if kind == "dataset" else self.datafiles

    def has(self, kind: str, pk: int) -> bool:
        return pk in self._items(kind)

    def toggle(self, kind: str, pk: int) -> bool:
        """Add or remove; True when the item is in the basket afterwards."""
        items = self._items(kind)
        if pk in items:
            items.remove(pk)
        elif len(self) < MAX_ITEMS:
            items.append(pk)
        self.save()
        return pk in items

    def clear(self) -> None:
        self.datasets.clear()
        self.datafiles.clear()
        self.save()

    def save(self) -> None:
        self.session[SESSION_KEY] = {"datasets": self.datasets, "datafiles": self.datafiles}
