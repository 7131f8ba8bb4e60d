"""Streamed-zip memory: the peak RSS (ru_maxrss) of a child process streaming a 1 GiB and an
8 GiB archive of sparse files through the portal's zip generator. Target: the same within 20 MB,
i.e. memory does not grow with the archive.

Throughput is measured over HTTP instead (`bench/http_bench.py --zip`: the zip against the same
files downloaded one by one through the same server). The in-process "cold" pass this file had
compared against raw reads after posix_fadvise(DONTNEED), which empties the guest's page cache
but not the host's, so the "disk" floor was the host's RAM.

Usage: .venv/bin/python bench/zip_throughput.py
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from catalogue.downloads import ZipEntry, zip_stream  # noqa: E402

MiB = 2**20
GiB = 2**30


def entries_for(paths: list[Path]) -> list[ZipEntry]:
    return [
        ZipEntry(arcname=f"bench/{p.name}", path=p, size=p.stat().st_size, location=p.name)
        for p in paths
    ]


def child_memory(size_gib: int, folder: Path) -> None:
    """In a fresh process: stream a zip of `size_gib` GiB of sparse files, print peak RSS (KiB)."""
    parts = 8
    paths = []
    for i in range(parts):
        path = folder / f"sparse_{i}.h5"
        with open(path, "wb") as handle:
            handle.truncate(size_gib * GiB // parts)
        paths.append(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stream = zip_stream(entries=entries_for(paths))
    expected = len(stream)
    produced = sum(len(chunk) for chunk in stream)
    assert produced == expected, (produced, expected)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{peak} {before} {produced}")


def memory(folder: Path) -> None:
    print("Peak memory of the process streaming the archive (ru_maxrss):")
    peaks = {}
    for size in (1, 8):
        sub = folder / f"mem{size}"
        sub.mkdir()
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--child-memory", str(size), "--folder", str(sub)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        peak_kib, before_kib, produced = int(out[0]), int(out[1]), int(out[2])
        peaks[size] = peak_kib
        zip64 = "yes" if produced > 4 * GiB else "no"
        print(
            f"  {size} GiB archive ({produced / GiB:.2f} GiB streamed, ZIP64 {zip64}, "
            f"{time.perf_counter() - started:.0f} s): peak RSS {peak_kib / 1024:.1f} MB "
            f"(after Django setup: {before_kib / 1024:.1f} MB)"
        )
    diff = (peaks[8] - peaks[1]) / 1024
    print(f"  difference 8 GiB - 1 GiB: {diff:+.1f} MB   (target: within 20 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        child_memory(args.child_memory, args.folder)
        return
    bench_root = BASE_DIR / "var" / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=bench_root) as tmp:
        folder = Path(tmp)
        memory(folder)


if __name__ == "__main__":
    main()
