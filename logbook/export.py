"""A logbook's PDF as a download job: asked for on the logbook page, built by a Celery worker
with progress, downloaded from the job's page like a zip (catalogue's download jobs: claim,
heartbeat, sweep, expiry, e-mail, the downloads page).

The job keeps which logbook and which filters, not the events: the worker reads them again, as its
owner may read them then (a team member removed meanwhile gets a failed job, not the logbook).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.http import Http404, QueryDict

from catalogue.downloads import DownloadError, clean_component, download_job_request
from catalogue.models import DownloadJob, DownloadJobKind

from .forms import FilterForm, scope_filters
from .scopes import Scope, beamline_scope, investigation_scope
from .store import EventQuery, get_store

PDF_LIMIT = 5000  # events in one PDF; the header says when there were more
PAGE = 500
TOO_LONG = "Laying out the PDF took too long: narrow the filters and export again."


def logbook_pdf_request(*, owner, scope: Scope, form: FilterForm) -> tuple[DownloadJob, bool]:
    """The owner's job for this logbook and these (valid) filters. (job, created)."""
    filters = QueryDict(mutable=True)
    for name in sorted(FilterForm.base_fields):
        values = sorted(v for v in form.data.getlist(name) if v)
        if values:
            filters.setlist(name, values)
    if scope.investigation is not None:
        params: dict = {"investigation": scope.investigation.pk}
        name = scope.investigation.name
    else:
        params = {"instrument": scope.instrument.name, "across": scope.across}
        name = scope.instrument.name
    params["filters"] = filters.urlencode()
    summary = form.summary(can_restore=scope.can_write)
    return download_job_request(
        owner=owner,
        kind=DownloadJobKind.LOGBOOK_PDF,
        params=params,
        name=f"{clean_component(name)}-logbook.pdf",
        label=scope.title + (f" ({'; '.join(summary)})" if summary else ""),
    )


def _scope(job: DownloadJob) -> Scope:
    params = job.params
    try:
        if "investigation" in params:
            return investigation_scope(job.owner, params["investigation"])
        return beamline_scope(job.owner, params["instrument"], across=params.get("across", False))
    except Http404:
        raise DownloadError("This logbook is no longer available to you.") from None


def logbook_events(query: EventQuery, *, limit: int = PDF_LIMIT) -> tuple[list[dict], bool]:
    """The first `limit` events of the timeline, and whether there were more."""
    store = get_store()
    docs: list[dict] = []
    cursor = None
    while len(docs) < limit:
        page, cursor = store.find(query, after=cursor, limit=min(PAGE, limit - len(docs)))
        docs += page
        if cursor is None:
            break
    return docs, cursor is not None


def logbook_pdf_build(job: DownloadJob, *, out: Path, progress: Callable[[int, int], None]) -> None:
    """The worker's part (registered in apps.py): the logbook as the job's owner may read it now."""
    from .pdf import logbook_pdf  # WeasyPrint takes seconds to import: only where it is used

    scope = _scope(job)
    form, query, _ = scope_filters(
        QueryDict(job.params.get("filters", "")), user=job.owner, scope=scope
    )
    if form.errors:  # a tag filtered on was deleted since
        raise DownloadError("These filters no longer apply to this logbook: export it again.")
    docs, truncated = logbook_events(query, limit=PDF_LIMIT)
    progress(0, len(docs))
    with open(out, "wb") as file:
        logbook_pdf(
            user=job.owner,
            scope=scope,
            docs=docs,
            out=file,
            filters=form.summary(can_restore=scope.can_write),
            truncated=truncated,
            progress=progress,
        )
