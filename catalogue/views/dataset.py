"""Datasets and samples: an investigation's datasets and samples tabs, the sample page, the dataset
page (parameters, provenance, files, gallery, HDF5 viewer) and the pictures those pages show.

Every object comes through `catalogue.access` (hidden = 404); pictures are rendered by
`catalogue.previews` and served only after that check.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_safe

from catalogue import access, notebook, previews, technique_previews
from catalogue.dataset_forms import DatasetFilterForm, filter_datasets, numeric_parameter_types
from catalogue.hdf5_outline import hdf5_outline
from catalogue.models import (
    HDF5_NAME_Q,
    IMAGE_NAME_Q,
    ArchiveStatus,
    Datafile,
    Dataset,
    DatasetParameter,
    ParameterType,
    SampleParameter,
    ValueType,
)
from portal import keyset

PAGE_SIZE = 50
FILES_PAGE_SIZE = 50
GALLERY_SIZE = previews.GALLERY_SIZE
HDF5_PICKER_SIZE = 50
# Columns of the datasets table: the first numeric parameters whose name holds one of these words
# (what beamline scientists look at first, whatever the technique), else the first by name.
KEY_PARAMETER_WORDS = (
    "energy",
    "wavelength",
    "temperature",
    "exposure",
    "transmission",
    "distance",
)


def format_value(parameter: DatasetParameter | None) -> str:
    if parameter is None:
        return ""
    if parameter.type.value_type == ValueType.NUMERIC and parameter.numeric_value is not None:
        return f"{parameter.numeric_value:.6g}"
    return parameter.string_value


def _key_parameter_types(
    types: list[ParameterType] | QuerySet[ParameterType],
) -> list[ParameterType]:
    def rank(parameter_type: ParameterType) -> tuple[int, str]:
        name = parameter_type.name.lower()
        position = next((i for i, w in enumerate(KEY_PARAMETER_WORDS) if w in name), 99)
        return position, name

    return sorted(types, key=rank)[:3]


DATASET_ORDER = ["start_date", "id"]  # undated datasets last


def _dataset_page(
    request: HttpRequest, datasets: QuerySet[Dataset], *, key_types: list[ParameterType]
) -> keyset.Page:
    """One keyset page in start time order, with the key parameters prefetched: three queries
    whatever the page size. A stale or edited page link gives the first page."""
    datasets = datasets.select_related("sample")
    if key_types:
        datasets = datasets.prefetch_related(
            Prefetch(
                "parameters",
                to_attr="key_parameters",
                queryset=DatasetParameter.objects.filter(type__in=key_types).select_related("type"),
            )
        )
    page, _ = keyset.paginate_or_first(
        datasets, ordering=DATASET_ORDER, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    for dataset in page.rows:
        # A file check, no query: the worker made the picture or it is not shown.
        dataset.preview_ready = technique_previews.preview_file(dataset.pk).is_file()
        found = {p.type_id: p for p in getattr(dataset, "key_parameters", [])}
        # Each value with its parameter type: on phones the cell carries its column's name.
        dataset.key_values = [(t, format_value(found.get(t.pk))) for t in key_types]
    return page


@require_GET
def investigation_datasets(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = access.get_investigation_or_404(request.user, pk)
    base = access.visible_datasets(request.user).filter(investigation=investigation)
    # One scan of the investigation's parameters; the form's choices then look types up by id.
    used = list(numeric_parameter_types(Dataset.objects.filter(investigation=investigation)))
    parameter_types = ParameterType.objects.filter(pk__in=[t.pk for t in used]).order_by(
        "name", "units"
    )
    form = DatasetFilterForm(
        request.GET or None,
        samples=investigation.samples.order_by("name"),
        parameter_types=parameter_types,
    )
    page = keyset.Page([], None, None)
    key_types = _key_parameter_types(used)
    # With bad filters the errors are shown and nothing is listed, rather than the wrong thing.
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        chosen = data.get("parameter")
        if chosen is not None and chosen not in key_types:
            key_types = [*key_types[:2], chosen]  # show the column the user filters on
        page = _dataset_page(request, filter_datasets(base, data), key_types=key_types)
    context = {
        "investigation": investigation,
        "form": form,
        "page": page,
        "datasets": page.rows,
        "key_types": key_types,
    }
    template = "catalogue/investigation_datasets.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
def investigation_samples(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = access.get_investigation_or_404(request.user, pk)
    base = access.visible_samples(request.user).filter(investigation=investigation)
    samples = base.annotate(n_datasets=Count("datasets")).prefetch_related(
        Prefetch("parameters", queryset=_parameters_queryset())
    )
    page, _ = keyset.paginate_or_first(
        samples, ordering=["name", "id"], cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    context = {"investigation": investigation, "page": page, "samples": page.rows}
    template = "catalogue/investigation_samples.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def _int_or_none(raw: str | None) -> int | None:
    """A file id from the query string; anything else means none."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _parameters_queryset() -> QuerySet[SampleParameter]:
    return SampleParameter.objects.select_related("type").order_by("type__name")


@require_GET
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = access.get_sample_or_404(request.user, pk)
    base = access.visible_datasets(request.user).filter(sample=sample)
    key_types = _key_parameter_types(numeric_parameter_types(Dataset.objects.filter(sample=sample)))
    page = _dataset_page(request, base, key_types=key_types)
    context = {
        "sample": sample,
        "investigation": sample.investigation,
        "parameters": sample.parameters.select_related("type").order_by("type__name"),
        "page": page,
        "datasets": page.rows,
        "key_types": key_types,
    }
    template = "catalogue/sample_detail.html"
    if request.htmx:
        template += "#datasets"
    return render(request, template, context)


@require_GET
def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = access.get_dataset_or_404(request.user, pk)
    files = access.visible_datafiles_of(request.user, dataset)
    page, _ = keyset.paginate_or_first(
        files, ordering=["name", "id"], cursor=request.GET.get("cursor"), size=FILES_PAGE_SIZE
    )
    context: dict[str, Any] = {
        "dataset": dataset,
        "investigation": dataset.investigation,
        "files_page": page,
        "files": page.rows,
    }
    template = "catalogue/dataset_detail.html"
    if request.htmx:
        return render(request, template + "#files", context)

    visible = access.visible_datasets(request.user)
    images, hdf5_files = _previewable_files(files)
    online = dataset.archive_status == ArchiveStatus.ONLINE
    for image in images[:GALLERY_SIZE]:
        # On tape, a picture exists only if its thumbnail was kept: the others get a placeholder.
        image.thumbnail_shown = online or previews.kept_thumbnail(image) is not None
    parameters = list(dataset.parameters.select_related("type").order_by("type__name"))
    for parameter in parameters:
        parameter.display = format_value(parameter)
    context.update(
        {
            "parameters": parameters,
            "derived_from": visible.filter(derivatives=dataset).order_by("start_date", "id")[:50],
            "derivatives": visible.filter(derived_from=dataset).order_by("start_date", "id")[:50],
            "images": images[:GALLERY_SIZE],
            "more_images": len(images) > GALLERY_SIZE,
            "hdf5_files": hdf5_files,
            **technique_previews.page_context(dataset, parameters, has_hdf5=bool(hdf5_files)),
            "can_see_investigation": access.can_view_investigation(
                request.user, dataset.investigation
            ),
        }
    )
    chosen = _int_or_none(request.GET.get("h5"))
    selected = next((f for f in hdf5_files if f.pk == chosen), None)
    if selected is None and chosen is not None:  # a file beyond the picker's first 50
        selected = next((f for f in files.filter(pk=chosen) if previews.is_hdf5(f)), None)
    for datafile in hdf5_files if selected is None else [*hdf5_files, selected]:
        datafile.h5grove_url = h5grove_url(datafile)
    if selected is not None:
        context.update(_outline_context(selected, request.GET.get("path", "")))
    context["jupyterhub_link"] = notebook.hub_link(
        user=request.user, dataset=dataset, base=settings.SITE_URL
    )
    response = render(request, template, context)
    if hdf5_files:
        # H5Web's array code (scijs ndarray, ndarray-ops) compiles functions with `new Function`:
        # only pages that may load it relax script-src, and only by 'unsafe-eval' (htmx runs with
        # allowEval off, templates hold no inline scripts, so no page input is evaluated).
        response._csp_update = {"script-src": ["'unsafe-eval'"]}
    return response


def _previewable_files(files: QuerySet[Datafile]) -> tuple[list[Datafile], list[Datafile]]:
    """(images, HDF5 files), the first of each by name: two queries on partial indexes that
    read only the rows shown, whatever the dataset's size (catalogue/models.py)."""
    images = list(files.filter(IMAGE_NAME_Q).order_by("name", "id")[: GALLERY_SIZE + 1])
    return images, previews.hdf5_files(files, HDF5_PICKER_SIZE)


def h5grove_url(datafile: Datafile) -> str:
    """The base URL H5Web's H5GroveProvider gets: it appends /meta, /data, ... itself."""
    return reverse("catalogue:h5grove-meta", args=[datafile.pk]).removesuffix("/meta/")


def _outline_context(datafile: Datafile, path: str) -> dict[str, Any]:
    """The chosen file's outline for the page without JavaScript (H5Web replaces it, opened at
    `path` when one is given: ICAT+'s "open datafile" links name a scan)."""
    path = path if path.startswith("/") and len(path) <= 1024 else ""
    context: dict[str, Any] = {"h5file": datafile, "h5_path": path, "outline": None, "h5_error": ""}
    try:
        context["outline"] = hdf5_outline(datafile=datafile)
    except previews.PreviewError as error:
        context["h5_error"] = str(error)
    return context


def _file_of_kind(request: HttpRequest, pk: int, kind: str) -> Datafile:
    datafile = access.get_datafile_or_404(request.user, pk)
    matches = previews.is_image(datafile) if kind == "image" else previews.is_hdf5(datafile)
    if not matches:
        raise Http404(f"This file is not an {kind} file.")
    return datafile


def _png(path: Any) -> FileResponse:
    response = FileResponse(open(path, "rb"), content_type="image/png")
    # private: a shared cache must never hand an embargoed picture to someone else
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _preview_failed(error: previews.PreviewError) -> HttpResponse:
    status = 404 if isinstance(error, previews.FileMissing) else 400
    return HttpResponse(str(error), status=status, content_type="text/plain; charset=utf-8")


@require_GET
def dataset_preview_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview card alone: polled while the worker draws the picture, so it appears."""
    dataset = access.get_dataset_or_404(request.user, pk)
    if not request.htmx:
        return redirect(dataset.get_absolute_url() + "#technique-preview")
    # Polled every few seconds: whether there is an HDF5 file at all, not the page's two lists.
    has_hdf5 = access.visible_datafiles_of(request.user, dataset).filter(HDF5_NAME_Q).exists()
    parameters = list(dataset.parameters.select_related("type"))
    context = {
        "dataset": dataset,
        **technique_previews.page_context(dataset, parameters, has_hdf5=has_hdf5),
    }
    response = render(request, "catalogue/_technique_preview.html", context)
    patch_cache_control(response, private=True, no_store=True)  # polled: always fresh
    return response


@require_safe
def dataset_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The technique preview a worker drew; never drawn here: a 404 until it exists."""
    dataset = access.get_dataset_or_404(request.user, pk)
    path = technique_previews.preview_file(dataset.pk)
    if not path.is_file():
        raise Http404("This dataset's preview is being prepared.")
    return _png(path)


@require_safe  # GET and HEAD: caches and link checkers ask for pictures with HEAD
def datafile_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    datafile = _file_of_kind(request, pk, "image")
    try:
        return _png(previews.datafile_thumbnail(datafile=datafile))
    except previews.PreviewError as error:
        return _preview_failed(error)


@require_safe
def datafile_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The image itself, shown in the browser (the download view sends it as an attachment)."""
    datafile = _file_of_kind(request, pk, "image")
    try:
        path = previews.data_path(datafile.location)
    except previews.PreviewError as error:
        return _preview_failed(error)
    kind = "image/png" if datafile.name.lower().endswith(".png") else "image/jpeg"
    response = FileResponse(open(path, "rb"), content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    return response
