"""Restores from tape asked on the web: the request (dataset page panel, DOI landing rows, the
page a file download of an archived dataset answers), an anonymous visitor's confirmation link,
and the progress polled by those places. The rules are in `catalogue/restores.py`; who may ask
is `access.may_request_restore`."""

from __future__ import annotations

import math

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from catalogue import access, restores
from catalogue.forms import RestoreEmailForm
from catalogue.models import ArchiveStatus, Dataset

from .basket import safe_next

PANEL = "catalogue/_dataset_download_panel.html"
OFFER = "catalogue/_restore_offer.html"


def _answer(
    request: HttpRequest,
    dataset: Dataset,
    *,
    note: str,
    form=None,
    status: int = 200,
    link_sent: bool = False,
) -> HttpResponse:
    """HTMX: the panel or the compact offer again, saying what happened; otherwise back to the
    page the request came from, with the same words as a message (a form error stays here)."""
    dataset.refresh_from_db(fields=["archive_status"])  # a restore may have started
    next_url = safe_next(request, request.POST.get("next", ""), dataset.get_absolute_url())
    context = {
        "dataset": dataset,
        "restore_note": note,
        "restore_form": form,
        "restore_link_sent": link_sent,
        "next": next_url,
    }
    if request.htmx:
        template = OFFER if request.POST.get("compact") == "1" else PANEL
        response = render(request, template, context, status=status)
    elif status >= 400:
        response = render(request, "catalogue/restore_request.html", context, status=status)
    else:
        messages.info(request, note)
        response = redirect(next_url)
    patch_cache_control(response, private=True)
    return response


@require_POST
def dataset_restore(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = access.get_dataset_or_404(request.user, pk)
    if not access.may_request_restore(request.user, dataset):
        return _answer(
            request,
            dataset,
            note="Only the experiment's team can ask for its data back from tape.",
            status=403,
        )
    form = None
    if not request.user.is_authenticated:
        form = RestoreEmailForm(request.POST)
        if not form.is_valid():
            return _answer(request, dataset, note="", form=form, status=400)
    if dataset.archive_status == ArchiveStatus.ONLINE:
        return _answer(request, dataset, note=f"{dataset.name} is online: download it now.")
    wait = restores.restore_wait(request, email=form.cleaned_data["email"] if form else "")
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        return _answer(
            request,
            dataset,
            note=f"You have asked for many restores lately: try again in {minutes} minute"
            f"{'s' if minutes > 1 else ''}.",
            form=form,
            status=429,
        )
    if form is not None:
        email = form.cleaned_data["email"]
        next_url = safe_next(request, request.POST.get("next", ""), dataset.get_absolute_url())
        restores.restore_link_send(dataset=dataset, email=email, next_url=next_url)
        return _answer(
            request,
            dataset,
            note=f"We sent a link to {email}: open it to start the restore. "
            "We will write again when the data is online.",
            link_sent=True,
        )
    asked = restores.dataset_restore_ask(dataset=dataset, by=request.user)
    return _answer(request, dataset, note=_said(asked, dataset, request.user.email))


def _said(asked: restores.RestoreAsked, dataset: Dataset, email: str) -> str:
    tell = f" We will e-mail {email} when it is online." if email else ""
    if asked.started:
        return f"{dataset.name} is being restored from tape.{tell}"
    if asked.restore is not None:
        return f"{dataset.name} is already being restored: your request joined it.{tell}"
    return f"{dataset.name} is online: download it now."


@cache_control(private=True)
@require_http_methods(["GET", "POST"])
def dataset_restore_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The link e-mailed to an anonymous visitor: a page with one button (mail scanners open
    links; only a person's POST starts the restore), then back to where they asked."""
    dataset = access.get_dataset_or_404(request.user, pk)
    params = request.POST if request.method == "POST" else request.GET
    link = restores.restore_link_read(params.get("token", ""), dataset=dataset)
    if link is None or not access.may_request_restore(request.user, dataset):
        return render(
            request,
            "catalogue/restore_confirm.html",
            {"dataset": dataset, "link": None},
            status=400,
        )
    if request.method == "GET":
        return render(
            request,
            "catalogue/restore_confirm.html",
            {"dataset": dataset, "link": link, "token": params["token"]},
        )
    user = request.user if request.user.is_authenticated else None
    asked = restores.dataset_restore_ask(dataset=dataset, by=user, email=link.email)
    messages.success(request, _said(asked, dataset, link.email))
    return redirect(safe_next(request, link.next_url, dataset.get_absolute_url()))


@require_http_methods(["GET"])
def dataset_restore_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The compact offer alone (a DOI landing page's row), polled while the restore runs."""
    dataset = access.get_dataset_or_404(request.user, pk)
    if not request.htmx:
        return redirect(dataset)
    response = render(request, OFFER, {"dataset": dataset, "compact": True})
    patch_cache_control(response, private=True, no_store=True)
    return response
