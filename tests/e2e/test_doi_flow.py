"""A team member picks datasets from two experiments, reserves a DOI, mints it; then anyone
downloads those datasets from the landing page. Real browser, real worker, local provider."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from catalogue.models import Investigation
from tests import factories
from tests.e2e.conftest import log_in
from tests.workers import wait_for

pytestmark = pytest.mark.e2e


def _dataset_with_file(investigation, name: str, content: bytes):
    dataset = factories.DatasetFactory(
        investigation=investigation, name=name, size=len(content), file_count=1
    )
    datafile = factories.DatafileFactory(
        dataset=dataset,
        name=f"{name}.h5",
        location=f"{investigation.name}/{name}.h5",
        size=len(content),
    )
    path = settings.DATA_ROOT / datafile.location
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return dataset


def test_pick_reserve_mint_then_download_anonymously(page: Page, screenshot, celery_worker) -> None:
    marie = factories.UserFactory(
        username="mdubois",
        full_name="Marie Dubois",
        first_name="Marie",
        last_name="Dubois",
        orcid="0000-0002-1825-0097",
        affiliation="ESRF",
    )
    mx = factories.InvestigationFactory(
        name="MX-2468",
        title="Lysozyme at room temperature",
        instrument=factories.InstrumentFactory(name="ID23-1"),
    )
    saxs = factories.InvestigationFactory(
        name="MX-2470",
        title="Lysozyme in solution",
        instrument=factories.InstrumentFactory(name="BM29"),
    )
    for investigation in (mx, saxs):
        factories.InvestigationUserFactory(
            investigation=investigation, user=marie, role="principal_investigator"
        )
    factories.InvestigationUserFactory(
        investigation=mx,
        user=factories.UserFactory(
            username="jsmith", full_name="James Smith", first_name="James", last_name="Smith"
        ),
    )
    crystal = _dataset_with_file(mx, "lyso_rt_0001", b"diffraction images")
    solution = _dataset_with_file(saxs, "lyso_saxs_0001", b"scattering curves")
    _dataset_with_file(mx, "lyso_rt_0002", b"not picked")

    log_in(page, "mdubois")
    for dataset in (crystal, solution):
        page.goto(f"/datasets/{dataset.pk}/")
        page.click("text=Add to DOI draft")
        expect(page.locator(".doi-pick-result")).to_contain_text("Added to")
    screenshot("picked")
    page.click(".doi-pick-result a")

    expect(page.locator("#datasets")).to_contain_text("lyso_rt_0001")
    expect(page.locator("#datasets")).to_contain_text("lyso_saxs_0001")
    expect(page.locator("#authors-list")).to_contain_text("Marie Dubois")
    expect(page.locator("#authors-list")).to_contain_text("James Smith")
    page.click("button[name=action][value=reserve]")
    expect(page.locator("#collection-errors")).to_contain_text("A title is required.")

    page.fill("#id_title", "Room-temperature lysozyme from two beamlines")
    page.fill("#id_abstract", "Diffraction and scattering data of lysozyme at room temperature.")
    page.fill("#id_keywords", "lysozyme, room temperature")
    screenshot("editor")
    page.click("button[name=action][value=reserve]")
    expect(page.locator("#status")).to_contain_text("Reserved.", timeout=90_000)
    identifier = page.locator(".doi-identifier").inner_text().removeprefix("doi:")
    assert identifier.startswith("10.5072/SLS-DC-")
    screenshot("reserved")

    page.check("#id_confirm")
    page.click("button[name=action][value=mint]")
    expect(page.locator("#status")).to_contain_text("Minted", timeout=90_000)
    screenshot("minted")
    page.click("nav >> text=DOIs")
    expect(page.locator(".doi-table")).to_contain_text(
        "Room-temperature lysozyme from two beamlines"
    )
    expect(page.locator(".doi-table")).to_contain_text("Minted (findable)")
    screenshot("my-dois")

    page.click("#user-menu")
    page.click("text=Log out")
    page.goto(f"/doi/{identifier}")
    expect(page.locator("#doi-title")).to_have_text("Room-temperature lysozyme from two beamlines")
    expect(page.locator("#doi-authors")).to_contain_text("Marie Dubois")
    expect(page.locator("#doi-datasets")).not_to_contain_text("lyso_rt_0002")
    for dataset, content in ((crystal, b"diffraction images"), (solution, b"scattering curves")):
        row = page.locator("#doi-datasets tr", has_text=dataset.name)
        row.locator("summary").click()
        with page.expect_download() as download:
            row.locator(f"text={dataset.name}.h5").click()
        assert open(download.value.path(), "rb").read() == content
    screenshot("landing")

    # The session DOI the worker registered for the (still embargoed) experiment.
    wait_for(lambda: Investigation.objects.get(pk=mx.pk).doi, timeout=60, message="session DOI")
    page.goto(f"/doi/{Investigation.objects.get(pk=mx.pk).doi}")
    expect(page.locator("#not-released")).to_contain_text("under embargo")
    expect(page.locator("body")).not_to_contain_text("Lysozyme at room temperature")
    screenshot("session-embargoed")
