"""The data-collection editor: "My DOIs", a new collection (stored on its first save), the editor
(dataset picker, description, authors and contributors; reserve, mint), deletion, and the
"Add to DOI draft" button on dataset pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from catalogue import access
from catalogue.models import Dataset
from portal import keyset
from portal.fields import LARGEST_ID

from . import services
from .forms import AuthorFormSet, CollectionForm, ContributorFormSet, MintConfirmForm, move_row
from .models import DataCollection
from .views import _get_collection_for_user, publications_panel

PAGE_SIZE = 25
PICKER_SIZE = 20


@login_required
@require_safe
@cache_control(private=True)
def mine(request: HttpRequest) -> HttpResponse:
    """The user's data collections, reserved and minted DOIs first-class; newest first."""
    collections = (
        access.visible_doi_collections(request.user)
        .filter(created_by=request.user)
        .select_related("doi")
    )
    page, _ = keyset.paginate_or_first(
        collections, ordering=["-id"], cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    return render(request, "doi/mine.html", {"collections": page.rows, "page": page})


def _dataset_ids(values: list[str]) -> list[int]:
    """The ids among posted values; beyond 64 bits the database driver fails, so those (and
    what is not an id at all) are left out, as if they named no dataset."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and int(v) <= LARGEST_ID]


def _mintable_or_404(request: HttpRequest, values: list[str]) -> list[Dataset]:
    """The posted datasets, all of which the user may mint, or 404: anything else is as if it
    did not exist."""
    datasets = list(access.mintable_datasets(request.user).filter(pk__in=_dataset_ids(values)))
    if len(datasets) != len(set(values)):
        raise Http404("No such dataset")
    return datasets


# The picker lists a session's datasets together, newest session first.
PICKER_ORDER = ["-investigation__start_date", "-investigation_id", "id"]


def _picker(request: HttpRequest, collection: DataCollection, *, picked=()) -> dict:
    """The dataset picker: the user's mintable datasets grouped by session, searched by name,
    sample, proposal or title; those already in the collection are marked, and those ticked
    (`dataset` in the query or `picked`) stay ticked across searches and pages."""
    query = request.GET.get("q", "").strip()[:200]
    mintable = access.mintable_datasets(request.user)
    datasets = mintable.select_related("investigation__instrument")
    if query:
        datasets = datasets.filter(
            Q(name__icontains=query)
            | Q(investigation__name__icontains=query)
            | Q(investigation__title__icontains=query)
            | Q(investigation__instrument__name__iexact=query)
            | Q(sample__name__icontains=query)
        )
    page, _ = keyset.paginate_or_first(
        datasets, ordering=PICKER_ORDER, cursor=request.GET.get("cursor"), size=PICKER_SIZE
    )
    shown = {d.pk for d in page.rows}
    in_collection = (
        set(collection.datasets.filter(pk__in=shown).values_list("pk", flat=True))
        if collection.pk
        else set()
    )
    ticked = set(_dataset_ids([*request.GET.getlist("dataset"), *map(str, picked)]))
    ticked -= in_collection
    # Ticked on another page or before another search: still listed, so they are still sent.
    elsewhere = (
        list(
            mintable.filter(pk__in=ticked - shown)
            .exclude(pk__in=collection.datasets.values("pk") if collection.pk else [])
            .select_related("investigation")
            .order_by("investigation__name", "name", "id")[:100]
        )
        if ticked - shown
        else []
    )
    groups: list[dict] = []
    for dataset in page.rows:
        dataset.ticked = dataset.pk in ticked
        dataset.in_collection = dataset.pk in in_collection
        if not groups or groups[-1]["investigation"].pk != dataset.investigation_id:
            groups.append({"investigation": dataset.investigation, "datasets": []})
        groups[-1]["datasets"].append(dataset)
    url = collection.get_absolute_url() if collection.pk else reverse("doi:collection-new")
    return {
        "query": query,
        "groups": groups,
        "ticked_elsewhere": elsewhere,
        "picker_page": page,
        # The pager's links carry the search alone: ticked datasets come with hx-include.
        "picker_query": QueryDict.fromkeys(["q"], query),
        "picker_url": url,
    }


def _picker_context(request: HttpRequest, collection: DataCollection) -> dict:
    """What the picker fragment needs on its own (a search or another page of it)."""
    form = None if collection.pk else "collection-form"
    return {"collection": collection, "picker_form": form, **_picker(request, collection)}


def _people_forms(data, collection: DataCollection) -> tuple:
    """The author and contributor formsets bound to `data`, read afresh from the database: after
    a rolled-back save their instances must be as they were before it (a deleted row keeps its
    id and its ticked "Remove", a new row stays new)."""
    authors = AuthorFormSet(data, instance=collection)
    contributors = ContributorFormSet(data, instance=collection)
    authors.is_valid()
    contributors.is_valid()
    return authors, contributors


@login_required
@require_http_methods(["GET", "POST"])
@cache_control(private=True)
def collection_new(request: HttpRequest) -> HttpResponse:
    """A new collection's editor: nothing is stored until its first save, which creates the
    draft with the description, authors and datasets ticked here."""
    collection = DataCollection(created_by=request.user)
    if request.method == "GET":
        if request.htmx and request.htmx.target == "picker":
            return render(request, "doi/_picker.html", _picker_context(request, collection))
        return render(request, "doi/new.html", _new_context(request, collection))
    data = request.POST.copy()
    move_row(data, "authors")
    form = CollectionForm(data, instance=collection)
    authors = AuthorFormSet(data, instance=collection)
    datasets = _mintable_or_404(request, request.POST.getlist("dataset"))
    valid = all([form.is_valid(), authors.is_valid()])
    if valid and not (form.cleaned_data["title"].strip() or datasets or authors.ordered_forms):
        form.add_error(None, "Give the collection a title or tick a dataset to save a draft.")
        valid = False
    if not valid:
        context = _new_context(
            request, collection, form=form, authors=authors, picked=[d.pk for d in datasets]
        )
        return render(request, "doi/new.html", context, status=400)
    with transaction.atomic():
        collection = form.save()
        authors.instance = collection
        authors.save()
        services.collection_add_datasets(collection=collection, datasets=datasets, by=request.user)
    messages.success(request, "Draft saved.")
    return redirect(collection)


def _new_context(request: HttpRequest, collection: DataCollection, **forms) -> dict:
    picked = forms.pop("picked", ())
    return {
        "collection": collection,
        "form": forms.get("form") or CollectionForm(instance=collection),
        "authors": forms.get("authors") or AuthorFormSet(instance=collection),
        "picker_form": "collection-form",
        **_picker(request, collection, picked=picked),
    }


def _editor_context(
    request: HttpRequest,
    collection: DataCollection,
    *,
    form=None,
    authors=None,
    contributors=None,
    confirm=None,
    errors=None,
) -> dict:
    editable_text = collection.is_editable or collection.state == "findable"
    return {
        "collection": collection,
        "datasets": collection.datasets.select_related("investigation__instrument").order_by(
            "investigation__start_date", "investigation_id", "start_date", "id"
        ),
        "form": form or CollectionForm(instance=collection),
        "authors": authors or AuthorFormSet(instance=collection),
        "contributors": contributors or ContributorFormSet(instance=collection),
        "confirm": confirm or MintConfirmForm(),
        "errors": errors or {},
        "can_edit_text": editable_text,
        **_picker(request, collection),
        **publications_panel(request.user, collection=collection),
    }


def _run_action(request: HttpRequest, collection: DataCollection, action: str) -> None:
    if action == "reserve":
        services.collection_reserve(collection=collection, by=request.user)
    elif action == "mint":
        confirmed = request.POST.get("confirm") == "on"
        services.collection_mint(collection=collection, by=request.user, confirmed=confirmed)
    elif action == "correct":
        services.collection_send_corrections(collection=collection, by=request.user)


@login_required
@require_http_methods(["GET", "POST"])
@cache_control(private=True)
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _get_collection_for_user(request, pk)
    template = "doi/collection.html"
    if request.method == "GET":
        if request.htmx and request.htmx.target == "picker":
            return render(request, "doi/_picker.html", _picker_context(request, collection))
        return render(request, template, _editor_context(request, collection))

    action = request.POST.get("action", "save")
    if collection.is_minted:
        # A minted DOI's local record must never drift from DataCite's: every save re-sends.
        action = "correct"
    data = request.POST.copy()
    move_row(data, "authors")  # the up/down buttons submit the whole form
    form = CollectionForm(data, instance=collection)
    authors = AuthorFormSet(data, instance=collection)
    contributors = ContributorFormSet(data, instance=collection)
    confirm = MintConfirmForm(data if action == "mint" else None)
    if collection.is_pending or not (collection.is_editable or collection.state == "findable"):
        messages.error(request, "This collection is being registered: wait until it is done.")
        return redirect(collection)
    if not all([form.is_valid(), authors.is_valid(), contributors.is_valid()]):
        context = _editor_context(
            request,
            collection,
            form=form,
            authors=authors,
            contributors=contributors,
            confirm=confirm,
        )
        return render(request, template, context, status=400)
    try:
        # One transaction: when reserve/mint/correct refuses, the edits are rolled back too and
        # the form shows them again with the errors (nothing changed, nothing sent).
        with transaction.atomic():
            services.collection_claim_edit(
                collection=collection,
                base_version=form.cleaned_data["version"],
                by=request.user,
            )
            form.save()
            authors.save()
            contributors.save()
            _run_action(request, collection, action)
    except services.EditConflict as exc:
        # The other person's version stays; this one is shown again, to copy from.
        errors, status = {"__all__": [str(exc)]}, 409
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for field, field_errors in errors.items():
            for error in field_errors if field in form.fields else ():
                form.add_error(field, error)
        status = 400
    else:
        errors = None
    if errors is not None:
        collection.refresh_from_db()
        authors, contributors = _people_forms(data, collection)
        context = _editor_context(
            request,
            collection,
            form=form,
            authors=authors,
            contributors=contributors,
            confirm=confirm,
            errors=errors,
        )
        return render(request, template, context, status=status)
    if action in {"reserve", "mint", "correct"}:
        messages.info(
            request,
            {
                "reserve": "Reserving the DOI…",
                "mint": "Minting the DOI…",
                "correct": "Sending the corrections…",
            }[action],
        )
    else:
        messages.success(request, "Saved.")
    return redirect(collection)


@login_required
@require_http_methods(["GET", "POST"])
@cache_control(private=True)
def collection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what deleting means, and the button (or why it cannot be deleted). POST: delete."""
    collection = _get_collection_for_user(request, pk)
    if request.method == "GET":
        return render(request, "doi/delete.html", {"collection": collection})
    name = str(collection)
    try:
        remaining = services.collection_delete(collection=collection, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(collection)
    if remaining is None:
        messages.success(request, f"Deleted “{name}”.")
    else:
        messages.info(
            request,
            f"Deleting “{name}”: its reserved DOI is being withdrawn from the registration "
            "agency first. It leaves this list when that is done.",
        )
    return redirect("doi:mine")


@login_required
@require_safe
@cache_control(private=True)
def collection_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the editor while a task works; when the work is done, the page reloads."""
    collection = _get_collection_for_user(request, pk)
    if request.htmx and not collection.is_pending:
        return HttpResponseClientRefresh()
    return render(request, "doi/collection.html#status", {"collection": collection})


@login_required
@require_POST
def collection_add(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _get_collection_for_user(request, pk)
    datasets = _mintable_or_404(request, request.POST.getlist("dataset"))
    try:
        added = services.collection_add_datasets(
            collection=collection, datasets=datasets, by=request.user
        )
        messages.success(request, f"Added {added} dataset{'s' if added != 1 else ''}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(collection)


@login_required
@require_POST
def collection_remove(request: HttpRequest, pk: int, dataset_pk: int) -> HttpResponse:
    collection = _get_collection_for_user(request, pk)
    dataset = collection.datasets.filter(pk=dataset_pk).first()
    if dataset is None:
        raise Http404("No such dataset in this collection")
    try:
        services.collection_remove_dataset(collection=collection, dataset=dataset, by=request.user)
        messages.success(request, f"Removed {dataset.name}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(collection)


@login_required
@require_POST
def pick_dataset(request: HttpRequest, dataset_pk: int) -> HttpResponse:
    """ "Add to DOI draft" from a dataset page: into the user's current draft, or a new one."""
    dataset = (
        access.mintable_datasets(request.user)
        .filter(pk=dataset_pk)
        .select_related("investigation")
        .first()
    )
    if dataset is None:
        raise Http404("No such dataset")
    collection = services.current_draft(by=request.user) or services.collection_create(
        by=request.user
    )
    try:
        services.collection_add_datasets(collection=collection, datasets=[dataset], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(dataset)
    if request.htmx:
        return render(
            request, "doi/_pick_dataset.html#picked", {"dataset": dataset, "collection": collection}
        )
    messages.success(request, f"Added {dataset.name} to “{collection}”.")
    return redirect(collection)
