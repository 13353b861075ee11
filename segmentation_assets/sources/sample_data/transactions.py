"""Explode weekly demand into ERP order lines and group them into sales orders.

Lines are generated a few weeks at a time, fully vectorised; each line keeps integer
helper columns (`sku_idx`, `cust_idx`, `loc_idx`, `kind`) until it is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .demand import CONTINUOUS, DemandPlan
from .settings import WINDOW_END, WINDOW_START, month_index, week_start

SALE, RETURN, CANCELLED = 0, 1, 2
ORDER_WEEKDAY_SHARE = (0.22, 0.22, 0.20, 0.20, 0.14, 0.02, 0.0)  # Monday..Sunday
RETURN_RATE = 0.025  # of sale lines of continuously selling SKUs
CANCEL_RATE = 0.031  # extra cancelled lines, as a share of sale lines
OPEN_DAYS = 10  # orders this close to the window end are mostly still open
MAX_LINES_PER_ORDER = 40
PRICE_INDEX = {2024: 1.0, 2025: 1.03, 2026: 1.061}  # yearly list-price increases
_START = np.datetime64(WINDOW_START, "D")
_END = np.datetime64(WINDOW_END, "D")


@dataclass(frozen=True)
class LineContext:
    """What a line needs to know about its SKU and customer."""

    plan: DemandPlan
    list_price: np.ndarray
    continuous: np.ndarray  # bool per SKU: archetype sells every week (returns come from these)
    discount: np.ndarray
    home_loc: np.ndarray  # location index (0 = plant, 1.. = DCs) per customer
    lead_days: np.ndarray
    n_locations: int

    @classmethod
    def build(
        cls,
        plan: DemandPlan,
        products: pl.DataFrame,
        customers: pl.DataFrame,
        location_ids: list[str],
    ) -> LineContext:
        loc_index = {loc: i for i, loc in enumerate(location_ids)}
        return cls(
            plan=plan,
            list_price=products["list_price"].to_numpy(),
            continuous=np.isin(plan.archetype, CONTINUOUS),
            discount=customers["discount"].to_numpy(),
            home_loc=np.array([loc_index[d] for d in customers["home_dc"]], dtype=np.int8),
            lead_days=customers["lead_days"].to_numpy(),
            n_locations=len(location_ids),
        )


def lines_for_weeks(ctx: LineContext, weeks: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """Order lines for a block of weeks: sales split from weekly demand, plus returns and
    cancelled lines on top (so the non-cancelled sales still sum to the weekly demand)."""
    units = ctx.plan.units[:, weeks]
    counts = ctx.plan.lines[:, weeks]
    w_i, s_i = np.nonzero(counts.T)  # week-major, so lines come out roughly in date order
    n = counts[s_i, w_i]
    demand = units[s_i, w_i]
    group = np.repeat(np.arange(len(n)), n)
    # every line gets one unit, the rest is split in random proportions
    share = rng.exponential(1.0, len(group))
    share_sum = np.bincount(group, share, minlength=len(n))
    qty = 1 + np.floor((demand - n)[group] * share / share_sum[group]).astype(np.int64)
    first = np.cumsum(n) - n
    qty[first] += demand - np.bincount(group, qty, minlength=len(n)).astype(np.int64)
    sku = s_i[group].astype(np.int32)
    week = weeks[w_i][group]
    day = rng.choice(7, len(group), p=ORDER_WEEKDAY_SHARE)
    order_date = _START + (week * 7 + day).astype("timedelta64[D]")
    cust = ctx.plan.pick_customers(sku, rng.random(len(group))).astype(np.int32)
    loc = np.where(
        rng.random(len(group)) < 0.9,
        ctx.home_loc[cust],
        rng.integers(0, ctx.n_locations, len(group)),
    ).astype(np.int8)
    kind = np.zeros(len(group), dtype=np.int8)
    sales = _frame(ctx, rng, sku, cust, loc, order_date, qty, kind)

    cancel = rng.random(len(group)) < CANCEL_RATE
    cancelled = sales.filter(pl.Series(cancel)).with_columns(kind=pl.lit(CANCELLED, pl.Int8))

    ret = (rng.random(len(group)) < RETURN_RATE) & ctx.continuous[sku]
    ret_date = order_date[ret] + rng.integers(7, 29, ret.sum()).astype("timedelta64[D]")
    keep = ret_date <= _END
    ret_qty = -np.maximum(1, np.rint(qty[ret] * rng.uniform(0.1, 1.0, ret.sum()))).astype(np.int64)
    returns = _frame(
        ctx,
        rng,
        sku[ret][keep],
        cust[ret][keep],
        loc[ret][keep],
        ret_date[keep],
        ret_qty[keep],
        np.full(keep.sum(), RETURN, dtype=np.int8),
    )
    returns = returns.with_columns(  # a credit note has no delivery promise of its own
        requested_delivery_date=pl.col("order_date"), promised_delivery_date=pl.col("order_date")
    )
    return pl.concat([sales, cancelled, returns])


def _frame(
    ctx: LineContext,
    rng: np.random.Generator,
    sku: np.ndarray,
    cust: np.ndarray,
    loc: np.ndarray,
    order_date: np.ndarray,
    qty: np.ndarray,
    kind: np.ndarray,
) -> pl.DataFrame:
    """Priced, dated lines: customer discount off list price, yearly price increases,
    requested delivery after the customer's lead time, sometimes promised later."""
    year = order_date.astype("datetime64[Y]").astype(np.int64) + 1970
    index = np.select([year == y for y in PRICE_INDEX], list(PRICE_INDEX.values()), 1.0)
    price = (
        ctx.list_price[sku] * (1 - ctx.discount[cust]) * index * (1 + rng.normal(0, 0.01, len(sku)))
    )
    requested = order_date + ctx.lead_days[cust].astype("timedelta64[D]")
    slip = np.where(rng.random(len(sku)) < 0.85, 0, rng.integers(1, 6, len(sku)))
    return pl.DataFrame(
        {
            "sku_idx": sku,
            "cust_idx": cust,
            "loc_idx": loc,
            "kind": kind,
            "order_date": order_date,
            "quantity": qty,
            "unit_price": np.round(price, 2),
            "requested_delivery_date": requested,
            "promised_delivery_date": requested + slip.astype("timedelta64[D]"),
        }
    )


def assign_orders(
    lines: pl.DataFrame,
    next_order_no: int,
    rng: np.random.Generator,
    sku_ids: pl.Series,
    customer_ids: pl.Series,
    location_ids: pl.Series,
    customer_currency: pl.Series,
) -> tuple[pl.DataFrame, int]:
    """Group lines into sales orders (one per customer, day, ship-from location and
    sale/return, at most 40 lines), number them, and set the order status:
    cancelled lines stay cancelled, the last days' sales are mostly still open."""
    lines = lines.sort(
        [
            "order_date",
            "cust_idx",
            "loc_idx",
            pl.col("kind") == RETURN,
            "sku_idx",
            "kind",
            "quantity",
        ]
    )
    is_ret = (lines["kind"] == RETURN).to_numpy()
    keys = [
        lines["order_date"].to_physical().to_numpy(),
        lines["cust_idx"].to_numpy(),
        lines["loc_idx"].to_numpy(),
        is_ret,
    ]
    new_group = np.ones(lines.height, dtype=bool)
    if lines.height:
        new_group[1:] = np.any([k[1:] != k[:-1] for k in keys], axis=0)
    group = np.cumsum(new_group) - 1
    group_start = np.flatnonzero(new_group)
    pos = np.arange(lines.height) - group_start[group]
    new_order = pos % MAX_LINES_PER_ORDER == 0
    order_no = next_order_no + np.cumsum(new_order) - 1
    near_end = lines["order_date"].to_numpy() > np.datetime64(WINDOW_END, "D") - OPEN_DAYS
    is_open = near_end & (lines["kind"] == SALE).to_numpy() & (rng.random(lines.height) < 0.8)
    status = np.where(
        (lines["kind"] == CANCELLED).to_numpy(), "cancelled", np.where(is_open, "open", "shipped")
    )
    lines = lines.with_columns(
        order_id=pl.lit("SO-") + pl.Series(order_no).cast(pl.String).str.zfill(7),
        line_number=pl.Series(pos % MAX_LINES_PER_ORDER + 1, dtype=pl.Int64),
        customer_id=customer_ids.gather(lines["cust_idx"]),
        sku=sku_ids.gather(lines["sku_idx"]),
        ship_from_location_id=location_ids.gather(lines["loc_idx"]),
        currency=customer_currency.gather(lines["cust_idx"]),
        order_status=pl.Series(status),
        quantity=pl.col("quantity").cast(pl.Float64),
    )
    return lines, int(order_no[-1]) + 1 if lines.height else next_order_no


def month_key(order_date: pl.Series) -> np.ndarray:
    """Months since the window's first month, per line."""
    d = order_date.dt
    return ((d.year() - WINDOW_START.year) * 12 + d.month() - WINDOW_START.month).to_numpy()


def blocks_by_month(n_weeks: int) -> list[tuple[int, np.ndarray]]:
    """Weeks grouped by the month of their Monday; a block's lines fall in that month or the
    next."""
    out: dict[int, list[int]] = {}
    for w in range(n_weeks):
        out.setdefault(month_index(week_start(w)), []).append(w)
    return [(m, np.array(ws)) for m, ws in sorted(out.items())]
