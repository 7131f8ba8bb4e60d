"""Search in a real browser: a group's "More" button loads its next rows in place, without a
reload, and the rest of the page (other groups, their badges) stays as it was."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from doi.models import CollectionState, DataCollection, Doi, DoiKind, DoiState
from tests import factories

pytestmark = pytest.mark.e2e


def test_more_loads_a_groups_next_rows_in_place(page: Page, screenshot, transactional_db) -> None:
    public = factories.InvestigationFactory(
        released=True, name="MX-2031", title="Strain in GaAs nanowires grown on silicon"
    )
    for i in range(8):
        factories.DatasetFactory(investigation=public, name=f"nanowire_scan_{i:02d}", sample=None)
    embargoed = factories.InvestigationFactory(name="MX-2044", title="Nanowire heating series")
    cited = factories.DatasetFactory(
        investigation=embargoed, name="heating_0001", sample=None, released_by_doi=True
    )
    collection = DataCollection.objects.create(
        title="Nanowire strain maps, cited in the paper",
        abstract="Two sessions of nanowire strain mapping.",
        state=CollectionState.FINDABLE,
        created_by=factories.UserFactory(),
        doi=Doi.objects.create(
            identifier="10.5072/ESRF-DC-2031", kind=DoiKind.COLLECTION, state=DoiState.FINDABLE
        ),
    )
    collection.datasets.add(cited, *public.datasets.all()[:1])

    page.goto("/search/?q=nanowire")
    datasets = page.locator("#section-datasets .search-hit")
    expect(datasets).to_have_count(5)
    expect(page.locator("#section-collections")).to_contain_text("doi:10.5072/ESRF-DC-2031")
    expect(page.locator("#section-collections")).to_contain_text("MX-2044")
    expect(page.locator("#section-investigations")).not_to_contain_text("MX-2044")
    screenshot("first-page")

    page.locator("#more-datasets a").click()
    expect(datasets).to_have_count(8)
    expect(page.locator("#more-datasets")).to_have_count(0)
    assert page.url.endswith("/search/?q=nanowire")  # a fragment loaded, not a new page
    expect(page.locator("#section-datasets mark").first).to_have_text("nanowire_scan_07")
    screenshot("more-loaded")
