"""Restores from tape for whoever may download: visitors verify an e-mailed link, a second request
joins the running restore, requests are rate-limited, embargoed data stays a 404, and the pages
that offer downloads (DOI landing, file download, datasets tab) say what is on tape."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from catalogue import downloads, restores
from catalogue.models import ArchiveStatus, Dataset, DatasetRestore
from tests import factories
from tests.catalogue.test_download_restore import archived
from tests.doi.test_landing_cite_and_download import _session_doi

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def public(db):
    """A released session with a DOI: one dataset on tape, one online."""
    investigation = factories.InvestigationFactory(released=True)
    on_tape = archived(investigation, files=2)
    online = factories.DatasetFactory(investigation=investigation, size=1000, file_count=1)
    factories.DatafileFactory(dataset=online, name="online.h5")
    return on_tape, online, _session_doi(investigation)


def restore_url(dataset: Dataset, name: str = "dataset-restore") -> str:
    return reverse(f"catalogue:{name}", args=[dataset.pk])


def status(dataset: Dataset) -> str:
    return Dataset.objects.get(pk=dataset.pk).archive_status


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_landing_page_marks_datasets_on_tape_and_offers_their_restore(client, public) -> None:
    on_tape, online, doi = public
    body = client.get(doi.get_absolute_url()).content.decode()
    row = body[body.index(f'id="restore-offer-{on_tape.pk}"') :]
    row = row[: row.index("</td>")]
    assert "On tape" in row and "Request restore" in row and 'name="email"' in row
    for datafile in on_tape.datafiles.all():  # no dead links to files on tape
        assert reverse("catalogue:datafile-download", args=[datafile.pk]) not in body
    download_all = re.search(r'id="download-all" href="([^"]+)"', body).group(1)
    assert download_all.endswith(f"?dataset={online.pk}")
    assert "Download all online" in body and "1 dataset is archived on tape" in body


def test_a_visitor_verifies_an_email_link_then_the_restore_starts_and_tells_them(
    client, public, settings, django_capture_on_commit_callbacks
) -> None:
    on_tape, _, doi = public
    landing = doi.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail
        response = client.post(
            restore_url(on_tape),
            {"email": "reader@example.org", "next": landing, "compact": "1"},
            headers=HX,
        )
    assert response.status_code == 200 and "We sent a link to reader@example.org" in response.text
    assert status(on_tape) == ArchiveStatus.ARCHIVED  # nothing before the address is verified
    [message] = mail.outbox
    assert message.to == ["reader@example.org"] and on_tape.name in message.subject
    link = link_in(message)

    page = client.get(link)  # a mail scanner opening the link starts nothing
    assert page.status_code == 200 and "Start the restore" in page.text
    assert status(on_tape) == ArchiveStatus.ARCHIVED
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    response = client.post(restore_url(on_tape, "dataset-restore-confirm"), {"token": token})
    assert response.status_code == 302 and response.url == landing
    assert status(on_tape) == ArchiveStatus.RESTORING
    assert DatasetRestore.objects.get().notify == ["reader@example.org"]

    progress = client.get(restore_url(on_tape, "dataset-restore-status"), headers=HX)
    assert "Restoring from tape" in progress.text and 'hx-trigger="every 3s"' in progress.text
    assert "no-store" in progress["Cache-Control"]
    settings.RESTORE_THROTTLE_BPS = 0
    with django_capture_on_commit_callbacks(execute=True):
        downloads.dataset_restore(restore_id=DatasetRestore.objects.get().pk)
    assert (
        mail.outbox[-1].to == ["reader@example.org"] and "back from tape" in mail.outbox[-1].subject
    )
    assert "Online" in client.get(restore_url(on_tape, "dataset-restore-status"), headers=HX).text


def test_a_bad_address_or_link_is_refused_and_changes_nothing(client, public) -> None:
    on_tape, online, _ = public
    response = client.post(restore_url(on_tape), {"email": "not-an-address"}, headers=HX)
    assert response.status_code == 400 and "Enter a valid email address" in response.text
    confirm = restore_url(on_tape, "dataset-restore-confirm")
    forged = signing.dumps({"d": on_tape.pk, "e": "x@example.org"}, salt="another purpose")
    other = signing.dumps({"d": online.pk, "e": "x@example.org"}, salt=restores.TOKEN_SALT)
    for token in ("", "garbage", forged, other):
        response = client.post(confirm, {"token": token})
        assert response.status_code == 400 and "This link is not valid" in response.text
    assert client.get(confirm).status_code == 400
    assert not mail.outbox and status(on_tape) == ArchiveStatus.ARCHIVED
    assert not DatasetRestore.objects.exists()


def test_an_expired_link_is_refused(
    client, public, settings, django_capture_on_commit_callbacks
) -> None:
    on_tape, _, _ = public
    settings.RESTORE_LINK_HOURS = 0
    with django_capture_on_commit_callbacks(execute=True):
        restores.restore_link_send(dataset=on_tape, email="late@example.org", next_url="/")
    response = client.post(
        restore_url(on_tape, "dataset-restore-confirm"),
        {"token": link_in(mail.outbox[0]).split("token=")[1]},
    )
    assert response.status_code == 400 and status(on_tape) == ArchiveStatus.ARCHIVED


def test_a_second_request_joins_the_running_restore_and_both_are_told(
    client, team, public, settings, django_capture_on_commit_callbacks
) -> None:
    on_tape, _, _ = public
    client.force_login(team.outsider)
    client.post(restore_url(on_tape))
    client.force_login(team.participant)
    joined = client.post(restore_url(on_tape), headers=HX)
    assert "your request joined it" in joined.text and "Restoring from tape" in joined.text
    restore = DatasetRestore.objects.get()
    assert restore.notify == [team.outsider.email, team.participant.email]
    settings.RESTORE_THROTTLE_BPS = 0
    with django_capture_on_commit_callbacks(execute=True):
        downloads.dataset_restore(restore_id=restore.pk)
    told = sorted(m.to[0] for m in mail.outbox if "back from tape" in m.subject)
    assert told == sorted([team.outsider.email, team.participant.email])  # one message each


def test_requests_are_rate_limited_per_user_and_per_visitor(
    client, team, settings, django_capture_on_commit_callbacks
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "restore": "2/hour",
        },
    }
    investigation = factories.InvestigationFactory(released=True)
    first, second, third = (archived(investigation, files=1) for _ in range(3))
    client.force_login(team.outsider)
    client.post(restore_url(first))
    client.post(restore_url(second))
    refused = client.post(restore_url(third), headers=HX)
    assert refused.status_code == 429 and "try again in 60 minutes" in refused.text
    assert status(third) == ArchiveStatus.ARCHIVED

    client.logout()  # visitors: per address given, and per client address
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(restore_url(third), {"email": "a@example.org"}).status_code == 302
        assert client.post(restore_url(third), {"email": "a@example.org"}).status_code == 302
        refused = client.post(restore_url(third), {"email": "a@example.org"})
        assert refused.status_code == 429 and "try again in" in refused.text
        elsewhere = client.post(
            restore_url(third), {"email": "a@example.org"}, REMOTE_ADDR="10.9.9.9"
        )
        assert elsewhere.status_code == 429  # the address asked enough, from wherever
        other_address = client.post(restore_url(third), {"email": "b@example.org"})
        assert other_address.status_code == 429  # this client asked enough, for whomever
    assert len(mail.outbox) == 2 and status(third) == ArchiveStatus.ARCHIVED


def test_embargoed_data_is_a_404_to_outsiders_even_with_a_link(client, team) -> None:
    dataset = archived(team.investigation, files=1)
    token = signing.dumps({"d": dataset.pk, "e": "x@example.org"}, salt=restores.TOKEN_SALT)
    for user in (None, team.outsider):
        if user:
            client.force_login(user)
        assert client.post(restore_url(dataset), {"email": "x@example.org"}).status_code == 404
        confirm = restore_url(dataset, "dataset-restore-confirm")
        assert client.post(confirm, {"token": token}).status_code == 404
        assert (
            client.get(restore_url(dataset, "dataset-restore-status"), headers=HX).status_code
            == 404
        )
    assert status(dataset) == ArchiveStatus.ARCHIVED and not mail.outbox


def test_a_file_of_a_dataset_on_tape_answers_a_page_with_the_restore_offer(client, public) -> None:
    on_tape, _, _ = public
    datafile = on_tape.datafiles.first()
    response = client.get(reverse("catalogue:datafile-download", args=[datafile.pk]))
    assert response.status_code == 409
    assert "archived on tape" in response.text and "Request restore" in response.text
    assert 'name="email"' in response.text and "Back to" in response.text


def test_datasets_tab_badges_datasets_on_tape(client, public) -> None:
    on_tape, online, _ = public
    body = client.get(
        reverse("catalogue:investigation-datasets", args=[on_tape.investigation_id])
    ).text
    assert body.count('data-testid="on-tape"') == 1
    row = body[body.index(on_tape.name) :]
    assert "On tape" in row[: row.index("</tr>")]


def test_the_api_token_hint_shows_for_embargoed_data_only(client, team, public) -> None:
    _, online, _ = public
    embargoed = factories.DatasetFactory(investigation=team.investigation, size=10, file_count=1)
    factories.DatafileFactory(dataset=embargoed)
    client.force_login(team.participant)
    hint = "Data under embargo: give the downloader your"
    assert hint not in client.get(online.get_absolute_url()).text
    assert hint in client.get(embargoed.get_absolute_url()).text
    basket = reverse("catalogue:basket")
    client.post(reverse("catalogue:basket-toggle-dataset", args=[online.pk]))
    assert hint not in client.get(basket).text
    client.post(reverse("catalogue:basket-toggle-dataset", args=[embargoed.pk]))
    assert hint in client.get(basket).text
