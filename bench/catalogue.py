"""Catalogue at facility scale: generate it in PostgreSQL with COPY, then time the list pages.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_catalogue \
        .venv/bin/python bench/catalogue.py
    (--scale 0.01 for a quick run; --reload to regenerate)

Loads 20,000 investigations, 500,000 datasets, 5,000,000 datafiles, plus team members, samples
and parameters, once (the next run finds them and only times). Then times, in-process with
Django's test client: My experiments (a PI with many sessions, the scientist of a busy beamline),
public data, a deep public page (following next cursors), search, and, when their URLs exist, an
investigation's datasets tab and a dataset's file list deep in its pages. Prints p50/p95 per page
and the ratio to an empty view timed in the same run (target: p95 < 100 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, include, path, reverse  # noqa: E402

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


def empty(request) -> HttpResponse:
    return HttpResponse("")


# The bench's own URLs: the portal's, plus an empty view as the floor.
urlpatterns = [path("__bench__/empty/", empty), path("", include("portal.urls"))]


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


def generate(scale: float) -> None:
    from catalogue import search
    from catalogue.models import Instrument, Investigation, Role, Technique
    from portal.models import User

    n_inv = max(50, int(INVESTIGATIONS * scale))
    rng = random.Random(20_000)
    print(
        f"Generating {n_inv:,} investigations, {n_inv * DATASETS_PER_INV:,} datasets, "
        f"{n_inv * DATASETS_PER_INV * FILES_PER_DATASET:,} datafiles",
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
                DATASETS_PER_INV * FILES_PER_DATASET,
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
                    FILES_PER_DATASET,
                    FILES_PER_DATASET * 1_000_000,
                    "online",
                    False,
                    NOW,
                    "",
                )

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
                for f in range(FILES_PER_DATASET)
            )

    _timed(
        "datafiles",
        _copy_text,
        "catalogue_datafile",
        ["dataset_id", "name", "location", "size", "checksum", "file_mod_time", "mod_time"],
        datafiles(),
    )
    with connection.cursor() as cursor:
        for table in ("catalogue_investigation", "catalogue_sample", "catalogue_dataset"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    Investigation.objects.update(volume=DATASETS_PER_INV * FILES_PER_DATASET * 1_000_000)
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


# Timing --------------------------------------------------------------------------------------


def _time(client: Client, url: str, runs: int) -> tuple[list[float], float, int]:
    """Wall times of `runs` requests, plus the SQL time and query count of one of them."""
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm caches and connections
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    n_queries = len(queries.captured_queries)  # now: the next request resets the log
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples, sql_ms, n_queries


def _next_link(html: str) -> str | None:
    match = re.search(r'rel="next" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def _follow(client: Client, url: str, pages: int) -> str:
    """URL of the page `pages` Next clicks after `url`."""
    base = url.split("?")[0]
    for _ in range(pages):
        link = _next_link(client.get(url).content.decode())
        if not link:
            break
        url = base + link if link.startswith("?") else link
    return url


def _resolves(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


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


def run_timings(runs: int) -> None:
    from catalogue.models import Dataset, Investigation
    from portal.models import User

    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    # No collectstatic here: plain static URLs, as in the tests (templates cost the same).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    pi, scientist = User.objects.get(username="user00000"), User.objects.get(username="user00001")
    anonymous, as_pi, as_scientist = Client(), Client(), Client()
    as_pi.force_login(pi)
    as_scientist.force_login(scientist)
    busiest = Investigation.objects.filter(members__user=pi).order_by("-start_date").first()
    dataset = Dataset.objects.filter(investigation=busiest).order_by("id").first()

    cases: list[tuple[str, Client, str]] = [
        ("empty view (floor)", anonymous, "/__bench__/empty/"),
        ("my experiments: PI (300 sessions)", as_pi, "/experiments/"),
        ("my experiments: PI, sort by proposal", as_pi, "/experiments/?sort=proposal"),
        (f"my experiments: scientist of {BUSY}", as_scientist, "/experiments/"),
        ("my experiments: scientist, keyword", as_scientist, "/experiments/?q=lysozyme"),
        ("public data", anonymous, "/public/"),
        ("public data, beamline + sort", anonymous, "/public/?beamline=BM29&sort=proposal"),
        ("public data, by beamline", anonymous, "/public/?sort=beamline"),
        ("public data, 50 pages deep", anonymous, _follow(anonymous, "/public/", 50)),
        ("public data (HTMX fragment)", anonymous, "/public/?sort=date"),
        ("api: investigations", anonymous, "/api/investigations/?scope=public"),
        ("investigation page", as_pi, f"/investigations/{busiest.pk}/"),
        ("search: 'thaumatin' (anonymous)", anonymous, "/search/?q=thaumatin"),
        ("search: 'lysozyme crystal' (PI)", as_pi, "/search/?q=lysozyme+crystal"),
        ("search: 'helical' datasets page", anonymous, "/search/?q=helical&kind=datasets"),
    ]
    datasets_url = _resolves("catalogue:investigation-datasets", busiest.pk)
    if datasets_url:
        cases.append(("investigation datasets tab", as_pi, datasets_url))
    dataset_url = _resolves("catalogue:dataset-detail", dataset.pk) if dataset else None
    if dataset_url:
        cases.append(("dataset page", as_pi, dataset_url))
        big = big_dataset(busiest)
        big_url = reverse("catalogue:dataset-detail", args=[big.pk])
        cases.append((f"dataset page ({BIG_DATASET_FILES:,} files)", as_pi, big_url))
        cases.append(("dataset files, 50 pages deep", as_pi, _follow(as_pi, big_url, 50)))

    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':45} {'p50 ms':>8} {'p95 ms':>8} {'p95/floor':>10} {'SQL ms':>8} {'queries':>8}")
    floor = None
    slow = []
    for label, client, url in cases:
        samples, sql_ms, n_queries = _time(client, url, runs)
        samples.sort()
        p50, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
        floor = floor or p50
        flag = "" if p95 < 100 else "  <-- over 100 ms"
        if p95 >= 100:
            slow.append(label)
        print(
            f"{label:45} {p50:8.1f} {p95:8.1f} {p95 / floor:10.1f} {sql_ms:8.1f} "
            f"{n_queries:8d}{flag}",
            flush=True,
        )
    print(
        f"\n{runs} runs per page; floor = empty view p50 {floor:.2f} ms. "
        + ("All pages under 100 ms at p95." if not slow else f"Over target: {', '.join(slow)}")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the facility scale")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reload", action="store_true", help="regenerate even if loaded")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
    _create_database()
    call_command("migrate", verbosity=0)
    ensure_data(args.scale, args.reload)
    run_timings(args.runs)


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
