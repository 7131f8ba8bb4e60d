"""DOI pages: the public landing pages with their citation downloads, and the linked
publications panel. The data-collection editor and "My DOIs" are in collection_views.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from catalogue import access, usage
from catalogue.models import ArchiveStatus, Datafile, Dataset, Investigation, UsageKind

from . import citation, publications, styles
from .forms import PublicationLinkForm
from .models import LICENCE_URLS, DataCollection, Doi, DoiKind, DoiState

LANDING_DATASETS = 200  # a session's page lists this many; its datasets tab has the rest


def _get_collection_for_user(request: HttpRequest, pk: int) -> DataCollection:
    """The collection, if the user may edit it; 404 otherwise (it does not exist for others)."""
    collection = (
        access.visible_doi_collections(request.user)
        .select_related("doi", "created_by")
        .filter(pk=pk)
        .first()
    )
    if collection is None:
        raise Http404("No such data collection")
    return collection


def _private(response: HttpResponse) -> HttpResponse:
    """What depends on who asks must never be kept by a shared cache for the next visitor."""
    patch_cache_control(response, private=True)
    return response


# Landing pages ----------------------------------------------------------------------------------
# One lookup for the page and its exports, `access.get_doi_or_404`: a reserved DOI outside its
# owners and staff, a withdrawn one and one never registered get the same 404 on every route.


def _session_view_is_full(request: HttpRequest, doi: Doi) -> bool:
    """Title, summary, team and datasets of a session: for those who may see the investigation."""
    return access.can_view_investigation(request.user, doi.investigation)


def _cache_for(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An anonymous visitor gets what everyone may see (findable DOIs, public records): shared
    caches may keep it. A signed-in user's answer may hold a draft, a team's view of an embargoed
    session, or just their name in the navbar: never for a shared cache."""
    if request.user.is_authenticated:
        _private(response)
    return response


def _landing_context(request: HttpRequest, doi: Doi) -> dict:
    user = request.user
    if doi.kind == DoiKind.SESSION:
        investigation = doi.investigation
        visible = _session_view_is_full(request, doi)
        datasets = (
            access.visible_datasets(user).filter(investigation=investigation)
            if visible
            else Dataset.objects.none()
        )
        beamlines = [investigation.instrument.name]
        record = citation.session_record(doi, investigation, full=visible)
    else:
        collection = doi.collection
        datasets = access.visible_datasets(user).filter(doi_collections=collection)
        visible = True
        record = citation.collection_record(doi, collection)
        # Beamlines and dates come from the datasets this user may see: nothing about
        # embargoed data leaks through a reserved DOI's page.
        beamlines = sorted(set(datasets.values_list("investigation__instrument__name", flat=True)))
    # "Download all" is for what is on disk: the rows of datasets on tape offer their restore.
    online = Q(archive_status=ArchiveStatus.ONLINE)
    totals = datasets.order_by().aggregate(
        count=Count("id", filter=online),
        size=Sum("size", filter=online),
        on_tape=Count("id", filter=~online),
    )
    all_ids = datasets.filter(online).order_by("id").values_list("pk", flat=True)
    if doi.kind == DoiKind.SESSION:  # a collection is hand-picked: never too many for one link
        all_ids = all_ids[: LANDING_DATASETS + 1]
    datasets = (
        datasets.select_related("investigation__instrument")
        .prefetch_related(
            Prefetch(
                "datafiles",
                queryset=Datafile.objects.order_by("name", "id")[:10],
                to_attr="first_files",
            )
        )
        .order_by("investigation_id", "start_date", "id")[:LANDING_DATASETS]
    )
    if doi.kind == DoiKind.SESSION:
        cited_by = publications_panel(user, investigation=investigation, readonly=True)
        licence = settings.DOI_LICENSE
    else:
        cited_by = publications_panel(user, collection=collection, readonly=True)
        licence = collection.licence
    return {
        **cited_by,
        "citations": styles.citations(record),
        "licence": _licence(licence),
        "download_all": _download_all(doi, totals, list(all_ids)),
        "on_tape": totals["on_tape"],
        "doi": doi,
        "record": record,
        "visible": visible,
        "datasets": datasets,
        "beamlines": beamlines,
        "released": doi.state == DoiState.FINDABLE,
        "jsonld": citation.jsonld_script(record, datasets=datasets, doi=doi),
        "citation": citation.citation_text(record),
    }


def _licence(code: str) -> dict:
    """A licence's badge: its short name ("CC BY-NC 4.0" for SPDX "CC-BY-NC-4.0") and deed."""
    head, _, version = code.rpartition("-")
    short = f"{head.replace('-', ' ', 1)} {version}" if head else code
    return {"code": code, "short": short, "url": LICENCE_URLS.get(code, "")}


def _download_all(doi: Doi, totals: dict, ids: list[int]) -> dict | None:
    """Every dataset the viewer may download (the zip route checks again), or None when there is
    none. Past LANDING_DATASETS a session's datasets tab offers the whole list instead."""
    if not totals["count"]:
        return None
    if doi.kind == DoiKind.SESSION and len(ids) > LANDING_DATASETS:
        url = reverse("catalogue:investigation-datasets", args=[doi.investigation_id])
    else:
        url = reverse("catalogue:download-zip") + "?" + urlencode([("dataset", i) for i in ids])
    return {"url": url, "count": totals["count"], "size": totals["size"] or 0}


@require_safe
def landing(request: HttpRequest, prefix: str, suffix: str) -> HttpResponse:
    doi = access.get_doi_or_404(request.user, f"{prefix}/{suffix}")
    response = render(request, "doi/landing.html", _landing_context(request, doi))
    if request.method == "GET":
        usage.usage_record(
            kind=UsageKind.DOI_LANDING_VIEW, request=request, investigation=doi.investigation
        )
    return _cache_for(request, response)


@require_safe
def landing_export(request: HttpRequest, prefix: str, suffix: str, fmt: str) -> HttpResponse:
    doi = access.get_doi_or_404(request.user, f"{prefix}/{suffix}")
    if doi.kind == DoiKind.SESSION:
        record = citation.session_record(
            doi, doi.investigation, full=_session_view_is_full(request, doi)
        )
    else:
        record = citation.collection_record(doi, doi.collection)
    filename = doi.suffix.lower()
    if fmt == "bib":
        response = HttpResponse(
            citation.bibtex(record), content_type="application/x-bibtex; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    elif fmt == "ris":
        response = HttpResponse(
            citation.ris(record), content_type="application/x-research-info-systems; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    elif fmt == "json":
        # What DataCite holds for this DOI (for a session, never more than the public record).
        response = JsonResponse(doi.metadata, json_dumps_params={"indent": 2})
    else:
        raise Http404("No such format")
    return _cache_for(request, response)


@require_safe
def withdrawn(request: HttpRequest) -> HttpResponse:
    """Where a withdrawn DOI resolves: one page for all of them, naming none."""
    return render(request, "doi/withdrawn.html")


# Linked publications ----------------------------------------------------------------------------
# One panel (doi/_publications.html) on the investigation page, the collection editor and the
# landing page; its forms answer HTMX with the panel again, plain posts with a redirect.


def publications_panel(
    user,
    *,
    investigation: Investigation | None = None,
    collection: DataCollection | None = None,
    form: PublicationLinkForm | None = None,
    readonly: bool = False,
) -> dict:
    """What the "Cited by" panel shows this user: the links the user may see (an embargoed
    session's only to its team), remove buttons on the user's own (staff: all), the add form."""
    if investigation is not None:
        links = access.visible_publications(user).filter(investigation=investigation)
        can_add = access.can_link_publication(user, investigation)
        add_url = reverse("doi:investigation-publication-add", args=[investigation.pk])
    else:
        links = access.visible_publications(user).filter(collection=collection)
        can_add = access.can_edit_doi_collection(user, collection)
        add_url = reverse("doi:collection-publication-add", args=[collection.pk])
    links = list(links.order_by("added_at", "id"))
    for link in links:
        link.removable = not readonly and access.can_unlink_publication(user, link)
    return {
        "publications": links,
        "publication_form": (form or PublicationLinkForm()) if can_add and not readonly else None,
        "publication_add_url": add_url,
    }


def _publications_answer(
    request: HttpRequest,
    *,
    investigation: Investigation | None = None,
    collection: DataCollection | None = None,
    form: PublicationLinkForm | None = None,
) -> HttpResponse:
    invalid = form is not None and not form.is_valid()
    panel = publications_panel(
        request.user, investigation=investigation, collection=collection, form=form
    )
    if request.htmx:
        return render(request, "doi/_publications.html", panel, status=400 if invalid else 200)
    if invalid:  # without JavaScript: the form and its error on a page of their own
        context = {**panel, "investigation": investigation, "collection": collection}
        return render(request, "doi/publications.html", context, status=400)
    target = investigation or collection
    return redirect(target.get_absolute_url() + "#publications")


def _link_publication(request: HttpRequest, **target) -> HttpResponse:
    form = PublicationLinkForm(request.POST)
    if form.is_valid():
        try:
            publications.publication_link(value=request.POST["paper"], by=request.user, **target)
        except ValidationError as exc:
            form.add_error("paper", exc)
        else:
            if not request.htmx:
                messages.success(request, f"Linked {form.cleaned_data['paper'][1]}.")
            form = None
    return _publications_answer(request, form=form, **target)


@login_required
@require_POST
def investigation_publication_add(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = access.get_investigation_or_404(request.user, pk)
    if not access.can_link_publication(request.user, investigation):
        raise PermissionDenied("Only the experiment's team may link papers to it.")
    return _link_publication(request, investigation=investigation)


@login_required
@require_POST
def collection_publication_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _link_publication(request, collection=_get_collection_for_user(request, pk))


@login_required
@require_POST
def publication_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link = access.get_publication_or_404(request.user, pk)
    if not access.can_unlink_publication(request.user, link):
        raise PermissionDenied("Only staff and whoever linked the paper may remove the link.")
    target = {"investigation": link.investigation, "collection": link.collection}
    publications.publication_unlink(link=link, by=request.user)
    if not request.htmx:
        messages.success(request, f"Removed {link.identifier}.")
    return _publications_answer(request, **target)
