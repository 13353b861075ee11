"""Feature tables with the catalog's columns: one row per SKU, customer or SKU x customer.

An entity is in the table when it sold something in the window (a week with units > 0);
products and customers of the master data without a sale there are left out and counted
under the note `_excluded`. A feature that is null for a reason beyond the entity itself
(a source not delivered, too little history) has a note saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from segmentation_assets.config import FeaturesConfig
from segmentation_assets.features.catalog import FEATURES, ID_COLUMNS, EntityType
from segmentation_assets.features.classification import abc_class, fmr_class, sbc_class, xyz_class
from segmentation_assets.features.demand_profile import (
    MIN_SEASONALITY_WEEKS,
    age_weeks,
    demand_statistics,
    seasonality_strength,
)
from segmentation_assets.features.economics import (
    LineCosts,
    customer_margin,
    customer_profitability,
    gross_margin,
    line_costs,
    sku_cost_to_serve,
    unit_costs,
)
from segmentation_assets.features.external import (
    market_volatility,
    supplier_lead_time,
    supplier_risk,
)
from segmentation_assets.features.forecastability import forecastability
from segmentation_assets.features.history import (
    DemandWindow,
    complete_weeks,
    conform_weekly,
    feature_window,
    lines_in_window,
    weekly_from_order_lines,
)
from segmentation_assets.features.service import contract_terms, requested_lead_time

#: Whole-number features, kept as Int64; every other numeric feature is Float64.
COUNT_FEATURES = frozenset(
    {
        "weeks_observed",
        "total_order_lines",
        "orders",
        "sku_count",
        "customer_count",
        "age_weeks",
        "weeks_since_last_sale",
        "weeks_since_last_order",
    }
)


@dataclass(frozen=True)
class FeatureInputs:
    """The marts and feeds the features are built from.

    Outliers the quality step excluded from segmentation are taken out by the caller
    (`features.inputs.feature_inputs`, with `history.demand_for_segmentation` and
    `history.order_lines_for_segmentation`; customer and SKU x customer volumes come from
    the order lines). Staging views: current rows only.
    Row order does not matter; each frame is sorted by its key before anything is summed.
    """

    weekly_demand: pl.DataFrame  # marts.fct_weekly_demand (already outlier-cleaned or not)
    order_lines: pl.DataFrame  # marts.fct_order_lines
    products: pl.DataFrame  # marts.dim_product
    customers: pl.DataFrame  # marts.dim_customer
    shipments: pl.DataFrame | None = None  # marts.fct_shipments (None or empty = WMS absent)
    freight: pl.DataFrame | None = None  # marts.fct_freight (None or empty = TMS absent)
    supply: pl.DataFrame | None = None  # staging.stg_erp__supply, current rows
    supplier_risk: pl.DataFrame | None = None  # staging.stg_external__supplier_risk, current rows
    market_index: pl.DataFrame | None = None  # staging.stg_external__market_index, current rows
    # Set by `prepared_inputs`: frames already in key order, and every line's cost to serve over
    # all history, so building many tables and windows sorts and allocates costs once.
    in_key_order: bool = False
    costs: LineCosts | None = None


@dataclass(frozen=True)
class FeatureTable:
    """One feature table and what a reader needs to trust it: why features are null, which weeks."""

    frame: pl.DataFrame  # one row per entity: ID_COLUMNS[entity_type] + catalog feature columns
    notes: dict[str, str]  # feature name -> why it is null (source absent, too little history ...)
    window: DemandWindow


def _window(
    inputs: FeatureInputs, config: FeaturesConfig, window: DemandWindow | None
) -> DemandWindow:
    return (
        window if window is not None else feature_window(inputs.weekly_demand, config.history_weeks)
    )


_KEYS: dict[str, tuple[str, ...]] = {
    "weekly_demand": ("sku", "week_start"),
    "order_lines": ("order_id", "line_number"),
    "products": ("sku",),
    "customers": ("customer_id",),
    "shipments": ("shipment_id", "order_id", "line_number"),
    "freight": ("shipment_id",),
}


def _in_key_order(inputs: FeatureInputs) -> FeatureInputs:
    """The inputs sorted by their keys: float sums then add up in one fixed order, so the
    features come out bit-for-bit the same whatever order the warehouse returned rows in."""
    if inputs.in_key_order:
        return inputs

    def ordered(frame: pl.DataFrame | None, keys: tuple[str, ...]) -> pl.DataFrame | None:
        if frame is None or frame.height == 0 or not set(keys) <= set(frame.columns):
            return frame
        return frame.sort(list(keys), maintain_order=True, nulls_last=True)

    return replace(
        inputs,
        in_key_order=True,
        **{name: ordered(getattr(inputs, name), keys) for name, keys in _KEYS.items()},
    )


def prepared_inputs(inputs: FeatureInputs, config: FeaturesConfig) -> FeatureInputs:
    """Sort once and allocate every order line's cost to serve once, for callers that build several
    tables or windows from the same inputs (the results are the same as without)."""
    inputs = _in_key_order(inputs)
    costs = line_costs(
        inputs.order_lines,
        inputs.shipments,
        inputs.freight,
        None,
        config.order_processing_cost_per_order,
    )
    return replace(inputs, costs=costs)


def _line_costs(inputs: FeatureInputs, window: DemandWindow, config: FeaturesConfig) -> LineCosts:
    if inputs.costs is not None:
        return inputs.costs.in_window(window)
    return line_costs(
        inputs.order_lines,
        inputs.shipments,
        inputs.freight,
        window,
        config.order_processing_cost_per_order,
    )


def conform(frame: pl.DataFrame, entity_type: EntityType) -> pl.DataFrame:
    """The id columns and the catalog's features in catalog order and dtype, sorted by id."""
    ids = list(ID_COLUMNS[entity_type])
    columns = [pl.col(c).cast(pl.String) for c in ids]
    for item in FEATURES[entity_type]:
        dtype = (
            pl.String
            if not item.numeric
            else pl.Int64
            if item.name in COUNT_FEATURES
            else pl.Float64
        )
        expr = pl.col(item.name)
        if dtype == pl.Int64:
            expr = expr.cast(pl.Float64).round(0)
        elif dtype == pl.Float64:
            expr = pl.when(expr.cast(pl.Float64).is_finite()).then(
                expr.cast(pl.Float64)
            )  # NaN, ±inf -> null
        columns.append(expr.cast(dtype).alias(item.name))
    return frame.select(columns).sort(ids)


def _sales_lines(order_lines: pl.DataFrame, window: DemandWindow, *ids: str) -> pl.DataFrame:
    """Ordered (not cancelled, positive quantity) lines of the window with all `ids` known."""
    return (
        lines_in_window(order_lines, window)
        .filter(
            ~pl.col("is_cancelled").fill_null(False)
            & (pl.col("quantity").cast(pl.Float64) > 0)
            & pl.all_horizontal(pl.col(c).is_not_null() for c in ids)
        )
        .with_columns(pl.col(c).cast(pl.String) for c in ids)
    )


def _excluded_note(
    master: pl.DataFrame, key: str, kept: pl.DataFrame, what: str, window: DemandWindow
) -> str | None:
    if key not in master.columns:
        return None
    left_out = (
        master.select(pl.col(key).cast(pl.String))
        .unique()
        .join(kept.select(key), on=key, how="anti")
        .height
    )
    return (
        f"{left_out} {what} without a sale from {window.start} to {window.end} are left out"
        if left_out
        else None
    )


def _put(notes: dict[str, str], name: str, note: str | None) -> None:
    if note:
        notes[name] = note


def product_features(
    inputs: FeatureInputs,
    config: FeaturesConfig,
    window: DemandWindow | None = None,
    with_forecast: bool = True,
) -> FeatureTable:
    """Demand shape, value classes, margin, cost to serve, forecastability, supply risk per SKU."""
    window = _window(inputs, config, window)
    inputs = _in_key_order(inputs)
    notes: dict[str, str] = {}
    weekly = conform_weekly(inputs.weekly_demand)
    stats = demand_statistics(weekly, window, ["sku"])
    completed = complete_weeks(weekly.select("sku", "week_start", "units"), window, ["sku"])
    seasonality = seasonality_strength(
        completed, ["sku"], season_length=config.forecast.season_length
    )
    short = seasonality["seasonality_strength"].null_count()
    if short:
        needed = max(MIN_SEASONALITY_WEEKS, config.forecast.season_length + 3)
        notes["seasonality_strength"] = (
            f"{short} SKUs have fewer than {needed} weeks since their first sale in the window"
        )
    products = inputs.products.with_columns(pl.col("sku").cast(pl.String))
    lifecycle = products.select(
        "sku",
        (pl.col("lifecycle_status") if "lifecycle_status" in products.columns else pl.lit(None))
        .cast(pl.String)
        .alias("lifecycle_status"),
    ).unique("sku", keep="first", maintain_order=True)
    customers = (
        _sales_lines(inputs.order_lines, window, "sku", "customer_id")
        .group_by("sku")
        .agg(pl.col("customer_id").n_unique().alias("customer_count"))
    )
    frame = (
        stats.with_columns(age_weeks(stats, products, window))
        .join(seasonality, on="sku", how="left")
        .join(unit_costs(products), on="sku", how="left")
        .join(lifecycle, on="sku", how="left")
        .join(customers, on="sku", how="left")
        .with_columns(
            pl.col("customer_count").fill_null(0),
            *gross_margin(
                pl.col("total_revenue"),
                pl.col("total_units") - pl.col("total_returned_units"),
                pl.col("unit_cost"),
            ),
            xyz_class(pl.col("demand_cov"), config.xyz_cov_cutoffs),
            sbc_class(pl.col("adi"), pl.col("cv2"), config.sbc_adi_cutoff, config.sbc_cv2_cutoff),
        )
    )
    frame = frame.with_columns(
        abc_class(frame, "total_revenue", config.abc_thresholds, ["sku"]),
        fmr_class(frame, "total_order_lines", config.fmr_thresholds, ["sku"]),
    )
    uncosted = frame["unit_cost"].null_count()
    if uncosted:
        notes["gross_margin"] = notes["gross_margin_pct"] = (
            f"{uncosted} SKUs have no unit cost in dim_product"
        )
    frame = frame.join(_forecasts(completed, config, with_forecast, notes), on="sku", how="left")
    costs = _line_costs(inputs, window, config)
    _put(notes, "cost_to_serve_per_unit", costs.missing or costs.unattributed)
    frame = frame.join(sku_cost_to_serve(costs, inputs.order_lines, window), on="sku", how="left")
    listed = products.join(
        stats.select("sku"), on="sku", how="semi"
    )  # notes count the table's SKUs
    for feature, (values, note) in {
        "supplier_lead_time_days": supplier_lead_time(listed, inputs.supply),
        "supplier_risk_score": supplier_risk(listed, inputs.supplier_risk, window),
        "market_volatility": market_volatility(listed, inputs.market_index, window),
    }.items():
        frame = frame.join(values, on="sku", how="left")
        _put(notes, feature, note)
    _put(
        notes,
        "_excluded",
        _excluded_note(products, "sku", frame, "products of dim_product", window),
    )
    return FeatureTable(conform(frame, "product"), notes, window)


def _forecasts(
    completed: pl.DataFrame, config: FeaturesConfig, with_forecast: bool, notes: dict[str, str]
) -> pl.DataFrame:
    if not with_forecast:
        for name in ("forecast_weekly_units", "forecast_wape", "forecast_model"):
            notes[name] = "forecast not run for this table (with_forecast=False)"
        return (
            completed.select("sku")
            .unique()
            .with_columns(
                pl.lit(None, dtype=pl.Float64).alias("forecast_weekly_units"),
                pl.lit(None, dtype=pl.Float64).alias("forecast_wape"),
                pl.lit(None, dtype=pl.String).alias("forecast_model"),
            )
        )
    forecasts, note = forecastability(completed, config.forecast)
    for name in ("forecast_weekly_units", "forecast_wape", "forecast_model"):
        _put(notes, name, note)
    return forecasts


def customer_features(
    inputs: FeatureInputs, config: FeaturesConfig, window: DemandWindow | None = None
) -> FeatureTable:
    """Buying pattern, margin, cost to serve and service terms per customer.

    Volumes come from the order lines (cancelled lines left out, returns netted in
    revenue); `orders` counts orders with a positive-quantity line, and lines per order,
    order value and SKU count are over those sales lines. `demand_cov` is the CoV of
    weekly revenue.
    """
    window = _window(inputs, config, window)
    inputs = _in_key_order(inputs)
    notes: dict[str, str] = {}
    ids = ["customer_id"]
    weekly = weekly_from_order_lines(inputs.order_lines, ids, window)
    stats = demand_statistics(weekly, window, ids, cov_of="revenue")
    baskets = (
        _sales_lines(inputs.order_lines, window, "customer_id")
        .group_by("customer_id")
        .agg(
            pl.col("order_id").n_unique().alias("orders"),
            pl.len().alias("_sales_lines"),
            pl.col("line_revenue").cast(pl.Float64).fill_null(0).sum().alias("_sales_revenue"),
            pl.col("sku").n_unique().alias("sku_count"),
        )
    )
    frame = (
        stats.join(baskets, on=ids, how="left")
        .join(customer_margin(inputs.order_lines, inputs.products, window), on=ids, how="left")
        .with_columns(
            (pl.col("orders") / pl.col("weeks_observed")).alias("orders_per_week"),
            (pl.col("_sales_lines") / pl.col("orders")).alias("lines_per_order"),
            (pl.col("_sales_revenue") / pl.col("orders")).alias("average_order_value"),
        )
    )
    uncosted = frame["gross_margin"].null_count()
    if uncosted:
        notes["gross_margin"] = notes["gross_margin_pct"] = (
            f"{uncosted} customers bought SKUs that have no unit cost in dim_product"
        )
    costs = _line_costs(inputs, window, config)
    frame = customer_profitability(frame, costs, config.profitability_thresholds)
    for name in (
        "cost_to_serve",
        "cost_to_serve_per_order",
        "cost_to_serve_per_unit",
        "net_profit",
        "profitability_pct",
        "profitability_class",
        "cost_to_serve_class",
    ):
        _put(notes, name, costs.missing or costs.unattributed)
    if not costs.missing and uncosted:
        for name in ("net_profit", "profitability_pct", "profitability_class"):
            notes[name] = notes["gross_margin"]
    terms, term_notes = contract_terms(inputs.customers)
    notes.update(term_notes)
    frame = frame.join(requested_lead_time(inputs.order_lines, window), on=ids, how="left").join(
        terms, on=ids, how="left"
    )
    _put(
        notes,
        "_excluded",
        _excluded_note(inputs.customers, "customer_id", frame, "customers of dim_customer", window),
    )
    return FeatureTable(conform(frame, "customer"), notes, window)


def product_customer_features(
    inputs: FeatureInputs, config: FeaturesConfig, window: DemandWindow | None = None
) -> FeatureTable:
    """How each customer buys each SKU: volume, regularity, and the pair's weight for both sides."""
    window = _window(inputs, config, window)
    inputs = _in_key_order(inputs)
    ids = ["sku", "customer_id"]
    weekly = weekly_from_order_lines(inputs.order_lines, ids, window)
    stats = demand_statistics(weekly, window, ids)
    orders = (
        _sales_lines(inputs.order_lines, window, *ids)
        .group_by(ids)
        .agg(pl.col("order_id").n_unique().alias("orders"))
    )
    product_units = pl.col("total_units").sum().over("sku")
    customer_revenue = pl.col("total_revenue").sum().over("customer_id")
    units, revenue = pl.col("total_units"), pl.col("total_revenue")
    frame = stats.join(orders, on=ids, how="left", maintain_order="left").with_columns(
        pl.when(product_units > 0).then(units / product_units).alias("share_of_product_units"),
        pl.when(customer_revenue > 0)
        .then(revenue / customer_revenue)
        .alias("share_of_customer_revenue"),
        pl.col("weeks_since_last_sale").alias("weeks_since_last_order"),
    )
    return FeatureTable(conform(frame, "product_customer"), {}, window)
