"""A real OAI-PMH harvester (Sickle) harvests the demo facility from /oai over HTTP, paging with
resumption tokens through every public record, and nothing else.

One test: the live server needs a transactional database, which is emptied after each test, and
seeding the demo is the slow part."""

from __future__ import annotations

import io

from django.core.management import call_command
from sickle import Sickle

from doi.models import Doi, DoiState


def test_sickle_harvests_every_public_record_of_the_demo(live_server, settings, tmp_path) -> None:
    for name in ("DATA_ROOT", "DOWNLOAD_ROOT", "MEDIA_ROOT", "ARCHIVE_ROOT"):
        setattr(settings, name, tmp_path / name.lower())
    import time; t0 = time.monotonic(); call_command("seed_demo", stdout=io.StringIO()); print("SEED", time.monotonic() - t0)
    settings.OAI_PAGE_SIZE = 10
    public = {
        f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:{doi.identifier}": doi
        for doi in Doi.objects.filter(state=DoiState.FINDABLE).select_related("investigation")
    }
    assert len(public) > 3 * settings.OAI_PAGE_SIZE  # so that the harvest pages
    assert Doi.objects.filter(state=DoiState.DRAFT).exists()  # the reserved collection
    harvester = Sickle(f"{live_server.url}/oai", max_retries=0)

    t0 = time.monotonic(); records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)); print("LR", time.monotonic() - t0, len(records))
    identifiers = [record.header.identifier for record in records]
    assert len(identifiers) == len(set(identifiers))  # no page repeats a record
    assert set(identifiers) == set(public)
    for record in records:
        doi = public[record.header.identifier]
        assert not record.header.deleted
        assert f"https://doi.org/{doi.identifier}" in record.metadata["identifier"]
        if doi.investigation and not doi.investigation.is_released:
            assert doi.investigation.title not in record.metadata["title"]

    by_post = Sickle(f"{live_server.url}/oai", http_method="POST", max_retries=0)
    t0 = time.monotonic(); headers = list(by_post.ListIdentifiers(metadataPrefix="oai_datacite")); print("LI", time.monotonic() - t0)
    assert sorted(h.identifier for h in headers) == sorted(public)
    collections = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="kind:collection"))
    assert [h.identifier for h in collections] == [
        key for key, doi in public.items() if doi.investigation_id is None
    ]
