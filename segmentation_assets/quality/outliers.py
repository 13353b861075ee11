"""Robust outlier rules for demand and cost-to-serve (median absolute deviation).

A value is judged against the median of its peer group (a SKU's order lines, a
mode's freight costs, ...) in units of the group's median absolute deviation, as the
source contract states its rule ("a quantity 50 MADs off the SKU's history"):
`mads_from_median = (value - median) / MAD`, a distance that a handful of wild values
cannot inflate. (For normal data one MAD is about 0.67 standard deviations.) The
output's `mad` column holds the plain MAD, so `value = median + mads_from_median * mad`.

Rules common to every function here:

* **Minimum history.** A group needs `min_history` observations before any of its
  values is judged; smaller groups are not flagged (too little to call anything odd).
* **MAD = 0 (ratio rule).** When at least half of a group's values are identical
  (a SKU that always orders 1 unit, a flat-rate freight lane) the MAD is 0 and a
  z-score is undefined. Such a group is judged by ratio instead: a value is flagged
  when it exceeds `zero_mad_ratio` times the median (or, for two-sided rules, falls
  below the median divided by `zero_mad_ratio`). `mad` is then 0 and
  `mads_from_median` null; the `detail` text says which rule fired. Groups whose
  median is not positive and whose MAD is 0 are not judged.
* Outliers are flagged, never deleted; `excluded_from_segmentation` tells the
  segmentation step whether to leave the row out.
"""

from __future__ import annotations

import polars as pl

from segmentation_assets.config import QualityConfig
from segmentation_assets.quality._common import (
    as_float,
    concat_flags,
    empty_flags,
    fmt_text,
    has_rows,
)
from segmentation_assets.quality._robust import (
    DEFAULT_MIN_HISTORY,
    DEFAULT_ZERO_MAD_RATIO,
    PeerGroup,
    detail_text,
    score,
    to_flags,
)

__all__ = [
    "DEFAULT_MIN_HISTORY",
    "DEFAULT_ZERO_MAD_RATIO",
    "cost_to_serve_outliers",
    "demand_outliers",
    "weekly_demand_outliers",
]


def demand_outliers(
    order_lines: pl.DataFrame,
    threshold: float = 50.0,
    *,
    min_history: int = DEFAULT_MIN_HISTORY,
    zero_mad_ratio: float = DEFAULT_ZERO_MAD_RATIO,
    exclude_from_segmentation: bool = True,
) -> pl.DataFrame:
    """Order lines whose quantity is more than `threshold` MADs from the SKU's median line.

    Catches fat-finger quantities (an extra zero or two) and one-off deals that would
    otherwise dominate a SKU's demand statistics. Only real demand is judged:
    cancelled lines, returns and non-positive quantities are left out of both the
    history and the flags. Two-sided; rule `order_quantity_mad`, entity
    `order_line`, `entity_id` = `order_id|line_number`.
    """
    if not has_rows(order_lines):
        return empty_flags()
    lines = order_lines.filter(
        ~pl.col("is_cancelled").fill_null(False)
        & ~pl.col("is_return").fill_null(False)
        & (as_float("quantity") > 0)
    ).with_columns(as_float("quantity").alias("quantity"))
    scored = score(
        lines,
        "quantity",
        [PeerGroup(("sku",), pl.concat_str([fmt_text(pl.col("sku")), pl.lit(" order lines")]))],
        threshold=threshold,
        min_history=min_history,
        zero_mad_ratio=zero_mad_ratio,
        two_sided=True,
    )
    return to_flags(
        scored,
        rule="order_quantity_mad",
        entity_type="order_line",
        entity_id=pl.concat_str(
            [fmt_text(pl.col("order_id")), fmt_text(pl.col("line_number"))], separator="|"
        ),
        sku=pl.col("sku"),
        value="quantity",
        detail=detail_text(pl.lit("quantity"), "quantity", 2, zero_mad_ratio),
        threshold=threshold,
        excluded=exclude_from_segmentation,
    )


def weekly_demand_outliers(
    weekly_demand: pl.DataFrame,
    threshold: float = 10.0,
    *,
    min_history: int = DEFAULT_MIN_HISTORY,
    zero_mad_ratio: float = DEFAULT_ZERO_MAD_RATIO,
    exclude_from_segmentation: bool = True,
) -> pl.DataFrame:
    """SKU-weeks whose units spike more than `threshold` MADs above the SKU's typical week.

    The baseline is the SKU's *selling* weeks (units > 0): `fct_weekly_demand` is
    zero-filled, and for any SKU that sells in fewer than half of the weeks the zeros
    would push median and MAD to 0 and make every selling week look like a spike.
    Upper side only (a quiet week is not an outlier, it is demand). Rule
    `weekly_demand_mad`, entity `sku_week`, `entity_id` = `sku|week_start`.
    """
    if not has_rows(weekly_demand):
        return empty_flags()
    weeks = weekly_demand.with_columns(as_float("units").alias("units")).filter(pl.col("units") > 0)
    scored = score(
        weeks,
        "units",
        [PeerGroup(("sku",), pl.concat_str([fmt_text(pl.col("sku")), pl.lit(" selling weeks")]))],
        threshold=threshold,
        min_history=min_history,
        zero_mad_ratio=zero_mad_ratio,
        two_sided=False,
    )
    week = fmt_text(pl.col("week_start"))
    return to_flags(
        scored,
        rule="weekly_demand_mad",
        entity_type="sku_week",
        entity_id=pl.concat_str([fmt_text(pl.col("sku")), week], separator="|"),
        sku=pl.col("sku"),
        value="units",
        detail=detail_text(
            pl.concat_str([pl.lit("week of "), week, pl.lit(" demand")]), "units", 2, zero_mad_ratio
        ),
        threshold=threshold,
        excluded=exclude_from_segmentation,
    )


def demand_outlier_flags(
    order_lines: pl.DataFrame, weekly_demand: pl.DataFrame, rules: QualityConfig
) -> pl.DataFrame:
    """Both demand rules with the config's thresholds: the rows of `quarantine.demand_outliers`,
    flagged `excluded_from_segmentation` when the config says so."""
    options = dict(
        min_history=rules.min_history,
        exclude_from_segmentation=rules.exclude_demand_outliers_from_segmentation,
    )
    return pl.concat(
        [
            demand_outliers(order_lines, rules.order_quantity_mad_threshold, **options),
            weekly_demand_outliers(weekly_demand, rules.weekly_demand_mad_threshold, **options),
        ]
    )


def _shipment_units(shipments: pl.DataFrame | None) -> pl.DataFrame:
    """Shipped units and the single SKU (if only one) per shipment."""
    schema = {"shipment_id": pl.String, "_units": pl.Float64, "_shipment_sku": pl.String}
    if not has_rows(shipments):
        return pl.DataFrame(schema=schema)
    assert shipments is not None
    return (
        shipments.filter(as_float("shipped_qty") > 0)
        .group_by("shipment_id")
        .agg(
            as_float("shipped_qty").sum().alias("_units"),
            pl.when(pl.col("sku").n_unique() == 1)
            .then(pl.col("sku").first())
            .alias("_shipment_sku"),
        )
        .select(pl.col(n).cast(t) for n, t in schema.items())
    )


def _freight_flags(
    freight: pl.DataFrame,
    shipments: pl.DataFrame | None,
    *,
    threshold: float,
    min_history: int,
    zero_mad_ratio: float,
    excluded: bool,
) -> pl.DataFrame:
    if not has_rows(freight):
        return empty_flags()
    moves = (
        freight.with_columns(as_float("freight_cost").alias("freight_cost"))
        .filter(pl.col("freight_cost") >= 0)
        .join(_shipment_units(shipments), on="shipment_id", how="left")
        .with_columns(
            pl.when(pl.col("_units") > 0)
            .then(pl.lit("freight_cost_per_unit_mad"))
            .otherwise(pl.lit("freight_cost_per_shipment_mad"))
            .alias("_rule"),
            pl.when(pl.col("_units") > 0)
            .then(pl.col("freight_cost") / pl.col("_units"))
            .otherwise(pl.col("freight_cost"))
            .alias("_cost"),
            pl.coalesce("origin_location_id", "origin_code").alias("_origin"),
            pl.col("mode").fill_null("unknown-mode").alias("_mode"),
        )
    )
    currency = (
        pl.when(pl.col("currency").is_null())
        .then(pl.lit(""))
        .otherwise(pl.concat_str([pl.lit(" ("), pl.col("currency"), pl.lit(")")]))
    )
    by_origin = PeerGroup(
        ("_rule", "currency", "_mode", "_origin"),
        pl.concat_str(
            [pl.col("_mode"), pl.lit(" shipments from "), fmt_text(pl.col("_origin")), currency]
        ),
    )
    by_mode = PeerGroup(
        ("_rule", "currency", "_mode"),
        pl.concat_str([pl.col("_mode"), pl.lit(" shipments"), currency]),
    )
    scored = score(
        moves,
        "_cost",
        [by_origin, by_mode],
        threshold=threshold,
        min_history=min_history,
        zero_mad_ratio=zero_mad_ratio,
        two_sided=True,
    )
    subject = (
        pl.when(pl.col("_rule") == "freight_cost_per_unit_mad")
        .then(pl.lit("freight cost per unit"))
        .otherwise(pl.lit("freight cost per shipment"))
    )
    per_rule = [
        to_flags(
            scored.filter(pl.col("_rule") == rule),
            rule=rule,
            entity_type="shipment",
            entity_id=pl.col("shipment_id"),
            sku=pl.col("_shipment_sku"),
            value="_cost",
            detail=detail_text(subject, "_cost", 2, zero_mad_ratio),
            threshold=threshold,
            excluded=excluded,
        )
        for rule in ("freight_cost_per_unit_mad", "freight_cost_per_shipment_mad")
    ]
    return concat_flags(per_rule)


def _handling_flags(
    shipments: pl.DataFrame | None,
    *,
    threshold: float,
    min_history: int,
    zero_mad_ratio: float,
    excluded: bool,
) -> pl.DataFrame:
    if not has_rows(shipments):
        return empty_flags()
    assert shipments is not None
    lines = (
        shipments.with_columns(
            as_float("handling_cost").alias("handling_cost"),
            as_float("shipped_qty").alias("shipped_qty"),
        )
        .filter((pl.col("handling_cost") >= 0) & (pl.col("shipped_qty") > 0))
        .with_columns(
            (pl.col("handling_cost") / pl.col("shipped_qty")).alias("_cost"),
            pl.coalesce("location_id", "warehouse_code").alias("_warehouse"),
        )
    )
    scored = score(
        lines,
        "_cost",
        [
            PeerGroup(
                ("_warehouse",),
                pl.concat_str(
                    [pl.lit("shipment lines from warehouse "), fmt_text(pl.col("_warehouse"))]
                ),
            ),
            PeerGroup((), pl.lit("all shipment lines")),
        ],
        threshold=threshold,
        min_history=min_history,
        zero_mad_ratio=zero_mad_ratio,
        two_sided=True,
    )
    return to_flags(
        scored,
        rule="handling_cost_per_unit_mad",
        entity_type="shipment_line",
        entity_id=pl.concat_str(
            [fmt_text(pl.col(c)) for c in ("shipment_id", "order_id", "line_number")], separator="|"
        ),
        sku=pl.col("sku"),
        value="_cost",
        detail=detail_text(pl.lit("handling cost per unit"), "_cost", 2, zero_mad_ratio),
        threshold=threshold,
        excluded=excluded,
    )


def cost_to_serve_outliers(
    freight: pl.DataFrame,
    shipments: pl.DataFrame | None = None,
    threshold: float = 20.0,
    *,
    min_history: int = DEFAULT_MIN_HISTORY,
    zero_mad_ratio: float = DEFAULT_ZERO_MAD_RATIO,
    exclude_from_segmentation: bool = False,
) -> pl.DataFrame:
    """Freight and handling costs far from their peers' median (two-sided).

    Freight cost is normalised per shipped unit when the WMS shipment is known
    (rule `freight_cost_per_unit_mad`), else judged per shipment
    (`freight_cost_per_shipment_mad`); the two are never mixed in one peer group.
    Peers are the same mode and currency from the same origin, or the same mode and
    currency overall when the origin has fewer than `min_history` shipments.
    Handling cost per shipped unit (`handling_cost_per_unit_mad`, entity
    `shipment_line`) is compared within the warehouse, else across all warehouses.
    Costs are flagged but kept in segmentation by default: an expensive shipment
    is usually real cost to serve, worth a look rather than removal.
    """
    return concat_flags(
        [
            _freight_flags(
                freight,
                shipments,
                threshold=threshold,
                min_history=min_history,
                zero_mad_ratio=zero_mad_ratio,
                excluded=exclude_from_segmentation,
            ),
            _handling_flags(
                shipments,
                threshold=threshold,
                min_history=min_history,
                zero_mad_ratio=zero_mad_ratio,
                excluded=exclude_from_segmentation,
            ),
        ]
    )
