"""pandera schemas per contract entity: the value rules a loaded raw table should meet.

Types are already enforced by the loader (a mistyped file never reaches raw); these
schemas state the business ranges. Failures are reported as Dagster asset checks
with the failing rows, while the rows themselves go on to quarantine rules in dbt.
"""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl

from segmentation_assets.sources.column_types import POLARS_TYPES
from segmentation_assets.sources.contract import Entity

_NON_NEGATIVE = pa.Check.ge(0)

# Business ranges by (entity path, column); everything else is only type and nullability.
VALUE_RULES: dict[tuple[str, str], list[pa.Check]] = {
    ("erp/order_lines", "line_number"): [pa.Check.ge(0)],
    ("erp/order_lines", "unit_price"): [_NON_NEGATIVE],
    ("erp/order_lines", "order_status"): [
        pa.Check(
            lambda d: d.lazyframe.select(
                pl.col(d.key)
                .str.strip_chars()
                .str.to_lowercase()
                .is_in(["open", "shipped", "cancelled"])
                | pl.col(d.key).is_null()
            ),
            name="order_status_known",
            error="order_status is one of open, shipped, cancelled",
        )
    ],
    ("erp/products", "unit_cost"): [_NON_NEGATIVE],
    ("erp/products", "list_price"): [_NON_NEGATIVE],
    ("erp/inventory_snapshots", "on_hand_qty"): [_NON_NEGATIVE],
    ("erp/inventory_snapshots", "on_order_qty"): [_NON_NEGATIVE],
    ("erp/supply", "lead_time_days"): [_NON_NEGATIVE],
    ("erp/supply", "lead_time_std_days"): [_NON_NEGATIVE],
    ("erp/supply", "moq"): [_NON_NEGATIVE],
    ("wms/items", "unit_weight_kg"): [_NON_NEGATIVE],
    ("wms/items", "unit_volume_m3"): [_NON_NEGATIVE],
    ("wms/shipments", "shipped_qty"): [_NON_NEGATIVE],
    ("wms/shipments", "handling_cost"): [_NON_NEGATIVE],
    ("tms/freight", "freight_cost"): [_NON_NEGATIVE],
    ("crm/accounts", "contracted_lead_time_days"): [_NON_NEGATIVE],
    ("crm/accounts", "target_fill_rate"): [pa.Check.in_range(0, 1)],
    ("external/supplier_risk", "risk_score"): [pa.Check.in_range(0, 100)],
    ("external/market_index", "volatility_index"): [_NON_NEGATIVE],
}


@cache
def entity_schema(entity: Entity) -> pa.DataFrameSchema:
    """Contract types, non-null keys and the value rules for one entity; extra columns allowed."""
    columns = {
        column.name: pa.Column(
            POLARS_TYPES[column.type],
            checks=VALUE_RULES.get((entity.path, column.name), []),
            nullable=column.name not in entity.key,
            required=True,
        )
        for column in entity.columns
    }
    return pa.DataFrameSchema(columns, name=entity.table, strict=False)


def failure_cases(entity: Entity, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows breaking the entity's schema, with the check and the raw row they came from."""
    try:
        entity_schema(entity).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if "index" in cases.columns and "_raw_row_id" in frame.columns:
            row_ids = (
                frame.select("_raw_row_id")
                .with_row_index("index")
                .with_columns(pl.col("index").cast(pl.Int32))
            )
            cases = cases.with_columns(pl.col("index").cast(pl.Int32)).join(
                row_ids, on="index", how="left"
            )
        return cases.select(pl.all().cast(pl.String))
    return pl.DataFrame(schema={"failure_case": pl.String, "column": pl.String, "check": pl.String})
