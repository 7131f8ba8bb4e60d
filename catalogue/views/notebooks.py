""" "Open in Jupyter": the dataset's notebook download (catalogue/notebook.py builds it)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from catalogue import access, notebook, previews
from catalogue.views.dataset import HDF5_PICKER_SIZE


@require_safe
def dataset_notebook(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    signed = request.GET.get("signed")
    if signed is not None and not user.is_authenticated:
        # A hub link: JupyterLab fetches it cross-site, without the session cookie. The signature
        # stands for the user who clicked; access is then checked for that user as for any other.
        user = access.signed_link_user(notebook.signed_user_id(signed, dataset_id=pk)) or user
    dataset = access.get_dataset_or_404(user, pk)
    files = access.visible_datafiles_of(user, dataset)
    hdf5_files = previews.hdf5_files(files, HDF5_PICKER_SIZE)
    wanted = request.GET.get("file", "")  # the file whose plot opens; anything else: the first
    valid = wanted.isascii() and wanted.isdigit() and len(wanted) < 19
    chosen = files.filter(pk=int(wanted)).first() if valid else None
    first = chosen if chosen and previews.is_hdf5(chosen) else next(iter(hdf5_files), None)
    listed = hdf5_files or list(files.order_by("name", "id")[:HDF5_PICKER_SIZE])
    if first is not None and first not in listed:
        listed = [first, *listed]
    body = notebook.build(dataset=dataset, files=listed, first=first, base=settings.SITE_URL)
    response = HttpResponse(body, content_type="application/x-ipynb+json")
    response["Content-Disposition"] = content_disposition_header(True, notebook.filename(dataset))
    response["Cache-Control"] = "private, no-store"
    if signed is not None and notebook.hub_origin():
        response["Access-Control-Allow-Origin"] = notebook.hub_origin()
    return response
