"""Catalogue at facility scale, generated in PostgreSQL with COPY: the loader bench/http_bench.py
uses (run alone, it only loads).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_catalogue \
        .venv/bin/python bench/catalogue.py
    (--scale 0.01 for a quick run; --reload to regenerate)

Loads 20,000 investigations, 500,000 datasets, 5,000,000 datafiles (`generate(files_per_dataset=)`
sets the files), plus team members, samples and parameters. The in-process timings this file had
(test client, warm cache only, 30 samples for a "p95", common search words, the PI and the
scientist, an empty-view floor that normalised nothing) are replaced by bench/http_bench.py.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_catalogue"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench._load import indexes_after  # noqa: E402

INVESTIGATIONS, DATASETS_PER_INV, FILES_PER_DATASET, SAMPLES_PER_INV = 20_000, 25, 10, 3
USERS, MEMBERS_PER_INV, PI_SESSIONS = 3_000, 4, 300
BEAMLINES = ["ID23-1", "BM29", "ID01", "ID19", "ID21", "BM23", "ID31"]
BUSY = "ID23-1"  # a third of all sessions
PROTEINS = [
    "lysozyme",
    "thaumatin",
    "insulin",
    "trypsin",
    "myoglobin",
    "ferritin",
    "proteinase K",
    "glucose isomerase",
    "haemoglobin",
    "catalase",
    "urease",
    "concanavalin",
    "apoferritin",
    "thermolysin",
    "endothiapepsin",
    "nucleosome",
    "ribosome",
    "photosystem",
    "rhodopsin",
    "kinase",
]
WORDS = (
    "structure dynamics soaking ligand complex room temperature cryo serial time-resolved "
    "nanoparticle battery cathode catalyst operando tomography bone fossil concrete alloy "
    "diffraction scattering spectroscopy imaging phase transition pressure thin film"
).split()
NOW = datetime.now(UTC)


# Data generation -----------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows) -> int:
    n = 0
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


def _copy_text(table: str, columns: list[str], chunks) -> int:
    """COPY from pre-formatted text chunks (tab-separated lines), in ~1 MB writes."""
    n, buffer = 0, []
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.connection.cursor().copy(sql) as copy:
            for chunk in chunks:
                buffer.append(chunk)
                n += chunk.count("\n")
                if len(buffer) >= 2000:
                    copy.write("".join(buffer))
                    buffer.clear()
            copy.write("".join(buffer))
    return n


def _timed(label: str, fn, *args) -> None:
    started = time.perf_counter()
    n = fn(*args)
    print(f"  {label}: {n:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


def generate(scale: float, files_per_dataset: int = FILES_PER_DATASET) -> None:
    from catalogue import search
    from catalogue.models import Instrument, Investigation, Role, Technique
    from portal.models import User

    n_inv = max(50, int(INVESTIGATIONS * scale))
    rng = random.Random(20_000)
    print(
        f"Generating {n_inv:,} investigations, {n_inv * DATASETS_PER_INV:,} datasets, "
        f"{n_inv * DATASETS_PER_INV * files_per_dataset:,} datafiles",
        flush=True,
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE catalogue_investigation, catalogue_instrument, catalogue_technique, "
            "catalogue_parametertype, portal_user RESTART IDENTITY CASCADE"
        )

    techniques = [
        Technique.objects.create(name=name)
        for name in (
            "MX",
            "SAXS",
            "Nano-diffraction",
            "Tomography",
            "XANES",
            "XAS",
            "Powder diffraction",
        )
    ]
    instruments = []
    for name, technique in zip(BEAMLINES, techniques, strict=True):
        instrument = Instrument.objects.create(name=name, full_name=f"Beamline {name}")
        instrument.techniques.add(technique)
        instruments.append(instrument)
    users = User.objects.bulk_create(
        User(
            username=f"user{i:05d}",
            email=f"user{i:05d}@example.org",
            full_name=f"Scientist {i}",
            password="!",
        )
        for i in range(USERS)
    )
    pi, scientist = users[0], users[1]  # the two people the timings log in as
    busy = instruments[0]
    busy.scientists.add(scientist)
    from catalogue.models import ParameterType

    energy = ParameterType.objects.create(name="energy", units="keV")
    scan = ParameterType.objects.create(name="scan_type", units="", value_type="string")
    beam = ParameterType.objects.create(name="beam_size", units="um")

    inv_rows, members, inv_techniques, inv_params = [], [], [], []
    for i in range(1, n_inv + 1):
        instrument = busy if rng.random() < 1 / 3 else rng.choice(instruments[1:])
        start = NOW - timedelta(days=rng.uniform(0, 10 * 365))
        end = start + timedelta(hours=rng.choice((24, 48, 72)))
        protein = rng.choice(PROTEINS)
        title = f"{protein.capitalize()} {' '.join(rng.sample(WORDS, 4))}"
        summary = f"We study {protein} by {' '.join(rng.sample(WORDS, 12))}."
        inv_rows.append(
            (
                i,
                NOW,
                f"{instrument.name[:2]}-{1000 + i}",
                f"id{i:06d}",
                title,
                summary,
                instrument.pk,
                start,
                end,
                end + timedelta(days=3 * 365),
                rng.random() < 0.02,
                f"10.15151/ESRF-ES-{i}" if rng.random() < 0.3 else "",
                DATASETS_PER_INV,
                DATASETS_PER_INV * files_per_dataset,
                0,
            )
        )
        team = rng.sample(range(2, USERS), MEMBERS_PER_INV)
        members.append((i, team[0], Role.PRINCIPAL_INVESTIGATOR))
        members += [(i, u, Role.PARTICIPANT) for u in team[1:]]
        inv_techniques.append((i, techniques[BEAMLINES.index(instrument.name)].pk))
        inv_params += [
            (i, energy.pk, rng.uniform(6, 30), ""),
            (i, beam.pk, rng.uniform(1, 100), ""),
        ]
    for i in rng.sample(range(1, n_inv + 1), min(PI_SESSIONS, n_inv)):
        members.append((i, pi.pk, Role.PRINCIPAL_INVESTIGATOR))
    # de-duplicate (a PI drawn twice for one session)
    members = list({(m[0], m[1]): m for m in members}.values())

    _timed(
        "investigations",
        _copy,
        "catalogue_investigation",
        [
            "id",
            "mod_time",
            "name",
            "visit_id",
            "title",
            "summary",
            "instrument_id",
            "start_date",
            "end_date",
            "release_date",
            "proprietary",
            "doi",
            "dataset_count",
            "datafile_count",
            "volume",
        ],
        inv_rows,
    )
    _timed(
        "members",
        _copy,
        "catalogue_investigationuser",
        ["investigation_id", "user_id", "role", "mod_time", "added_at"],
        ((inv, user, role, NOW, NOW) for inv, user, role in members),
    )
    _timed(
        "investigation techniques",
        _copy,
        "catalogue_investigation_techniques",
        ["investigation_id", "technique_id"],
        inv_techniques,
    )
    _timed(
        "investigation parameters",
        _copy,
        "catalogue_investigationparameter",
        ["investigation_id", "type_id", "numeric_value", "string_value", "mod_time"],
        ((*p, NOW) for p in inv_params),
    )
    proteins = {row[0]: row[4].split()[0].lower() for row in inv_rows}
    _timed(
        "samples",
        _copy,
        "catalogue_sample",
        ["id", "investigation_id", "name", "type", "description", "mod_time"],
        (
            (i * SAMPLES_PER_INV + s, i, f"{proteins[i]} crystal {s + 1}", "crystal", "", NOW)
            for i in range(1, n_inv + 1)
            for s in range(SAMPLES_PER_INV)
        ),
    )
    starts = {row[0]: row[7] for row in inv_rows}

    def datasets():
        for i in range(1, n_inv + 1):
            for d in range(DATASETS_PER_INV):
                pk = (i - 1) * DATASETS_PER_INV + d + 1
                when = starts[i] + timedelta(minutes=d * 20)
                yield (
                    pk,
                    i,
                    i * SAMPLES_PER_INV + d % SAMPLES_PER_INV,
                    f"{proteins[i][:4]}_{d:04d}",
                    "raw" if d % 5 else "processed",
                    f"{i}/ds{d:04d}",
                    when,
                    when + timedelta(minutes=15),
                    files_per_dataset,
                    files_per_dataset * 1_000_000,
                    "online",
                    False,
                    NOW,
                    "",
                )

    with indexes_after("catalogue_dataset"):
        _timed(
            "datasets",
            _copy,
            "catalogue_dataset",
            [
                "id",
                "investigation_id",
                "sample_id",
                "name",
                "type",
                "location",
                "start_date",
                "end_date",
                "file_count",
                "size",
                "archive_status",
                "released_by_doi",
                "mod_time",
                "description",
            ],
            datasets(),
        )
    n_ds = n_inv * DATASETS_PER_INV
    modes = ["helical", "line scan", "mesh", "single sweep", "inverse beam"]
    _timed(
        "dataset parameters",
        _copy,
        "catalogue_datasetparameter",
        ["dataset_id", "type_id", "numeric_value", "string_value", "mod_time"],
        ((pk, scan.pk, None, modes[pk % len(modes)], NOW) for pk in range(1, n_ds + 1)),
    )

    def datafiles():
        # Pre-formatted COPY text: five million write_row() calls would dominate the load.
        now = NOW.isoformat()
        for pk in range(1, n_ds + 1):
            yield "".join(
                f"{pk}\tscan_{f:05d}.h5\t{pk}/scan_{f:05d}.h5\t1000000\t\t{now}\t{now}\n"
                for f in range(files_per_dataset)
            )

    with indexes_after("catalogue_datafile"):
        _timed(
            "datafiles",
            _copy_text,
            "catalogue_datafile",
            ["dataset_id", "name", "location", "size", "checksum", "file_mod_time", "mod_time"],
            datafiles(),
        )
    print(f"  datafile indexes built: {time.perf_counter() - started:.0f} s so far", flush=True)
    with connection.cursor() as cursor:
        for table in ("catalogue_investigation", "catalogue_sample", "catalogue_dataset"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    Investigation.objects.update(volume=DATASETS_PER_INV * files_per_dataset * 1_000_000)
    t = time.perf_counter()
    counts = search.refresh_all()
    print(f"  search vectors: {sum(counts):,} rows in {time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics + visibility map for index-only scans
    print(f"Generated in {time.perf_counter() - started:.0f} s", flush=True)


def ensure_data(scale: float, reload: bool) -> None:
    from catalogue.models import Datafile, Investigation

    n_inv = max(50, int(INVESTIGATIONS * scale))
    expected_files = n_inv * DATASETS_PER_INV * FILES_PER_DATASET
    loaded = (
        Investigation.objects.count() == n_inv
        # The last generated file exists (the big dataset's files come after it).
        and Datafile.objects.filter(pk=expected_files).exists()
    )
    if loaded and not reload:
        print(f"Data already loaded ({n_inv:,} investigations); timing only.", flush=True)
        return
    generate(scale)


BIG_DATASET_FILES = 100_000


def big_dataset(investigation) -> object:
    """One dataset with 100,000 files (a long tomography or serial crystallography run), so that
    "deep in the file list" means page 50 of 100,000 rows; made once, found on later runs."""
    from catalogue.models import Dataset

    dataset, created = Dataset.objects.get_or_create(
        investigation=investigation,
        name="serial_big_run",
        defaults={
            "location": f"{investigation.pk}/serial_big_run",
            "file_count": BIG_DATASET_FILES,
        },
    )
    if created:
        now = NOW.isoformat()
        _timed(
            "big dataset's files",
            _copy_text,
            "catalogue_datafile",
            ["dataset_id", "name", "location", "size", "checksum", "file_mod_time", "mod_time"],
            (
                f"{dataset.pk}\tframe_{f:06d}.h5\t{dataset.location}/frame_{f:06d}.h5\t"
                f"4000000\t\t{now}\t{now}\n"
                for f in range(BIG_DATASET_FILES)
            ),
        )
        Dataset.objects.filter(pk=dataset.pk).refresh_totals()
        # As autovacuum would: without fresh statistics the planner takes 100,000 rows for 24.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalogue_datafile")
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the facility scale")
    parser.add_argument("--reload", action="store_true", help="regenerate even if loaded")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
    _create_database()
    call_command("migrate", verbosity=0)
    ensure_data(args.scale, args.reload)
    print("Timings: bench/http_bench.py (over HTTP, >= 200 requests per page, CPU per request).")


def _create_database() -> None:
    import psycopg

    params = connection.get_connection_params()
    name = params.pop("dbname")
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")


if __name__ == "__main__":
    main()
