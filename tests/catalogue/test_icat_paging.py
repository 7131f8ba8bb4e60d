"""(modTime, id) paging shared by the live gateway and the recorded-ICAT stand-in: every record
read exactly once whatever the batch size, even when ICAT stores sub-second modTimes that its
query language can only compare to the second."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from catalogue.icat.recorded import RecordedGateway
from catalogue.icat.records import Cursor

START = datetime(2024, 3, 1, 8, tzinfo=UTC)


def crowded_recording(n: int = 300, seconds: int = 4) -> RecordedGateway:
    rng = random.Random(8)
    ids = rng.sample(range(1, 10 * n), n)
    rows = [
        {
            "id": i,
            "modTime": (
                START
                + timedelta(seconds=rng.randrange(seconds), microseconds=rng.randrange(1_000_000))
            ).isoformat(),
            "name": f"u{i}",
        }
        for i in ids
    ]
    return RecordedGateway({"User": rows})


def read_all(
    gateway: RecordedGateway, limit: int, after: Cursor | None = None
) -> tuple[list[int], Cursor]:
    seen, cursor = [], after or Cursor()
    for _ in range(10_000):
        batch = gateway.read_batch("User", cursor, limit)
        seen += [r.id for r in batch.records]
        cursor = batch.cursor
        if not batch.more:
            return seen, cursor
    raise AssertionError("paging never finished")


@pytest.mark.parametrize("limit", [1, 3, 7, 64, 1000])
def test_recorded_icat_every_record_is_read_once_whatever_the_batch_size(limit: int) -> None:
    gateway = crowded_recording()
    seen, _ = read_all(gateway, limit)
    assert sorted(seen) == sorted(gateway.tables["User"])


def test_recorded_icat_records_changed_after_a_run_are_read_by_the_next() -> None:
    gateway = crowded_recording()
    _, cursor = read_all(gateway, 16)
    gateway.put(
        "User",
        [{"id": 5, "modTime": (START + timedelta(minutes=5)).isoformat(), "name": "changed"}],
    )

    seen, _ = read_all(gateway, 16, cursor)

    assert seen == [5]


def test_recorded_icat_nothing_new_means_an_empty_batch_at_the_same_cursor() -> None:
    gateway = crowded_recording()
    _, cursor = read_all(gateway, 50)
    batch = gateway.read_batch("User", cursor, 50)
    assert (batch.records, batch.cursor, batch.more) == ([], cursor, False)
