"""Gallery thumbnails outlive the files' move to tape: kept when rendered, made before archiving
and after a sync; a picture with no thumbnail is a placeholder tile, never a broken image."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from catalogue import demo_downloads, previews, tasks
from catalogue.models import ArchiveStatus, Dataset
from tests.catalogue.dataset_files import dataset_with_files

pytestmark = pytest.mark.django_db


def to_tape(dataset: Dataset) -> None:
    for datafile in dataset.datafiles.all():
        source = Path(settings.DATA_ROOT) / datafile.location
        if source.exists():
            target = Path(settings.ARCHIVE_ROOT) / datafile.location
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    Dataset.objects.filter(pk=dataset.pk).update(archive_status=ArchiveStatus.ARCHIVED)


def thumbnail(client, datafile):
    return client.get(reverse("catalogue:datafile-thumbnail", args=[datafile.pk]))


def test_archiving_keeps_the_gallery_and_its_thumbnails_still_answer(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    demo_downloads._move_to_tape(dataset)  # the demo's archiving: thumbnails first, then the move
    assert not (
        Path(settings.DATA_ROOT) / dataset.datafiles.get(name="photo.jpg").location
    ).exists()
    client.force_login(team.participant)
    for name, size in (("frame_0001.png", (256, 192)), ("photo.jpg", (128, 256))):
        response = thumbnail(client, dataset.datafiles.get(name=name))
        assert response.status_code == 200
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == size
    page = client.get(dataset.get_absolute_url()).text
    assert page.count('class="gallery-tile"><img') == 2 and "gallery-placeholder" not in page
    assert reverse("catalogue:datafile-image", args=[dataset.datafiles.first().pk]) not in page


def test_a_picture_archived_without_a_thumbnail_is_a_placeholder(client, team) -> None:
    dataset = dataset_with_files(team.investigation)
    client.force_login(team.participant)
    assert thumbnail(client, dataset.datafiles.get(name="photo.jpg")).status_code == 200
    to_tape(dataset)  # archived by someone else: only the photo was ever shown
    assert thumbnail(client, dataset.datafiles.get(name="frame_0001.png")).status_code == 404
    page = client.get(dataset.get_absolute_url()).text
    assert page.count('data-testid="gallery-placeholder"') == 1
    assert "No preview (on tape)" in page and page.count('class="gallery-tile"><img') == 1


def test_a_sync_batch_of_files_has_their_thumbnails_made_by_a_worker(team) -> None:
    dataset = dataset_with_files(team.investigation)
    assert tasks.sync_thumbnails([dataset.pk]) == 2  # the task the sync enqueues
    for name in ("frame_0001.png", "photo.jpg"):
        assert previews.kept_thumbnail(dataset.datafiles.get(name=name)) is not None


def test_an_icat_sync_bringing_files_asks_for_their_thumbnails(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from catalogue.icat.sync import icat_sync
    from tests.catalogue.test_icat_sync import recorded

    asked: list[list[int]] = []
    monkeypatch.setattr(tasks.sync_thumbnails, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        icat_sync(gateway=recorded("initial"))
    files_of = {d for ids in asked for d in ids}
    assert files_of and files_of == set(
        Dataset.objects.filter(datafiles__isnull=False).values_list("pk", flat=True)
    )
