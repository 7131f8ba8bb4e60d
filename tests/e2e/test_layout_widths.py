"""Every main page fits the screen, for every role, on a wide desktop, a laptop, a tablet and a
phone: the page is never wider than the window (no horizontal scrollbar). A screenshot of each
page at each width lands in test-artifacts/layout/ for people to look at.

Kept fast (about 40 page loads): one browser page per role, and every width on the same loaded
page (the viewport changes, as when a window is resized). Screenshots are JPEG, of the first
screen, except on the phone where the whole page is the point.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from playwright.sync_api import Browser

from catalogue.models import DownloadJob
from doi.models import DataCollection
from logbook.services import event_create
from shipments.workflow import Status
from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.shipments.factories import (
    ItemFactory,
    ParcelFactory,
    ShipmentFactory,
    safety_officer,
    stores_user,
)

pytestmark = pytest.mark.e2e

WIDTHS = (1440, 1280, 1024, 390)
# Long names, as real ones are: they are what pushes a layout wider than the screen.
LONG_TITLE = (
    "Time-resolved serial crystallography of the thioredoxin reductase from Plasmodium "
    "falciparum bound to covalent inhibitors, at room temperature and under cryo-cooling"
)


@dataclass
class World:
    users: dict[str, object]
    pages: dict[str, list[str]]


def _build_world() -> World:
    instrument = factories.InstrumentFactory(
        name="ID23-1", full_name="Macromolecular crystallography"
    )
    investigation = factories.InvestigationFactory(
        name="MX-2468", instrument=instrument, title=LONG_TITLE
    )
    team = factories.make_team(investigation)
    released = factories.InvestigationFactory(
        released=True, name="MX-1999", instrument=instrument, title="Thaumatin crystals " * 6
    )
    energy = factories.ParameterTypeFactory()
    datasets = []
    for owner in (investigation, released):
        sample = factories.SampleFactory(investigation=owner, name="PfTrxR_inhibitor_07_batch_2")
        for index in range(4):
            dataset = factories.DatasetFactory(
                investigation=owner,
                sample=sample,
                name=f"PfTrxR_inhib07_collection_{index:03d}_autoprocessing_xia2_dials",
            )
            factories.DatafileFactory(dataset=dataset, size=123_456_789)
            dataset.parameters.create(type=energy, numeric_value=12.7, string_value="")
            datasets.append(dataset)
    for owner in (investigation, released):
        for index in range(3):
            event_create(
                investigation=owner,
                instrument=instrument,
                type="notification",
                category="commandline",
                by="",
                text=f"dscan sampy -0.5 0.5 100 0.1  # line scan {index} " + "x" * 90,
            )
        event_create(
            investigation=owner,
            instrument=instrument,
            type="annotation",
            category="comment",
            by=team.principal_investigator.username,
            title="Crystals look good",
            text="Resolution 1.6 Å, indexed in P2₁2₁2₁ with a = 78.2, b = 95.1, c = 117.4 Å.",
        )
    shipment = ShipmentFactory(investigation=investigation, name="Crystals for the May session")
    for status in (Status.READY, Status.APPROVED, Status.SENT):
        parcel = ParcelFactory(
            shipment=shipment,
            status=status,
            name="Dry shipper with a rather long name",
            is_dangerous=status == Status.READY,
            dangerous_goods="Selenomethionine-labelled protein, toxic (UN 2810, class 6.1)",
        )
        ItemFactory(parcel=parcel)
    pi = team.principal_investigator
    DataCollection.objects.create(title=f"Data for: {LONG_TITLE}", created_by=pi)
    DownloadJob.objects.create(
        owner=pi, name="MX-2468_PfTrxR_inhib07_autoprocessing.zip", label=LONG_TITLE
    )

    inv, rel = investigation.pk, released.pk
    investigation_pages = {
        tab: f"/investigations/{inv}/{tab}/".replace("//", "/")
        for tab in ("", "datasets", "samples", "logbook", "shipments", "team")
    }
    users = {
        "anonymous": AnonymousUser(),
        "pi": pi,
        "participant": team.participant,
        "scientist": team.scientist,
        "safety": safety_officer("sgarcia"),
        "stores": stores_user("tlee"),
        "staff": factories.UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    # Every main page once with the richest view of it (the PI's), and for every other role the
    # pages that role works on; the navigation bar, different for each role, is on all of them.
    pages = {
        "anonymous": [
            "/",
            "/public/",
            f"/investigations/{rel}/",
            f"/investigations/{rel}/datasets/",
            f"/investigations/{rel}/logbook/",
            datasets[-1].get_absolute_url(),
            "/search/?q=thaumatin",
            "/beamlines/",
            f"/beamlines/{instrument.name}/",
        ],
        "pi": [
            "/",
            "/experiments/",
            "/public/",
            *investigation_pages.values(),
            datasets[0].get_absolute_url(),
            "/shipments/",
            shipment.get_absolute_url(),
            "/doi/mine/",
            "/downloads/",
            "/profile/",
            "/search/?q=PfTrxR",
        ],
        "participant": ["/", "/experiments/", investigation_pages[""], investigation_pages["team"]],
        "scientist": [
            "/",
            "/experiments/",
            f"/beamlines/{instrument.name}/",
            f"/beamlines/{instrument.name}/logbook/",
            investigation_pages["datasets"],
        ],
        "safety": ["/", "/shipments/", "/safety/", "/safety/shipments/safetyqueueparcel/"],
        "stores": ["/", "/shipments/", "/shipments/scan/", "/shipments/expected/"],
        "staff": ["/", "/experiments/", "/admin/", "/admin/shipments/parcel/"],
    }
    return World(users=users, pages=pages)


def _overflow(page) -> dict | None:
    """What sticks out past the right edge of the window, if anything (after the resize settled)."""
    return page.evaluate(
        """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
          const width = window.innerWidth;
          if (document.documentElement.scrollWidth <= width) return resolve(null);
          const culprits = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .slice(-3)
            .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
          resolve({ scrollWidth: document.documentElement.scrollWidth, culprits });
        })))"""
    )


def test_every_main_page_fits_every_width_for_every_role(
    browser: Browser, live_server, transactional_db
) -> None:
    world = _build_world()
    folder = ARTIFACTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    visited = 0
    for role, user in world.users.items():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1440, "height": 900}
        )
        if user.is_authenticated:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"]
            context.add_cookies(
                [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(15_000)
        for path in world.pages[role]:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(path, wait_until="load")
            assert response is not None and response.status < 500, f"{role} {path}: {response}"
            visited += 1
            slug = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                overflow = _overflow(page)
                if overflow:
                    problems.append(f"{role} {width}px {path}: {overflow}")
                page.screenshot(
                    path=str(folder / f"{role}-{width}-{slug}.jpeg"),
                    type="jpeg",
                    quality=70,
                    full_page=width < 576,
                )
        context.close()
    assert visited == sum(len(paths) for paths in world.pages.values())
    (folder / "overflows.txt").write_text("\n".join(problems) + "\n")
    assert not problems, "pages wider than the window:\n" + "\n".join(problems)
