"""The logbook's PDF: asked for on the page, built as a download job, laid out from the page's own
HTML (headings, lists, images in place), with the experiment's header and page numbers."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from catalogue import downloads
from catalogue.models import DownloadJob, DownloadJobKind, DownloadJobStatus
from logbook import export, pdf
from logbook.models import Attachment
from tests import factories
from tests.logbook.pdf_helpers import image_boxes, pdf_page, pdf_text, save_png, text_top

RICH = """<h2>Beam alignment</h2>
<p>Aligned the <strong>KB mirrors</strong> and <em>checked</em> the flux first.</p>
<ul><li>flux 2.1e12 ph/s</li><li>spot 20 x 5 um</li></ul>
<p>The spot before the scan:</p>
<p><img src="{image}" alt="spot"></p>
<p>After the scan the spot stayed round.</p>
<table><tr><th>scan</th><th>frames</th></tr><tr><td>s1</td><td>3600</td></tr></table>
<pre><code>collect(osc=0.1, frames=3600)</code></pre>"""


def png_uri(size=(320, 200)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 94, 215)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def write(client, investigation, **data) -> None:
    url = reverse("logbook:investigation-create", args=[investigation.pk])
    assert client.post(url, {"title": "", "content": "", "tags": "", **data}).status_code == 302


def export_pdf(client, investigation, query: str = "", **kwargs):
    url = reverse("logbook:investigation-pdf", args=[investigation.pk])
    return client.post(url + (f"?{query}" if query else ""), **kwargs)


def build(job: DownloadJob, django_capture_on_commit_callbacks) -> bytes:
    with django_capture_on_commit_callbacks(execute=True):
        built = downloads.download_job_build(job_id=job.pk)
    assert built.status == DownloadJobStatus.READY, built.error
    return (Path(settings.DOWNLOAD_ROOT) / built.archive).read_bytes()


@pytest.fixture
def named(team):
    """The team with names a reader of the PDF would look for."""
    team.investigation.title = "Lysozyme soaks at room temperature"
    team.investigation.save()
    for user, name in (
        (team.principal_investigator, "Ada Lovelace"),
        (team.participant, "Emmy Noether"),
    ):
        user.full_name = name
        user.save()
    return team


def test_rich_entry_keeps_its_formatting_and_its_image_between_paragraphs(
    client, named, add_event, django_capture_on_commit_callbacks
) -> None:
    team = named
    client.force_login(team.participant)
    write(client, team.investigation, title="Alignment", content=RICH.format(image=png_uri()))
    add_event(team.investigation, text="collect(osc=0.1)", software="mxcube", machine="id23")

    response = export_pdf(client, team.investigation)
    job = DownloadJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (
        job.kind == DownloadJobKind.LOGBOOK_PDF
        and job.name == f"{team.investigation.name}-logbook.pdf"
    )
    data = build(job, django_capture_on_commit_callbacks)
    save_png(data, "logbook-pdf-rich")

    text = pdf_text(data)
    for expected in (
        "Lysozyme soaks at room temperature",
        team.investigation.name,
        team.investigation.instrument.name,
        "Ada Lovelace (principal investigator)",
        "Emmy Noether",
        "Beam alignment",
        "KB mirrors",
        "flux 2.1e12 ph/s",
        "collect(osc=0.1, frames=3600)",
        "mxcube@id23",
        "page 1 of 1",
    ):
        assert expected in text, expected
    page = pdf_page(data)
    images = image_boxes(page)
    assert len(images) == 1
    _, bottom, _, top = images[0]
    assert (
        text_top(page, "Beam alignment")
        > text_top(page, "KB mirrors")
        > text_top(page, "flux 2.1e12")
    )
    assert text_top(page, "The spot before the scan") > top
    assert bottom > text_top(page, "After the scan the spot stayed round")
    # The file's author is who wrote in it ("(anonymous)" was the old PDF library's default).
    assert PdfReader(io.BytesIO(data)).metadata.author == "Emmy Noether"


# The job: who may ask, what HTMX shows, what the worker does when things changed ------------


def test_outsiders_get_404_and_create_nothing(client, team, add_event) -> None:
    add_event(team.investigation, text="secret")
    url = reverse("logbook:investigation-pdf", args=[team.investigation.pk])
    for who in (team.outsider, team.other_scientist, None):
        client.logout()
        if who:
            client.force_login(who)
        assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    assert not DownloadJob.objects.exists()


def test_anonymous_readers_of_a_released_logbook_are_asked_to_sign_in(client, db) -> None:
    released = factories.InvestigationFactory(released=True)
    page = client.get(reverse("logbook:investigation", args=[released.pk]))
    assert "Sign in to export as PDF" in page.text
    response = client.post(reverse("logbook:investigation-pdf", args=[released.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert not DownloadJob.objects.exists()


def test_htmx_shows_the_progress_in_place_and_the_job_is_its_owners_only(
    client, team, add_event
) -> None:
    add_event(team.investigation, text="scan", tags=["plots"])
    client.force_login(team.participant)
    refused = export_pdf(
        client, team.investigation, HTTP_HX_REQUEST="true", data={"start": "9999-12-31"}
    )
    assert refused.status_code == 400 and "<html" not in refused.text
    assert "Not exported" in refused.text and "1900" in refused.text
    assert not DownloadJob.objects.exists()
    # The filter form's current values come in the body; the URL's (stale) query is overridden.
    response = export_pdf(
        client,
        team.investigation,
        "tag=old",
        HTTP_HX_REQUEST="true",
        data={"tag": "plots", "order": "oldest", "q": ""},
    )
    job = DownloadJob.objects.get()
    assert response.status_code == 200 and "<html" not in response.text
    assert f'hx-get="{job.get_absolute_url()}"' in response.text
    assert "Waiting for a worker" in response.text
    assert job.label == f"{team.investigation.name} logbook (tagged plots; oldest first)"
    again = export_pdf(
        client, team.investigation, HTTP_HX_REQUEST="true", data={"tag": "plots", "order": "oldest"}
    )
    assert again.status_code == 200 and DownloadJob.objects.count() == 1

    client.force_login(team.outsider)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("catalogue:download-job-file", args=[job.pk])).status_code == 404


def test_a_new_export_replaces_the_ready_one(client, team, add_event) -> None:
    add_event(team.investigation, text="scan")
    client.force_login(team.participant)
    export_pdf(client, team.investigation)
    first = DownloadJob.objects.get()
    DownloadJob.objects.filter(pk=first.pk).update(status=DownloadJobStatus.READY)
    export_pdf(client, team.investigation)
    first.refresh_from_db()
    assert first.status == DownloadJobStatus.EXPIRED
    assert DownloadJob.objects.filter(status=DownloadJobStatus.PENDING).count() == 1
    page = client.get(first.get_absolute_url())
    assert "replaced by a newer export" in page.text


def test_a_member_removed_before_the_worker_runs_gets_a_failed_job(
    client, team, add_event, django_capture_on_commit_callbacks
) -> None:
    add_event(team.investigation, text="secret")
    client.force_login(team.participant)
    export_pdf(client, team.investigation)
    team.investigation.members.filter(user=team.participant).delete()
    with django_capture_on_commit_callbacks(execute=True):
        job = downloads.download_job_build(job_id=DownloadJob.objects.get().pk)
    assert job.status == DownloadJobStatus.FAILED
    assert job.error == "This logbook is no longer available to you."
    assert not list(Path(settings.DOWNLOAD_ROOT).glob(f"{job.pk}/*"))


def test_images_come_from_storage_only_for_those_the_reader_may_open(team) -> None:
    mine = stored_image(team.investigation)
    theirs = stored_image(factories.make_team().investigation)
    fetcher = pdf.AttachmentFetcher(pdf._images(team.participant, [html_doc(mine, theirs)]))
    site = settings.SITE_URL
    assert fetcher.fetch(f"{site}{mine.get_absolute_url()}").read() == mine.file.open().read()
    for refused in (
        f"{site}{theirs.get_absolute_url()}",
        f"https://elsewhere.example{mine.get_absolute_url()}",
        f"{site}/media/{mine.file.name}",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(refused)


# Long logbooks: laid out in chunks, capped, numbered across the whole ------------------------


def test_a_long_beamline_logbook_is_capped_and_numbered_across_chunks(
    client, team, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(export, "PDF_LIMIT", 5)
    monkeypatch.setattr(pdf, "CHUNK_EVENTS", 2)
    instrument = team.investigation.instrument
    for n in range(7):
        add_beamline_event(instrument, f"beamline event {n}", when_minute=n)
    client.force_login(team.scientist)
    client.post(reverse("logbook:beamline-pdf", args=[instrument.name]), {"order": "oldest"})
    data = build(DownloadJob.objects.get(), django_capture_on_commit_callbacks)
    save_png(data, "logbook-pdf-beamline")

    text = pdf_text(data)
    assert f"{instrument.name} beamline logbook" in text
    assert "Only the first 5 events are included" in text
    shown = [n for n in range(7) if f"beamline event {n}" in text]
    assert shown == [0, 1, 2, 3, 4]
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == 3  # a chunk starts a page
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of 3" in page.extract_text()
    assert f"{instrument.name} beamline logbook" in pages[1].extract_text()  # running title


def stored_image(investigation) -> Attachment:
    from django.core.files.base import ContentFile

    attachment = Attachment(
        investigation=investigation, filename="spot.png", content_type="image/png", size=3
    )
    attachment.file.save("spot.png", ContentFile(b"png"), save=True)
    return attachment


def html_doc(*attachments) -> dict:
    images = "".join(f'<img src="{a.get_absolute_url()}">' for a in attachments)
    return {"content": [{"format": "html", "text": images}]}


def add_beamline_event(instrument, text: str, *, when_minute: int) -> None:
    from datetime import UTC, datetime

    from logbook.services import event_create

    event_create(
        investigation=None,
        instrument=instrument,
        type="annotation",
        category="comment",
        by="",
        title="",
        text=text,
        html=None,
        tags=None,
        when=datetime(2026, 11, 2, 9, when_minute, tzinfo=UTC),
        extra={},
    )
