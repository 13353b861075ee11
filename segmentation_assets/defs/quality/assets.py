"""Data-quality assets: outlier and impossible-value flags, and the master-data scorecard."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets import quality
from segmentation_assets.defs.resources import SegmentationSettings
from segmentation_assets.orchestration.asset_attributes import table_spec, warehouse_assets
from segmentation_assets.orchestration.metadata import markdown_table, table_metadata
from segmentation_assets.orchestration.warehouse_io import read_tables, write_tables

DIMENSIONS = ["dim_product", "dim_customer", "dim_location"]
RECONCILE_TABLES = [
    "product_crosswalk",
    "customer_crosswalk",
    "location_crosswalk",
    "tms_location_crosswalk",
    "exceptions",
]
# Which landing entity each optional input comes from, to say why a flag table is empty.
SOURCE_OF = {"fct_shipments": "wms/shipments", "fct_freight": "tms/freight"}

# The columns each rule family reads from the large fact tables: reading no more keeps
# memory near the size of what is judged (10M+ order lines at scale).
JUDGED_ORDER_LINE_COLUMNS = (
    "order_id",
    "line_number",
    "sku",
    "customer_id",
    "ship_from_location_id",
    "quantity",
    "line_revenue",
    "is_cancelled",
    "is_return",
)
JUDGED_COST_COLUMNS = {
    "fct_freight": (
        "shipment_id",
        "mode",
        "currency",
        "freight_cost",
        "origin_location_id",
        "origin_code",
    ),
    "fct_shipments": (
        "shipment_id",
        "order_id",
        "line_number",
        "sku",
        "shipped_qty",
        "handling_cost",
        "location_id",
        "warehouse_code",
    ),
}


def _flag_metadata(flags: pl.DataFrame, table: str, notes: list[str]) -> dict:
    by_rule = flags.group_by("rule").len().sort("rule") if flags.height else flags
    metadata = table_metadata(flags, table) | {"flags_by_rule": markdown_table(by_rule, 30)}
    if notes:
        metadata["note"] = "; ".join(notes)
    return metadata


def _absent(tables: dict[str, pl.DataFrame | None], names: list[str]) -> list[str]:
    return [
        f"source absent or empty: {SOURCE_OF.get(n, n)} (rules that need it found nothing to check)"
        for n in names
        if tables.get(n) is None or tables[n].height == 0
    ]


@warehouse_assets(
    [
        table_spec(
            "quarantine",
            "demand_outliers",
            "Order-line quantities and weekly demand far (in MADs: median absolute deviations) "
            "from the SKU's own history; flagged, and left out of segmentation when the config "
            "says so.",
            deps=[["marts", "fct_order_lines"], ["marts", "fct_weekly_demand"]],
        )
    ]
)
def demand_outliers(
    warehouse: DuckDBResource, settings: SegmentationSettings
) -> dg.MaterializeResult:
    rules = settings.load().quality
    marts = read_tables(
        warehouse,
        "marts",
        ["fct_order_lines", "fct_weekly_demand"],
        {"fct_order_lines": JUDGED_ORDER_LINE_COLUMNS},
    )
    flags = quality.demand_outlier_flags(
        marts["fct_order_lines"], marts["fct_weekly_demand"], rules
    )
    write_tables(warehouse, {("quarantine", "demand_outliers"): flags})
    return dg.MaterializeResult(metadata=_flag_metadata(flags, "quarantine.demand_outliers", []))


@warehouse_assets(
    [
        table_spec(
            "quarantine",
            "cost_to_serve_outliers",
            "Freight cost per unit (or per shipment) and handling cost per unit far from their "
            "lane's or warehouse's median; flagged for review, not excluded.",
            deps=[["marts", "fct_freight"], ["marts", "fct_shipments"]],
        )
    ]
)
def cost_to_serve_outliers(
    warehouse: DuckDBResource, settings: SegmentationSettings
) -> dg.MaterializeResult:
    rules = settings.load().quality
    marts = read_tables(warehouse, "marts", list(JUDGED_COST_COLUMNS), JUDGED_COST_COLUMNS)
    flags = quality.cost_to_serve_outliers(
        marts["fct_freight"],
        marts["fct_shipments"],
        rules.cost_to_serve_mad_threshold,
        min_history=rules.min_history,
    )
    write_tables(warehouse, {("quarantine", "cost_to_serve_outliers"): flags})
    notes = _absent(marts, list(JUDGED_COST_COLUMNS))
    return dg.MaterializeResult(
        metadata=_flag_metadata(flags, "quarantine.cost_to_serve_outliers", notes)
    )


@warehouse_assets(
    [
        table_spec(
            "quarantine",
            "impossible_values",
            "Values that cannot be true (delivery before pickup, negative cost, ship before "
            "order, ...), one row per finding.",
            deps=[["marts", t] for t in quality.columns_read()],
        )
    ]
)
def impossible_values(warehouse: DuckDBResource) -> dg.MaterializeResult:
    needed = quality.columns_read()
    marts = read_tables(warehouse, "marts", list(needed), needed)
    result = quality.impossible_values(marts, as_of=datetime.now(UTC).date())
    write_tables(warehouse, {("quarantine", "impossible_values"): result.flags})
    notes = [f"{s.rule} skipped: {s.reason}" for s in result.skipped]
    return dg.MaterializeResult(
        metadata=_flag_metadata(result.flags, "quarantine.impossible_values", notes)
    )


@warehouse_assets(
    [
        table_spec(
            "quality",
            "master_data_scorecard",
            "Master-data quality per entity: completeness per attribute, match rate per source "
            "system, duplicates and conflicts.",
            deps=[["marts", t] for t in DIMENSIONS] + [["reconcile", t] for t in RECONCILE_TABLES],
        )
    ]
)
def master_data_scorecard(warehouse: DuckDBResource) -> dg.MaterializeResult:
    dims = read_tables(warehouse, "marts", DIMENSIONS)
    recon = read_tables(warehouse, "reconcile", RECONCILE_TABLES)
    scorecard = quality.master_data_scorecard(
        dims["dim_product"],
        dims["dim_customer"],
        dims["dim_location"],
        recon["product_crosswalk"],
        recon["customer_crosswalk"],
        recon["location_crosswalk"],
        recon["tms_location_crosswalk"],
        recon["exceptions"],
    )
    write_tables(warehouse, {("quality", "master_data_scorecard"): scorecard})
    match_rates = scorecard.filter(pl.col("metric") == "match_rate").select(
        "subject", "numerator", "denominator", "value"
    )
    return dg.MaterializeResult(
        metadata=table_metadata(scorecard, "quality.master_data_scorecard", 10)
        | {"match_rates": markdown_table(match_rates, 10)}
    )


@warehouse_assets(
    [
        table_spec(
            "quality",
            "cleansing_priorities",
            "What to cleanse first: master-data issues ranked by the revenue they touch, with a "
            "recommendation each.",
            deps=[
                ["quality", "master_data_scorecard"],
                ["reconcile", "exceptions"],
                ["marts", "fct_order_lines"],
            ]
            + [["marts", t] for t in DIMENSIONS],
        )
    ]
)
def cleansing_priorities(
    warehouse: DuckDBResource, settings: SegmentationSettings
) -> dg.MaterializeResult:
    targets = settings.load().scorecard
    scorecard = read_tables(warehouse, "quality", ["master_data_scorecard"])
    marts = read_tables(
        warehouse,
        "marts",
        ["fct_order_lines", *DIMENSIONS],
        {"fct_order_lines": JUDGED_ORDER_LINE_COLUMNS},
    )
    exceptions = read_tables(warehouse, "reconcile", ["exceptions"])["exceptions"]
    priorities = quality.cleansing_priorities(
        scorecard["master_data_scorecard"],
        exceptions,
        marts["fct_order_lines"],
        completeness_target=targets.completeness_target,
        match_rate_target=targets.match_rate_target,
        dim_product=marts["dim_product"],
        dim_customer=marts["dim_customer"],
        dim_location=marts["dim_location"],
    )
    write_tables(warehouse, {("quality", "cleansing_priorities"): priorities})
    return dg.MaterializeResult(
        metadata=table_metadata(priorities, "quality.cleansing_priorities", 10)
    )
