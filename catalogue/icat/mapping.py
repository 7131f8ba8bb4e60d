"""ICAT records -> mirror rows, one bulk upsert per batch and entity type.

Each `apply_<Entity>` takes a batch of records and an `Applied` that collects what the batch
touched (for the derived totals) and the records it had to skip. A record that cannot be
mapped (missing field, bad value, unknown parent) is logged with its ICAT id and skipped; the
rest of the batch goes in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models, transaction

from catalogue.icat.records import Record, parse_time
from catalogue.models import (
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetType,
    IcatLink,
    Instrument,
    Investigation,
    InvestigationParameter,
    ParameterType,
    Sample,
    SampleParameter,
    Technique,
    ValueType,
    default_release_date,
)

log = logging.getLogger(__name__)
UNASSIGNED_INSTRUMENT = "(unassigned)"


@dataclass
class Applied:
    applied: int = 0
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    datasets: set[int] = field(default_factory=set)
    investigations: set[int] = field(default_factory=set)
    # Rows whose search text changed (bulk upserts bypass save(), which keeps it current).
    searchable_datasets: set[int] = field(default_factory=set)
    searchable_samples: set[int] = field(default_factory=set)

    def skip(self, record: Record, reason: str) -> None:
        log.warning("ICAT %s %s skipped: %s", record.entity, record.id, reason)
        self.skipped.append((record.entity, record.id, reason))


class Malformed(ValueError):
    pass


def _text(fields: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = fields.get(key)
    if value is None:
        if required:
            raise Malformed(f"'{key}' is missing")
        return ""
    if not isinstance(value, str):
        raise Malformed(f"'{key}' is not text: {value!r}")
    return value


def _ref(fields: dict[str, Any], rel: str, *, required: bool = True) -> int | None:
    related = fields.get(rel)
    if not related:
        if required:
            raise Malformed(f"'{rel}' is missing")
        return None
    return int(related["id"])


def _pks(model: type[models.Model], icat_ids: Iterable[int | None]) -> dict[int, int]:
    wanted = {i for i in icat_ids if i is not None}
    if not wanted:
        return {}
    return dict(model.objects.filter(icat_id__in=wanted).values_list("icat_id", "pk"))


def _links(entity: str, icat_ids: Iterable[int | None]) -> dict[int, IcatLink]:
    wanted = {i for i in icat_ids if i is not None}
    return {
        link.icat_id: link for link in IcatLink.objects.filter(entity=entity, icat_id__in=wanted)
    }


def _refs(records: list[Record], rel: str) -> list[int | None]:
    out = []
    for record in records:
        try:
            out.append(_ref(record.fields, rel, required=False))
        except (KeyError, TypeError, ValueError):
            out.append(None)
    return out


def _build(
    records: list[Record], done: Applied, make: Callable[[Record], models.Model | None]
) -> list[tuple[Record, models.Model]]:
    rows = []
    for record in records:
        try:
            obj = make(record)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            done.skip(record, str(error) or type(error).__name__)
            continue
        if obj is not None:
            rows.append((record, obj))
    return rows


def _upsert(
    model: type[models.Model],
    rows: list[tuple[Record, models.Model]],
    update_fields: list[str],
    done: Applied,
) -> list[models.Model]:
    """Insert or update by ICAT id in one statement; if the database refuses the batch (a unique
    name clash, a value too long), retry row by row so that only the bad records are skipped."""
    objs = [obj for _, obj in rows]
    if not objs:
        return []
    kwargs = dict(update_conflicts=True, unique_fields=["icat_id"], update_fields=update_fields)
    try:
        with transaction.atomic():
            model.objects.bulk_create(objs, batch_size=1000, **kwargs)
        done.applied += len(objs)
        return objs
    except (IntegrityError, DatabaseError):
        pass
    kept = []
    for record, obj in rows:
        try:
            with transaction.atomic():
                model.objects.bulk_create([obj], **kwargs)
            kept.append(obj)
            done.applied += 1
        except (IntegrityError, DatabaseError) as error:
            done.skip(record, f"rejected by the database: {error}".splitlines()[0])
    return kept


def _mirrored(record: Record) -> dict[str, Any]:
    return {"icat_id": record.id, "mod_time": record.mod_time}


# --- catalogue entities ----------------------------------------------------------------------


def apply_Technique(records: list[Record], done: Applied) -> None:
    rows = _build(
        records,
        done,
        lambda r: Technique(
            **_mirrored(r),
            name=_text(r.fields, "name", required=True),
            pid=_text(r.fields, "pid"),
            description=_text(r.fields, "description"),
        ),
    )
    _upsert(Technique, rows, ["mod_time", "name", "pid", "description"], done)


def apply_Instrument(records: list[Record], done: Applied) -> None:
    rows = _build(
        records,
        done,
        lambda r: Instrument(
            **_mirrored(r),
            name=_text(r.fields, "name", required=True),
            full_name=_text(r.fields, "fullName"),
            description=_text(r.fields, "description"),
        ),
    )
    _upsert(Instrument, rows, ["mod_time", "name", "full_name", "description"], done)


def apply_ParameterType(records: list[Record], done: Applied) -> None:
    def make(r: Record) -> ParameterType:
        kind = _text(r.fields, "valueType", required=True).upper()
        if kind not in {"NUMERIC", "STRING", "DATE_AND_TIME"}:
            raise Malformed(f"unknown valueType {kind!r}")
        return ParameterType(
            **_mirrored(r),
            name=_text(r.fields, "name", required=True),
            units=_text(r.fields, "units"),
            description=_text(r.fields, "description"),
            value_type=ValueType.NUMERIC if kind == "NUMERIC" else ValueType.STRING,
        )

    _upsert(
        ParameterType,
        _build(records, done, make),
        ["mod_time", "name", "units", "value_type", "description"],
        done,
    )


def _investigation_dates(fields: dict[str, Any]) -> tuple:
    start = parse_time(fields.get("startDate")) or parse_time(fields.get("createTime"))
    if start is None:
        raise Malformed("neither startDate nor createTime")
    end = max(parse_time(fields.get("endDate")) or start, start)
    release = parse_time(fields.get("releaseDate")) or default_release_date(end)
    return start, end, release


def apply_Investigation(records: list[Record], done: Applied) -> None:
    # ICAT links instruments through InvestigationInstrument, applied next: until then a new
    # investigation points at a placeholder beamline, and an update keeps the one it has.
    placeholder, _ = Instrument.objects.get_or_create(name=UNASSIGNED_INSTRUMENT)

    def make(r: Record) -> Investigation:
        start, end, release = _investigation_dates(r.fields)
        return Investigation(
            **_mirrored(r),
            name=_text(r.fields, "name", required=True),
            visit_id=_text(r.fields, "visitId", required=True),
            title=_text(r.fields, "title")[:500],
            summary=_text(r.fields, "summary"),
            doi=_text(r.fields, "doi"),
            start_date=start,
            end_date=end,
            release_date=release,
            instrument=placeholder,
        )

    fields = [
        "mod_time",
        "name",
        "visit_id",
        "title",
        "summary",
        "doi",
        "start_date",
        "end_date",
        "release_date",
    ]
    _upsert(Investigation, _build(records, done, make), fields, done)
    done.investigations.update(_pks(Investigation, [r.id for r in records]).values())


def apply_Sample(records: list[Record], done: Applied) -> None:
    investigations = _pks(Investigation, _refs(records, "investigation"))
    types = _links("SampleType", _refs(records, "type"))

    def make(r: Record) -> Sample:
        type_id = _ref(r.fields, "type", required=False)
        type_name = (
            types[type_id].name
            if type_id in types
            else ((r.fields.get("type") or {}).get("name") or "")
        )
        return Sample(
            **_mirrored(r),
            investigation_id=_parent(investigations, r, "investigation"),
            name=_text(r.fields, "name", required=True),
            type=type_name,
            description=_text(r.fields, "description"),
        )

    _upsert(
        Sample,
        _build(records, done, make),
        ["mod_time", "investigation", "name", "type", "description"],
        done,
    )
    done.searchable_samples.update(_pks(Sample, [r.id for r in records]).values())


def _parent(pks: dict[int, int], record: Record, rel: str) -> int:
    icat_id = _ref(record.fields, rel)
    if icat_id not in pks:
        raise Malformed(f"{rel} {icat_id} is not in the mirror")
    return pks[icat_id]


def dataset_kind(type_name: str) -> str:
    return (
        DatasetType.PROCESSED
        if re.search(r"process|analy|reduc", type_name, re.I)
        else DatasetType.RAW
    )


def relative_location(location: str) -> str:
    # Datafile.location is relative to DATA_ROOT; ICAT usually stores absolute paths.
    prefix = settings.ICAT_LOCATION_PREFIX
    if prefix and location.startswith(prefix):
        location = location[len(prefix) :]
    return location.lstrip("/")


def facility_location(location: str) -> str:
    """The inverse of `relative_location`: a mirrored location as the facility's machines see it
    (ICAT+ answers ICAT's absolute path, which BLISS compares with its own): the prefix the sync
    strips, or else DATA_ROOT, where the portal itself finds the files."""
    root = settings.ICAT_LOCATION_PREFIX or str(settings.DATA_ROOT)
    return str(PurePosixPath(root) / location) if location else ""


def apply_Dataset(records: list[Record], done: Applied) -> None:
    investigations = _pks(Investigation, _refs(records, "investigation"))
    samples = _pks(Sample, _refs(records, "sample"))
    types = _links("DatasetType", _refs(records, "type"))

    def make(r: Record) -> Dataset:
        type_id = _ref(r.fields, "type", required=False)
        type_name = (
            types[type_id].name
            if type_id in types
            else ((r.fields.get("type") or {}).get("name") or "")
        )
        sample_id = _ref(r.fields, "sample", required=False)
        return Dataset(
            **_mirrored(r),
            investigation_id=_parent(investigations, r, "investigation"),
            sample_id=samples.get(sample_id) if sample_id else None,
            name=_text(r.fields, "name", required=True),
            type=dataset_kind(type_name),
            description=_text(r.fields, "description"),
            location=relative_location(_text(r.fields, "location")),
            start_date=parse_time(r.fields.get("startDate")),
            end_date=parse_time(r.fields.get("endDate")),
        )

    fields = [
        "mod_time",
        "investigation",
        "sample",
        "name",
        "type",
        "description",
        "location",
        "start_date",
        "end_date",
    ]
    kept = _upsert(Dataset, _build(records, done, make), fields, done)
    done.investigations.update(obj.investigation_id for obj in kept)
    done.searchable_datasets.update(_pks(Dataset, [r.id for r in records]).values())


def apply_Datafile(records: list[Record], done: Applied) -> None:
    datasets = _pks(Dataset, _refs(records, "dataset"))

    def make(r: Record) -> Datafile:
        size = r.fields.get("fileSize") or 0
        if not isinstance(size, int) or size < 0:
            raise Malformed(f"fileSize {size!r} is not a byte count")
        return Datafile(
            **_mirrored(r),
            dataset_id=_parent(datasets, r, "dataset"),
            name=_text(r.fields, "name", required=True),
            location=relative_location(_text(r.fields, "location")),
            size=size,
            checksum=_text(r.fields, "checksum"),
            file_mod_time=parse_time(r.fields.get("datafileModTime")),
        )

    fields = ["mod_time", "dataset", "name", "location", "size", "checksum", "file_mod_time"]
    kept = _upsert(Datafile, _build(records, done, make), fields, done)
    done.datasets.update(obj.dataset_id for obj in kept)


def _parameters(model: type[models.Model], parent_model: type[models.Model], rel: str):
    def apply(records: list[Record], done: Applied) -> None:
        parents = _pks(parent_model, _refs(records, rel))
        types = _pks(ParameterType, _refs(records, "type"))

        def make(r: Record) -> models.Model:
            numeric = r.fields.get("numericValue")
            if numeric is not None and not isinstance(numeric, int | float):
                raise Malformed(f"numericValue {numeric!r} is not a number")
            text = _text(r.fields, "stringValue")
            moment = parse_time(r.fields.get("dateTimeValue"))
            return model(
                **_mirrored(r),
                **{f"{rel}_id": _parent(parents, r, rel)},
                type_id=_parent(types, r, "type"),
                numeric_value=numeric,
                string_value=text or (moment.isoformat() if moment else ""),
            )

        _upsert(
            model,
            _build(records, done, make),
            ["mod_time", rel, "type", "numeric_value", "string_value"],
            done,
        )
        if parent_model is Dataset:  # string values are part of a dataset's search text
            done.searchable_datasets.update(parents.values())

    return apply


apply_InvestigationParameter = _parameters(InvestigationParameter, Investigation, "investigation")
apply_DatasetParameter = _parameters(DatasetParameter, Dataset, "dataset")
apply_SampleParameter = _parameters(SampleParameter, Sample, "sample")


APPLY: dict[str, Callable[[list[Record], Applied], None]] = {
    name[len("apply_") :]: fn for name, fn in globals().items() if name.startswith("apply_")
}
