"""What the features read from the warehouse, and the demand they see once outliers are out.

The column lists keep memory near the size of what is used: at scale the order lines are
10M+ rows, and reading every mart column would hold them several times over.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from segmentation_assets.features.build import FeatureInputs
from segmentation_assets.features.history import (
    demand_for_segmentation,
    order_lines_for_segmentation,
)

#: Mart -> the columns the features read (None: every column).
FEATURE_MART_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "fct_weekly_demand": None,
    "fct_order_lines": (
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
    ),
    "dim_product": None,
    "dim_customer": None,
    "fct_shipments": (
        "shipment_id",
        "order_id",
        "line_number",
        "sku",
        "shipped_qty",
        "handling_cost",
    ),
    "fct_freight": ("shipment_id", "freight_cost", "destination_customer_id", "mode"),
}

#: Staging view of an optional feed -> the `FeatureInputs` field it fills (current rows only).
EXTERNAL_FEEDS: dict[str, str] = {
    "stg_erp__supply": "supply",
    "stg_external__supplier_risk": "supplier_risk",
    "stg_external__market_index": "market_index",
}


def money_as_float(frame: pl.DataFrame | None) -> pl.DataFrame | None:
    """Money arrives as DECIMAL from dbt; features work in Float64."""
    if frame is None:
        return None
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def feature_inputs(
    marts: Mapping[str, pl.DataFrame | None],
    feeds: Mapping[str, pl.DataFrame | None],
    demand_outliers: pl.DataFrame | None = None,
) -> FeatureInputs:
    """The marts and feeds as `FeatureInputs`, without the demand outliers flagged
    `excluded_from_segmentation` (pass None to keep every line and week as delivered)."""
    marts = {name: money_as_float(frame) for name, frame in marts.items()}
    weekly, lines = marts["fct_weekly_demand"], marts["fct_order_lines"]
    if demand_outliers is not None and demand_outliers.height:
        weekly = demand_for_segmentation(weekly, lines, demand_outliers)
        lines = order_lines_for_segmentation(lines, demand_outliers)
    return FeatureInputs(
        weekly_demand=weekly,
        order_lines=lines,
        products=marts["dim_product"],
        customers=marts["dim_customer"],
        shipments=marts.get("fct_shipments"),
        freight=marts.get("fct_freight"),
        **{field: money_as_float(feeds.get(view)) for view, field in EXTERNAL_FEEDS.items()},
    )
