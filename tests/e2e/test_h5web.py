"""H5Web on the dataset page: a scientist opens a detector stack, moves to another frame, looks at
it as a heatmap and exports a curve as CSV; the other technique files get a look too."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests import factories
from tests.catalogue.dataset_files import datafile
from tests.e2e.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.e2e

FRAMES, ROWS, COLUMNS = 5, 40, 60


def nexus(location: str, signal: str, data: np.ndarray, axes: dict[str, np.ndarray], **attrs):
    """A NeXus file whose default plot (root → entry → NXdata) is `signal` against `axes`."""
    path = Path(settings.DATA_ROOT) / location
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as h5:
        h5.attrs["default"] = "entry"
        entry = h5.create_group("entry")
        entry.attrs.update({"NX_class": "NXentry", "default": "data"})
        nxdata = entry.create_group("data")
        nxdata.attrs.update({"NX_class": "NXdata", "signal": signal, "axes": list(axes), **attrs})
        nxdata[signal] = data
        for name, values in axes.items():
            nxdata[name] = values
            nxdata[name].attrs["units"] = {"q": "1/nm", "x": "mm", "y": "mm"}.get(name, "")


def stack() -> np.ndarray:
    """Each frame its own picture: frame k is a ring of radius 6 + 3k on a slope of (k + 1) / 10."""
    y, x = np.mgrid[0:ROWS, 0:COLUMNS]
    radius = np.hypot(x - COLUMNS / 2, y - ROWS / 2)
    frames = [
        np.exp(-((radius - 6 - 3 * k) ** 2) / 8) * 100 + x * (k + 1) / 10 for k in range(FRAMES)
    ]
    return np.round(np.stack(frames), 3).astype(np.float64)


def test_scientist_slices_a_stack_and_exports_a_curve(page: Page, screenshot, transactional_db):
    team = factories.make_team()
    dataset = factories.DatasetFactory(investigation=team.investigation, name="tomo_0042")
    files = {name: datafile(dataset, name) for name in ("frames.nxs", "saxs_iq.h5", "xrf_map.h5")}
    nexus(
        files["frames.nxs"].location,
        "data",
        stack(),
        {"frame": np.arange(FRAMES), "y": np.arange(ROWS) * 0.1, "x": np.arange(COLUMNS) * 0.1},
    )
    q = np.linspace(0.05, 3.0, 300)
    nexus(  # log-log, as SAXS is looked at (silx's style hint, which H5Web follows)
        files["saxs_iq.h5"].location,
        "I",
        1e3 * np.exp(-(q**2) * 3) + 0.5,
        {"q": q},
        SILX_style='{"signal_scale_type": "log", "axes_scale_type": ["log"]}',
    )
    yy, xx = np.mgrid[0:50, 0:80]
    nexus(
        files["xrf_map.h5"].location,
        "Fe_Ka",
        np.sin(xx / 9) * np.cos(yy / 7) + 1,
        {"y": np.arange(50) * 0.05, "x": np.arange(80) * 0.05},
    )
    log_in(page, team.participant.username)

    # The viewer section is in sight: H5Web loads and opens the first file's default NeXus plot.
    page.goto(dataset.get_absolute_url())
    viewer = page.locator("#h5web")
    expect(viewer.get_by_role("tab", name="NX Heatmap")).to_have_attribute("aria-selected", "true")
    expect(viewer.locator("canvas")).to_be_visible()

    def to_frame_3(selection: str) -> None:
        """Move the stack's slider three frames on; the slice shown is read then."""
        frame = viewer.get_by_role("slider", name="D0")
        with page.expect_response(
            lambda r: "/h5grove/data/" in r.url and f"selection={selection}" in r.url and r.ok
        ):
            frame.focus()
            for _ in range(3):
                frame.press("ArrowUp")
        expect(frame).to_have_attribute("aria-valuenow", "3")

    # Another frame of the stack as a heatmap, then a curve of it (its first row) exported.
    to_frame_3("3%2C%3A%2C%3A")
    expect(viewer.locator("canvas")).to_be_visible()
    screenshot("stack-frame-3-heatmap")
    viewer.get_by_role("tab", name="NX Line").click()
    to_frame_3("3%2C0%2C%3A")
    viewer.get_by_role("button", name="More controls").click()
    viewer.get_by_role("button", name="Export slice").click()
    with page.expect_download() as download:
        viewer.get_by_role("button", name="Export to CSV").click()
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0] == "x (mm),data"
    exported = np.array([[float(v) for v in row.split(",")] for row in rows[1:]])
    assert np.allclose(exported[:, 0], np.arange(COLUMNS) * 0.1)
    assert np.allclose(exported[:, 1], stack()[3, 0, :])

    # The other techniques' files: a SAXS curve and a fluorescence map.
    for name in ("saxs_iq.h5", "xrf_map.h5"):
        page.get_by_role("link", name=f"View {name}").click()
        expect(viewer.get_by_role("treeitem", name=name)).to_be_visible()
        if name == "xrf_map.h5":  # H5Web keeps the last visualisation chosen: the line
            viewer.get_by_role("tab", name="NX Heatmap").click()
        expect(viewer.locator("canvas")).to_be_visible()
        viewer.screenshot(path=str(ARTIFACTS / f"h5web-{name}.png"))
