"""bench/http_bench.py's printing, saved results, size/version comparison and EXPLAIN check."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = (
    f"{'case':34} {'reqs':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
    f"{'CPU ms/req':>10} {'(web':>6} {'+ pg)':>6} {'x trivial':>9} {'x static':>9} "
    f"{'1st ms':>7} {'load':>5}"
)
# Above this many rows read for one page, the EXPLAIN check prints the plan: a page shows at
# most ~100 rows, so thousands read means a scan that grows with the facility.
ROWS_READ_LIMIT = 2_000


def commit_of(code: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return out.stdout.strip() or "?"


def header() -> None:
    print(COLUMNS + "\n" + "-" * len(COLUMNS), flush=True)


def row(r: dict, done: list[dict]) -> None:
    static_cpu = done[0]["cpu_ms"]
    # The floor itself has no trivial page to compare with yet.
    trivial = f"{r['cpu_ms'] / max(done[1]['cpu_ms'], 0.01):9.1f}" if len(done) > 1 else f"{'-':>9}"
    flag = f"  {r['errors']} errors" if r["errors"] else ""
    print(
        f"{r['case']:34} {r['requests']:6d} {r['rps']:7.1f} {r['p50']:7.1f} {r['p99']:7.1f} "
        f"{r['cpu_ms']:10.1f} {r['web_ms']:6.1f} {r['db_ms']:6.1f} {trivial} "
        f"{r['cpu_ms'] / max(static_cpu, 0.01):9.1f} {r['first_ms']:7.0f} {r['load']:5.1f}{flag}",
        flush=True,
    )


def save(run: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{run['scale']}-{run['label']}.json"
    target.write_text(json.dumps(run, indent=1))
    return target


def _load(name: str) -> dict:
    return json.loads((RESULTS / f"{name.removesuffix('.json')}.json").read_text())


def compare(a: str, b: str) -> None:
    """B / A per case, matched by position (labels carry counts that differ between sizes)."""
    if a.startswith("explain-") and b.startswith("explain-"):
        _rows_table(_load(a), _load(b))
        return
    first, second = _load(a), _load(b)
    print(f"{b} / {a}  (ratios; CPU is the robust one on a shared machine)\n")
    head = f"{'case':34} {'CPU ' + a:>14} {'CPU ' + b:>14} {'CPU x':>7} {'p99 x':>7} {'req/s x':>8}"
    print(head + "\n" + "-" * len(head))
    over = []
    for x, y in zip(first["cases"], second["cases"], strict=True):
        if x.get("skipped") or y.get("skipped"):
            print(f"{x['case']:34} {'not measured in one of the runs':>30}")
            continue
        cpu = y["cpu_ms"] / max(x["cpu_ms"], 0.01)
        if cpu > 1.2 and x["case"] != "static file (floor)":
            over.append(x["case"])
        print(
            f"{x['case']:34} {x['cpu_ms']:14.1f} {y['cpu_ms']:14.1f} {cpu:7.2f} "
            f"{y['p99'] / max(x['p99'], 0.01):7.2f} {y['rps'] / max(x['rps'], 0.01):8.2f}"
        )
    rows_a, rows_b = first.get("rows_read"), second.get("rows_read")
    if rows_a is None:
        rows_a = _explain_saved(first["scale"])
        rows_b = _explain_saved(second["scale"])
    if rows_a and rows_b:
        _rows_table(rows_a, rows_b)
    print(
        "\nTarget for sizes: CPU x <= 1.2 for every page. "
        + (f"Over: {', '.join(over)}." if over else "All within.")
    )


def _rows_table(rows_a: dict, rows_b: dict) -> None:
    print("\nrows read (EXPLAIN ANALYZE, all queries of the page): A, B, B / A")
    for case, n in rows_a.items():
        m = rows_b.get(case, 0)
        print(f"{case:34} {n:14,} {m:14,} {m / max(n, 1):7.2f}")


def _explain_saved(scale: str) -> dict | None:
    path = RESULTS / f"explain-{scale}.json"
    return json.loads(path.read_text()) if path.exists() else None


# EXPLAIN check ---------------------------------------------------------------------------------


def _rows_read(plan: dict) -> int:
    """Rows a plan's scans touched: returned plus filtered away, times loops."""
    n = 0
    # A bitmap heap scan counts its rows already (plus those its recheck drops).
    if "Scan" in plan["Node Type"] and plan["Node Type"] != "Bitmap Index Scan":
        n += (
            plan.get("Actual Rows", 0)
            + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0)
        ) * plan.get("Actual Loops", 1)
    return n + sum(_rows_read(child) for child in plan.get("Plans", []))


def _follow(client, url: str, pages: int) -> str:
    base = url.split("?")[0]
    for _ in range(pages):
        match = re.search(r'rel="next" href="([^"]+)"', client.get(url).content.decode())
        link = match.group(1).replace("&amp;", "&")
        url = base + link if link.startswith("?") else link
    return url


def explain(scale: str, todo: list[tuple[str, str, str, bool]]) -> None:
    """Each list page in-process once, each of its queries under EXPLAIN ANALYZE: rows read per
    page (saved for --compare) and the plan of any query over the limit."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    # Pages render without collectstatic's manifest here (the SQL is what is measured).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    totals = {}
    print(f"\nEXPLAIN check, {scale} scale: rows read per page (limit {ROWS_READ_LIMIT:,})\n")
    for case, path, cookie, htmx in todo[2:]:  # the floors run no query worth explaining
        client = Client()
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        headers = {"HX-Request": "true"} if htmx else {}
        if isinstance(path, tuple):  # ("follow", url, pages): Next links, as a browser clicks
            path = _follow(client, path[1], path[2])
        client.get(path, headers=headers)  # warm: sessions, caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, headers=headers).status_code == 200, path
        plans = []
        for query in queries.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0][0]["Plan"]
            plans.append((_rows_read(plan), query["sql"]))
        totals[case] = sum(n for n, _ in plans)
        worst = max(plans, default=(0, ""))
        print(f"{case:34} {len(plans):3d} queries {totals[case]:10,} rows read", flush=True)
        if totals[case] > ROWS_READ_LIMIT:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + worst[1])
                text = "\n".join("    " + r[0] for r in cursor.fetchall())
            print(f"  over the limit; its largest query ({worst[0]:,} rows):\n    {worst[1][:400]}")
            print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"explain-{scale}.json").write_text(json.dumps(totals, indent=1))
