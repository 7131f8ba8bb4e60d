"""The ICAT sync: keep the catalogue mirror in step with ICAT, incrementally and safely.

- Each entity type is read from its cursor in (modTime, id) order, in batches. A batch, the
  derived totals it changes and the cursor after it are committed in one transaction, so a
  crash resumes at the first batch not applied and nothing is applied twice.
- Deletions: ICAT does not tell, so every ICAT_RECONCILE_HOURS (and on --full) the ids of each
  type are compared with the mirror's, both sorted, page by page (memory stays flat); ids only
  in the mirror are deleted, ids only in ICAT are read again (a record whose parent had not yet
  been synced when it was first read).
- Only one run at a time: a cache lock that expires, so a killed worker never blocks the sync.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from catalogue import previews, search
from catalogue.icat import mapping, people
from catalogue.icat.mapping import Applied
from catalogue.icat.records import EPOCH, SPECS, Cursor, Gateway, GatewayError, Record
from catalogue.models import (
    Datafile,
    Dataset,
    DatasetParameter,
    IcatLink,
    IcatUser,
    Instrument,
    Investigation,
    InvestigationParameter,
    InvestigationUser,
    ParameterType,
    Sample,
    SampleParameter,
    SyncCursor,
    SyncRun,
    Technique,
)

log = logging.getLogger(__name__)
LOCK_KEY = "catalogue:icat-sync-lock"
MAX_ERRORS = 500
# How each ICAT entity type is applied to the mirror (tests swap one to simulate a crash).
APPLY = {**mapping.APPLY, **people.APPLY}
Progress = Callable[[str], None]

MIRROR_MODELS: dict[str, type[models.Model]] = {
    "Technique": Technique,
    "Instrument": Instrument,
    "User": IcatUser,
    "ParameterType": ParameterType,
    "Investigation": Investigation,
    "InvestigationUser": InvestigationUser,
    "Sample": Sample,
    "Dataset": Dataset,
    "Datafile": Datafile,
    "InvestigationParameter": InvestigationParameter,
    "SampleParameter": SampleParameter,
    "DatasetParameter": DatasetParameter,
}
# How each mirrored model reaches its proposal name, for "resync one investigation".
INVESTIGATION_LOOKUPS = {
    "Investigation": "name",
    "InvestigationUser": "investigation__name",
    "Sample": "investigation__name",
    "Dataset": "investigation__name",
    "Datafile": "dataset__investigation__name",
    "InvestigationParameter": "investigation__name",
    "SampleParameter": "sample__investigation__name",
    "DatasetParameter": "dataset__investigation__name",
}
LINK_THROUGH = {
    "InstrumentScientist": (Instrument.scientists.through, "instrument_id", "user_id"),
    "DatasetTechnique": (Dataset.techniques.through, "dataset_id", "technique_id"),
}


class SyncBusy(Exception):
    """Another run holds the lock."""


def default_gateway() -> Gateway:
    from catalogue.icat.gateway import IcatGateway

    return IcatGateway()


def icat_sync(
    *,
    gateway: Gateway | None = None,
    full: bool = False,
    investigation: str = "",
    since: datetime | None = None,
    reconcile: bool | None = None,
    progress: Progress | None = None,
) -> SyncRun:
    """One sync run. Raises SyncBusy if a run is already going; ICAT failures end the run as
    "failed" with the error recorded (the next run resumes from the cursors)."""
    token = uuid.uuid4().hex
    if not cache.add(LOCK_KEY, token, timeout=settings.ICAT_SYNC_LOCK_SECONDS):
        raise SyncBusy("an ICAT sync is already running")
    # Runs still "running" without the lock were killed with their worker.
    SyncRun.objects.filter(status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.FAILED,
        finished=timezone.now(),
        errors=[{"error": "interrupted (worker stopped)"}],
    )
    kind = "investigation" if investigation else "full" if full else "incremental"
    run = SyncRun.objects.create(kind=kind, investigation=investigation)
    say = progress or (lambda message: None)
    try:
        gateway = gateway or default_gateway()
        runner = _Runner(run=run, gateway=gateway, say=say)
        entities = gateway.entity_types()
        if investigation:
            runner.resync_investigation(entities, investigation)
        else:
            if full or since:
                _rewind_cursors(entities, EPOCH if full else since)
            for entity in entities:
                runner.sync_entity(entity)
            if reconcile if reconcile is not None else (full or _reconcile_due()):
                for entity in reversed(entities):  # children first: a parent's delete may cascade
                    runner.reconcile(entity)
                run.reconciled = True
        run.status = SyncRun.Status.PARTIAL if run.errors else SyncRun.Status.SUCCESS
    except GatewayError as error:
        log.warning("ICAT sync stopped: %s", error)
        run.status = SyncRun.Status.FAILED
        run.errors.append({"error": str(error)})
    except Exception as error:
        run.status = SyncRun.Status.FAILED
        run.errors.append({"error": f"{type(error).__name__}: {error}"})
        raise
    finally:
        run.finished = timezone.now()
        run.save()
        if gateway is not None:
            gateway.close()
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)
        say(f"{run.get_status_display()}: {_summary(run.counts)}")
    return run


def _summary(counts: dict) -> str:
    parts = [
        f"{entity} {c.get('applied', 0)}"
        + (f" (-{c['deleted']})" if c.get("deleted") else "")
        + (f" ({c['skipped']} skipped)" if c.get("skipped") else "")
        for entity, c in counts.items()
        if any(c.values())
    ]
    return ", ".join(parts) or "nothing changed"


def _rewind_cursors(entities: list[str], moment: datetime) -> None:
    """Read again from `moment`: cursors only ever move back (a later date would skip changes,
    and a type never read is read from the start anyway)."""
    SyncCursor.objects.filter(entity__in=entities, mod_time__gt=moment).update(
        mod_time=moment, last_id=0
    )


def _reconcile_due() -> bool:
    last = SyncRun.objects.filter(
        reconciled=True, status__in=[SyncRun.Status.SUCCESS, SyncRun.Status.PARTIAL]
    )
    latest = last.order_by("-started").values_list("started", flat=True).first()
    return latest is None or timezone.now() - latest >= timedelta(
        hours=settings.ICAT_RECONCILE_HOURS
    )


def refresh_derived(done: Applied) -> None:
    """Recompute file counts and volumes of what the batch touched (release dates are set when
    investigations are mapped)."""
    if done.datasets:
        Dataset.objects.filter(pk__in=done.datasets).refresh_totals()
        done.investigations.update(
            Dataset.objects.filter(pk__in=done.datasets)
            .values_list("investigation_id", flat=True)
            .distinct()
        )
    if done.investigations:
        Investigation.objects.filter(pk__in=done.investigations).refresh_totals()
        search.refresh_investigations(Investigation.objects.filter(pk__in=done.investigations))
    if done.searchable_datasets:
        search.refresh_datasets(Dataset.objects.filter(pk__in=done.searchable_datasets))
    if done.searchable_samples:
        search.refresh_samples(Sample.objects.filter(pk__in=done.searchable_samples))


class _Runner:
    def __init__(self, *, run: SyncRun, gateway: Gateway, say: Progress) -> None:
        self.run, self.gateway, self.say = run, gateway, say

    def _count(self, entity: str, key: str, n: int) -> None:
        if n:
            counts = self.run.counts.setdefault(entity, {})
            counts[key] = counts.get(key, 0) + n

    def apply(self, entity: str, records: list[Record], *, cursor: Cursor | None = None) -> Applied:
        """Apply one batch, its derived totals and (if given) its cursor, all or nothing."""
        done = Applied()
        with transaction.atomic():
            if records:
                APPLY[entity](records, done)
                refresh_derived(done)
                if entity == "Datafile":  # new pictures: thumbnails while the files are on disk
                    previews.dataset_thumbnails_keep_later(done.datasets)
            if cursor is not None:
                SyncCursor.objects.update_or_create(
                    entity=entity, defaults={"mod_time": cursor.mod_time, "last_id": cursor.last_id}
                )
        self._count(entity, "applied", done.applied)
        self._count(entity, "skipped", len(done.skipped))
        # Every skipped record is logged; the run keeps the first MAX_ERRORS for the admin page.
        room = max(0, MAX_ERRORS - len(self.run.errors))
        self.run.errors += [
            {"entity": e, "icat_id": i, "error": why} for e, i, why in done.skipped[:room]
        ]
        cache.touch(LOCK_KEY, settings.ICAT_SYNC_LOCK_SECONDS)
        return done

    def sync_entity(self, entity: str) -> None:
        row = SyncCursor.objects.filter(entity=entity).first()
        cursor = Cursor(row.mod_time or EPOCH, row.last_id) if row else Cursor()
        total = 0
        while True:
            batch = self.gateway.read_batch(entity, cursor, settings.ICAT_BATCH_SIZE)
            if batch.records or batch.cursor != cursor:
                self.apply(entity, batch.records, cursor=batch.cursor)
            total += len(batch.records)
            if batch.records:
                self.say(f"{entity}: {total} read")
            cursor = batch.cursor
            if not batch.more:
                break
        self.run.save(update_fields=["counts", "errors"])

    def resync_investigation(self, entities: list[str], name: str) -> None:
        """Read everything of one proposal again, whatever the cursors say (they do not move),
        and drop what ICAT no longer has of it (one proposal's ids fit in memory)."""
        for entity in entities:
            if SPECS[entity].investigation_path is None:
                continue
            after, seen = 0, set()
            while True:
                records = self.gateway.read_investigation(
                    entity, name, after, settings.ICAT_BATCH_SIZE
                )
                seen.update(r.id for r in records)
                if records:
                    self.apply(entity, records)
                    self.say(f"{name} {entity}: {len(records)} read")
                    after = records[-1].id
                if len(records) < settings.ICAT_BATCH_SIZE:
                    break
            if entity in INVESTIGATION_LOOKUPS:
                rows = MIRROR_MODELS[entity].objects.filter(
                    icat_id__isnull=False, **{INVESTIGATION_LOOKUPS[entity]: name}
                )
                gone = sorted(set(rows.values_list("icat_id", flat=True)) - seen)
                for chunk in range(0, len(gone), 1000):
                    self._delete(entity, gone[chunk : chunk + 1000])

    # --- deletions ---

    def reconcile(self, entity: str) -> None:
        missing: list[int] = []
        extra: list[int] = []
        icat_ids, mirror_ids = self._icat_ids(entity), _mirror_ids(entity)
        a, b = next(icat_ids, None), next(mirror_ids, None)
        while a is not None or b is not None:
            if b is None or (a is not None and a < b):
                missing.append(a)
                a = next(icat_ids, None)
            elif a is None or b < a:
                extra.append(b)
                b = next(mirror_ids, None)
            else:
                a, b = next(icat_ids, None), next(mirror_ids, None)
            if len(extra) >= 1000:
                self._delete(entity, extra)
                extra = []
            if len(missing) >= 500:
                self._fetch(entity, missing)
                missing = []
        self._delete(entity, extra)
        self._fetch(entity, missing)

    def _icat_ids(self, entity: str) -> Iterator[int]:
        after = 0
        while True:
            ids = self.gateway.read_ids(entity, after, settings.ICAT_BATCH_SIZE * 10)
            yield from ids
            if len(ids) < settings.ICAT_BATCH_SIZE * 10:
                return
            after = ids[-1]

    def _fetch(self, entity: str, ids: list[int]) -> None:
        if ids:
            self.say(f"{entity}: {len(ids)} missing from the mirror, reading them again")
            self.apply(entity, self.gateway.read_by_ids(entity, ids))

    def _delete(self, entity: str, ids: list[int]) -> None:
        if not ids:
            return
        done = Applied()
        try:
            with transaction.atomic():
                deleted = _delete_in_mirror(entity, ids, done)
                refresh_derived(done)
        except ProtectedError as error:
            self.run.errors.append(
                {"entity": entity, "icat_id": ids[0], "error": f"not deleted: {error.args[0]}"}
            )
            return
        self.say(f"{entity}: {deleted} deleted in ICAT, removed")
        self._count(entity, "deleted", deleted)


def _mirror_ids(entity: str) -> Iterator[int]:
    model = MIRROR_MODELS.get(entity)
    rows = (
        model.objects.filter(icat_id__isnull=False)
        if model
        else IcatLink.objects.filter(entity=entity)
    )
    after = -1
    while True:
        ids = list(
            rows.filter(icat_id__gt=after)
            .order_by("icat_id")
            .values_list("icat_id", flat=True)[:10000]
        )
        yield from ids
        if len(ids) < 10000:
            return
        after = ids[-1]


def _delete_in_mirror(entity: str, ids: list[int], done: Applied) -> int:
    if entity == "Datafile":
        done.datasets.update(
            Datafile.objects.filter(icat_id__in=ids).values_list("dataset_id", flat=True)
        )
    if entity == "Dataset":
        done.investigations.update(
            Dataset.objects.filter(icat_id__in=ids).values_list("investigation_id", flat=True)
        )
    model = MIRROR_MODELS.get(entity)
    if model is not None:
        return model.objects.filter(icat_id__in=ids).delete()[1].get(model._meta.label, 0)
    links = IcatLink.objects.filter(entity=entity, icat_id__in=ids)
    if entity in LINK_THROUGH:
        through, left, right = LINK_THROUGH[entity]
        for link in links:
            through.objects.filter(**{left: link.source, right: link.target}).delete()
    return links.delete()[0]
