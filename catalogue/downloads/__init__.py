"""Downloads and restores: safe paths and names (names.py), selections and the zip builder
(selection.py), download jobs and the download area's quota (jobs.py), tape restores
(restores.py), the one claim/heartbeat/sweep helper both are leased with (lease.py, sweep.py), and
metalink/aria2/Globus links (links.py). The HTTP side, files served with Range and the one
session-or-token authentication, is serving.py.

The names below are the package's public surface: callers write `from catalogue import downloads`
and `downloads.download_job_build(...)`, wherever the function lives inside.
"""

from __future__ import annotations

from .jobs import (
    QUOTA_LOCK_KEY,
    JobKind,
    download_job_build,
    download_job_claim,
    download_job_create,
    download_job_kind_register,
    download_job_path,
    download_job_request,
    download_jobs_admit_waiting,
    download_jobs_expire,
)
from .links import aria2_lines, checksum_parts, file_list_too_long, globus_url, metalink_lines
from .names import (
    DownloadError,
    MissingFile,
    UnsafePath,
    clean_component,
    member_name,
    named_per_dataset,
    safe_path,
    unique_name,
    unique_names,
)
from .restores import dataset_restore, dataset_restore_report, dataset_restore_request
from .selection import (
    CHUNK,
    Selection,
    SelectionSummary,
    ZipEntry,
    archive_name,
    download_mode,
    limits,
    selection_key,
    zip_entries,
    zip_stream,
)
from .sweep import download_jobs_sweep

__all__ = [
    "CHUNK",
    "DownloadError",
    "JobKind",
    "MissingFile",
    "QUOTA_LOCK_KEY",
    "Selection",
    "SelectionSummary",
    "UnsafePath",
    "ZipEntry",
    "archive_name",
    "aria2_lines",
    "checksum_parts",
    "clean_component",
    "dataset_restore",
    "dataset_restore_report",
    "dataset_restore_request",
    "download_job_build",
    "download_job_claim",
    "download_job_create",
    "download_job_kind_register",
    "download_job_path",
    "download_job_request",
    "download_jobs_admit_waiting",
    "download_jobs_expire",
    "download_jobs_sweep",
    "download_mode",
    "file_list_too_long",
    "globus_url",
    "limits",
    "member_name",
    "metalink_lines",
    "named_per_dataset",
    "safe_path",
    "selection_key",
    "unique_name",
    "unique_names",
    "zip_entries",
    "zip_stream",
]
