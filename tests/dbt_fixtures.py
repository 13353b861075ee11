"""Build a typed raw layer (schema `raw`) in a DuckDB file for dbt tests.

Stands in for the Python ingest: one table per contract entity, `raw.<system>__<entity>`,
contract columns typed as docs/ARCHITECTURE.md says, extra columns kept as VARCHAR, and
the metadata columns `_raw_row_id, _source_file, _row_number, _file_modified_at,
_loaded_at`. Entities without a frame get an empty typed table.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from segmentation_assets.sources.column_types import POLARS_TYPES
from segmentation_assets.sources.contract import ENTITIES, ColumnType, Entity
from segmentation_assets.warehouse import connect, replace_tables

DEFAULT_MODIFIED_AT = datetime(2024, 1, 1, 12, 0, 0)
LOADED_AT = datetime(2024, 3, 1, 0, 0, 0)


def _typed(frame: pl.DataFrame, entity: Entity) -> pl.DataFrame:
    """Cast contract columns, add missing ones as NULL, keep extras as strings."""
    exprs: list[pl.Expr] = []
    for column in entity.columns:
        target = POLARS_TYPES[column.type]
        if column.name not in frame.columns:
            exprs.append(pl.lit(None, dtype=target).alias(column.name))
        elif column.type is ColumnType.DATE and frame.schema[column.name] == pl.String:
            exprs.append(pl.col(column.name).str.to_date("%Y-%m-%d").alias(column.name))
        else:
            exprs.append(pl.col(column.name).cast(target).alias(column.name))
    metadata = {"_source_file", "_row_number", "_file_modified_at"}
    extras = [c for c in frame.columns if c not in entity.column_names and c not in metadata]
    exprs += [pl.col(c).cast(pl.String) for c in extras]

    source_file = (
        pl.col("_source_file") if "_source_file" in frame.columns else pl.lit(f"{entity.path}.csv")
    )
    frame = frame.with_columns(source_file.cast(pl.String).alias("_source_file"))
    if "_row_number" not in frame.columns:
        frame = frame.with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("_source_file").alias("_row_number")
        )
    if "_file_modified_at" not in frame.columns:
        frame = frame.with_columns(pl.lit(DEFAULT_MODIFIED_AT).alias("_file_modified_at"))

    return frame.select(
        *exprs,
        (pl.col("_source_file") + "#" + pl.col("_row_number").cast(pl.String)).alias("_raw_row_id"),
        pl.col("_source_file"),
        pl.col("_row_number").cast(pl.Int64),
        pl.col("_file_modified_at").cast(pl.Datetime("us")),
        pl.lit(LOADED_AT, dtype=pl.Datetime("us")).alias("_loaded_at"),
    )


def write_raw_layer(db_path: str | Path, frames: dict[str, pl.DataFrame]) -> None:
    """Write every contract entity to `raw.<system>__<entity>` in `db_path`.

    `frames` maps `<system>/<entity>` (or `<system>__<entity>`) to a frame with contract
    columns (dates may be ISO strings) and optionally `_source_file`, `_row_number`
    (default: position within the file) and `_file_modified_at` (default: 2024-01-01 12:00).
    """
    by_table = {key.replace("/", "__"): frame for key, frame in frames.items()}
    unknown = set(by_table) - {e.table for e in ENTITIES}
    if unknown:
        raise KeyError(f"not contract entities: {sorted(unknown)}")

    with connect(Path(db_path)) as connection:
        replace_tables(
            connection,
            {
                ("raw", entity.table): _typed(by_table.get(entity.table, pl.DataFrame()), entity)
                for entity in ENTITIES
            },
        )
