"""Access-checked answers are `Cache-Control: private`: no shared cache (a proxy, a CDN) may keep
one team's page or file and hand it to someone else. Released pages for anonymous visitors may
stay cacheable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from catalogue import downloads
from catalogue.models import Datafile
from tests import factories
from tests.catalogue import dataset_files
from tests.catalogue.download_helpers import dataset_with_files

pytestmark = pytest.mark.django_db


def _private(response) -> bool:
    return "private" in response.get("Cache-Control", "")


@pytest.fixture
def pages(team) -> dict[str, str]:
    """Every catalogue page a team member reads, for one embargoed investigation."""
    dataset = dataset_with_files(team.investigation, files=1, size=100)
    datafile = dataset.datafiles.get()
    pictures = dataset_files.dataset_with_files(team.investigation)
    image = pictures.datafiles.get(name="frame_0001.png")
    hdf5 = pictures.datafiles.get(name="scan.h5")
    sample = factories.SampleFactory(investigation=team.investigation)
    job = downloads.download_job_build(
        job_id=downloads.download_job_create(
            owner=team.participant, datafiles=[datafile], label="test"
        )[0].pk
    )
    investigation = team.investigation.pk
    return {
        "my experiments": reverse("catalogue:experiments"),
        "search": reverse("catalogue:search") + f"?q={dataset.name}",
        "investigation": reverse("catalogue:investigation-detail", args=[investigation]),
        "datasets tab": reverse("catalogue:investigation-datasets", args=[investigation]),
        "samples tab": reverse("catalogue:investigation-samples", args=[investigation]),
        "team tab": reverse("catalogue:investigation-team", args=[investigation]),
        "dataset": reverse("catalogue:dataset-detail", args=[dataset.pk]),
        "download panel": reverse("catalogue:dataset-download-panel", args=[dataset.pk]),
        "sample": reverse("catalogue:sample-detail", args=[sample.pk]),
        "file": reverse("catalogue:datafile-download", args=[datafile.pk]),
        "thumbnail": reverse("catalogue:datafile-thumbnail", args=[image.pk]),
        "image": reverse("catalogue:datafile-image", args=[image.pk]),
        "hdf5 outline": reverse("catalogue:dataset-detail", args=[pictures.pk]) + f"?h5={hdf5.pk}",
        "notebook": reverse("catalogue:dataset-notebook", args=[pictures.pk]),
        "zip": reverse("catalogue:download-zip") + f"?dataset={dataset.pk}",
        "metalink": reverse("catalogue:download-metalink") + f"?dataset={dataset.pk}",
        "aria2": reverse("catalogue:download-aria2") + f"?dataset={dataset.pk}",
        "downloads": reverse("catalogue:downloads"),
        "download job": job.get_absolute_url(),
        "download archive": reverse("catalogue:download-job-file", args=[job.pk]),
        "basket": reverse("catalogue:basket"),
        "api investigations": "/api/investigations/",
        "api investigation": f"/api/investigations/{investigation}/",
        "api dataset": f"/api/datasets/{dataset.pk}/",
        "api datafiles": f"/api/datafiles/?dataset={dataset.pk}",
        "api sample": f"/api/samples/{sample.pk}/",
        "api downloads": "/api/downloads/",
    }


# Fragments a page loads with HTMX (without it, they send the browser to the page).
FRAGMENTS = {"download panel"}


def test_every_catalogue_page_a_member_reads_is_private(client, team, pages) -> None:
    client.force_login(team.participant)
    answers = {
        name: client.get(url, headers={"HX-Request": "true"} if name in FRAGMENTS else {})
        for name, url in pages.items()
    }
    assert {name: r.status_code for name, r in answers.items() if r.status_code >= 300} == {}
    assert [name for name, r in answers.items() if not _private(r)] == []


def test_htmx_fragments_are_private_too(client, team, pages) -> None:
    client.force_login(team.participant)
    for name in ("investigation", "datasets tab", "search", "downloads"):
        response = client.get(pages[name], headers={"HX-Request": "true"})
        assert response.status_code == 200 and _private(response), name


def test_api_answers_to_a_token_are_private(client, team) -> None:
    token = Token.objects.create(user=team.participant)
    response = client.get(
        f"/api/investigations/{team.investigation.pk}/",
        headers={"Authorization": f"Token {token.key}"},
    )
    assert response.status_code == 200 and _private(response)


def _released_file() -> Datafile:
    investigation = factories.InvestigationFactory(
        release_date=timezone.now().date() - timedelta(days=1)
    )
    return dataset_with_files(investigation, files=1, size=100).datafiles.get()


def test_released_files_are_private_even_for_anonymous_visitors(client) -> None:
    """Who may fetch a file can change (an embargo extended, a session made proprietary), so
    no shared cache may answer for the portal."""
    datafile = _released_file()
    response = client.get(reverse("catalogue:datafile-download", args=[datafile.pk]))
    assert response.status_code == 200 and _private(response)
    zipped = client.get(reverse("catalogue:download-zip") + f"?dataset={datafile.dataset_id}")
    assert zipped.status_code == 200 and _private(zipped)


def test_x_accel_answers_carry_private_to_nginx(client, settings) -> None:
    settings.DOWNLOAD_X_ACCEL_PREFIX = "/protected-data/"
    datafile = _released_file()
    response = client.get(reverse("catalogue:datafile-download", args=[datafile.pk]))
    assert response.status_code == 200 and response["X-Accel-Redirect"]
    assert _private(response)


def test_released_pages_for_anonymous_visitors_may_stay_cacheable(client) -> None:
    investigation = _released_file().dataset.investigation
    for url in (reverse("catalogue:public"), investigation.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200 and not _private(response), url


def test_a_view_that_chose_public_keeps_it_for_signed_in_users(rf, team) -> None:
    from django.http import HttpResponse

    from portal.middleware import PrivateCacheMiddleware

    def public_view(request):
        response = HttpResponse("released")
        response["Cache-Control"] = "public, max-age=60"
        return response

    request = rf.get("/")
    request.user = team.participant
    assert PrivateCacheMiddleware(public_view)(request)["Cache-Control"] == "public, max-age=60"
    unmarked = PrivateCacheMiddleware(lambda r: HttpResponse("mine"))(request)
    assert unmarked["Cache-Control"] == "private"
