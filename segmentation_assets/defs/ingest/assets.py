"""Landing files (external assets) and the ingest that turns them into raw tables."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets.defs.metadata import table_metadata
from segmentation_assets.defs.resources import OWNER, WAREHOUSE_POOL, LandingZone
from segmentation_assets.sources.contract import ENTITIES, Entity
from segmentation_assets.sources.raw_layer import write_raw_layer
from segmentation_assets.warehouse import read_table

landing_files = [
    dg.AssetSpec(
        key=["landing", e.table],
        group_name="landing",
        description=f"{e.description} Landing files `{e.path}.csv|.parquet` or `{e.path}/*` "
        f"({'required' if e.required else 'optional'} entity; key: {', '.join(e.key)}).",
        owners=[OWNER],
        kinds={"csv", "parquet"},
        metadata={"contract_path": e.path, "key": ", ".join(e.key), "required": e.required},
    )
    for e in ENTITIES
]


def _raw_table_specs() -> list[dg.AssetSpec]:
    """Specs of the ingest's outputs (built in a function: a module-level list would be loaded twice)."""
    return [
        dg.AssetSpec(
            key=["raw", e.table],
            deps=[["landing", e.table]],
            group_name="raw",
            description=f"Every drop of `{e.path}` as delivered, typed by the contract, with source file and load time.",
            owners=[OWNER],
            kinds={"duckdb", "polars"},
        )
        for e in ENTITIES
    ] + [
        dg.AssetSpec(
            key=["raw", "file_loads"],
            deps=[["landing", e.table] for e in ENTITIES],
            group_name="raw",
            description="One row per landing file seen by the last ingest: loaded, rejected (with file, "
            "column, row and rule) or ignored.",
            owners=[OWNER],
            kinds={"duckdb"},
        )
    ]


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


@dg.multi_asset(specs=_raw_table_specs(), name="ingest_landing_zone", pool=WAREHOUSE_POOL)
def ingest_landing_zone(warehouse: DuckDBResource, landing_zone: LandingZone):
    """Stream every landing file into raw; the new raw layer replaces the old in one transaction."""
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
