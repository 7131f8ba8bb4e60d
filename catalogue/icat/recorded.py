"""A gateway over recorded ICAT entities (JSON, shaped like python-icat's `Entity.as_dict()` with
included relations nested). A stand-in for ICAT where no server can run: the tests and the
benchmark use it; it pages exactly like the live gateway (same `page_by_mod_time`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from catalogue.icat.records import (
    ENTITIES,
    SPECS,
    Batch,
    Cursor,
    GatewayError,
    Record,
    floor_second,
    page_by_mod_time,
    parse_time,
)


def to_record(entity: str, fields: dict[str, Any]) -> Record:
    return Record(
        entity=entity, id=int(fields["id"]), mod_time=parse_time(fields["modTime"]), fields=fields
    )


class RecordedGateway:
    def __init__(
        self,
        entities: dict[str, Iterable[dict[str, Any]]] | None = None,
        version: tuple[int, int] = (5, 0),
    ) -> None:
        self.version = version
        self.tables: dict[str, dict[int, Record]] = {spec.name: {} for spec in ENTITIES}
        self.down = False  # True: every call fails as if ICAT could not be reached
        self.searches = 0
        for entity, rows in (entities or {}).items():
            self.put(entity, rows)

    @classmethod
    def from_json(cls, *paths: Path) -> RecordedGateway:
        gateway = cls()
        for path in paths:
            gateway.load(path)
        return gateway

    def load(self, path: Path) -> None:
        """Apply a recording: `{"Entity": [as_dict, ...], "deleted": {"Entity": [id, ...]}}`."""
        data = json.loads(Path(path).read_text())
        for entity, ids in data.pop("deleted", {}).items():
            for icat_id in ids:
                self.tables[entity].pop(icat_id, None)
        for entity, rows in data.items():
            self.put(entity, rows)

    def put(self, entity: str, rows: Iterable[dict[str, Any]]) -> None:
        for fields in rows:
            record = to_record(entity, fields)
            self.tables[entity][record.id] = record

    def _sorted(self, entity: str) -> list[Record]:
        self._call()
        return sorted(self.tables[entity].values(), key=lambda r: (r.mod_time, r.id))

    def _call(self) -> None:
        self.searches += 1
        if self.down:
            raise GatewayError("ICAT unreachable (recorded gateway set down)")

    def entity_types(self) -> list[str]:
        self._call()
        return [spec.name for spec in ENTITIES if self.version >= spec.since_version]

    def read_batch(self, entity: str, after: Cursor, limit: int) -> Batch:
        def same_second(second, after_id, n):
            rows = [
                r
                for r in self._sorted(entity)
                if floor_second(r.mod_time) == second and r.id > after_id
            ]
            return sorted(rows, key=lambda r: r.id)[:n]

        def later(second, n):
            return [r for r in self._sorted(entity) if r.mod_time >= second][:n]

        return page_by_mod_time(after=after, limit=limit, same_second=same_second, later=later)

    def read_ids(self, entity: str, after_id: int, limit: int) -> list[int]:
        self._call()
        return sorted(i for i in self.tables[entity] if i > after_id)[:limit]

    def read_by_ids(self, entity: str, ids: Sequence[int]) -> list[Record]:
        self._call()
        return [self.tables[entity][i] for i in sorted(ids) if i in self.tables[entity]]

    def read_investigation(self, entity: str, name: str, after_id: int, limit: int) -> list[Record]:
        self._call()
        path = SPECS[entity].investigation_path
        if path is None:
            raise ValueError(f"{entity} does not belong to an investigation")
        rows = [
            r
            for r in self.tables[entity].values()
            if r.id > after_id and self._investigation_name(r, path) == name
        ]
        return sorted(rows, key=lambda r: r.id)[:limit]

    def _investigation_name(self, record: Record, path: str) -> str | None:
        # Recordings nest only one level, so follow the path through the recorded tables.
        fields: dict[str, Any] | None = record.fields
        entity = record.entity
        for rel in path.split(".") if path else []:
            related = (fields or {}).get(rel)
            entity = {"investigation": "Investigation", "dataset": "Dataset", "sample": "Sample"}[
                rel
            ]
            target = self.tables[entity].get(related["id"]) if related else None
            fields = target.fields if target else None
        return (fields or {}).get("name")

    def close(self) -> None:
        pass
