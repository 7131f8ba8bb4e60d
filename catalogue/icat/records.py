"""What the ICAT gateway hands to the sync: plain records, the entity types in the order they
are applied, and the (modTime, id) paging shared by the real gateway and the recorded stand-in.

Nothing here imports python-icat (only `gateway.py` does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class GatewayError(Exception):
    """ICAT cannot be read now (down, refused our credentials, session expired): stop the run."""


@dataclass(frozen=True)
class EntitySpec:
    name: str
    # Many-to-one relations the sync needs, read with INCLUDE and handed over as nested dicts.
    includes: tuple[str, ...] = ()
    # Path from this entity to its Investigation, for "resync one investigation now".
    investigation_path: str | None = None
    # First ICAT version that has the entity (Technique and DatasetTechnique came with ICAT 5).
    since_version: tuple[int, int] = (4, 0)


# In dependency order: a record's parents are applied before it in every run.
ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("Technique", since_version=(5, 0)),
    EntitySpec("Instrument"),
    EntitySpec("User"),
    EntitySpec("InstrumentScientist", includes=("instrument", "user")),
    EntitySpec("SampleType"),
    EntitySpec("DatasetType"),
    EntitySpec("ParameterType"),
    EntitySpec("Investigation", investigation_path=""),
    EntitySpec(
        "InvestigationInstrument",
        includes=("investigation", "instrument"),
        investigation_path="investigation",
    ),
    EntitySpec(
        "InvestigationUser", includes=("investigation", "user"), investigation_path="investigation"
    ),
    EntitySpec("Sample", includes=("investigation", "type"), investigation_path="investigation"),
    EntitySpec(
        "Dataset", includes=("investigation", "type", "sample"), investigation_path="investigation"
    ),
    EntitySpec("Datafile", includes=("dataset",), investigation_path="dataset.investigation"),
    EntitySpec(
        "InvestigationParameter",
        includes=("investigation", "type"),
        investigation_path="investigation",
    ),
    EntitySpec(
        "SampleParameter", includes=("sample", "type"), investigation_path="sample.investigation"
    ),
    EntitySpec(
        "DatasetParameter", includes=("dataset", "type"), investigation_path="dataset.investigation"
    ),
    EntitySpec(
        "DatasetTechnique",
        includes=("dataset", "technique"),
        investigation_path="dataset.investigation",
        since_version=(5, 0),
    ),
)
SPECS = {spec.name: spec for spec in ENTITIES}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Record:
    """One ICAT entity: `fields` is `Entity.as_dict()` plus each included relation as its own
    `as_dict()` (e.g. `fields["investigation"]["id"]`)."""

    entity: str
    id: int
    mod_time: datetime
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cursor:
    """Everything before second `mod_time` is read, and in that second every id <= `last_id`."""

    mod_time: datetime = EPOCH
    last_id: int = 0


@dataclass
class Batch:
    records: list[Record]
    cursor: Cursor
    more: bool


class Gateway(Protocol):
    def entity_types(self) -> list[str]: ...

    def read_batch(self, entity: str, after: Cursor, limit: int) -> Batch: ...

    def read_ids(self, entity: str, after_id: int, limit: int) -> list[int]: ...

    def read_by_ids(self, entity: str, ids: Sequence[int]) -> list[Record]: ...

    def read_investigation(
        self, entity: str, name: str, after_id: int, limit: int
    ) -> list[Record]: ...

    def close(self) -> None: ...


def floor_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def page_by_mod_time(
    *,
    after: Cursor,
    limit: int,
    same_second: Callable[[datetime, int, int], list[Record]],
    later: Callable[[datetime, int], list[Record]],
) -> Batch:
    """One batch in (modTime, id) order, exact whatever the precision ICAT stores modTime at.

    ICAT's query language compares timestamps to the second, so the rest of the cursor's second
    is read by id first (`same_second(second, after_id, limit)`, ordered by id), then later
    seconds (`later(from_second, limit)`, ordered by modTime, id). A full page of later seconds
    leaves its last, possibly unfinished, second for the next batch, which reads it by id.
    """
    second = floor_second(after.mod_time)
    records = same_second(second, after.last_id, limit)
    if len(records) == limit:
        return Batch(records, Cursor(second, records[-1].id), more=True)
    cursor = Cursor(second, records[-1].id if records else after.last_id)
    room = limit - len(records)
    following = later(second + timedelta(seconds=1), room)
    if len(following) < room:
        records += following
        if following:
            last_second = floor_second(following[-1].mod_time)
            ids = [r.id for r in following if floor_second(r.mod_time) == last_second]
            cursor = Cursor(last_second, max(ids))
        return Batch(records, cursor, more=False)
    last_second = floor_second(following[-1].mod_time)
    records += [r for r in following if floor_second(r.mod_time) < last_second]
    return Batch(records, Cursor(last_second, 0), more=True)


def parse_time(value: Any) -> datetime | None:
    """ICAT dates arrive as datetimes from python-icat and as ISO strings from recordings."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise ValueError(f"not a date: {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
