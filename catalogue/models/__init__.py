"""The catalogue's models, one module per concern; every name is re-exported here so that
`from catalogue.models import X` (and the migrations' `catalogue.models.sample_file_path`) keep
working.

- mirror: the ICAT mirror (techniques, instruments, investigations, their users, samples,
  datasets, datafiles)
- parameters: ICAT parameters and the files attached to samples; the search-column signal
- sync: ICAT sync bookkeeping
- downloads: download jobs and tape restores
- teams: access requests and team changes
- policy: the audit trail and embargo extensions
- usage: usage figures
"""

from .downloads import (
    DatasetRestore,
    DownloadJob,
    DownloadJobKind,
    DownloadJobQuerySet,
    DownloadJobStatus,
)
from .mirror import (
    HDF5_NAME_Q,
    HDF5_SUFFIXES,
    IMAGE_NAME_Q,
    IMAGE_SUFFIXES,
    ArchiveStatus,
    Datafile,
    Dataset,
    DatasetQuerySet,
    DatasetType,
    IcatMirrored,
    Instrument,
    Investigation,
    InvestigationQuerySet,
    InvestigationUser,
    Role,
    Sample,
    Technique,
    default_release_date,
    released_q,
)
from .parameters import (
    DatasetParameter,
    InvestigationParameter,
    Parameter,
    ParameterType,
    SampleFile,
    SampleParameter,
    ValueType,
    sample_file_path,
)
from .policy import AccessEvent, AccessEventKind, AppendOnly, EmbargoExtension, ExtensionStatus
from .sync import IcatLink, IcatUser, SyncCursor, SyncRun
from .teams import AccessRequest, AccessRequestStatus, TeamChange, TeamChangeAction
from .usage import (
    DOWNLOAD_KINDS,
    Audience,
    CatalogueYear,
    UsageDay,
    UsageEvent,
    UsageKind,
    UsageTotal,
)

__all__ = [
    "AccessEvent",
    "AccessEventKind",
    "AccessRequest",
    "AccessRequestStatus",
    "AppendOnly",
    "ArchiveStatus",
    "Audience",
    "CatalogueYear",
    "Datafile",
    "Dataset",
    "DatasetParameter",
    "DatasetQuerySet",
    "DatasetRestore",
    "DatasetType",
    "default_release_date",
    "DOWNLOAD_KINDS",
    "DownloadJob",
    "DownloadJobKind",
    "DownloadJobQuerySet",
    "DownloadJobStatus",
    "EmbargoExtension",
    "ExtensionStatus",
    "HDF5_NAME_Q",
    "HDF5_SUFFIXES",
    "IcatLink",
    "IcatMirrored",
    "IcatUser",
    "IMAGE_NAME_Q",
    "IMAGE_SUFFIXES",
    "Instrument",
    "Investigation",
    "InvestigationParameter",
    "InvestigationQuerySet",
    "InvestigationUser",
    "Parameter",
    "ParameterType",
    "released_q",
    "Role",
    "Sample",
    "sample_file_path",
    "SampleFile",
    "SampleParameter",
    "SyncCursor",
    "SyncRun",
    "TeamChange",
    "TeamChangeAction",
    "Technique",
    "UsageDay",
    "UsageEvent",
    "UsageKind",
    "UsageTotal",
    "ValueType",
]
