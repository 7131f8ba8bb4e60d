"""The zips' CRC-32 speed-up: zipstream-ng computes each member's CRC-32 with zlib's, which on our
CPUs is slower than the disks; the same CRC from ISA-L's SIMD code (the `isal` package) keeps a
streamed or built zip at disk speed (bench/zip_throughput.py). Applied once at start-up by
CatalogueConfig.ready; without `isal` the zips are the same bytes, only slower to make. Every
zip test opens the archives with Python's zipfile, which checks the CRCs."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def use_isal_crc32() -> bool:
    """Make zipstream-ng use ISA-L's crc32; False (zlib's kept) when isal is not installed."""
    import zipstream.ng

    try:
        from isal.isal_zlib import crc32
    except ImportError:
        log.warning("isal is not installed: zips use zlib's slower CRC-32")
        return False
    zipstream.ng.crc32 = crc32
    return True
