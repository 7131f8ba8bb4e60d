"""A scientist opens an experiment, filters its datasets by an energy range, opens a dataset and
looks at its pictures: thumbnails in the gallery (its HDF5 files in H5Web: test_h5web.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from catalogue.models import Investigation, ParameterType, SampleParameter
from tests import factories
from tests.catalogue.dataset_files import datafile, set_parameter, write_h5
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def write_diffraction(location: str, seed: int) -> None:
    """A diffraction-like frame (rings and spots) so the gallery looks like the real thing."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[-240:240, -320:320]
    radius = np.hypot(x, y)
    frame = sum(np.exp(-((radius - r) ** 2) / 18.0) for r in (60, 110, 150 + seed * 7, 205))
    frame = frame + rng.random(frame.shape) * 0.25
    rgb = np.stack([frame * 0.55, frame * 0.85, frame], axis=-1) / frame.max() * 255
    path = Path(settings.DATA_ROOT) / location
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb.astype(np.uint8)).save(path)


def wait_until_loaded(page: Page, selector: str) -> None:
    """Every image matching `selector` has really loaded (a broken image has naturalWidth 0)."""
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
    )
    widths = page.eval_on_selector_all(selector, "images => images.map(i => i.naturalWidth)")
    assert widths and all(width > 0 for width in widths)


def test_filter_datasets_by_energy_then_look_at_a_dataset(page: Page, screenshot, transactional_db):
    team = factories.make_team()
    investigation = team.investigation
    crystal = factories.SampleFactory(investigation=investigation, name="lysozyme-crystal-1")
    start = timezone.now() - timedelta(days=31)
    wanted = None
    for n, (energy, temperature) in enumerate([(8.0, 100.0), (11.2, 100.0), (12.7, 293.0)]):
        dataset = factories.DatasetFactory(
            investigation=investigation,
            sample=crystal,
            name=f"lyso_{n + 1:04d}",
            start_date=start + timedelta(minutes=10 * n),
            end_date=start + timedelta(minutes=10 * n + 8),
            file_count=5,
            size=48_000_000 * (n + 1),
        )
        set_parameter(dataset, "energy", "keV", energy)
        set_parameter(dataset, "temperature", "K", temperature)
        set_parameter(dataset, "exposure time", "s", 0.04)
        if energy == 11.2:
            wanted = dataset
    for n in range(3):
        frame = datafile(
            wanted,
            f"frame_{n + 1:04d}.png",
            size=120_000,
            checksum=f"sha256:{n}f3a",
            file_mod_time=start,
        )
        write_diffraction(frame.location, seed=n)
    scan = datafile(
        wanted, "lyso_0002.h5", size=2_400_000, checksum="sha256:77c1", file_mod_time=start
    )
    write_h5(scan.location)

    Investigation.objects.filter(pk=investigation.pk).refresh_totals()

    log_in(page, team.participant.username)
    page.goto(f"/investigations/{investigation.pk}/")
    page.click(".investigation-header >> text=Datasets")
    expect(page.locator(".dataset-table tbody tr")).to_have_count(3)
    screenshot("datasets-tab")

    page.select_option("select[name=parameter]", label="energy (keV)")
    page.fill("input[name=minimum]", "10")
    page.fill("input[name=maximum]", "12")
    page.click("button[title='Apply the filters']")
    expect(page.locator(".dataset-table tbody tr")).to_have_count(1)
    expect(page.locator(".dataset-table")).to_contain_text("lyso_0002")
    expect(page).to_have_url(re.compile(r"minimum=10&maximum=12"))
    screenshot("datasets-energy-10-12-keV")
    # Each applied filter is a history entry: back shows the datasets with any energy again
    page.go_back()
    expect(page.locator(".dataset-table tbody tr")).to_have_count(3)
    expect(page).not_to_have_url(re.compile(r"maximum=12"))
    page.go_forward()
    expect(page.locator(".dataset-table tbody tr")).to_have_count(1)

    page.click("text=lyso_0002")
    expect(page.locator("h1")).to_have_text("lyso_0002")
    thumbnail = "#gallery img >> nth=0"
    expect(page.locator("#gallery img")).to_have_count(3)
    wait_until_loaded(page, "#gallery img")
    screenshot("dataset-page")  # H5Web on this page: test_h5web.py

    page.click(thumbnail)
    expect(page.locator("#gallery-modal")).to_be_visible()
    # A function, not an expression string: Playwright evals a string in the page, which the
    # Content-Security-Policy forbids.
    page.wait_for_function(
        "() => document.getElementById('gallery-modal-image').naturalWidth > 0"
        " && getComputedStyle(document.getElementById('gallery-modal')).opacity === '1'"
    )
    screenshot("gallery-full-size")


def test_samples_tab_leads_to_the_sample_page_and_its_datasets(
    page: Page, screenshot, transactional_db
) -> None:
    team = factories.make_team()
    crystal = factories.SampleFactory(
        investigation=team.investigation,
        name="lysozyme-crystal-1",
        type="protein crystal",
        description="Hen egg-white lysozyme, grown in 20% PEG 6000, cryo-cooled in 25% glycerol.",
    )
    ph, _ = ParameterType.objects.get_or_create(name="pH", units="")
    SampleParameter.objects.create(sample=crystal, type=ph, numeric_value=4.5)
    factories.SampleFactory(investigation=team.investigation, name="thaumatin-2")
    for n in range(3):
        dataset = factories.DatasetFactory(
            investigation=team.investigation, sample=crystal, name=f"lyso_{n + 1:04d}"
        )
        set_parameter(dataset, "energy", "keV", 12.0 + n / 10)
    Investigation.objects.filter(pk=team.investigation.pk).refresh_totals()

    log_in(page, team.principal_investigator.username)
    page.goto(f"/investigations/{team.investigation.pk}/")
    page.click(".investigation-header >> text=Samples")
    expect(page.locator(".sample-table tbody tr")).to_have_count(2)
    expect(page.locator(".sample-table")).to_contain_text("pH = 4.5")
    screenshot("samples-tab")
    page.click("text=lysozyme-crystal-1")
    expect(page.locator("h1")).to_contain_text("lysozyme-crystal-1")
    expect(page.locator(".dataset-table tbody tr")).to_have_count(3)
    screenshot("sample-page")
    page.click("text=lyso_0003")
    expect(page.locator("h1")).to_have_text("lyso_0003")
