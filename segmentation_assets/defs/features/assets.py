"""Feature assets: one row per SKU, customer and SKU x customer, plus the rolling windows
the stability check refits on. Thin: read the marts, call `features`, write, describe."""

from typing import NamedTuple

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets.config import SegmentationConfig
from segmentation_assets.defs.resources import SegmentationSettings
from segmentation_assets.features.build import (
    FeatureInputs,
    FeatureTable,
    customer_features,
    prepared_inputs,
    product_customer_features,
    product_features,
)
from segmentation_assets.features.catalog import EntityType, labels
from segmentation_assets.features.inputs import EXTERNAL_FEEDS, FEATURE_MART_COLUMNS, feature_inputs
from segmentation_assets.features.windows import FeatureBuilder, window_features
from segmentation_assets.orchestration.asset_attributes import table_spec, warehouse_assets
from segmentation_assets.orchestration.metadata import markdown_table, table_metadata
from segmentation_assets.orchestration.warehouse_io import read_tables, write_tables

INPUT_DEPS = (
    [["marts", t] for t in FEATURE_MART_COLUMNS]
    + [["staging", t] for t in EXTERNAL_FEEDS]
    + [["quarantine", "demand_outliers"]]
)


class FeatureTableDef(NamedTuple):
    builder: FeatureBuilder
    entity_type: EntityType
    on_windows: bool  # recomputed on each rolling window of the stability check
    description: str


FEATURE_TABLES = {
    "product_features": FeatureTableDef(
        product_features,
        "product",
        False,
        "One row per SKU: velocity, variability (CoV, ADI, CV², Syntetos-Boylan class), "
        "ABC / XYZ / FMR, margin, cost to serve, lifecycle, trend, seasonality, forecastability "
        "and external risk. Null where a source is absent, and the metadata says why.",
    ),
    "customer_features": FeatureTableDef(
        customer_features,
        "customer",
        False,
        "One row per customer: volume, order pattern, margin, cost to serve (freight, handling, "
        "order processing), profit after cost to serve and service requirements from the CRM.",
    ),
    "product_customer_features": FeatureTableDef(
        product_customer_features,
        "product_customer",
        False,
        "One row per SKU x customer pair that traded: volume, regularity and how much each "
        "matters to the other.",
    ),
    "product_feature_windows": FeatureTableDef(
        product_features,
        "product",
        True,
        "Product features recomputed on each rolling history window (fit on one, assign the "
        "next): the input of the out-of-sample stability check.",
    ),
    "customer_feature_windows": FeatureTableDef(
        customer_features,
        "customer",
        True,
        "Customer features recomputed on each rolling history window, for the stability check.",
    ),
}


def read_feature_inputs(warehouse: DuckDBResource, config: SegmentationConfig) -> FeatureInputs:
    marts = read_tables(warehouse, "marts", list(FEATURE_MART_COLUMNS), FEATURE_MART_COLUMNS)
    where_current = {view: "_is_latest" for view in EXTERNAL_FEEDS}
    feeds = read_tables(warehouse, "staging", list(EXTERNAL_FEEDS), where=where_current)
    outliers = None
    if config.quality.exclude_demand_outliers_from_segmentation:
        outliers = read_tables(warehouse, "quarantine", ["demand_outliers"])["demand_outliers"]
    return feature_inputs(marts, feeds, outliers)


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
        "null_features": markdown_table(notes, 50)
        if notes.height
        else dg.MetadataValue.md("_none: every feature had its sources_"),
        "summary": markdown_table(summary, 10),
    }


@warehouse_assets(
    [
        table_spec("features", table, definition.description, deps=INPUT_DEPS)
        for table, definition in FEATURE_TABLES.items()
    ],
    name="feature_tables",
)
def feature_tables(warehouse: DuckDBResource, settings: SegmentationSettings):
    """All feature tables from one read of the marts (10M+ order lines at scale are read once)."""
    config = settings.load()
    inputs = prepared_inputs(read_feature_inputs(warehouse, config), config.features)
    for table, definition in FEATURE_TABLES.items():
        name, descriptions = f"features.{table}", labels(definition.entity_type)
        if definition.on_windows:
            frame, note = window_features(inputs, config, definition.builder)
            metadata = table_metadata(frame, name, descriptions=descriptions) | {"windows": note}
        else:
            built = definition.builder(inputs, config.features)
            frame, metadata = built.frame, feature_metadata(built, name, definition.entity_type)
        write_tables(warehouse, {("features", table): frame})
        yield dg.MaterializeResult(asset_key=["features", table], metadata=metadata)
