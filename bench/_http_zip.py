"""Zip over HTTP against its fair floor: the same files downloaded one by one through the same
server (same gunicorn, same access checks, same page cache), so the ratio is the zip's own cost
(CRC-32, headers, one request instead of N) and not the disk's or the host's cache."""

from __future__ import annotations

import http.client
import os
import statistics
import time
from pathlib import Path

MiB = 2**20
NAME = "bench_zip"


def prepare(investigation, data_root: Path, files: int, mib: int):
    """A dataset of `files` random files of `mib` MiB under DATA_ROOT (made once)."""
    from catalogue.models import Datafile, Dataset

    folder = data_root / NAME
    folder.mkdir(parents=True, exist_ok=True)
    dataset, _ = Dataset.objects.get_or_create(
        investigation=investigation, name=NAME, defaults={"location": NAME}
    )
    for i in range(files):
        path = folder / f"frame_{i:04d}.h5"
        if not path.exists() or path.stat().st_size != mib * MiB:
            with open(path, "wb") as handle:
                for _ in range(mib):
                    handle.write(os.urandom(MiB))
        Datafile.objects.get_or_create(
            dataset=dataset,
            name=path.name,
            defaults={"location": f"{NAME}/{path.name}", "size": mib * MiB},
        )
    Dataset.objects.filter(pk=dataset.pk).refresh_totals()
    return dataset, list(dataset.datafiles.order_by("name").values_list("pk", flat=True))


def fetch(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    n = 0
    while chunk := response.read(MiB):
        n += len(chunk)
    conn.close()
    return n


def run(port: int, dataset, file_ids: list[int], cookie: str, rounds: int = 5) -> dict:
    zip_path = f"/downloads/zip?dataset={dataset.pk}"
    from django.db.models import Sum

    payload = dataset.datafiles.aggregate(total=Sum("size"))["total"]
    fetch(port, zip_path, cookie)  # warm: both sides read from the same (warm) page cache
    zips, singles = [], []
    for _ in range(rounds):  # alternate, so drift on a shared machine hits both alike
        started = time.perf_counter()
        fetch(port, zip_path, cookie)
        zips.append(payload / MiB / (time.perf_counter() - started))
        started = time.perf_counter()
        for pk in file_ids:
            fetch(port, f"/datafiles/{pk}/download", cookie)
        singles.append(payload / MiB / (time.perf_counter() - started))
    zip_rate, single_rate = statistics.median(zips), statistics.median(singles)
    print(
        f"\nZip over HTTP, {len(file_ids)} files, {payload / MiB:.0f} MiB, {rounds} rounds "
        f"(median), load {os.getloadavg()[0]:.1f}:\n"
        f"  files one by one {single_rate:8.0f} MiB/s   zip {zip_rate:8.0f} MiB/s   "
        f"ratio {zip_rate / single_rate:.2f}   (target >= 0.90)",
        flush=True,
    )
    return {"zip_mib_s": zip_rate, "files_mib_s": single_rate, "ratio": zip_rate / single_rate}
