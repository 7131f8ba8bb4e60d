"""The contents of a datafile's HDF5 as h5grove serves them (`meta`, `attr`, `data`, `stats`,
`paths`), for H5Web and any h5grove client, answered by the portal itself through h5grove's Python
utilities once `catalogue.access` has said the caller may see the datafile.

What a request may do is bounded before anything is read: the query is parsed and checked first
(a bad one is a 400 with `{"message": ...}`, the shape h5grove and H5Web use), a `data` or `stats`
selection bigger than `H5GROVE_MAX_BYTES` (its shape x item size) is a 413 saying how to slice, and
HDF5 reads whole chunks, so a slice of a chunked stack reads only the chunks it touches.

The file is opened through a Python file object rather than by name. That is how the bytes read are
counted (the `X-Bytes-Read` header), and it keeps every read inside this one file: HDF5 resolves an
external link through the same file object, so a link to another file on the storage is never
followed (it shows as an unresolved external link). Arrays stored in other files (virtual or
external datasets) are not read either.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import h5py
import hdf5plugin  # noqa: F401  registers the detector filters (bitshuffle, LZ4...) before any read
import numpy as np
from django.conf import settings
from django.http import HttpResponse, QueryDict
from h5grove.content import DatasetContent, GroupContent, ResolvedEntityContent, create_content
from h5grove.encoders import encode, orjson_encode
from h5grove.models import LinkResolution
from h5grove.utils import (
    NotFoundError,
    QueryArgumentError,
    hdf_path_join,
    parse_bool_arg,
    parse_link_resolution_arg,
    parse_slice,
)

from . import downloads
from .models import ArchiveStatus, Datafile

ROUTES = ("meta", "attr", "data", "stats", "paths")
FORMATS = ("json", "bin", "npy", "csv", "tiff")
DTYPES = ("origin", "safe")
MAX_PATH_CHARS = 4096
MAX_SELECTION_CHARS = 1000
# JSON and CSV write each value as text, at many times the cost of its bytes (np.savetxt formats
# value by value): their selections get this fraction of the limit.
TEXT_FORMATS, TEXT_SHARE = ("json", "csv"), 8
MAX_PATHS = 100_000  # `paths` of a file with more entries stops there (H5Web's search)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class H5GroveError(Exception):
    """A refusal the caller reads: `message` in the JSON body, with `status`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Query:
    path: str
    attr_keys: list[str] | None
    selection: tuple | None
    format: str
    dtype: str
    flatten: bool
    resolve_links: LinkResolution


def _text(params: QueryDict, name: str, limit: int) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if len(value) > limit or _CONTROL.search(value):
        raise H5GroveError(f"{name}: must be at most {limit} printable characters.")
    return value


def parse_query(params: QueryDict) -> Query:
    """Every parameter h5grove takes, checked before the file is opened. `file` is ignored: the
    datafile is the one the URL names."""
    path = _text(params, "path", MAX_PATH_CHARS) or "/"
    if not path.startswith("/"):
        raise H5GroveError(f"path: {path!r} must start with '/' (e.g. /entry/data).")
    attr_keys = params.getlist("attr_keys") if "attr_keys" in params else None
    for key in attr_keys or ():
        if len(key) > MAX_PATH_CHARS or _CONTROL.search(key):
            raise H5GroveError("attr_keys: names must be printable and not that long.")
    raw_selection = _text(params, "selection", MAX_SELECTION_CHARS)
    selection = None
    if raw_selection:
        try:
            selection = parse_slice(raw_selection)
        except (TypeError, ValueError):
            raise H5GroveError(
                f"selection: {raw_selection!r} is not a NumPy-like selection; "
                "use integers and start:stop:step per dimension, e.g. 0,:,: or 10:20."
            ) from None
    format_ = params.get("format") or "json"
    if format_ not in FORMATS:
        raise H5GroveError(f"format: use one of {', '.join(FORMATS)}.")
    dtype = params.get("dtype") or "origin"
    if dtype not in DTYPES:
        raise H5GroveError(f"dtype: use one of {', '.join(DTYPES)}.")
    try:
        resolve_links = parse_link_resolution_arg(
            params.get("resolve_links"), fallback=LinkResolution.ONLY_VALID
        )
    except QueryArgumentError:
        raise H5GroveError("resolve_links: use only_valid, all or none.") from None
    return Query(
        path=path,
        attr_keys=attr_keys,
        selection=selection,
        format=format_,
        dtype=dtype,
        flatten=parse_bool_arg(params.get("flatten"), fallback=False),
        resolve_links=resolve_links,
    )


class CountingFile(io.FileIO):
    """The file as HDF5 reads it, counting the bytes."""

    bytes_read = 0

    def readinto(self, buffer) -> int:
        count = super().readinto(buffer) or 0
        self.bytes_read += count
        return count


@contextmanager
def open_datafile(datafile: Datafile) -> Iterator[tuple[h5py.File, CountingFile]]:
    """The datafile's HDF5, for a caller `catalogue.access` let see it."""
    if datafile.dataset.archive_status != ArchiveStatus.ONLINE:
        raise H5GroveError(
            "This file's dataset is archived on tape: it can be viewed once it is restored "
            "to disk, which anyone who may download it can request (it takes minutes to hours).",
            409,
        )
    try:
        path = downloads.safe_path(datafile.location)
    except downloads.UnsafePath:
        message = "This file cannot be served: its recorded path is invalid."
        raise H5GroveError(message, 404) from None
    if not path.is_file():
        raise H5GroveError(f"The file {datafile.name} is missing from the data storage.", 404)
    raw = CountingFile(path, "rb")
    try:
        try:
            handle = h5py.File(raw, "r")
        except OSError:
            raise H5GroveError(f"{datafile.name} is not an HDF5 file.") from None
        with handle:
            yield handle, raw
    finally:
        raw.close()


def selected_shape(shape: tuple[int, ...], selection: tuple | None) -> tuple[int, ...]:
    """The shape `selection` picks out of an array of `shape`, checked as h5py would."""
    if selection is None:
        return shape
    if len(selection) > len(shape):
        raise H5GroveError(
            f"selection: {len(selection)} members for a {len(shape)}D dataset; give at most "
            f"{len(shape)}."
        )
    picked = []
    for member, length in zip(selection, shape, strict=False):
        if isinstance(member, int):
            if not 0 <= member < length:
                raise H5GroveError(f"selection: index {member} is outside 0..{length - 1}.")
            continue
        if member.step is not None and member.step < 1:
            raise H5GroveError("selection: a step must be 1 or more.")
        if (member.start or 0) < 0 or (member.stop or 0) < 0:
            raise H5GroveError("selection: indices count from 0 (no negative indices).")
        picked.append(len(range(*member.indices(length))))
    return (*picked, *shape[len(selection) :])


def _limit(dataset: h5py.Dataset, query: Query, route: str) -> None:
    """Refuse, before reading, a selection of more than H5GROVE_MAX_BYTES bytes."""
    if dataset.is_virtual or dataset.external:
        raise H5GroveError(f"{dataset.name} is stored in other files, which are not read here.")
    if dataset.shape is None:  # an empty dataset (h5py.Empty)
        return
    shape = selected_shape(dataset.shape, query.selection)
    size = int(np.prod(shape, dtype=object)) * dataset.dtype.itemsize
    limit, as_text = settings.H5GROVE_MAX_BYTES, ""
    if route == "data" and query.format in TEXT_FORMATS:
        limit, as_text = limit // TEXT_SHARE, f" as {query.format}"
    if size > limit:
        dims = "x".join(str(n) for n in shape) or "scalar"
        example = ",".join(["0"] + [":"] * (len(dataset.shape) - 1))
        raise H5GroveError(
            f"This selection is {_size(size)} ({dims} of {dataset.dtype}); one request may read "
            f"at most {_size(limit)}{as_text} (H5GROVE_MAX_BYTES). Ask for a slice with "
            f"`selection`, e.g. selection={example} for the first frame, or a range such as 0:10.",
            413,
        )


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


def _content(handle: h5py.File, datafile: Datafile, query: Query):
    try:
        return create_content(handle, query.path, query.resolve_links)
    except NotFoundError as error:
        message = str(error)
        if "is not a valid path" in message:  # h5grove's words, which H5Web recognises
            message = f"{query.path} is not a valid path in {datafile.name}"
        raise H5GroveError(message) from None


def _dataset(handle: h5py.File, datafile: Datafile, query: Query) -> DatasetContent:
    content = _content(handle, datafile, query)
    if not isinstance(content, DatasetContent):
        raise H5GroveError(f"{query.path} is not a dataset.")
    return content


def _paths(handle: h5py.File, datafile: Datafile, query: Query) -> list[str]:
    base = _content(handle, datafile, query)
    if not isinstance(base, GroupContent):
        raise H5GroveError(f"{query.path} is not a group.")
    names = [base.path]

    def visit(name: bytes):
        names.append(create_content(handle, hdf_path_join(base.path, name.decode())).path)
        return True if len(names) >= MAX_PATHS else None  # anything but None stops the visit

    base._h5py_entity.id.links.visit(visit)
    return names


def _answer(route: str, handle: h5py.File, datafile: Datafile, query: Query):
    """(content, format) of one route."""
    if route == "meta":
        return _content(handle, datafile, query).metadata(), "json"
    if route == "attr":
        content = _content(handle, datafile, query)
        if not isinstance(content, ResolvedEntityContent):
            raise H5GroveError(f"{query.path} is a link that does not resolve: no attributes.")
        missing = [k for k in query.attr_keys or () if k not in content._h5py_entity.attrs]
        if missing:
            raise H5GroveError(f"attr_keys: {query.path} has no attribute {missing[0]!r}.")
        return content.attributes(query.attr_keys), "json"
    if route == "paths":
        return _paths(handle, datafile, query), "json"
    content = _dataset(handle, datafile, query)
    _limit(content._h5py_entity, query, route)
    if route == "stats":
        return content.data_stats(query.selection), "json"
    return content.data(query.selection, query.flatten, query.dtype), query.format


def h5grove_response(*, datafile: Datafile, route: str, params: QueryDict) -> HttpResponse:
    """One h5grove route for a datafile the caller may see, as h5grove answers it (JSON, or for
    `data` bin/npy/csv/tiff), or `{"message": ...}` with the status of the refusal."""
    try:
        query = parse_query(params)
        with open_datafile(datafile) as (handle, raw):
            try:
                content, format_ = _answer(route, handle, datafile, query)
                encoded = encode(content, format_)
            except H5GroveError:
                raise
            except QueryArgumentError as error:
                raise H5GroveError(str(error)) from None
            except (OSError, ValueError, TypeError, IndexError, KeyError) as error:
                # h5py's own refusals (a selection it cannot take, an unreadable chunk, an array
                # the format cannot hold): the caller's to read, never a server error.
                raise H5GroveError(f"This cannot be read: {error}") from None
            bytes_read = raw.bytes_read
    except H5GroveError as error:
        return error_response(error.message, error.status)
    response = HttpResponse(encoded.content, content_type=encoded.headers["Content-Type"])
    for name, value in encoded.headers.items():
        if name != "Content-Type":
            response[name] = value
    response["X-Bytes-Read"] = str(bytes_read)  # what the request cost the storage
    return response


def error_response(message: str, status: int) -> HttpResponse:
    body = orjson_encode({"message": message})
    return HttpResponse(body, status=status, content_type="application/json")
