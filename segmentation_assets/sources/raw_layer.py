"""Writing the landing zone into the raw schema, one file at a time.

Files stream into `raw.<table>__loading` tables that replace the live raw tables in
the same transaction, so memory stays at one file's size (10M+ order lines load
without holding them all) and a failure leaves the previous raw layer untouched.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from segmentation_assets.sources.contract import ENTITIES, Entity
from segmentation_assets.sources.loader import PreviousRows, empty_raw_frame, file_log, read_landing_zone
from segmentation_assets.warehouse import append_rows, create_table, read_table, table_exists, transaction

RAW = "raw"
LOADING = "__loading"


def previous_rows_in(connection: duckdb.DuckDBPyConnection) -> PreviousRows:
    """Rows the live raw table holds for a source file, to keep when its new version is rejected."""

    def rows_of(entity: Entity, source_file: str) -> pl.DataFrame | None:
        if not table_exists(connection, RAW, entity.table):
            return None
        return read_table(connection, RAW, entity.table, "_source_file = ?", [source_file])

    return rows_of


def write_raw_layer(connection: duckdb.DuckDBPyConnection, landing_dir: Path, loaded_at: datetime) -> pl.DataFrame:
    """Load every landing file into raw (all entities, plus `raw.file_loads`); returns the file log."""
    previous = previous_rows_in(connection)
    with transaction(connection):
        for entity in ENTITIES:
            create_table(connection, RAW, entity.table + LOADING, empty_raw_frame(entity))
        entries = []
        for outcome in read_landing_zone(landing_dir, loaded_at, previous):
            entries.append(outcome.log)
            if outcome.entity is not None and outcome.rows is not None:
                append_rows(connection, RAW, outcome.entity.table + LOADING, outcome.rows)
        for entity in ENTITIES:
            connection.execute(f'drop table if exists {RAW}."{entity.table}"')
            connection.execute(f'alter table {RAW}."{entity.table}{LOADING}" rename to "{entity.table}"')
        log = file_log(entries)
        create_table(connection, RAW, "file_loads", log)
    return log
