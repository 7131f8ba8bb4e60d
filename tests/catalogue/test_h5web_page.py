"""The dataset page's HDF5 viewer without a browser: the H5Web island's markup, the file outline
a page without JavaScript shows, the Content-Security-Policy H5Web needs (that page only), and the
"Open in Jupyter" notebook (valid, no token, and its code really downloads and plots the file)."""

from __future__ import annotations

import io
import re
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import h5py
import nbformat
import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests import factories
from tests.catalogue.dataset_files import datafile, dataset_with_files

pytestmark = pytest.mark.django_db


def page_of(dataset, query: str = "") -> str:
    return reverse("catalogue:dataset-detail", args=[dataset.pk]) + query


def script_src(response) -> list[str]:
    rules = dict(part.split(maxsplit=1) for part in response["Content-Security-Policy"].split(";"))
    return rules["script-src"].split()


@pytest.fixture
def scan(team):
    return dataset_with_files(team.investigation, name="scan_0007")


def test_each_hdf5_file_gets_a_viewer_link_that_works_without_js(client, team, scan) -> None:
    h5 = scan.datafiles.get(name="scan.h5")
    client.force_login(team.participant)

    response = client.get(page_of(scan))
    html = response.content.decode()

    view = re.search(r'<a [^>]*href="\?h5=(\d+)#hdf5"[^>]*>', html)
    assert view and int(view.group(1)) == h5.pk  # without JS: the page with the file's outline
    assert f'data-h5web-url="/datafiles/{h5.pk}/h5grove"' in view.group(0)
    assert 'data-h5web-file="scan.h5"' in view.group(0)
    assert f'href="/datafiles/{h5.pk}/download" download' in html
    assert 'data-bundle-js="/static/build/h5web.js"' in html  # loaded by dataset.js when wanted
    assert "build/h5web.js" not in re.findall(r"<script[^>]*>", html).__str__()
    # H5Web's array code compiles functions: 'unsafe-eval' on this page, nowhere else
    assert script_src(response) == ["'self'", "'unsafe-eval'"]
    assert script_src(client.get("/")) == ["'self'"]
    plain = factories.DatasetFactory(investigation=team.investigation)
    datafile(plain, "notes.txt")
    assert script_src(client.get(page_of(plain))) == ["'self'"]


def test_chosen_file_is_outlined_with_shapes_types_and_its_default_plot(client, team, scan):
    h5 = scan.datafiles.get(name="scan.h5")
    with h5py.File(Path(settings.DATA_ROOT) / h5.location, "a") as handle:
        handle.attrs["default"] = "entry"
        handle["entry"].attrs["default"] = "data"
    client.force_login(team.participant)

    html = client.get(page_of(scan, f"?h5={h5.pk}&path=/entry/data/spectrum")).content.decode()

    outline = html[html.index('data-testid="hdf5-outline"') :]
    for shown in ("NXentry", "48 × 64 · float64", "500 · float64", "3 × 20 × 30 · uint16"):
        assert shown in outline
    assert 'default plot <span class="mono">/entry/data</span>' in outline
    assert "→ /etc/passwd:/secret" in outline  # an external link is listed, never followed
    assert f'data-url="/datafiles/{h5.pk}/h5grove"' in html
    assert 'data-path="/entry/data/spectrum"' in html  # H5Web opens there (ICAT+ links)


def test_outline_explains_files_it_cannot_list(client, team, tmp_path) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    gone, fake = datafile(dataset, "gone.h5"), datafile(dataset, "fake.h5")
    (Path(settings.DATA_ROOT) / fake.location).parent.mkdir(parents=True)
    (Path(settings.DATA_ROOT) / fake.location).write_text("not really")
    escape = datafile(dataset, "escape.h5", location="../outside.h5")
    with h5py.File(tmp_path / "outside.h5", "w") as handle:
        handle["secret"] = np.arange(10.0)
    loop = datafile(dataset, "loop.h5")
    with h5py.File(Path(settings.DATA_ROOT) / loop.location, "w") as handle:
        handle["entry/curve"] = np.arange(50.0)
        handle["entry/again"] = handle["entry"]  # a hard link to itself
    client.force_login(team.participant)

    def outline(file) -> str:
        response = client.get(page_of(dataset, f"?h5={file.pk}"))
        assert response.status_code == 200
        html = response.content.decode()
        return html[html.index('data-testid="hdf5-outline"') :].replace("&#x27;", "'")

    assert "The file is not on disk" in outline(gone)
    assert "This file is not a readable HDF5 file." in outline(fake)
    assert "outside the facility's data storage" in outline(escape)
    assert "secret" not in outline(escape)
    cut = outline(loop)
    assert "Part of the file is not listed" in cut and "curve" in cut


def notebook_of(client, dataset, **query):
    response = client.get(reverse("catalogue:dataset-notebook", args=[dataset.pk]), query)
    assert response.status_code == 200, response.content[:200]
    return response, nbformat.reads(response.content.decode(), as_version=4)


def test_notebook_downloads_the_files_with_the_users_token_and_plots_the_default(
    client, team, scan, monkeypatch, tmp_path
) -> None:
    h5 = scan.datafiles.get(name="scan.h5")
    with h5py.File(Path(settings.DATA_ROOT) / h5.location, "a") as handle:
        handle.attrs["default"] = "entry"
        handle["entry"].attrs["default"] = "data"
        handle["entry/data"].attrs["signal"] = "spectrum"
    token = Token.objects.create(user=team.participant)
    client.force_login(team.participant)

    response, notebook = notebook_of(client, scan)

    nbformat.validate(notebook)
    assert response["Content-Disposition"] == f'attachment; filename="dataset-{scan.pk}.ipynb"'
    assert response["Cache-Control"] == "private, no-store"
    assert token.key not in response.content.decode()
    assert notebook.cells[0].cell_type == "markdown" and "PORTAL_TOKEN" in notebook.cells[0].source
    assert f"'scan.h5': '/datafiles/{h5.pk}/download'" in notebook.cells[2].source

    # Run its code as a user would, the portal answering through the test client.
    fetched: list[dict] = []

    def urlopen(request):
        path = urlsplit(request.full_url).path
        fetched.append({"path": path, "auth": request.get_header("Authorization")})
        client.logout()  # the notebook's token alone must do
        answer = client.get(path, headers={"Authorization": request.get_header("Authorization")})
        assert answer.status_code == 200
        return io.BytesIO(b"".join(answer.streaming_content))

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setenv("PORTAL_TOKEN", token.key)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    shown = []
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gca().get_title()))
    namespace: dict = {}
    for cell in notebook.cells[1:]:
        exec(compile(cell.source, "notebook", "exec"), namespace)  # noqa: S102

    assert fetched == [{"path": f"/datafiles/{h5.pk}/download", "auth": f"Token {token.key}"}]
    assert (tmp_path / f"dataset-{scan.pk}" / "scan.h5").stat().st_size > 0
    assert shown == ["/entry/data (/entry/data/spectrum, shape (500,))"]
    client.force_login(team.participant)
    for garbage in ("²", "9" * 30, "-1", "x"):  # the first HDF5 file, no error
        assert "scan.h5" in notebook_of(client, scan, file=garbage)[1].cells[-1].source


def test_jupyterhub_link_opens_a_short_lived_signed_notebook_url(client, team, scan, settings):
    settings.JUPYTERHUB_URL = "https://jupyter.example.org"
    client.force_login(team.participant)
    html = client.get(page_of(scan)).content.decode()
    link = re.search(r'href="(https://jupyter\.example\.org/hub/user-redirect/lab\?[^"]+)"', html)
    assert link, "no JupyterHub link"
    source = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)["fromURL"][0]
    source = urlsplit(unquote(source))
    client.logout()

    response = client.get(source.path + "?" + source.query)  # as the hub's JupyterLab fetches it

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://jupyter.example.org"
    signed = parse_qs(source.query)["signed"][0]
    other = factories.DatasetFactory(investigation=team.investigation)
    for path, query in (
        (source.path, {"signed": signed + "x"}),  # tampered
        (reverse("catalogue:dataset-notebook", args=[other.pk]), {"signed": signed}),
    ):
        assert client.get(path, query).status_code == 404
