"""Streamed-zip throughput and memory, against floors measured in the same run.

1. Throughput: the portal's zip generator (catalogue.downloads.zip_stream, what the zip view
   streams) over N real files, as a ratio to reading the same files raw. Both read from disk: the
   files are evicted from the page cache (posix_fadvise DONTNEED) before every pass, as on facility
   storage where a terabyte never sits in RAM. The same ratio with a warm cache is printed too
   (there the raw read is a memcpy and the zip's CRC-32 dominates). Target: >= 0.8 (cold).
2. Memory: the peak RSS (ru_maxrss) of a child process streaming a 1 GiB and an 8 GiB archive of
   sparse files. Target: the same within 20 MB, i.e. memory does not grow with the archive.

Usage: .venv/bin/python bench/zip_throughput.py [--files 48] [--file-mib 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
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

from catalogue.downloads import CHUNK, ZipEntry, zip_stream  # noqa: E402

MiB = 2**20
GiB = 2**30


def entries_for(paths: list[Path]) -> list[ZipEntry]:
    return [
        ZipEntry(arcname=f"bench/{p.name}", path=p, size=p.stat().st_size, location=p.name)
        for p in paths
    ]


def evict(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def raw_read(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                total += len(chunk)
    return total


def zipped(paths: list[Path]) -> int:
    return sum(len(chunk) for chunk in zip_stream(entries=entries_for(paths)))


def timed(func, paths: list[Path], *, cold: bool) -> float:
    """MB/s of the payload (file bytes) so that both figures count the same work."""
    if cold:
        evict(paths)
    payload = sum(p.stat().st_size for p in paths)
    started = time.perf_counter()
    func(paths)
    return payload / MiB / (time.perf_counter() - started)


def throughput(args: argparse.Namespace, folder: Path) -> None:
    paths = []
    for i in range(args.files):
        path = folder / f"frame_{i:04d}.h5"
        with open(path, "wb") as handle:
            for _ in range(args.file_mib):
                handle.write(os.urandom(MiB))
            handle.flush()
            os.fsync(handle.fileno())
        paths.append(path)
    total_mib = args.files * args.file_mib
    print(f"Throughput over {args.files} files, {total_mib} MiB, {args.rounds} rounds (median):")
    for cold in (True, False):
        raws, zips = [], []
        for _ in range(args.rounds):  # alternate, so drift on a shared machine hits both alike
            raws.append(timed(raw_read, paths, cold=cold))
            zips.append(timed(zipped, paths, cold=cold))
        raw, zip_ = statistics.median(raws), statistics.median(zips)
        label = "from disk (page cache evicted)" if cold else "warm page cache (CPU-bound)"
        print(
            f"  {label:32s} raw {raw:8.0f} MiB/s   zip {zip_:8.0f} MiB/s   ratio {zip_ / raw:.2f}"
            + ("   (target >= 0.80)" if cold else "")
        )
    for path in paths:
        path.unlink()


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
    parser.add_argument("--files", type=int, default=48)
    parser.add_argument("--file-mib", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
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
        throughput(args, folder)
        memory(folder)


if __name__ == "__main__":
    main()
