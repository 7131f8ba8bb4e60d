"""End to end over HTTP: gunicorn in production mode, wrk at 8 connections, server CPU per request.

    apt-get install wrk
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_http \
        .venv/bin/python bench/http.py [--scale small|full] [--workers 3]

Loads the facility with bench/catalogue.py's and bench/logbook.py's loaders (once; `--scale small`
loads a tenth, to try it quickly), collects static files, starts gunicorn with DEBUG off, then
drives each case with wrk (2 threads, 8 connections, >= 200 requests). The in-process benches time
Python alone; this one sees what a browser waits for and what the machine pays: the CPU time
(utime + stime from /proc) of the gunicorn workers and of the database's PostgreSQL backends,
before and after each case, divided by the requests served. Ratios are to the trivial page
(/login/ GET) and to a static file (the floor: whitenoise, no view, no database).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where this file would shadow the
# standard library's http (and bench/logbook.py the logbook app): only the project root goes on.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib import import_module  # noqa: E402

ROOT = HERE.parent
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_http")

# Imported first: it points DATABASE_URL at BENCH_DATABASE_URL before Django starts.
from bench import catalogue as cat  # noqa: E402
from bench import logbook as lb  # noqa: E402

# isort: split
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

SCALES = {"small": (0.1, 100_000), "full": (1.0, 1_000_000)}
CONNECTIONS, THREADS, MIN_REQUESTS = 8, 2, 200
TYPICAL_SESSIONS = 23
NO_MATCH = "zyxwvutsrq"
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

WRK_SCRIPT = """
if os.getenv("BENCH_COOKIE") ~= "" then wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") end
if os.getenv("BENCH_HX") ~= "" then wrk.headers["HX-Request"] = "true" end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format("BENCH %d %d %.1f %.1f %d\\n", s.requests, s.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def ensure_data(scale: float, events: int) -> None:
    from catalogue.models import Datafile, Investigation
    from logbook.models import Event

    cat._create_database()
    call_command("migrate", verbosity=0)
    n_inv = max(50, int(cat.INVESTIGATIONS * scale))
    expected_files = n_inv * cat.DATASETS_PER_INV * cat.FILES_PER_DATASET
    # The catalogue loader's own check counts investigations, which the logbook's 500 upset.
    loaded = (
        Investigation.objects.count() == n_inv + 500
        and Datafile.objects.filter(pk=expected_files).exists()
        and Event.objects.count() == events
    )
    if loaded:
        print(f"Data already loaded ({n_inv:,} investigations, {events:,} events).", flush=True)
        return
    cat.generate(scale)  # truncates investigations (and so events) first
    lb.load(events)


def session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # As login() records it: the backend that can load the user again (axes' only guards logins).
    store[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(b), "get_user")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def typical_user():
    """The member whose session count is nearest to a typical user's (~23), not the cheapest."""
    from catalogue.models import InvestigationUser
    from portal.models import User

    counts = (
        InvestigationUser.objects.exclude(user__username__in=["user00000", "user00001"])
        .values("user")
        .annotate(n=Count("id"))
        .values_list("user", "n")
    )
    user_id, n = min(counts, key=lambda row: (abs(row[1] - TYPICAL_SESSIONS), row[0]))
    return User.objects.get(pk=user_id), n


def cases() -> list[tuple[str, str, str, bool]]:
    """(label, path, cookie, HTMX) per case; the static floor's path is filled in later."""
    from catalogue.models import Dataset, Investigation
    from portal.models import User

    pi = User.objects.get(username="user00000")
    typical, n_sessions = typical_user()
    busiest = Investigation.objects.filter(members__user=pi).order_by("-start_date").first()
    big_files = cat.big_dataset(busiest)
    logbook_inv = Investigation.objects.get(name="BENCH-BIG")
    member = User.objects.get(username="bench-member")
    as_pi, as_typical, as_member = (
        session_cookie(pi),
        session_cookie(typical),
        session_cookie(member),
    )
    logbook_url = reverse("logbook:investigation", args=[logbook_inv.pk])
    n_files = Dataset.objects.get(pk=big_files.pk).file_count
    investigation = reverse("catalogue:investigation-detail", args=[busiest.pk])
    datasets_tab = reverse("catalogue:investigation-datasets", args=[busiest.pk])
    dataset = reverse("catalogue:dataset-detail", args=[big_files.pk])
    return [
        ("static file (floor)", "", "", False),
        ("/login/ GET (trivial page)", "/login/", "", False),
        ("home", "/", as_typical, False),
        ("/public/", "/public/", "", False),
        (f"My experiments ({n_sessions} sessions)", "/experiments/", as_typical, False),
        ("investigation page", investigation, as_pi, False),
        ("datasets tab", datasets_tab, as_pi, False),
        (f"dataset page, {n_files:,} files", dataset, as_pi, False),
        ("search: lysozyme", "/search/?q=lysozyme", as_typical, False),
        (f"search: {NO_MATCH} (no match)", f"/search/?q={NO_MATCH}", as_typical, False),
        ("logbook full page", logbook_url, as_member, False),
        ("logbook tag filter", f"{logbook_url}?tag=calibration", as_member, True),
        ("logbook live poll", live_url(logbook_url), as_member, True),
    ]


def live_url(logbook_url: str) -> str:
    """The poll an open tab sends: its URL as the page writes it (newest event already seen)."""
    from logbook.store import get_store

    live = reverse("logbook:investigation-live", args=[int(logbook_url.split("/")[2])])
    return f"{live}?last={get_store().high_water_mark() or ''}&seen=0"


class Server:
    def __init__(self, port: int, workers: int, collect: bool) -> None:
        self.port, self.workers, self.collect = port, workers, collect
        self.env = {
            **os.environ,
            "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }

    def start(self) -> None:
        bundle = ROOT / "static" / "build" / "h5web.js"
        if not bundle.exists():  # as `make install` builds it
            built = subprocess.run(
                ["npx", "--no-install", "esbuild", "static/src/h5web/index.jsx", "--bundle",
                 "--minify", "--jsx=automatic", "--target=es2020",
                 "--define:process.env.NODE_ENV=\"production\"", "--log-level=warning",
                 f"--outfile={bundle}"],
                cwd=ROOT, capture_output=True,
            )  # fmt: skip
            if built.returncode:
                # Pages only name the bundle (the browser loads it), so an empty one costs the
                # server the same; without it the manifest storage would fail the dataset page.
                print("esbuild unavailable: empty h5web.js and .css stand in", flush=True)
                bundle.parent.mkdir(parents=True, exist_ok=True)
                bundle.write_text("")
                bundle.with_suffix(".css").write_text("")
        if self.collect:  # minutes on a busy machine: whitenoise compresses every file
            print("collectstatic ...", flush=True)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT, env=self.env, check=True,
            )  # fmt: skip
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/login/")
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)

    def get(self, path: str, cookie: str = "", htmx: bool = False) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        if htmx:
            headers["HX-Request"] = "true"
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return [int(pid) for pid in children.split()]


def backend_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_ticks(pids) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def used_ms(before: dict[int, int], after: dict[int, int]) -> float:
    # A process new in `after` started during the case: all of its time is the case's.
    return sum(t - before.get(pid, 0) for pid, t in after.items()) * TICK_MS


def wrk(port: int, path: str, seconds: float, cookie: str, htmx: bool, script: str):
    out = subprocess.run(
        ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds:.0f}s",
         "--timeout", "30s", "-s", script, f"http://127.0.0.1:{port}{path}"],
        env={**os.environ, "BENCH_COOKIE": cookie, "BENCH_HX": "1" if htmx else ""},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    match = re.search(r"^BENCH (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$", out, re.M)
    requests, duration_us, p50_us, p99_us, errors = match.groups()
    return (
        int(requests),
        int(duration_us) / 1e6,
        float(p50_us) / 1000,
        float(p99_us) / 1000,
        int(errors),
    )


def run_case(server: Server, path: str, cookie: str, htmx: bool, script: str) -> dict:
    status, _ = server.get(path, cookie, htmx)
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status} (expected 200)")
    # Warm-up: fills caches and opens every worker's database connection, and sizes the run.
    warm, warm_s, *_ = wrk(server.port, path, 2, cookie, htmx, script)
    seconds = min(120, max(5, 1.5 * MIN_REQUESTS * warm_s / max(warm, 1)))
    while True:
        web_pids, pg_pids = set(server.worker_pids()), set(backend_pids())
        before = cpu_ticks(web_pids | pg_pids)
        requests, duration, p50, p99, errors = wrk(server.port, path, seconds, cookie, htmx, script)
        web_pids |= set(server.worker_pids())
        pg_pids |= set(backend_pids())
        after = cpu_ticks(web_pids | pg_pids)
        if requests >= MIN_REQUESTS or seconds >= 120:
            break
        seconds = min(120, seconds * 2)
    web = used_ms(before, {p: t for p, t in after.items() if p in web_pids})
    pg = used_ms(before, {p: t for p, t in after.items() if p in pg_pids})
    return {
        "requests": requests,
        "rps": requests / duration,
        "p50": p50,
        "p99": p99,
        "errors": errors,
        "web_ms": web / requests,
        "db_ms": pg / requests,
        "cpu_ms": (web + pg) / requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--no-collectstatic", action="store_true", help="static files are collected already"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL (BENCH_DATABASE_URL).")
    scale, events = SCALES[args.scale]
    ensure_data(scale, events)
    todo = cases()
    server = Server(args.port, args.workers, collect=not args.no_collectstatic)
    server.start()
    try:
        _, login_html = server.get("/login/")
        static = re.search(r'(/static/[^"\']+\.css)', login_html).group(1)
        todo[0] = (todo[0][0], static, "", False)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        results = []
        print(
            f"\n{args.scale} scale, gunicorn {args.workers} sync workers, wrk {THREADS} threads "
            f"{CONNECTIONS} connections; load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores\n"
        )
        header = (
            f"{'case':34} {'reqs':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'CPU ms/req':>10} {'(web':>6} {'+ pg)':>6} {'x trivial':>9} {'x static':>9}"
        )
        print(header + "\n" + "-" * len(header), flush=True)
        for label, path, cookie, htmx in todo:
            r = run_case(server, path, cookie, htmx, script.name)
            results.append(r)
            static_cpu = results[0]["cpu_ms"]
            # The floor itself has no trivial page to compare with yet.
            trivial = (
                f"{r['cpu_ms'] / max(results[1]['cpu_ms'], 0.01):9.1f}"
                if len(results) > 1
                else f"{'-':>9}"
            )
            flag = f"  {r['errors']} errors" if r["errors"] else ""
            print(
                f"{label:34} {r['requests']:6d} {r['rps']:7.1f} {r['p50']:7.1f} {r['p99']:7.1f} "
                f"{r['cpu_ms']:10.1f} {r['web_ms']:6.1f} {r['db_ms']:6.1f} "
                f"{trivial} "
                f"{r['cpu_ms'] / max(static_cpu, 0.01):9.1f}{flag}",
                flush=True,
            )
        os.unlink(script.name)
    finally:
        server.stop()
    print(
        f"\nCPU = utime+stime of the gunicorn workers (web) and this database's PostgreSQL "
        f"backends (pg) over the run, per request; /proc ticks are {TICK_MS:.0f} ms. "
        "Targets (issue 22): every page <= 2.5 x trivial, p99 <= 150 ms, live poll <= 2 x static."
    )


if __name__ == "__main__":
    main()
