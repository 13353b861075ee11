"""Checks on the raw layer: the contract's value rules (pandera) and rejected files."""

from __future__ import annotations

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets.orchestration.metadata import markdown_table
from segmentation_assets.sources.contract import ENTITIES, Entity
from segmentation_assets.sources.loader import empty_raw_frame
from segmentation_assets.sources.schemas import failure_cases
from segmentation_assets.warehouse import read_table

CONTRACT_RULE_CHECKS = [
    dg.AssetCheckSpec(
        "contract_value_rules",
        asset=["raw", e.table],
        description=f"Rows of {e.path} meet the contract's types, non-null keys and value "
        "ranges (pandera).",
    )
    for e in ENTITIES
]


BATCH_ROWS = 500_000  # rows validated at a time: memory stays flat at 10M+ order lines


def _failure_cases_in_batches(connection, entity: Entity) -> tuple[pl.DataFrame, int]:
    """pandera's failure cases over the whole raw table, read in record batches; rows checked."""
    reader = connection.execute(f'select * from raw."{entity.table}"').fetch_record_batch(
        BATCH_ROWS
    )
    cases, rows = [failure_cases(entity, empty_raw_frame(entity))], 0
    for batch in reader:
        frame = pl.from_arrow(batch)
        rows += frame.height
        cases.append(failure_cases(entity, frame))
    return pl.concat(cases, how="diagonal_relaxed"), rows


@dg.multi_asset_check(specs=CONTRACT_RULE_CHECKS, name="raw_contract_value_rules")
def raw_contract_value_rules(warehouse: DuckDBResource):
    """Warn (not fail) on rule breaks: the rows are routed to quarantine downstream, not lost."""
    with warehouse.get_connection() as connection:
        results = {e.table: _failure_cases_in_batches(connection, e) for e in ENTITIES}
    for entity in ENTITIES:
        cases, rows_checked = results[entity.table]
        by_check = (
            cases.group_by("column", "check").len().sort("len", descending=True)
            if cases.height
            else cases
        )
        yield dg.AssetCheckResult(
            asset_key=["raw", entity.table],
            check_name="contract_value_rules",
            passed=cases.height == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "failing_values": cases.height,
                "rows_checked": rows_checked,
                "by_rule": markdown_table(by_check, 20),
                "examples": markdown_table(cases, 10),
            },
        )


@dg.asset_check(
    asset=["raw", "file_loads"],
    description="Every landing file was loaded; lists rejected files and why.",
)
def no_rejected_files(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as connection:
        loads = read_table(connection, "raw", "file_loads")
    rejected = loads.filter(pl.col("status") == "rejected")
    return dg.AssetCheckResult(
        passed=rejected.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rejected_files": rejected.height,
            "rejections": markdown_table(
                rejected.select(
                    "source_file", "error_rule", "error_column", "error_row", "message"
                ),
                50,
            ),
        },
    )
