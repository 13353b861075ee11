"""Landing files (external assets) and the ingest that turns them into raw tables."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets.defs.resources import LandingZone
from segmentation_assets.orchestration.asset_attributes import table_spec, warehouse_assets
from segmentation_assets.orchestration.metadata import table_metadata
from segmentation_assets.sources.contract import ENTITIES, Entity
from segmentation_assets.sources.landing_files import SUPPORTED_SUFFIXES
from segmentation_assets.sources.raw_layer import write_raw_layer
from segmentation_assets.warehouse import read_table

landing_files = [
    table_spec(
        "landing",
        e.table,
        f"{e.description} Landing files `{e.path}{'|'.join(SUPPORTED_SUFFIXES)}` or `{e.path}/*` "
        f"({'required' if e.required else 'optional'} entity; key: {', '.join(e.key)}).",
        kinds={suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES},
        metadata={"contract_path": e.path, "key": ", ".join(e.key), "required": e.required},
    )
    for e in ENTITIES
]


def _raw_table_specs() -> list[dg.AssetSpec]:
    """The ingest's outputs (built in a function: a module-level list would load twice)."""
    tables = [
        table_spec(
            "raw",
            e.table,
            f"Every drop of `{e.path}` as delivered, typed by the contract, "
            "with source file and load time.",
            deps=[["landing", e.table]],
        )
        for e in ENTITIES
    ]
    file_loads = table_spec(
        "raw",
        "file_loads",
        "One row per landing file seen by the last ingest: loaded, rejected (with file, "
        "column, row and rule) or ignored.",
        deps=[["landing", e.table] for e in ENTITIES],
        kinds={"duckdb"},
    )
    return [*tables, file_loads]


def _raw_table_metadata(connection, entity: Entity, files: pl.DataFrame) -> dict:
    files = files.filter((pl.col("system") == entity.system) & (pl.col("entity") == entity.name))
    rows = connection.execute(f'select count(*) from raw."{entity.table}"').fetchone()[0]
    head = read_table(connection, "raw", entity.table, "true limit 5")
    rejected = files.filter(pl.col("status") == "rejected")
    metadata = table_metadata(head, f"raw.{entity.table}", row_count=rows) | {
        "files_loaded": files.filter(pl.col("status") == "loaded").height,
        "files_rejected": rejected.height,
    }
    if files.height == 0:
        need = (
            "the platform cannot run without it"
            if entity.required
            else "features and policies that need it are empty"
        )
        metadata["note"] = (
            f"source absent: no landing file for {entity.path}; table is empty and {need}"
        )
    if rejected.height:
        metadata["rejections"] = dg.MetadataValue.md(
            "\n".join(f"- {m}" for m in rejected["message"])
        )
    return metadata


@warehouse_assets(_raw_table_specs(), name="ingest_landing_zone")
def ingest_landing_zone(warehouse: DuckDBResource, landing_zone: LandingZone):
    """Stream every landing file into raw; the new raw layer replaces the old in one go."""
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.get_connection() as connection:
        files = write_raw_layer(connection, landing_zone.directory, loaded_at)
        metadata = {e.table: _raw_table_metadata(connection, e, files) for e in ENTITIES}
    for entity in ENTITIES:
        yield dg.MaterializeResult(asset_key=["raw", entity.table], metadata=metadata[entity.table])
    by_status = files.group_by("status").len()
    yield dg.MaterializeResult(
        asset_key=["raw", "file_loads"],
        metadata=table_metadata(files, "raw.file_loads", preview_rows=20)
        | {f"files_{row['status']}": row["len"] for row in by_status.iter_rows(named=True)},
    )
