"""Lists for resuming downloaders (metalink, aria2) and the Globus link of a dataset."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.utils import timezone

from catalogue.models import (
    Datafile,
    Dataset,
)

from .names import named_per_dataset

# Metalink, aria2, Globus ------------------------------------------------------------------------

_HASH_TYPES = {
    "sha256": "sha-256",
    "sha-256": "sha-256",
    "sha1": "sha-1",
    "sha-1": "sha-1",
    "md5": "md5",
    "sha512": "sha-512",
    "sha-512": "sha-512",
}


def checksum_parts(checksum: str) -> tuple[str, str] | None:
    """("sha-256", "ab12...") from the catalogue's "sha256:ab12...", or None for other kinds."""
    kind, _, digest = checksum.partition(":")
    kind = _HASH_TYPES.get(kind.strip().lower())
    return (
        (kind, digest.strip().lower())
        if kind and re.fullmatch(r"[0-9a-fA-F]+", digest.strip())
        else None
    )


def file_list_too_long(file_count: int) -> str:
    """Why a metalink/aria2 list is refused, or "" when it is short enough (the zips' cap)."""
    if file_count <= settings.DOWNLOAD_MAX_FILES:
        return ""
    return (
        f"This selection has {file_count:,} files, more than the "
        f"{settings.DOWNLOAD_MAX_FILES:,} one download list can hold: choose fewer datasets, "
        "or use Globus."
    )


def metalink_lines(
    *, datafiles: Iterable[Datafile], url_for: Callable[[Datafile], str]
) -> Iterator[str]:
    """RFC 5854 (.meta4): every file with its size, checksum and URL, written as it is read."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<metalink xmlns="urn:ietf:params:xml:ns:metalink">\n'
    yield f"  <generator>{escape(settings.FACILITY_NAME)} data portal</generator>\n"
    yield f"  <published>{timezone.now().strftime('%Y-%m-%dT%H:%M:%SZ')}</published>\n"
    for datafile, name in named_per_dataset(datafiles):
        yield f"  <file name={quoteattr(name)}>\n    <size>{datafile.size}</size>\n"
        if parts := checksum_parts(datafile.checksum):
            yield f"    <hash type={quoteattr(parts[0])}>{parts[1]}</hash>\n"
        yield f"    <url>{escape(url_for(datafile))}</url>\n  </file>\n"
    yield "</metalink>\n"


def aria2_lines(
    *, datafiles: Iterable[Datafile], url_for: Callable[[Datafile], str]
) -> Iterator[str]:
    """An aria2c input file (`aria2c -i`): URL, then indented options for that file."""
    for datafile, name in named_per_dataset(datafiles):
        yield f"{url_for(datafile)}\n  out={name}\n"
        if parts := checksum_parts(datafile.checksum):
            yield f"  checksum={parts[0]}={parts[1]}\n"


def globus_url(dataset: Dataset) -> str:
    """The Globus web app at the dataset's folder on the facility endpoint, or "" when unset."""
    if not settings.GLOBUS_ENDPOINT_ID or not dataset.location:
        return ""
    path = (
        "/"
        + "/".join(
            p for p in (settings.GLOBUS_PATH_PREFIX.strip("/"), dataset.location.strip("/")) if p
        )
        + "/"
    )
    return "https://app.globus.org/file-manager?" + urlencode(
        {"origin_id": settings.GLOBUS_ENDPOINT_ID, "origin_path": path}, quote_via=quote
    )
