"""Inventory snapshots, supplier lead times, supplier risk scores and market indices."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import numpy as np
import polars as pl

from .catalogue import CATEGORIES
from .demand import CONTINUOUS, DemandPlan
from .settings import N_MONTHS, N_WEEKS, WINDOW_END, WINDOW_START, month_of_index, stream

CATEGORY_LEAD_DAYS = {
    "Fasteners": 21,
    "Hand Tools": 35,
    "Power Tools": 56,
    "Electrical": 28,
    "Plumbing": 30,
    "Safety": 42,
    "Adhesives & Sealants": 18,
    "Abrasives": 25,
}


def month_ends() -> list[date]:
    """Month-end snapshot dates inside the window."""
    out = []
    for m in range(N_MONTHS):
        y, mo = month_of_index(m)
        d = date(y, mo, calendar.monthrange(y, mo)[1])
        if d <= WINDOW_END:
            out.append(d)
    return out


def inventory_snapshots(
    seed: int, plan: DemandPlan, products: pl.DataFrame, dc_ids: list[str]
) -> pl.DataFrame:
    """Month-end stock per SKU at the DCs that stock it (fast movers everywhere, slow movers
    at one or two): about four weeks of cover on hand, replenishment orders now and then."""
    rng = stream(seed, "inventory")
    n = products.height
    n_dc = len(dc_ids)
    stocked = (
        rng.random((n, n_dc))
        < np.where(np.isin(plan.archetype, CONTINUOUS), 1.0, 1.5 / n_dc)[:, None]
    )
    stocked[np.arange(n), rng.integers(0, n_dc, n)] = True
    sku_i, dc_i = np.nonzero(stocked)
    dates = month_ends()
    week_of = np.array([min(N_WEEKS - 1, (d - WINDOW_START).days // 7) for d in dates])
    lo = np.maximum(week_of - 4, 0)
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(plan.units, axis=1)], axis=1)
    weekly = (cum[:, week_of + 1] - cum[:, lo]) / (
        week_of + 1 - lo
    )  # (n, months): recent weekly demand
    launched = week_of[None, :] >= plan.launch_week[:, None]
    share = stocked.sum(axis=1)
    pair, month = np.meshgrid(np.arange(len(sku_i)), np.arange(len(dates)), indexing="ij")
    pair, month = pair.ravel(), month.ravel()
    s = sku_i[pair]
    keep = launched[s, month]
    pair, month, s = pair[keep], month[keep], s[keep]
    demand = weekly[s, month] / share[s]
    on_hand = np.rint(demand * rng.lognormal(np.log(4), 0.4, len(s)) + rng.integers(0, 3, len(s)))
    on_order = np.where(rng.random(len(s)) < 0.4, np.rint(demand * rng.uniform(2, 6, len(s))), 0.0)
    return pl.DataFrame(
        {
            "snapshot_date": pl.Series([dates[m] for m in range(len(dates))]).gather(month),
            "location_id": pl.Series(dc_ids).gather(dc_i[pair]),
            "sku": products["sku"].gather(s),
            "on_hand_qty": on_hand,
            "on_order_qty": on_order,
        }
    ).sort(["snapshot_date", "location_id", "sku"])


def week_start_date(week: int) -> date:
    return WINDOW_START + timedelta(weeks=week)


def supply(seed: int, products: pl.DataFrame, supplier_ids: list[str]) -> pl.DataFrame:
    """Lead time and MOQ per supplier and SKU: the product's main supplier, and for a fifth
    of SKUs a second source that is slower and less reliable."""
    rng = stream(seed, "supply")
    n = products.height
    base = np.array([CATEGORY_LEAD_DAYS[c] for c in products["category"]], dtype=np.float64)
    lead = np.rint(base * rng.lognormal(0, 0.25, n))
    main = pl.DataFrame(
        {
            "supplier_id": products["supplier_id"],
            "sku": products["sku"],
            "lead_time_days": lead,
            "lead_time_std_days": np.round(lead * rng.uniform(0.1, 0.3, n), 1),
            "moq": rng.choice([1.0, 10.0, 50.0, 100.0, 500.0], n, p=[0.2, 0.3, 0.25, 0.15, 0.1]),
        }
    )
    second = np.flatnonzero(rng.random(n) < 0.2)
    main_supplier = products["supplier_id"].to_list()
    alt = [
        supplier_ids[
            (supplier_ids.index(main_supplier[i]) + 1 + int(rng.integers(0, len(supplier_ids) - 1)))
            % len(supplier_ids)
        ]
        for i in second
    ]
    lead2 = np.rint(lead[second] * rng.uniform(1.1, 1.6, len(second)))
    extra = pl.DataFrame(
        {
            "supplier_id": alt,
            "sku": products["sku"].gather(second),
            "lead_time_days": lead2,
            "lead_time_std_days": np.round(lead2 * rng.uniform(0.2, 0.45, len(second)), 1),
            "moq": main["moq"].gather(second) * 2,
        }
    )
    return (
        pl.concat([main, extra])
        .unique(["supplier_id", "sku"], keep="first", maintain_order=True)
        .sort(["supplier_id", "sku"])
    )


def supplier_risk(seed: int, supplier_ids: list[str]) -> pl.DataFrame:
    """Monthly third-party risk score per supplier, 0-100, drifting slowly with rare shocks."""
    rng = stream(seed, "supplier_risk")
    n = len(supplier_ids)
    dates = [date(*month_of_index(m), 1) for m in range(N_MONTHS)]
    walk = rng.uniform(10, 70, n)[:, None] + np.cumsum(rng.normal(0, 3, (n, len(dates))), axis=1)
    shock = (rng.random((n, len(dates))) < 0.02) * rng.uniform(15, 35, (n, len(dates)))
    score = np.clip(walk + shock, 0, 100)
    return pl.DataFrame(
        {
            "supplier_id": np.repeat(supplier_ids, len(dates)),
            "as_of_date": dates * n,
            "risk_score": np.round(score.ravel(), 1),
        }
    )


def market_index(seed: int) -> pl.DataFrame:
    """Weekly volatility index per category, mean-reverting around 100."""
    rng = stream(seed, "market_index")
    dates = [week_start_date(w) for w in range(N_WEEKS)]
    rows = []
    for c in CATEGORIES:
        x, vol = 100.0, rng.uniform(2, 8)
        series = []
        for _ in dates:
            x = 100 + 0.85 * (x - 100) + rng.normal(0, vol)
            series.append(round(x, 2))
        rows.append(
            pl.DataFrame({"index_date": dates, "category": c.name, "volatility_index": series})
        )
    return pl.concat(rows)
