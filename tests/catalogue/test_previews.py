"""Thumbnails, full-size images, the HDF5 preview panel and plots: real PNG/JPEG/HDF5 files in a
temporary DATA_ROOT, the access policy on every picture, paths that must not escape DATA_ROOT."""

from __future__ import annotations

import html
import io
from pathlib import Path

import h5py
import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from catalogue import previews
from tests import factories
from tests.catalogue.dataset_files import datafile, dataset_with_files, write_png

pytestmark = pytest.mark.django_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def scan(team):
    return dataset_with_files(team.investigation, name="scan_0007")


def file_of(dataset, name):
    return dataset.datafiles.get(name=name)


def picture(response) -> Image.Image:
    body = b"".join(response.streaming_content)
    assert body.startswith(PNG_MAGIC)
    return Image.open(io.BytesIO(body))


def test_thumbnail_is_a_png_that_fits_256_pixels_keeping_the_aspect(client, team, scan) -> None:
    client.force_login(team.participant)
    wide = client.get(
        reverse("catalogue:datafile-thumbnail", args=[file_of(scan, "frame_0001.png").pk])
    )
    assert wide.status_code == 200 and wide["Content-Type"] == "image/png"
    assert "private" in wide["Cache-Control"]
    assert picture(wide).size == (256, 192)  # from 640 × 480
    tall = client.get(reverse("catalogue:datafile-thumbnail", args=[file_of(scan, "photo.jpg").pk]))
    assert picture(tall).size == (128, 256)  # from a 400 × 800 JPEG


def test_thumbnail_is_rendered_once_and_then_served_from_the_cache(client, team, scan) -> None:
    image = file_of(scan, "frame_0001.png")
    client.force_login(team.participant)
    picture(client.get(reverse("catalogue:datafile-thumbnail", args=[image.pk])))
    cached = list((Path(settings.PREVIEW_CACHE_DIR) / "thumbnails").glob(f"{image.pk}-*.png"))
    assert len(cached) == 1
    cached[0].write_bytes(png_bytes(size=(10, 10)))  # whatever is cached is what is served
    again = picture(client.get(reverse("catalogue:datafile-thumbnail", args=[image.pk])))
    assert again.size == (10, 10)
    write_png(image.location, size=(300, 300))  # a replaced file gets a fresh thumbnail
    fresh = picture(client.get(reverse("catalogue:datafile-thumbnail", args=[image.pk])))
    assert fresh.size == (256, 256)


def png_bytes(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, format="PNG")
    return out.getvalue()


def test_16_bit_detector_images_get_a_visible_thumbnail(client, team) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    frame = datafile(dataset, "detector.png")
    path = Path(settings.DATA_ROOT) / frame.location
    path.parent.mkdir(parents=True)
    ramp = (np.arange(64 * 64).reshape(64, 64) * 10).astype(np.uint16)
    Image.fromarray(ramp).save(path)
    client.force_login(team.participant)
    thumbnail = picture(client.get(reverse("catalogue:datafile-thumbnail", args=[frame.pk])))
    low, high = thumbnail.convert("L").getextrema()
    assert low < 10 and high > 245  # stretched to the full grey range, not a black square


def test_full_size_image_is_shown_inline(client, team, scan) -> None:
    client.force_login(team.participant)
    response = client.get(reverse("catalogue:datafile-image", args=[file_of(scan, "photo.jpg").pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "attachment" not in response.get("Content-Disposition", "")


def test_plot_of_a_2d_array_is_a_png(client, team, scan) -> None:
    h5 = file_of(scan, "scan.h5")
    client.force_login(team.participant)
    response = client.get(
        reverse("catalogue:datafile-plot", args=[h5.pk]) + "?path=/entry/data/data"
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert picture(response).size == (640, 400)


@pytest.mark.parametrize("path", ["/entry/data/spectrum", "/entry/data/stack"])
def test_plots_of_1d_and_3d_arrays(client, team, scan, path) -> None:
    client.force_login(team.participant)
    response = client.get(
        reverse("catalogue:datafile-plot", args=[file_of(scan, "scan.h5").pk]), {"path": path}
    )
    assert response.status_code == 200
    picture(response)


def test_big_arrays_are_downsampled_before_plotting(team) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    big = datafile(dataset, "big.h5")
    path = Path(settings.DATA_ROOT) / big.location
    path.parent.mkdir(parents=True)
    with h5py.File(path, "w") as handle:
        handle["curve"] = np.arange(100_000, dtype=np.float32)
        handle["frame"] = np.ones((3000, 2100), dtype=np.uint8)
    with h5py.File(path, "r") as handle:
        curve, steps = previews._read_downsampled(handle["curve"])
        assert curve.size <= previews.MAX_POINTS_1D and steps == (25,)
        frame, steps = previews._read_downsampled(handle["frame"])
        assert max(frame.shape) <= previews.MAX_SIDE_2D and steps == (3, 3)
    assert previews.hdf5_plot(datafile=big, path="/frame").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/entry/nothing", "There is no array /entry/nothing in this file."),
        ("/entry/data", "/entry/data is a group, not an array."),
        ("/entry/title", "/entry/title is not a numeric array that can be plotted."),
        ("/entry/latest", "/entry/latest goes through a link; links are not followed."),
        ("/entry/outside", "/entry/outside goes through a link; links are not followed."),
        ("/entry/../entry/data/data", "Choose an array from the file's tree"),
        ("entry/data/data", "Choose an array from the file's tree"),
        ("", "Give the array to plot"),
    ],
)
def test_bad_plot_paths_are_400_with_a_message(client, team, scan, path, message) -> None:
    client.force_login(team.participant)
    response = client.get(
        reverse("catalogue:datafile-plot", args=[file_of(scan, "scan.h5").pk]), {"path": path}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_locations_outside_data_root_are_refused(client, team, tmp_path) -> None:
    secret = tmp_path / "secret.png"
    write_png("../secret.png")  # DATA_ROOT is tmp_path/data: this lands beside it
    assert secret.exists()
    dataset = factories.DatasetFactory(investigation=team.investigation)
    client.force_login(team.staff)
    for name, location in (
        ("escape.png", "../secret.png"),
        ("absolute.png", str(secret)),
        ("linked.png", "link/secret.png"),
    ):
        image = datafile(dataset, name, location=location)
        if name == "linked.png":  # a symlink inside DATA_ROOT pointing out of it
            (Path(settings.DATA_ROOT) / "link").symlink_to(tmp_path)
        response = client.get(reverse("catalogue:datafile-thumbnail", args=[image.pk]))
        assert response.status_code == 400, name
        assert "outside the facility's data storage" in response.content.decode()
        response = client.get(reverse("catalogue:datafile-image", args=[image.pk]))
        assert response.status_code == 400


def test_missing_files_are_404_with_a_message(client, team) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    image, h5 = datafile(dataset, "gone.png"), datafile(dataset, "gone.h5")
    client.force_login(team.participant)
    response = client.get(reverse("catalogue:datafile-thumbnail", args=[image.pk]))
    assert response.status_code == 404 and "not on disk" in response.content.decode()
    response = client.get(reverse("catalogue:datafile-plot", args=[h5.pk]), {"path": "/x"})
    assert response.status_code == 404 and "not on disk" in response.content.decode()


def test_files_that_are_not_what_their_name_says_get_a_message(client, team) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    fake_png, fake_h5 = datafile(dataset, "fake.png"), datafile(dataset, "fake.h5")
    for file in (fake_png, fake_h5):
        path = Path(settings.DATA_ROOT) / file.location
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not really")
    client.force_login(team.participant)
    response = client.get(reverse("catalogue:datafile-thumbnail", args=[fake_png.pk]))
    assert response.status_code == 400 and "This image cannot be read" in response.content.decode()
    response = client.get(reverse("catalogue:datafile-plot", args=[fake_h5.pk]), {"path": "/a"})
    assert response.status_code == 400 and "not a readable HDF5 file" in response.content.decode()
    response = client.get(
        reverse("catalogue:datafile-preview", args=[fake_h5.pk]), headers={"HX-Request": "true"}
    )
    assert "not a readable HDF5 file" in response.content.decode()


def test_preview_panel_is_an_htmx_fragment_with_tree_shapes_and_dtypes(client, team, scan) -> None:
    h5 = file_of(scan, "scan.h5")
    client.force_login(team.participant)
    response = client.get(
        reverse("catalogue:datafile-preview", args=[h5.pk]),
        {"path": "/entry/data/spectrum"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.strip().startswith('<div id="hdf5-panel">')
    assert "48 × 64 · float64" in html and "3 × 20 × 30 · uint16" in html and "NXentry" in html
    assert "→ /etc/passwd:/secret" in html  # listed, not followed
    assert 'alt="Plot of /entry/data/spectrum"' in html


def test_preview_without_htmx_redirects_to_the_dataset_page(client, team, scan) -> None:
    h5 = file_of(scan, "scan.h5")
    client.force_login(team.participant)
    response = client.get(
        reverse("catalogue:datafile-preview", args=[h5.pk]), {"path": "/entry/data/data"}
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("catalogue:dataset-detail", args=[scan.pk])
        + f"?h5={h5.pk}&path=%2Fentry%2Fdata%2Fdata#hdf5"
    )


def test_pictures_of_the_wrong_kind_of_file_are_404(client, team, scan) -> None:
    client.force_login(team.participant)
    notes, h5 = file_of(scan, "notes.txt"), file_of(scan, "scan.h5")
    assert client.get(reverse("catalogue:datafile-thumbnail", args=[notes.pk])).status_code == 404
    assert client.get(reverse("catalogue:datafile-thumbnail", args=[h5.pk])).status_code == 404
    assert (
        client.get(reverse("catalogue:datafile-plot", args=[notes.pk]), {"path": "/a"}).status_code
        == 404
    )


VIEWS = ["datafile-thumbnail", "datafile-image", "datafile-preview", "datafile-plot"]


def target(scan, view: str):
    return file_of(
        scan, "scan.h5" if view in ("datafile-preview", "datafile-plot") else "frame_0001.png"
    )


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(
    "who",
    [
        "principal_investigator",
        "participant",
        "collaborator",
        "local_contact",
        "scientist",
        "staff",
    ],
)
def test_team_may_see_every_picture(client, team, scan, view, who) -> None:
    client.force_login(getattr(team, who))
    response = client.get(
        reverse(f"catalogue:{view}", args=[target(scan, view).pk]),
        {"path": "/entry/data/data"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_outsiders_and_anonymous_get_404_for_embargoed_pictures(client, team, scan, view, who):
    if who:
        client.force_login(getattr(team, who))
    response = client.get(
        reverse(f"catalogue:{view}", args=[target(scan, view).pk]),
        {"path": "/entry/data/data"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert not Path(settings.PREVIEW_CACHE_DIR).exists()  # nothing was even rendered


@pytest.mark.parametrize("view", VIEWS)
def test_unknown_ids_are_404_and_post_is_405(client, team, scan, view) -> None:
    client.force_login(team.staff)
    assert client.get(reverse(f"catalogue:{view}", args=[7654321])).status_code == 404
    assert (
        client.post(reverse(f"catalogue:{view}", args=[target(scan, view).pk])).status_code == 405
    )


@pytest.mark.parametrize("view", VIEWS)
def test_released_pictures_are_public(client, view) -> None:
    scan = dataset_with_files(factories.InvestigationFactory(released=True))
    response = client.get(
        reverse(f"catalogue:{view}", args=[target(scan, view).pk]),
        {"path": "/entry/data/data"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200


def test_a_dataset_in_a_minted_doi_shows_its_pictures_to_anyone(client, team) -> None:
    cited = dataset_with_files(team.investigation, released_by_doi=True)
    for view in VIEWS:
        response = client.get(
            reverse(f"catalogue:{view}", args=[target(cited, view).pk]),
            {"path": "/entry/data/data"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200, view


def test_plot_of_a_file_outside_data_root_is_refused(client, team, tmp_path) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    h5 = datafile(dataset, "escape.h5", location="../outside.h5")
    with h5py.File(tmp_path / "outside.h5", "w") as handle:
        handle["secret"] = np.arange(10.0)
    client.force_login(team.staff)
    response = client.get(reverse("catalogue:datafile-plot", args=[h5.pk]), {"path": "/secret"})
    assert response.status_code == 400
    assert "outside the facility's data storage" in response.content.decode()
    response = client.get(
        reverse("catalogue:datafile-preview", args=[h5.pk]), headers={"HX-Request": "true"}
    )
    assert "outside the facility's data storage" in html.unescape(response.content.decode())
    assert "secret" not in response.content.decode()


def test_a_file_whose_groups_link_in_a_loop_gets_a_cut_tree(client, team) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    h5 = datafile(dataset, "loop.h5")
    path = Path(settings.DATA_ROOT) / h5.location
    path.parent.mkdir(parents=True)
    with h5py.File(path, "w") as handle:
        group = handle.create_group("entry")
        group["again"] = group  # a hard link to itself: walking it naively never ends
        group["curve"] = np.arange(50.0)
    client.force_login(team.participant)
    response = client.get(
        reverse("catalogue:datafile-preview", args=[h5.pk]), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Part of the tree is not shown" in page
    assert 'alt="Plot of /entry/curve"' in page  # the loop is listed once, then its siblings


def test_head_requests_for_pictures_are_answered(client, team, scan) -> None:
    client.force_login(team.participant)
    image = file_of(scan, "frame_0001.png")
    response = client.head(reverse("catalogue:datafile-thumbnail", args=[image.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
