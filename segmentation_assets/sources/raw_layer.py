"""Writing the landing zone into the raw schema, one file at a time.

Files stream into `raw.<table>__loading` tables, committed file by file so memory
stays near one file's size (a single transaction over 10M+ rows held them all in
memory); one short transaction then swaps every loading table in for the live one,
so a failure at any point leaves the previous raw layer untouched.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from segmentation_assets.sources.contract import ENTITIES, Entity
from segmentation_assets.sources.loader import (
    PreviousRows,
    empty_raw_frame,
    file_log,
    read_landing_zone,
)
from segmentation_assets.warehouse import (
    append_rows,
    create_table,
    read_table,
    table_exists,
    transaction,
)

RAW = "raw"
LOADING = "__loading"


def previous_rows_in(connection: duckdb.DuckDBPyConnection) -> PreviousRows:
    """Rows the live raw table holds for a source file, to keep when its new version is rejected."""

    def rows_of(entity: Entity, source_file: str) -> pl.DataFrame | None:
        if not table_exists(connection, RAW, entity.table):
            return None
        return read_table(connection, RAW, entity.table, "_source_file = ?", [source_file])

    return rows_of


def write_raw_layer(
    connection: duckdb.DuckDBPyConnection, landing_dir: Path, loaded_at: datetime
) -> pl.DataFrame:
    """Load every landing file into raw (every entity, plus `raw.file_loads`).

    Returns the file log, as written to `raw.file_loads`."""
    tables = [e.table for e in ENTITIES] + ["file_loads"]
    previous = previous_rows_in(connection)
    try:
        for entity in ENTITIES:
            create_table(connection, RAW, entity.table + LOADING, empty_raw_frame(entity))
        entries = []
        for outcome in read_landing_zone(landing_dir, loaded_at, previous):
            entries.append(outcome.log)
            if outcome.entity is not None and outcome.rows is not None:
                append_rows(connection, RAW, outcome.entity.table + LOADING, outcome.rows)
        log = file_log(entries)
        create_table(connection, RAW, "file_loads" + LOADING, log)
        with transaction(connection):
            for table in tables:
                connection.execute(f'drop table if exists {RAW}."{table}"')
                connection.execute(f'alter table {RAW}."{table}{LOADING}" rename to "{table}"')
    finally:
        for table in tables:
            connection.execute(f'drop table if exists {RAW}."{table}{LOADING}"')
    return log
