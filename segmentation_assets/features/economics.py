"""Gross margin and cost to serve per SKU and per customer.

Gross margin is revenue less the cost of the units kept: `revenue - (units - returned
units) x unit_cost`, returned units going back to stock. Cost to serve is what it takes
to get the order lines to the customer: freight (TMS, each shipment's cost spread over
its lines by shipped quantity), handling (WMS, per shipment line) and order processing
(a configured cost per order, spread evenly over the order's lines). A line's costs
follow it to its SKU and to its customer (from the order line); they count in the window
of the line's order date.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from segmentation_assets.features.classification import cumulative_share_class, thirds_class
from segmentation_assets.features.history import DemandWindow, lines_in_window, week_of

_LINE_KEY = ["order_id", "line_number"]


def _present(frame: pl.DataFrame | None) -> bool:
    return frame is not None and frame.height > 0


def unit_costs(products: pl.DataFrame) -> pl.DataFrame:
    """`sku`, `unit_cost` (Float64; negative or absent costs are null, one row per SKU)."""
    cost = (
        pl.col("unit_cost").cast(pl.Float64)
        if "unit_cost" in products.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    return products.select(
        pl.col("sku").cast(pl.String), pl.when(cost >= 0).then(cost).alias("unit_cost")
    ).unique("sku", keep="first", maintain_order=True)


def gross_margin(
    revenue: pl.Expr, net_units: pl.Expr, unit_cost: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """Gross margin and gross margin % of revenue (null without a unit cost or positive revenue)."""
    margin = revenue - net_units * unit_cost
    pct = pl.when(revenue > 0).then(margin / revenue * 100)
    return margin.alias("gross_margin"), pct.alias("gross_margin_pct")


@dataclass(frozen=True)
class LineCosts:
    """Cost to serve of the order lines in the window, or why there is none.

    `lines` holds one row per shipment line (its freight share and handling) and one per
    ordered line (its share of the order's processing cost): `order_id`, `line_number`,
    `sku`, `customer_id`, `freight`, `handling`, `processing`, `cost_to_serve`. Sum it by
    SKU or customer; a line shipped in two shipments has two shipping rows.
    """

    lines: pl.DataFrame | None
    missing: str | None  # what is missing when `lines` is None
    unattributed: str | None  # costs that could not be tied to an order line, in words

    def in_window(self, window: DemandWindow) -> LineCosts:
        """The costs of the lines ordered in `window` (computed once for all history, then cut)."""
        if self.lines is None:
            return self
        return LineCosts(
            self.lines.filter(window.contains(pl.col("order_week"))),
            self.missing,
            self.unattributed,
        )


def line_costs(
    order_lines: pl.DataFrame,
    shipments: pl.DataFrame | None,
    freight: pl.DataFrame | None,
    window: DemandWindow | None,
    cost_per_order: float,
) -> LineCosts:
    """Freight, handling and order-processing cost of every order line ordered in the window
    (`None`: all of them; `LineCosts.in_window` cuts a window out later). Rows carry `order_week`.

    Needs both the WMS (shipments) and the TMS (freight): without either, a cost to serve
    would be silently incomplete, so there is none. Freight of a shipment whose lines have
    no shipped quantity is spread evenly over them. Shipment lines without an order line,
    and freight without a shipment, are left out and reported in `unattributed`.
    Cancelled lines carry their shipping costs (if shipped) but no processing cost.
    Row order follows the inputs (no parallel reshuffle), so sums over it are repeatable.
    """
    absent = [
        name
        for name, frame in (("WMS shipments", shipments), ("TMS freight", freight))
        if not _present(frame)
    ]
    if absent:
        return LineCosts(None, f"{' and '.join(absent)} not delivered", None)
    assert shipments is not None and freight is not None
    ship = shipments.select(
        pl.col("shipment_id").cast(pl.String),
        pl.col("order_id").cast(pl.String),
        pl.col("line_number").cast(pl.Int64),
        pl.col("shipped_qty").cast(pl.Float64).fill_null(0).clip(lower_bound=0).alias("_qty"),
        pl.col("handling_cost").cast(pl.Float64).fill_null(0).alias("handling"),
    )
    per_shipment = freight.group_by(pl.col("shipment_id").cast(pl.String), maintain_order=True).agg(
        pl.col("freight_cost").cast(pl.Float64).fill_null(0).sum().alias("_freight")
    )
    qty_total = pl.col("_qty").sum().over("shipment_id")
    share = (
        pl.when(qty_total > 0)
        .then(pl.col("_qty") / qty_total)
        .otherwise(1 / pl.len().over("shipment_id"))
    )
    lines = order_lines.select(
        pl.col("order_id").cast(pl.String),
        pl.col("line_number").cast(pl.Int64),
        pl.col("sku").cast(pl.String),
        pl.col("customer_id").cast(pl.String),
        pl.col("order_date").cast(pl.Date),
        week_of(pl.col("order_date").cast(pl.Date)).alias("order_week"),
        pl.col("is_cancelled").fill_null(False).alias("_cancelled"),
        pl.lit(True).alias("_ordered"),
    )
    shipped = (
        ship.join(per_shipment, on="shipment_id", how="left", maintain_order="left")
        .with_columns((pl.col("_freight").fill_null(0) * share).alias("freight"))
        .join(lines, on=_LINE_KEY, how="left", maintain_order="left")
    )
    shipping = shipped.filter(
        pl.col("_ordered").fill_null(False) & pl.col("order_date").is_not_null()
    )
    ordered = lines.filter(pl.col("order_date").is_not_null() & ~pl.col("_cancelled"))
    if window is not None:
        shipping = shipping.filter(window.contains(week_of(pl.col("order_date"))))
        ordered = lines_in_window(ordered, window)
    columns = [*_LINE_KEY, "sku", "customer_id", "order_week", "freight", "handling", "processing"]
    records = pl.concat(
        [
            shipping.with_columns(pl.lit(0.0).alias("processing")).select(columns),
            ordered.with_columns(
                pl.lit(0.0).alias("freight"),
                pl.lit(0.0).alias("handling"),
                (cost_per_order / pl.len().over("order_id")).alias("processing"),
            ).select(columns),
        ]
    ).with_columns(
        (pl.col("freight") + pl.col("handling") + pl.col("processing")).alias("cost_to_serve")
    )
    return LineCosts(records, None, _unattributed(shipped, per_shipment, ship))


def _unattributed(
    shipped: pl.DataFrame, per_shipment: pl.DataFrame, ship: pl.DataFrame
) -> str | None:
    orphan_lines = shipped.filter(pl.col("_ordered").is_null())
    orphan_freight = per_shipment.filter(
        ~pl.col("shipment_id").is_in(ship["shipment_id"].implode())
    )
    parts = []
    if orphan_lines.height:
        handling = orphan_lines["handling"].sum()
        parts.append(
            f"{orphan_lines.height} shipment lines (handling {handling:,.2f}) match no order line"
        )
    if orphan_freight.height:
        freight = orphan_freight["_freight"].sum()
        parts.append(f"{orphan_freight.height} freight records ({freight:,.2f}) match no shipment")
    return "; ".join(parts) + " and are left out of cost to serve" if parts else None


def sku_cost_to_serve(
    costs: LineCosts, order_lines: pl.DataFrame, window: DemandWindow
) -> pl.DataFrame:
    """`sku`, `cost_to_serve_per_unit`: the SKU's line costs over its units sold in the window."""
    if costs.lines is None:
        return pl.DataFrame(schema={"sku": pl.String, "cost_to_serve_per_unit": pl.Float64})
    units = _sold_units(order_lines, window, "sku")
    return (
        costs.lines.group_by("sku")
        .agg(pl.col("cost_to_serve").sum())
        .join(units, on="sku", how="left")
        .select(
            "sku",
            pl.when(pl.col("_units") > 0)
            .then(pl.col("cost_to_serve") / pl.col("_units"))
            .alias("cost_to_serve_per_unit"),
        )
    )


def _sold_units(order_lines: pl.DataFrame, window: DemandWindow, by: str) -> pl.DataFrame:
    quantity = pl.col("quantity").cast(pl.Float64)
    return (
        lines_in_window(order_lines, window)
        .filter(~pl.col("is_cancelled").fill_null(False) & (quantity > 0))
        .group_by(pl.col(by).cast(pl.String))
        .agg(quantity.sum().alias("_units"))
    )


def customer_margin(
    order_lines: pl.DataFrame, products: pl.DataFrame, window: DemandWindow
) -> pl.DataFrame:
    """`customer_id`, `gross_margin`, `gross_margin_pct` over the customer's lines in the window.

    Null for a customer who bought any SKU without a unit cost: a margin over part of the
    basket would look better or worse than it is.
    """
    lines = (
        lines_in_window(order_lines, window)
        .filter(~pl.col("is_cancelled").fill_null(False) & pl.col("customer_id").is_not_null())
        .select(
            pl.col("customer_id").cast(pl.String),
            pl.col("sku").cast(pl.String),
            pl.col("quantity").cast(pl.Float64).fill_null(0),
            pl.col("line_revenue").cast(pl.Float64).fill_null(0),
        )
        .join(unit_costs(products), on="sku", how="left", maintain_order="left")
    )
    per_customer = lines.group_by("customer_id").agg(
        pl.col("line_revenue").sum().alias("_revenue"),
        (pl.col("quantity") * pl.col("unit_cost")).sum().alias("_cost"),
        pl.col("unit_cost").is_null().any().alias("_uncosted"),
    )
    margin = pl.when(~pl.col("_uncosted")).then(pl.col("_revenue") - pl.col("_cost"))
    return per_customer.select(
        "customer_id",
        margin.alias("gross_margin"),
        pl.when(pl.col("_revenue") > 0)
        .then(margin / pl.col("_revenue") * 100)
        .alias("gross_margin_pct"),
    )


def customer_profitability(
    customers: pl.DataFrame, costs: LineCosts, thresholds: tuple[float, float]
) -> pl.DataFrame:
    """Cost to serve and profit after it, per row of `customers`.

    `customers` has `customer_id`, `total_revenue`, `total_units`, `orders`, `gross_margin`.
    Adds `cost_to_serve` (and per order, per unit), `net_profit` (gross margin less cost to
    serve), `profitability_pct` (of revenue), and two classes:

    * `profitability_class`: A/B/C by cumulative share of the positive net profit, largest
      first (the customers making the first 80% of the profit are A, the next 15% B); a
      customer losing money after cost to serve is C.
    * `cost_to_serve_class`: low/medium/high by equal thirds of cost to serve as a share
      of revenue (a customer with no positive revenue ranks highest).
    """
    null = pl.lit(None, dtype=pl.Float64)
    if costs.lines is None:
        return customers.with_columns(
            *(
                null.alias(c)
                for c in (
                    "cost_to_serve",
                    "cost_to_serve_per_order",
                    "cost_to_serve_per_unit",
                    "net_profit",
                    "profitability_pct",
                )
            ),
            pl.lit(None, dtype=pl.String).alias("profitability_class"),
            pl.lit(None, dtype=pl.String).alias("cost_to_serve_class"),
        )
    per_customer = (
        costs.lines.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("cost_to_serve").sum())
    )
    revenue, cost = pl.col("total_revenue"), pl.col("cost_to_serve")
    frame = (
        customers.join(per_customer, on="customer_id", how="left")
        .with_columns(pl.col("cost_to_serve").fill_null(0.0))
        .with_columns(
            pl.when(pl.col("orders") > 0)
            .then(cost / pl.col("orders"))
            .alias("cost_to_serve_per_order"),
            pl.when(pl.col("total_units") > 0)
            .then(cost / pl.col("total_units"))
            .alias("cost_to_serve_per_unit"),
            (pl.col("gross_margin") - pl.col("cost_to_serve")).alias("net_profit"),
            pl.when(revenue > 0)
            .then(pl.col("cost_to_serve") / revenue)
            .otherwise(float("inf"))
            .alias("_cts_share"),
        )
        .with_columns(
            pl.when(revenue > 0)
            .then(pl.col("net_profit") / revenue * 100)
            .alias("profitability_pct")
        )
    )
    return frame.with_columns(
        cumulative_share_class(frame, "net_profit", ["customer_id"], thresholds).alias(
            "profitability_class"
        ),
        thirds_class(frame, "_cts_share", ["customer_id"]).alias("cost_to_serve_class"),
    ).drop("_cts_share")
