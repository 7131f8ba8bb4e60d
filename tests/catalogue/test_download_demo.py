"""The downloads demo step archives datasets and makes some too large to stream."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings

from catalogue import demo_downloads
from catalogue.models import ArchiveStatus, Dataset
from tests import factories
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db


def test_demo_archives_old_public_datasets_and_adds_large_sparse_files(client) -> None:
    old = [
        dataset_with_files(factories.InvestigationFactory(released=True), seed=i) for i in range(3)
    ]
    mx = dataset_with_files(factories.InvestigationFactory(name="MX-2468"), seed=9)
    out = io.StringIO()

    demo_downloads.seed(out=out)

    archived = list(Dataset.objects.filter(archive_status=ArchiveStatus.ARCHIVED))
    assert len(archived) == 2
    for dataset in archived:
        for datafile in dataset.datafiles.all():
            assert not (Path(settings.DATA_ROOT) / datafile.location).exists()
            assert (Path(settings.ARCHIVE_ROOT) / datafile.location).stat().st_size == datafile.size
    large = Dataset.objects.filter(size__gt=settings.DOWNLOAD_STREAM_LIMIT)
    assert {d.pk for d in large} == {mx.pk, old[2].pk}
    for dataset in large:
        big = dataset.datafiles.get(size=3 * 2**30)
        stat = (Path(settings.DATA_ROOT) / big.location).stat()
        assert stat.st_size == 3 * 2**30 and stat.st_blocks * 512 < 2**20  # sparse
    client.force_login(factories.UserFactory(is_staff=True))
    assert b"Prepare zip" in client.get(mx.get_absolute_url()).content
    assert "archived" in out.getvalue()
