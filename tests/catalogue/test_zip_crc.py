"""The zips' ISA-L CRC-32 is applied at start-up, and zlib's stays when isal is missing."""

from __future__ import annotations

import sys
import zlib

import zipstream.ng
from isal import isal_zlib

from catalogue.zip_crc import use_isal_crc32


def test_zips_use_isal_crc32_once_django_started() -> None:
    assert zipstream.ng.crc32 is isal_zlib.crc32
    assert isal_zlib.crc32(b"portal") == zlib.crc32(b"portal")


def test_without_isal_zips_keep_zlib_crc32(monkeypatch) -> None:
    monkeypatch.setattr(zipstream.ng, "crc32", zlib.crc32)
    monkeypatch.setitem(sys.modules, "isal.isal_zlib", None)  # import fails as if not installed
    assert use_isal_crc32() is False
    assert zipstream.ng.crc32 is zlib.crc32
