"""Technique-aware previews: each technique's picture drawn from the demo's NeXus files, made by
the worker's task and never by a page request, a placeholder until then, the MX summary, and the
access policy on the picture's URL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from catalogue import tasks, technique_previews
from catalogue.models import ArchiveStatus, Dataset
from tests.access_matrix.walk import normalise
from tests.catalogue.nexus_files import nexus_dataset
from tests.catalogue.test_thumbnails_on_tape import to_tape

pytestmark = pytest.mark.django_db


def picture_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


@pytest.mark.parametrize(
    ("kind", "processed", "technique", "shown"),
    [
        ("mx", False, "mx", "image"),
        ("saxs", True, "saxs", "line"),
        ("tomo", True, "tomography", "image"),
        ("xas", False, "spectroscopy", "line"),
        ("nanodiff", True, "diffraction", "image"),
        ("powder", True, "diffraction", "line"),
    ],
)
def test_each_technique_draws_its_default_plot(team, kind, processed, technique, shown) -> None:
    dataset = nexus_dataset(team.investigation, kind, processed=processed)
    drawn = technique_previews.dataset_preview_make(dataset=dataset)
    assert drawn.technique == technique and drawn.kind == shown
    assert picture_size(technique_previews.preview_file(dataset.pk)) == (480, 320)
    if kind == "saxs":  # I(q) log-log, the Guinier region up to q·Rg = 1.3 shaded
        rg = dataset.parameters.get(type__name="radius of gyration").numeric_value
        assert drawn.log_log and drawn.guinier[1] == pytest.approx(1.3 / rg, rel=1e-6)
        assert drawn.guinier[0] == pytest.approx(0.025)
    elif kind == "tomo":  # the volume's central slice
        assert len(drawn.shape) == 3 and drawn.frame == drawn.shape[0] // 2
    elif kind == "mx":  # the first frame of the detector stack
        assert len(drawn.shape) == 3 and drawn.frame == 0
    elif kind == "xas":  # the Cu K edge marked on mu(E)
        assert drawn.edge == pytest.approx(8979.0) and drawn.guinier is None
    else:
        assert drawn.guinier is None and drawn.edge is None


def test_saxs_without_an_rg_is_drawn_without_a_guinier_region(team) -> None:
    dataset = nexus_dataset(team.investigation, "saxs", processed=False)
    drawn = technique_previews.dataset_preview_make(dataset=dataset)
    assert drawn.log_log and drawn.guinier is None


def test_the_worker_draws_the_preview_and_the_page_never_does(client, team) -> None:
    dataset = nexus_dataset(team.investigation, "saxs", processed=True)
    client.force_login(team.participant)
    page = client.get(dataset.get_absolute_url()).text
    assert 'data-testid="preview-pending"' in page and "Preview being prepared" in page
    preview_url = reverse("catalogue:dataset-preview", args=[dataset.pk])
    assert client.get(preview_url).status_code == 404
    assert not technique_previews.preview_file(dataset.pk).exists()  # no request drew it

    tasks.sync_thumbnails([dataset.pk])  # what an ICAT sync batch and the demo enqueue

    page = client.get(dataset.get_absolute_url()).text
    assert f'src="{preview_url}"' in page and "preview-pending" not in page
    response = client.get(preview_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.size == (480, 320)
    tab = client.get(reverse("catalogue:investigation-datasets", args=[team.investigation.pk]))
    assert f'class="dataset-thumb border rounded bg-white" src="{preview_url}"' in tab.text


def test_a_preview_outlives_the_move_to_tape(client, team) -> None:
    dataset = nexus_dataset(team.investigation, "tomo", processed=False)
    tasks.sync_thumbnails([dataset.pk])
    to_tape(dataset)
    assert Dataset.objects.get(pk=dataset.pk).archive_status == ArchiveStatus.ARCHIVED
    tasks.sync_thumbnails([dataset.pk])  # nothing on disk: the picture stays
    client.force_login(team.participant)
    response = client.get(reverse("catalogue:dataset-preview", args=[dataset.pk]))
    assert response.status_code == 200


def test_outsiders_get_the_404_of_a_nonexistent_dataset(client, team) -> None:
    dataset = nexus_dataset(team.investigation, "xas", processed=True)
    tasks.sync_thumbnails([dataset.pk])
    client.force_login(team.outsider)
    hidden = client.get(reverse("catalogue:dataset-preview", args=[dataset.pk]))
    missing = client.get(reverse("catalogue:dataset-preview", args=[dataset.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    # Byte for byte, but for the per-response CSRF token
    assert normalise(hidden.content) == normalise(missing.content)
    client.force_login(team.participant)
    assert client.get(reverse("catalogue:dataset-preview", args=[dataset.pk])).status_code == 200


def test_processed_mx_shows_its_processing_summary(client, team) -> None:
    dataset = nexus_dataset(team.investigation, "mx", processed=True)
    tasks.sync_thumbnails([dataset.pk])
    client.force_login(team.participant)
    page = client.get(dataset.get_absolute_url()).text
    assert 'data-testid="mx-summary"' in page
    parameters = {p.type.name: p for p in dataset.parameters.select_related("type")}
    resolution = parameters["resolution"].numeric_value
    assert f"{resolution:.4g} Å" in page
    assert parameters["space group"].string_value in page
    a, b, c, alpha, beta, gamma = parameters["unit cell"].string_value.split()
    assert f"{a} {b} {c} Å, {alpha} {beta} {gamma}°" in page
    for label in ("Completeness", "⟨I/σ(I)⟩"):
        assert label in page


def test_a_file_without_a_default_plot_says_so_instead_of_waiting(client, team) -> None:
    from tests.catalogue.dataset_files import dataset_with_files

    dataset = dataset_with_files(team.investigation)  # its scan.h5 names no signal
    tasks.sync_thumbnails([dataset.pk])
    client.force_login(team.participant)
    page = client.get(dataset.get_absolute_url()).text
    assert 'data-testid="preview-none"' in page and "preview-pending" not in page


def test_the_card_polls_while_pending_and_stops_once_drawn(client, team) -> None:
    dataset = nexus_dataset(team.investigation, "powder", processed=True)
    card_url = reverse("catalogue:dataset-preview-card", args=[dataset.pk])
    client.force_login(team.participant)
    pending = client.get(card_url, headers={"HX-Request": "true"})
    assert "<html" not in pending.text and f'hx-get="{card_url}"' in pending.text
    assert "no-store" in pending["Cache-Control"]
    assert not technique_previews.preview_file(dataset.pk).exists()  # polling draws nothing
    tasks.sync_thumbnails([dataset.pk])
    ready = client.get(card_url, headers={"HX-Request": "true"}).text
    assert "technique-preview border" in ready and "hx-get" not in ready
    without_htmx = client.get(card_url)
    assert without_htmx.status_code == 302
    assert without_htmx["Location"] == dataset.get_absolute_url() + "#technique-preview"


def test_archived_without_a_preview_says_so_instead_of_waiting(client, team) -> None:
    dataset = nexus_dataset(team.investigation, "xas", processed=False)
    to_tape(dataset)  # archived before any worker drew it
    client.force_login(team.participant)
    page = client.get(dataset.get_absolute_url()).text
    assert "No preview. The files are on tape" in page and "preview-pending" not in page
