"""Feature assets: one row per SKU, customer and SKU x customer, plus the rolling windows
the stability check refits on. Thin: read the marts, call `features.build`, write, describe."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets.config import SegmentationConfig
from segmentation_assets.defs.metadata import table_metadata
from segmentation_assets.defs.resources import OWNER, WAREHOUSE_POOL, SegmentationSettings
from segmentation_assets.defs.warehouse_io import read_tables, write_tables
from segmentation_assets.features.build import (
    FeatureInputs,
    FeatureTable,
    customer_features,
    prepared_inputs,
    product_customer_features,
    product_features,
)
from segmentation_assets.features.catalog import EntityType, labels
from segmentation_assets.features.history import (
    demand_for_segmentation,
    feature_window,
    order_lines_for_segmentation,
    stability_windows,
)
from segmentation_assets.warehouse import preview_markdown

ORDER_LINE_COLUMNS = (
    "order_id",
    "line_number",
    "order_date",
    "customer_id",
    "sku",
    "quantity",
    "line_revenue",
    "requested_delivery_date",
    "is_return",
    "is_cancelled",
)
SHIPMENT_COLUMNS = ("shipment_id", "order_id", "line_number", "sku", "shipped_qty", "handling_cost")
FREIGHT_COLUMNS = ("shipment_id", "freight_cost", "destination_customer_id", "mode")
MARTS = [
    "fct_weekly_demand",
    "fct_order_lines",
    "dim_product",
    "dim_customer",
    "fct_shipments",
    "fct_freight",
]
EXTERNAL = {
    "stg_erp__supply": "supply",
    "stg_external__supplier_risk": "supplier_risk",
    "stg_external__market_index": "market_index",
}
INPUT_DEPS = (
    [["marts", t] for t in MARTS]
    + [["staging", t] for t in EXTERNAL]
    + [["quarantine", "demand_outliers"]]
)


def _decimals_to_float(frame: pl.DataFrame | None) -> pl.DataFrame | None:
    """Money arrives as DECIMAL from dbt; features work in Float64."""
    if frame is None:
        return None
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def read_feature_inputs(warehouse: DuckDBResource, config: SegmentationConfig) -> FeatureInputs:
    """The marts (and external sources) the features need, demand outliers removed when configured."""
    marts = read_tables(
        warehouse,
        "marts",
        MARTS,
        {
            "fct_order_lines": ORDER_LINE_COLUMNS,
            "fct_shipments": SHIPMENT_COLUMNS,
            "fct_freight": FREIGHT_COLUMNS,
        },
    )
    external = read_tables(
        warehouse, "staging", list(EXTERNAL), where={t: "_is_latest" for t in EXTERNAL}
    )
    marts = {name: _decimals_to_float(frame) for name, frame in marts.items()}
    weekly, lines = marts["fct_weekly_demand"], marts["fct_order_lines"]
    if config.quality.exclude_demand_outliers_from_segmentation:
        outliers = read_tables(warehouse, "quarantine", ["demand_outliers"])["demand_outliers"]
        if outliers is not None and outliers.height:
            weekly = demand_for_segmentation(weekly, lines, outliers)
            lines = order_lines_for_segmentation(lines, outliers)
    return FeatureInputs(
        weekly_demand=weekly,
        order_lines=lines,
        products=marts["dim_product"],
        customers=marts["dim_customer"],
        shipments=marts["fct_shipments"],
        freight=marts["fct_freight"],
        **{field: _decimals_to_float(external[table]) for table, field in EXTERNAL.items()},
    )


def feature_metadata(table: FeatureTable, name: str, entity_type: EntityType) -> dict:
    frame = table.frame
    notes = pl.DataFrame(
        {"feature": list(table.notes), "why null": list(table.notes.values())},
        schema={"feature": pl.Utf8, "why null": pl.Utf8},
    )
    numeric = [c for c, t in frame.schema.items() if t.is_numeric()]
    summary = frame.select(numeric).describe() if numeric and frame.height else pl.DataFrame()
    return table_metadata(frame, name, descriptions=labels(entity_type)) | {
        "window": f"{table.window.start} .. {table.window.end}",
        "null_features": dg.MetadataValue.md(
            preview_markdown(notes, 50) if notes.height else "_none: every feature had its sources_"
        ),
        "summary": dg.MetadataValue.md(preview_markdown(summary, 10)),
    }


def window_features(
    inputs: FeatureInputs, config: SegmentationConfig, builder
) -> tuple[pl.DataFrame, str]:
    """The features of each rolling window stacked with a `window` label column (oldest first), and a
    note; an empty frame when the history is too short even for shortened windows."""
    stability = config.segmentation.stability
    full = feature_window(inputs.weekly_demand, config.features.history_weeks)
    windows, note = stability_windows(
        full, stability.window_weeks, stability.step_weeks, stability.windows
    )
    if not windows:
        return pl.DataFrame({"window": []}, schema={"window": pl.Utf8}), note
    frames = [
        builder(inputs, config.features, window).frame.with_columns(
            pl.lit(f"{window.start}..{window.end}").alias("window")
        )
        for window in windows
    ]
    return pl.concat(frames, how="diagonal_relaxed").select("window", pl.exclude("window")), note


# table -> (what builds it, on rolling windows?, description)
FEATURE_TABLES = {
    "product_features": (
        product_features,
        False,
        "One row per SKU: velocity, variability (CoV, ADI, CV², "
        "Syntetos-Boylan class), ABC / XYZ / FMR, margin, cost to serve, lifecycle, trend, seasonality, "
        "forecastability and external risk. Null where a source is absent, and the metadata says why.",
    ),
    "customer_features": (
        customer_features,
        False,
        "One row per customer: volume, order pattern, margin, cost to "
        "serve (freight, handling, order processing), profit after cost to serve and service "
        "requirements from the CRM.",
    ),
    "product_customer_features": (
        product_customer_features,
        False,
        "One row per SKU x customer pair that traded: "
        "volume, regularity and how much each matters to the other.",
    ),
    "product_feature_windows": (
        product_features,
        True,
        "Product features recomputed on each rolling history window "
        "(fit on one, assign the next): the input of the out-of-sample stability check.",
    ),
    "customer_feature_windows": (
        customer_features,
        True,
        "Customer features recomputed on each rolling history window, for the stability check.",
    ),
}


ENTITY_OF = {
    product_features: "product",
    customer_features: "customer",
    product_customer_features: "product_customer",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["features", table],
            deps=INPUT_DEPS,
            group_name="features",
            owners=[OWNER],
            kinds={"polars", "duckdb"},
            description=description,
        )
        for table, (_, _, description) in FEATURE_TABLES.items()
    ],
    pool=WAREHOUSE_POOL,
    name="feature_tables",
)
def feature_tables(warehouse: DuckDBResource, settings: SegmentationSettings):
    """All feature tables from one read of the marts (10M+ order lines at scale are read once)."""
    config = settings.load()
    inputs = prepared_inputs(read_feature_inputs(warehouse, config), config.features)
    for table, (builder, on_windows, _) in FEATURE_TABLES.items():
        entity_type = ENTITY_OF[builder]
        if on_windows:
            frame, note = window_features(inputs, config, builder)
            metadata = table_metadata(
                frame, f"features.{table}", descriptions=labels(entity_type)
            ) | {"windows": note}
        else:
            built = builder(inputs, config.features)
            frame, metadata = built.frame, feature_metadata(built, f"features.{table}", entity_type)
        write_tables(warehouse, {("features", table): frame})
        yield dg.MaterializeResult(asset_key=["features", table], metadata=metadata)
