"""ICAT sync throughput: feed generated ICAT entities through the real sync into PostgreSQL.

    createdb -h 127.0.0.1 -U postgres bench_icat
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_icat .venv/bin/python bench/icat_sync.py

Runs 100,000 then 1,000,000 entities, each in a fresh process on an emptied mirror, and prints
entities per second and peak memory (RSS) of each, and entities per CPU-second of the sync's
own process (the Python side, whatever else the machine is doing). The floor, measured in the
same run, is PostgreSQL's COPY of the very datafile rows the sync wrote (no gateway, no upsert,
no totals), with the same indexes: the ratio says how much of the database's raw load speed the
sync keeps (target >= 0.5). Other targets: >= 5,000 entities/s; peak memory about the same at
1M as at 100k. The entities come from a generator shaped like the live gateway's records
(sub-second modTimes, many per second), not from an ICAT server.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory

START = datetime(2024, 1, 1, tzinfo=UTC)
PER_SECOND = 400  # records sharing one modTime second, to exercise the same-second paging


def mod_time(i: int) -> datetime:
    return START + timedelta(seconds=i // PER_SECOND, microseconds=(i % PER_SECOND) * 997)


class GeneratedGateway:
    """ICAT entities computed from their id: a facility of `investigations` proposals, each with a
    beamline, 3 members, 2 samples, 20 datasets with a parameter each, and the rest datafiles."""

    def __init__(self, total: int) -> None:
        from catalogue.icat.records import Record, page_by_mod_time

        self.Record, self.page = Record, page_by_mod_time
        self.investigations = max(1, total // 1000)
        n = self.investigations
        fixed = 7 + 300 + 2 + 1 + n * (1 + 1 + 3 + 2 + 20 + 20)
        self.datasets = n * 20
        self.files_per_dataset = max(1, (total - fixed) // self.datasets)
        self.counts = {
            "Instrument": 7,
            "User": 300,
            "DatasetType": 2,
            "ParameterType": 1,
            "Investigation": n,
            "InvestigationInstrument": n,
            "InvestigationUser": 3 * n,
            "Sample": 2 * n,
            "Dataset": self.datasets,
            "DatasetParameter": self.datasets,
            "Datafile": self.datasets * self.files_per_dataset,
        }

    def total(self) -> int:
        return sum(self.counts.values())

    def entity_types(self) -> list[str]:
        from catalogue.icat.records import ENTITIES

        return [spec.name for spec in ENTITIES if spec.name in self.counts]

    def fields(self, entity: str, i: int) -> dict:
        ref = lambda k: {"id": k}  # noqa: E731
        if entity == "Instrument":
            return {"name": f"ID{i:02d}", "fullName": f"Beamline {i}", "description": None}
        if entity == "User":
            return {
                "name": f"esrf/user{i}",
                "fullName": f"User {i}",
                "email": f"user{i}@example.org",
            }
        if entity == "DatasetType":
            return {"name": "acquisition" if i == 1 else "processed"}
        if entity == "ParameterType":
            return {"name": "energy", "units": "keV", "valueType": "NUMERIC"}
        if entity == "Investigation":
            return {
                "name": f"MX-{i}",
                "visitId": f"id{i}",
                "title": f"Proposal {i}",
                "summary": "",
                "startDate": "2023-01-01T08:00:00+00:00",
                "endDate": "2023-01-03T08:00:00+00:00",
            }
        if entity == "InvestigationInstrument":
            return {"investigation": ref(i), "instrument": ref(1 + i % 7)}
        if entity == "InvestigationUser":
            inv = (i - 1) // 3 + 1
            return {
                "role": ["Principal investigator", "Participant", "Local contact"][(i - 1) % 3],
                "investigation": ref(inv),
                "user": ref(1 + (inv * 3 + i) % 300),
            }
        if entity == "Sample":
            return {"name": f"sample{i}", "investigation": ref((i - 1) // 2 + 1), "type": None}
        if entity == "Dataset":
            inv = (i - 1) // 20 + 1
            return {
                "name": f"ds{i}",
                "location": f"/data/visitor/mx{inv}/ds{i}",
                "investigation": ref(inv),
                "type": {"id": 1, "name": "acquisition"},
                "sample": ref((inv - 1) * 2 + 1 + i % 2),
                "startDate": "2023-01-01T09:00:00+00:00",
                "endDate": None,
                "description": None,
            }
        if entity == "DatasetParameter":
            return {"numericValue": 12.7, "stringValue": None, "dataset": ref(i), "type": ref(1)}
        ds = (i - 1) // self.files_per_dataset + 1
        return {
            "name": f"f{i}.h5",
            "location": f"/data/visitor/ds{ds}/f{i}.h5",
            "fileSize": 1000 + i % 977,
            "checksum": None,
            "datafileModTime": None,
            "dataset": ref(ds),
        }

    def record(self, entity: str, i: int):
        moment = mod_time(i)
        fields = {"id": i, "modTime": moment, "createTime": moment, **self.fields(entity, i)}
        return self.Record(entity=entity, id=i, mod_time=moment, fields=fields)

    def read_batch(self, entity: str, after, limit: int):
        count = self.counts[entity]

        def same_second(second: datetime, after_id: int, n: int) -> list:
            first = int((second - START).total_seconds()) * PER_SECOND
            ids = range(max(after_id + 1, first, 1), min(first + PER_SECOND, count + 1))
            return [self.record(entity, i) for i in ids[:n]]

        def later(second: datetime, n: int) -> list:
            first = max(1, int((second - START).total_seconds()) * PER_SECOND)
            return [self.record(entity, i) for i in range(first, min(first + n, count + 1))]

        return self.page(after=after, limit=limit, same_second=same_second, later=later)

    def close(self) -> None:
        pass


def empty_mirror() -> None:
    from django.db import connection

    tables = [
        "catalogue_datafile",
        "catalogue_datasetparameter",
        "catalogue_dataset_techniques",
        "catalogue_dataset",
        "catalogue_sample",
        "catalogue_investigationuser",
        "catalogue_investigation",
        "catalogue_icatlink",
        "catalogue_icatuser",
        "catalogue_parametertype",
        "catalogue_instrument_scientists",
        "catalogue_instrument",
        "catalogue_synccursor",
        "catalogue_syncrun",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute("DELETE FROM portal_user WHERE icat_name IS NOT NULL")


def copy_floor(connection) -> float:
    """Rows per second of PostgreSQL's own bulk path for the rows the sync wrote: its datafiles
    (nineteen entities in twenty) copied out, the table emptied, and COPY'd back in, indexes in
    place as the sync had them. The sync's rate over this is the share of the database's raw load
    speed it keeps (target >= 0.5)."""
    import tempfile

    with tempfile.TemporaryFile() as dump, connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy("COPY catalogue_datafile TO STDOUT") as copy:
            for block in copy:
                dump.write(block)
        rows = raw.execute("SELECT count(*) FROM catalogue_datafile").fetchone()[0]
        raw.execute("TRUNCATE catalogue_datafile CASCADE")
        dump.seek(0)
        started = time.perf_counter()
        with raw.cursor().copy("COPY catalogue_datafile FROM STDIN") as copy:
            while block := dump.read(2**20):
                copy.write(block)
        return rows / (time.perf_counter() - started)


def measure(total: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from catalogue.icat.sync import icat_sync
    from catalogue.models import Datafile, Dataset, Investigation

    call_command("migrate", verbosity=0)
    empty_mirror()
    gateway = GeneratedGateway(total)
    started, cpu_started = time.perf_counter(), time.process_time()
    run = icat_sync(gateway=gateway, reconcile=False)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    assert run.status == "success", run.errors[:3]
    applied = sum(c.get("applied", 0) for c in run.counts.values())
    assert (
        applied
        == gateway.total()
        == Datafile.objects.count() + (applied - gateway.counts["Datafile"])
    )
    assert Dataset.objects.filter(file_count=gateway.files_per_dataset).count() == gateway.datasets
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    floor_rate = copy_floor(connection)
    connection.close()
    return {
        "entities": applied,
        "seconds": round(seconds, 1),
        "rate": round(applied / seconds),
        "cpu_rate": round(applied / cpu_seconds),
        "peak_mb": round(peak_mb),
        "floor_rate": round(floor_rate),
        "investigations": Investigation.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--count", type=int, help="one measurement in this process (used by the driver)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    if args.count:
        print(json.dumps(measure(args.count)))
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://.../bench_icat (the benchmark measures PostgreSQL).")
    results = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--count", str(size)],
            check=True,
            capture_output=True,
            text=True,
            cwd=BASE_DIR,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        results.append(result)
        r = result
        print(
            f"{r['entities']:>9,} entities in {r['seconds']:>7.1f} s: {r['rate']:>6,} entities/s, "
            f"peak RSS {r['peak_mb']} MB; floor (COPY of the same rows) "
            f"{r['floor_rate']:,} rows/s, "
            f"ratio {r['rate'] / r['floor_rate']:.2f} (target >= 0.5); "
            f"{r['cpu_rate']:,} entities per CPU-second of this process (the Python side)"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["peak_mb"] / first["peak_mb"]
        met = "met" if min(r["rate"] for r in results) >= 5000 else "MISSED"
        print(
            f"memory at {last['entities']:,} / at {first['entities']:,}: {growth:.2f}x "
            f"(flat is ~1); target >= 5,000 entities/s: {met}"
        )


if __name__ == "__main__":
    main()
