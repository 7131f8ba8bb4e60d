"""Bulk loading for the benches: COPY into a table whose secondary indexes are built afterwards."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


@contextmanager
def indexes_after(table: str):
    """Drop `table`'s secondary indexes and skip foreign-key triggers for the load, then build the
    indexes once: maintaining a B-tree and a GIN per row is what makes 50M rows take an hour.
    Indexes backing a constraint (primary key, unique) stay: the load must still respect them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [table],
        )
        definitions = cursor.fetchall()
        for name, _ in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
        # The generator's keys are consistent by construction; replica mode skips the FK checks.
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in definitions:
                cursor.execute(definition)
