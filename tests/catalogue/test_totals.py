from __future__ import annotations

from catalogue.models import Dataset, Investigation
from tests import factories


def test_refresh_totals_counts_files_and_bytes_up_to_the_investigation(db) -> None:
    investigation = factories.InvestigationFactory()
    full = factories.DatasetFactory(investigation=investigation)
    factories.DatasetFactory(investigation=investigation)  # an empty dataset still counts
    factories.DatafileFactory(dataset=full, size=1000)
    factories.DatafileFactory(dataset=full, size=24)
    other = factories.InvestigationFactory()

    Dataset.objects.refresh_totals()
    Investigation.objects.refresh_totals()

    full.refresh_from_db()
    investigation.refresh_from_db()
    other.refresh_from_db()
    assert (full.file_count, full.size) == (2, 1024)
    assert (investigation.dataset_count, investigation.datafile_count, investigation.volume) == (
        2,
        2,
        1024,
    )
    assert (other.dataset_count, other.datafile_count, other.volume) == (0, 0, 0)
