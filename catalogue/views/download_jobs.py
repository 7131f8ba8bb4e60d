"""The download jobs' pages: the list and the form asking for one, a job's progress, its archive."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from catalogue import access, usage
from catalogue import downloads as svc
from catalogue.downloads.serving import serve_file, session_or_token_required, x_accel
from catalogue.models import Datafile, DownloadJobKind
from catalogue.views.downloads import bad_selection, request_selection, selection_query, unavailable
from portal import keyset

JOBS_PER_PAGE = 20


# Download jobs -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def downloads(request: HttpRequest) -> HttpResponse:
    """GET: the user's jobs, newest first (keyset pages). POST: a job for a selection."""
    if request.method == "POST":
        return _create_job(request)
    jobs = access.visible_download_jobs(request.user)
    ordering = ["-created_at", "-id"]
    page, stale = keyset.paginate_or_first(
        jobs, ordering=ordering, cursor=request.GET.get("cursor"), size=JOBS_PER_PAGE
    )
    if stale:
        messages.error(request, "That page link is damaged: showing the newest downloads.")
    template = "catalogue/downloads.html"
    if request.htmx:
        template += "#jobs"
    return render(
        request,
        template,
        {
            "jobs": page.rows,
            "page": page,
            "limits": svc.limits(),
            "any_active": any(job.is_active for job in page.rows),
        },
    )


def _create_job(request: HttpRequest) -> HttpResponse:
    selection = request_selection(request)
    if selection is None:
        return bad_selection(request)
    summary = selection.summary()
    if summary.mode == "empty":
        return bad_selection(request)
    if summary.mode in ("offline", "too-large"):
        return render(
            request,
            "catalogue/downloads_selection.html",
            {
                "summary": summary,
                "limits": svc.limits(),
                **selection_query(request),
            },
            status=409,
        )
    datafiles = list(selection.datafiles())
    datasets = {f.dataset_id: f.dataset for f in datafiles}
    label = (
        f"{next(iter(datasets.values())).name}"
        if len(datasets) == 1
        else f"{len(datasets)} datasets"
    ) + (f", {len(datafiles)} files")
    job, created = svc.download_job_create(owner=request.user, datafiles=datafiles, label=label)
    if created:
        messages.success(
            request, "Your zip is being prepared. You will get an e-mail when it is ready."
        )
    else:
        messages.info(request, "You already asked for this selection: here is that download.")
    return redirect(job)


@login_required
@require_http_methods(["GET"])
def download_job(request: HttpRequest, pk: str) -> HttpResponse:
    job = access.get_download_job_or_404(request.user, pk)
    template = "catalogue/downloads_job.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"job": job})


@cache_control(private=True)
@require_http_methods(["GET", "HEAD"])
@session_or_token_required
def download_job_file(request: HttpRequest, pk: str) -> HttpResponse:
    job = access.get_download_job_or_404(request.user, pk)
    try:
        path = svc.download_job_path(job)
    except svc.DownloadError:
        return unavailable(request, "This download is not ready (or has expired).", status=404)
    if settings.DOWNLOAD_X_ACCEL_JOB_PREFIX:
        response = x_accel(settings.DOWNLOAD_X_ACCEL_JOB_PREFIX, job.archive, job.name)
    elif not path.is_file():
        return unavailable(
            request, "This download's archive is gone; please ask for it again.", status=404
        )
    else:
        response = serve_file(request, path, filename=job.name)
    _job_download_record(request, response, job)
    return response


def _job_download_record(request: HttpRequest, response: HttpResponse, job) -> None:
    if job.kind != DownloadJobKind.ZIP:
        return  # a logbook PDF is not a data download
    datafiles = Datafile.objects.filter(pk__in=job.datafile_ids).only("pk", "dataset_id", "size")
    usage.zip_download_record(
        request, datafiles=datafiles, user=request.user, response=response, what=f"j{job.pk}"
    )
