""" "Open in Jupyter": a notebook (nbformat 4) that downloads a dataset's files through the portal's
download URLs and opens the default NeXus plot with h5py and matplotlib.

The notebook never holds a secret: it reads the user's API token from the PORTAL_TOKEN environment
variable, else asks for it (getpass), and sends it as `Authorization: Token …` like any API client.
With JUPYTERHUB_URL set, a second link opens the notebook on that hub: JupyterLab's `fromURL`
parameter (jupyterlab-open-url-parameter) fetches it from the browser, so the link carries a
short-lived signature in place of the session cookie (which a cross-site fetch does not send).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

import nbformat
from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Datafile, Dataset

SIGNATURE_SALT = "catalogue.notebook"
SIGNATURE_MAX_AGE = 600  # seconds a hub link works: the hub fetches it right after the click

INTRO = """# {title}

Dataset **{name}** of investigation {investigation} ([portal page]({page})).

This notebook downloads the dataset's files from the portal and plots the default NeXus view of
**{first}** with h5py and matplotlib.

**Your API token is not in this notebook** (share it freely). The portal identifies you by your
personal API token, shown on your [profile page]({profile}): set it in the `PORTAL_TOKEN`
environment variable before starting Jupyter (`export PORTAL_TOKEN=…`), or paste it when the next
cell asks (public data needs none). A dataset archived on tape must be restored on the portal
before its files download.
"""

SETUP = """import getpass
import os
import shutil
import urllib.request
from pathlib import Path

PORTAL_URL = {portal!r}
DATASET_ID = {dataset}
TOKEN = os.environ.get("PORTAL_TOKEN") or getpass.getpass(
    "Portal API token (profile page; empty for public data): "
)
HEADERS = {{"Authorization": f"Token {{TOKEN}}"}} if TOKEN else {{}}
DOWNLOAD_DIR = Path(f"dataset-{{DATASET_ID}}")
"""

DOWNLOAD = """# {count} file(s) of the dataset; the whole list is at
# PORTAL_URL + "/api/datafiles/?dataset={dataset}" (same token).
FILES = {{
{files}
}}

DOWNLOAD_DIR.mkdir(exist_ok=True)
for name, url in FILES.items():
    target = DOWNLOAD_DIR / name
    if target.exists():
        continue
    request = urllib.request.Request(PORTAL_URL + url, headers=HEADERS)
    with urllib.request.urlopen(request) as answer, open(target, "wb") as out:
        shutil.copyfileobj(answer, out)
    print("downloaded", target, target.stat().st_size, "bytes")
"""

PLOT = """import h5py
import matplotlib.pyplot as plt
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def default_nxdata(h5):
    \"\"\"Follow the NeXus `default` attributes from the root to an NXdata group.\"\"\"
    group = h5
    while "default" in group.attrs and text(group.attrs["default"]) in group:
        group = group[text(group.attrs["default"])]
    return group if "signal" in group.attrs else None


with h5py.File(DOWNLOAD_DIR / {first!r}, "r") as h5:
    nxdata = default_nxdata(h5)
    if nxdata is None:
        h5.visit(print)  # no default plot: list what the file holds
    else:
        signal = nxdata[text(nxdata.attrs["signal"])]
        axes = [text(a) for a in np.atleast_1d(nxdata.attrs.get("axes", []))]
        data = signal[(0,) * (signal.ndim - 2)] if signal.ndim > 2 else signal[()]
        figure, ax = plt.subplots(figsize=(7, 4.5))
        if data.ndim == 1:
            x = nxdata[axes[-1]][()] if axes and axes[-1] in nxdata else np.arange(data.size)
            ax.plot(x, data)
            ax.set_xlabel(axes[-1] if axes else "index")
            ax.set_ylabel(signal.name)
        else:
            image = ax.imshow(data, origin="lower", aspect="auto")
            figure.colorbar(image, ax=ax)
        ax.set_title(f"{{nxdata.name}} ({{signal.name}}, shape {{signal.shape}})")
        plt.show()
"""


def build(*, dataset: Dataset, files: list[Datafile], first: Datafile | None, base: str) -> str:
    """The notebook as JSON text. `files` are the ones it downloads (the page's HDF5 files, or
    the first files); `first` is the file whose default plot it opens."""
    page = base + dataset.get_absolute_url()
    lines = ",\n".join(
        f"    {f.name!r}: {reverse('catalogue:datafile-download', args=[f.pk])!r}" for f in files
    )
    first_name = first.name if first else (files[0].name if files else "")
    cells = [
        nbformat.v4.new_markdown_cell(
            INTRO.format(
                title=f"Dataset {dataset.name}",
                name=dataset.name,
                investigation=dataset.investigation.name,
                page=page,
                profile=base + reverse("portal:profile"),
                first=first_name or "its first file",
            )
        ),
        nbformat.v4.new_code_cell(SETUP.format(portal=base, dataset=dataset.pk)),
        nbformat.v4.new_code_cell(
            DOWNLOAD.format(count=len(files), dataset=dataset.pk, files=lines)
        ),
    ]
    if first is not None:
        cells.append(nbformat.v4.new_code_cell(PLOT.format(first=first.name)))
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(notebook)
    return nbformat.writes(notebook)


def filename(dataset: Dataset) -> str:
    return f"dataset-{dataset.pk}.ipynb"


def hub_link(*, user, dataset: Dataset, base: str) -> str:
    """A URL that opens the notebook on JUPYTERHUB_URL, or "" when no hub is configured.
    `/hub/user-redirect/` sends each user to their own server; `fromURL` makes JupyterLab fetch
    the notebook, through a link signed for this user and dataset that expires quickly."""
    hub = settings.JUPYTERHUB_URL.rstrip("/")
    if not hub or not user.is_authenticated:
        return ""
    signature = signing.TimestampSigner(salt=SIGNATURE_SALT).sign(f"{user.pk}:{dataset.pk}")
    source = (
        base
        + reverse("catalogue:dataset-notebook", args=[dataset.pk])
        + "?"
        + urlencode({"signed": signature})
    )
    return f"{hub}/hub/user-redirect/lab?fromURL={quote(source, safe='')}"


def signed_user_id(value: str, *, dataset_id: int) -> int | None:
    """The user a hub link was signed for, if it is this dataset's, genuine and recent."""
    try:
        payload = signing.TimestampSigner(salt=SIGNATURE_SALT).unsign(
            value, max_age=SIGNATURE_MAX_AGE
        )
    except signing.BadSignature:
        return None
    user_id, _, signed_dataset = payload.partition(":")
    if signed_dataset != str(dataset_id) or not user_id.isdigit():
        return None
    return int(user_id)


def hub_origin() -> str:
    parts = urlsplit(settings.JUPYTERHUB_URL)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
