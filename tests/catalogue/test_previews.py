"""Thumbnails, full-size images, the HDF5 preview panel and plots: real PNG/JPEG/HDF5 files in a
temporary DATA_ROOT, the access policy on every picture, paths that must not escape DATA_ROOT."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

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
    image = datafile(dataset, "gone.png")
    client.force_login(team.participant)
    response = client.get(reverse("catalogue:datafile-thumbnail", args=[image.pk]))
    assert response.status_code == 404 and "not on disk" in response.content.decode()


def test_files_that_are_not_what_their_name_says_get_a_message(client, team) -> None:
    dataset = factories.DatasetFactory(investigation=team.investigation)
    fake_png = datafile(dataset, "fake.png")
    path = Path(settings.DATA_ROOT) / fake_png.location
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not really")
    client.force_login(team.participant)
    response = client.get(reverse("catalogue:datafile-thumbnail", args=[fake_png.pk]))
    assert response.status_code == 400 and "This image cannot be read" in response.content.decode()


def test_pictures_of_the_wrong_kind_of_file_are_404(client, team, scan) -> None:
    client.force_login(team.participant)
    notes, h5 = file_of(scan, "notes.txt"), file_of(scan, "scan.h5")
    assert client.get(reverse("catalogue:datafile-thumbnail", args=[notes.pk])).status_code == 404
    assert client.get(reverse("catalogue:datafile-thumbnail", args=[h5.pk])).status_code == 404
    assert client.get(reverse("catalogue:datafile-image", args=[h5.pk])).status_code == 404


VIEWS = ["datafile-thumbnail", "datafile-image"]


def target(scan, view: str):
    return file_of(scan, "frame_0001.png")


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
    )
    assert response.status_code == 200


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("who", ["outsider", "other_scientist", None])
def test_outsiders_and_anonymous_get_404_for_embargoed_pictures(client, team, scan, view, who):
    if who:
        client.force_login(getattr(team, who))
    response = client.get(
        reverse(f"catalogue:{view}", args=[target(scan, view).pk]),
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
    )
    assert response.status_code == 200


def test_a_dataset_in_a_minted_doi_shows_its_pictures_to_anyone(client, team) -> None:
    cited = dataset_with_files(team.investigation, released_by_doi=True)
    for view in VIEWS:
        response = client.get(
            reverse(f"catalogue:{view}", args=[target(cited, view).pk]),
        )
        assert response.status_code == 200, view


def test_head_requests_for_pictures_are_answered(client, team, scan) -> None:
    client.force_login(team.participant)
    image = file_of(scan, "frame_0001.png")
    response = client.head(reverse("catalogue:datafile-thumbnail", args=[image.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
