"""Demo DOIs: a session DOI on every investigation but proprietary ones (local provider), and two
data collections by Marie Dubois spanning two of her investigations: one reserved, one minted (its
datasets public)."""

from __future__ import annotations

import random
from typing import TextIO

from django.conf import settings

from catalogue.models import Dataset, Investigation
from portal.models import User

from . import publications, services
from .models import DataCollection
from .providers import LocalProvider

# ORCID's own example identifiers (valid check digits, see orcid.org's documentation), so that
# released sessions' DOI records carry ORCID nameIdentifiers for some of their team.
DEMO_ORCIDS = {
    "mdubois": "0000-0002-1825-0097",
    "jsmith": "0000-0001-5109-3700",
    "akowalska": "0000-0002-1694-233X",
    "pnovak": "0000-0003-1419-2405",
}


def seed(*, out: TextIO) -> None:
    # The demo never talks to DataCite, whatever the environment says; and it runs inside
    # seed_demo's transaction, so it does the tasks' work here (the enqueued tasks then find
    # nothing left to do).
    provider = LocalProvider(prefix=settings.DOI_PREFIX)
    rng = random.Random(7)
    for username, orcid in DEMO_ORCIDS.items():
        User.objects.filter(username=username, orcid="").update(orcid=orcid)
    for investigation_id in services.investigations_without_session_doi().values_list(
        "id", flat=True
    ):
        services.session_doi_register(investigation_id=investigation_id, provider=provider)
    out.write(f"  session DOIs: {Investigation.objects.exclude(doi='').count()}\n")

    marie = User.objects.filter(username="mdubois").first()
    if marie is None or DataCollection.objects.filter(created_by=marie).exists():
        return
    investigations = list(
        Investigation.objects.filter(members__user=marie, datasets__isnull=False)
        .distinct()
        .order_by("id")[:2]
    )
    if len(investigations) < 2:
        out.write("  data collections: skipped (Marie needs two investigations with datasets)\n")
        return

    def pick(count: int) -> list[Dataset]:
        chosen: list[Dataset] = []
        for investigation in investigations:
            datasets = list(investigation.datasets.order_by("id")[:10])
            chosen += rng.sample(datasets, min(count, len(datasets)))
        return chosen

    minted = services.collection_create(
        by=marie,
        datasets=pick(2),
        title="Room-temperature lysozyme structures from two beamtimes",
        abstract=(
            "Diffraction images and processed data of hen egg-white lysozyme crystals measured at "
            "room temperature in two sessions, supporting the structures deposited with the paper."
        ),
        keywords="lysozyme, room temperature, macromolecular crystallography",
    )
    publications.publication_link(value="10.1107/S2059798325000001", by=marie, collection=minted)
    released = Investigation.objects.released().filter(members__user=marie).first()
    if released is not None:  # a session's "Cited by", on its page and its DOI's
        publications.publication_link(
            value="10.1107/S2059798324000042", by=marie, investigation=released
        )
    services.collection_mint(collection=minted, by=marie, confirmed=True)
    services.collection_publish(collection_id=minted.pk, provider=provider)

    reserved = services.collection_create(
        by=marie,
        datasets=pick(1),
        title="Ligand soaking series (manuscript in preparation)",
        abstract="Data of a ligand soaking series measured in two sessions; reserved for a "
        "manuscript under review. The data stays under embargo until the DOI is minted.",
        keywords="ligand soaking, fragment screening",
    )
    services.collection_reserve(collection=reserved, by=marie)
    services.collection_register_draft(collection_id=reserved.pk, provider=provider)
    for collection in (minted, reserved):
        collection.refresh_from_db()
        out.write(
            f"  data collection {collection.doi.identifier}: {collection.get_state_display()}\n"
        )
