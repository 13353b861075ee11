"""From weekly SKU demand and customer behaviour to ERP order lines.

Each SKU-week's units become order lines (more lines the more units, never more than the
SKU's buyers can place); each line goes to one of the SKU's buyers who is in the market
that week, weighted by how much the buyer buys; the units are split over the lines by the
buyers' typical line sizes. A customer's lines of one week form its orders: one or two
big ones for key accounts and bulk buyers, one or two lines per order for the urgent
small buyers. Prices are list price less the customer's discount; a few orders are
cancelled, a few lines come back as returns, and last week's orders are still open.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from .customers import BEHAVIOUR, Assortment, CustomerBook
from .demand import SkuDemand, week_starts

CANDIDATES = 8  # buyers drawn per line before picking the one in the market
LINES_PER_UNIT = 0.25  # lines of a SKU-week ~ 1 + Poisson(0.25 * units**0.6 * buyers**0.3)
CANCELLED_SHARE = 0.01  # of orders
RETURN_SHARE = 0.006  # of shipped lines
MAX_LINES = 400_000  # about the most order lines a world has, so one evaluates in seconds


def _line_counts(
    demand: SkuDemand, assortment: Assortment, book: CustomerBook, rng: np.random.Generator
) -> np.ndarray:
    """Lines per SKU-week: more with more units and with more buyers in the market (each
    wants its share), never more than the units; scaled down when a world would pass
    `MAX_LINES` (a big world's lines get bigger instead of more)."""
    units = demand.units
    degree = np.diff(assortment.ptr)
    in_market = book.pull * book.activity.mean(axis=1) / BEHAVIOUR["key_account"].pull
    buyers = np.maximum(1.0, np.add.reduceat(in_market[assortment.buyers], assortment.ptr[:-1]))
    rate = LINES_PER_UNIT * units.astype(np.float64) ** 0.6 * buyers[:, None] ** 0.3
    expected = np.minimum(1 + rate, units).sum()
    rate *= min(1.0, MAX_LINES / max(expected, 1.0))
    lines = 1 + rng.poisson(rate)
    lines = np.minimum(np.minimum(lines, units), 2 * degree[:, None])
    sparse = np.isin(demand.pattern, ("intermittent", "lumpy"))
    lines[sparse] = (units[sparse] > 0).astype(np.int64) + demand.lumpy_lines[sparse]
    return np.where(units > 0, lines, 0)


def _pick_buyers(
    sku: np.ndarray,
    week: np.ndarray,
    book: CustomerBook,
    assortment: Assortment,
    rng: np.random.Generator,
) -> np.ndarray:
    """One buyer per line: the SKU's anchor and a few random buyers compete by
    pull x activity that week (Gumbel-max), so a buyer out of the market rarely wins."""
    start = assortment.ptr[sku]
    degree = assortment.ptr[sku + 1] - start
    picks = start[:, None] + (rng.random((len(sku), CANDIDATES)) * degree[:, None]).astype(np.int64)
    candidates = np.concatenate([assortment.anchor[sku][:, None], assortment.buyers[picks]], 1)
    weight = book.pull[candidates] * book.activity[candidates, week[:, None]]
    score = np.log(weight) + rng.gumbel(size=weight.shape)
    return candidates[np.arange(len(sku)), np.argmax(score, axis=1)]


def _split_units(
    group: np.ndarray, total: np.ndarray, size: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Every line gets one unit, the rest goes by line-size weight (stochastic rounding)."""
    weight = size * rng.gamma(2.0, 0.5, len(group))
    share = weight / np.bincount(group, weight)[group]
    count = np.bincount(group)[group]
    extra = (total - count) * share
    return 1 + np.floor(extra + rng.random(len(group))).astype(np.int64)


def order_lines(
    demand: SkuDemand,
    book: CustomerBook,
    assortment: Assortment,
    list_price: np.ndarray,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """ERP order lines (contract columns) plus `_sku_idx`, `_cust_idx` and `_urgent` helpers."""
    counts = _line_counts(demand, assortment, book, rng)
    sku_week = np.flatnonzero(counts.ravel())
    per = counts.ravel()[sku_week]
    group = np.repeat(np.arange(len(sku_week)), per)
    sku, week = np.divmod(sku_week[group], demand.units.shape[1])
    cust = _pick_buyers(sku, week, book, assortment, rng)
    quantity = _split_units(group, demand.units.ravel()[sku_week][group], book.size[cust], rng)
    lines = _orders(sku, week, cust, quantity, book, demand.units.shape[1], rng)
    price = list_price[lines["_sku_idx"]] * (1 - book.discount[lines["_cust_idx"]])
    lines = lines.with_columns(
        unit_price=np.round(price * rng.lognormal(0, 0.015, lines.height), 2),
        currency=pl.lit("EUR"),
    )
    return _with_returns(lines, week_starts(demand.units.shape[1])[-1], rng)


def _orders(
    sku: np.ndarray,
    week: np.ndarray,
    cust: np.ndarray,
    quantity: np.ndarray,
    book: CustomerBook,
    n_weeks: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """A customer's lines of one week, grouped into orders of its usual size, up to its
    most orders a week (two lines of the same SKU in one order merge); dates, status."""
    frame = pl.DataFrame(
        {
            "_sku_idx": sku,
            "_cust_idx": cust,
            "_week": week,
            "q": quantity,
            "_r": rng.random(len(sku)),
        }
    ).with_columns(
        (pl.col("_r").rank("ordinal").over("_cust_idx", "_week") - 1).alias("_rank"),
        pl.len().over("_cust_idx", "_week").alias("_n"),
    )
    c = frame["_cust_idx"].to_numpy()
    wanted = np.ceil(frame["_n"].to_numpy() / book.lines_per_order[c]).astype(np.int64)
    orders = np.minimum(wanted, book.orders_per_week[c])
    frame = (
        frame.with_columns(_slot=frame["_rank"].to_numpy() % orders)
        .group_by("_cust_idx", "_week", "_slot", "_sku_idx")
        .agg(pl.col("q").sum().alias("quantity"))
        .sort("_week", "_cust_idx", "_slot", "_sku_idx")
    )
    keys = frame.select("_cust_idx", "_week", "_slot").unique(maintain_order=True)
    n_orders = keys.height
    c = keys["_cust_idx"].to_numpy()
    weeks = np.array(week_starts(n_weeks), dtype="datetime64[D]")
    order_date = weeks[keys["_week"].to_numpy()] + rng.integers(0, 5, n_orders)
    lead = rng.integers(book.lead_days[0][c], book.lead_days[1][c] + 1)
    requested = order_date + lead
    promised = requested + np.where(rng.random(n_orders) < 0.8, 0, rng.integers(1, 4, n_orders))
    last_week = weeks[-1]
    status = np.where(
        rng.random(n_orders) < CANCELLED_SHARE,
        "cancelled",
        np.where(order_date >= last_week, "open", "shipped"),
    )
    keys = keys.with_columns(
        order_id=pl.Series([f"SO-{i:07d}" for i in range(1, n_orders + 1)]),
        order_date=order_date,
        requested_delivery_date=requested,
        promised_delivery_date=promised,
        order_status=status,
        _urgent=rng.random(n_orders) < book.urgent[c],
    )
    return (
        frame.join(keys, on=["_cust_idx", "_week", "_slot"], how="left", maintain_order="left")
        .with_columns(line_number=pl.int_range(1, pl.len() + 1).over("order_id"))
        .with_columns(pl.col("quantity").cast(pl.Float64))
        .drop("_slot")
    )


def _with_returns(lines: pl.DataFrame, last_monday, rng: np.random.Generator) -> pl.DataFrame:
    """A few shipped lines come back 1-6 weeks later as a credit order with negative quantity."""
    shipped = lines.filter(pl.col("order_status") == "shipped")
    picked = shipped.filter(pl.Series(rng.random(shipped.height) < RETURN_SHARE))
    end = np.datetime64(last_monday + timedelta(days=6), "D")
    back = picked["order_date"].to_numpy().astype("datetime64[D]") + rng.integers(
        7, 43, picked.height
    )
    qty = picked["quantity"].to_numpy()
    returned = np.minimum(qty, 1 + rng.poisson(qty * 0.2))
    keep = back <= end
    first_id = lines.height + 1
    credits = picked.filter(pl.Series(keep)).with_columns(
        order_id=pl.Series([f"RT-{first_id + i:07d}" for i in range(int(keep.sum()))]),
        line_number=pl.lit(1, dtype=pl.Int64),
        order_date=pl.Series(back[keep]),
        quantity=pl.Series(-returned[keep].astype(np.float64)),
        requested_delivery_date=pl.lit(None, dtype=pl.Date),
        promised_delivery_date=pl.lit(None, dtype=pl.Date),
        order_status=pl.lit(None, dtype=pl.String),
        _urgent=pl.lit(False),
        _week=pl.lit(-1, dtype=pl.Int64),
    )
    return pl.concat([lines, credits.select(lines.columns)], how="vertical_relaxed").sort(
        "order_id", "line_number"
    )
