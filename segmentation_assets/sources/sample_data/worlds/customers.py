"""Customers of a world: who they are, what they carry and how they buy (the customer side).

A customer's type is never written anywhere the platform reads; it shows only in what
the customer does. Key accounts carry a broad assortment, order every week, in big
consolidated orders at good prices. Price-sensitive buyers carry the high-volume SKUs
and buy in bulk every few weeks at deep discounts. Expensive-to-serve customers order
most weeks in many small urgent orders that go out by courier or air. The long tail
carries a handful of SKUs and orders now and then, a little at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..master_data import COUNTRIES, STEMS
from .spec import WorldSpec

STEADY_TYPES = ("key_account", "expensive_to_serve", "price_sensitive")


@dataclass(frozen=True)
class Behaviour:
    """How one customer type buys; ranges are drawn per customer."""

    breadth: tuple[float, float]  # share of the catalogue carried (long tail: SKU count)
    pull: float  # weight for getting an order line of a SKU it carries
    size: float  # weight for the quantity of a line it gets
    active: tuple[float, float]  # share of weeks it is in the market (1 = every week)
    cycle: tuple[int, int]  # buys every this many weeks (0 = no fixed cycle)
    discount: tuple[float, float]  # off list price
    lead_days: tuple[int, int]  # requested delivery, days after the order
    lines_per_order: tuple[int, int]  # lines one order holds, typically
    orders_per_week: int  # at most; more lines than that make bigger orders
    urgent: float  # share of orders shipped by courier or air
    channels: dict[str, float]


BEHAVIOUR: dict[str, Behaviour] = {
    "key_account": Behaviour(
        breadth=(0.25, 0.6),
        pull=3.0,
        size=3.0,
        active=(0.92, 1.0),
        cycle=(0, 0),
        discount=(0.03, 0.12),
        lead_days=(4, 10),
        lines_per_order=(25, 60),
        orders_per_week=2,
        urgent=0.02,
        channels={"retail": 0.5, "wholesale": 0.4, "industrial": 0.1},
    ),
    "price_sensitive": Behaviour(
        breadth=(0.05, 0.2),
        pull=2.0,
        size=6.0,
        active=(1.0, 1.0),
        cycle=(2, 6),
        discount=(0.18, 0.32),
        lead_days=(7, 21),
        lines_per_order=(40, 80),
        orders_per_week=1,
        urgent=0.0,
        channels={"wholesale": 0.5, "online": 0.3, "retail": 0.2},
    ),
    "expensive_to_serve": Behaviour(
        breadth=(0.08, 0.3),
        pull=1.5,
        size=0.15,
        active=(0.75, 0.95),
        cycle=(0, 0),
        discount=(0.0, 0.06),
        lead_days=(0, 2),
        lines_per_order=(1, 3),
        orders_per_week=10,
        urgent=0.7,
        channels={"industrial": 0.4, "installer": 0.4, "retail": 0.2},
    ),
    "long_tail": Behaviour(
        breadth=(1, 8),
        pull=1.0,
        size=0.3,
        active=(0.02, 0.12),
        cycle=(0, 0),
        discount=(0.0, 0.04),
        lead_days=(3, 10),
        lines_per_order=(3, 6),
        orders_per_week=1,
        urgent=0.05,
        channels={"installer": 0.4, "retail": 0.3, "industrial": 0.2, "online": 0.1},
    ),
}
OFF_WEEK_WEIGHT = {"price_sensitive": 0.08}  # the rest: 0.05 for steady types, 0.003 long tail
TRADES = {
    "retail": "Baumarkt",
    "wholesale": "Großhandel",
    "industrial": "Industrieservice",
    "installer": "Haustechnik",
    "online": "Online",
}


@dataclass(frozen=True)
class CustomerBook:
    """Customers (in the ERP's columns, plus their truth) and how each buys, by index."""

    master: pl.DataFrame  # customer_id, customer_name, channel, region, country
    ctype: np.ndarray  # str per customer
    pull: np.ndarray
    size: np.ndarray
    activity: np.ndarray  # (customers, weeks): weight of being in the market that week
    discount: np.ndarray
    lead_days: tuple[np.ndarray, np.ndarray]  # low, high per customer
    lines_per_order: np.ndarray
    orders_per_week: np.ndarray
    urgent: np.ndarray
    region: np.ndarray


def build_customers(spec: WorldSpec, weeks: int, rng: np.random.Generator) -> CustomerBook:
    n = spec.customers
    counts = spec.counts(n, spec.customer_type_shares)
    ctype = np.repeat(np.array(spec.customer_types), counts)[rng.permutation(n)]
    pull, size, discount = np.empty(n), np.empty(n), np.empty(n)
    lead_lo, lead_hi = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    lines, urgent = np.empty(n, dtype=np.int64), np.empty(n)
    most_orders = np.empty(n, dtype=np.int64)
    activity = np.empty((n, weeks))
    channel = np.empty(n, dtype=object)
    for name, b in BEHAVIOUR.items():
        m = ctype == name
        k = int(m.sum())
        if not k:
            continue
        heft = rng.lognormal(0, 0.5, k)  # bigger and smaller accounts within a type
        pull[m], size[m] = b.pull * heft, b.size * heft
        discount[m] = rng.uniform(*b.discount, k)
        low = rng.integers(b.lead_days[0], b.lead_days[1] + 1, k)
        lead_lo[m], lead_hi[m] = low, np.minimum(low + 3, b.lead_days[1])
        lines[m] = rng.integers(b.lines_per_order[0], b.lines_per_order[1] + 1, k)
        most_orders[m] = b.orders_per_week
        urgent[m] = np.clip(b.urgent + rng.normal(0, 0.1, k), 0, 1) if b.urgent else 0.0
        channel[m] = rng.choice(list(b.channels), k, p=list(b.channels.values()))
        activity[m] = _activity(name, b, k, weeks, rng)
    countries = list(COUNTRIES)
    weights = np.array([COUNTRIES[c][1] for c in countries])
    country = np.array(countries)[rng.choice(len(countries), n, p=weights / weights.sum())]
    region = np.array([COUNTRIES[c][0] for c in country])
    ids = [f"CU-{i:05d}" for i in range(1, n + 1)]
    names = [
        f"{STEMS[int(rng.integers(len(STEMS)))]} {TRADES[ch]} {COUNTRIES[co][3][0]} {i:04d}"
        for i, (ch, co) in enumerate(zip(channel, country, strict=True), start=1)
    ]
    master = pl.DataFrame(
        {
            "customer_id": ids,
            "customer_name": names,
            "channel": channel.astype(str),
            "region": region,
            "country": country,
        }
    )
    return CustomerBook(
        master,
        ctype,
        pull,
        size,
        activity,
        discount,
        (lead_lo, lead_hi),
        lines,
        most_orders,
        urgent,
        region,
    )


def _activity(name: str, b: Behaviour, k: int, weeks: int, rng: np.random.Generator) -> np.ndarray:
    """Weight of each week: 1 in the market, small otherwise (a stray top-up order)."""
    off = OFF_WEEK_WEIGHT.get(name, 0.003 if name == "long_tail" else 0.05)
    if b.cycle[0]:
        cycle = rng.integers(b.cycle[0], b.cycle[1] + 1, k)
        phase = rng.integers(0, cycle)
        on = (np.arange(weeks)[None, :] - phase[:, None]) % cycle[:, None] == 0
    else:
        on = rng.random((k, weeks)) < rng.uniform(*b.active, k)[:, None]
    return np.where(on, 1.0, off)


@dataclass(frozen=True)
class Assortment:
    """Which customers carry each SKU (CSR: `buyers[ptr[s]:ptr[s + 1]]`) and its anchor:
    the steady buyer most likely to take a line of it."""

    ptr: np.ndarray
    buyers: np.ndarray
    anchor: np.ndarray


def build_assortment(
    book: CustomerBook, popularity: np.ndarray, lumpy: np.ndarray, rng: np.random.Generator
) -> Assortment:
    """Each customer carries SKUs drawn by popularity (price-sensitive buyers chase volume
    harder); courier customers and the long tail rarely carry bulk (lumpy) items. Every SKU
    gets at least one steady buyer, so its demand has someone to go to every week."""
    n_sku, n_cust = len(popularity), len(book.ctype)
    log_pop = np.log(popularity + 1e-3)
    small = np.isin(book.ctype, ("expensive_to_serve", "long_tail"))
    members: list[np.ndarray] = []
    for c in range(n_cust):
        b = BEHAVIOUR[book.ctype[c]]
        if book.ctype[c] == "long_tail":
            count = int(rng.integers(int(b.breadth[0]), int(b.breadth[1]) + 1))
        else:
            count = int(round(rng.uniform(*b.breadth) * n_sku))
        count = max(1, min(count, n_sku))
        focus = 1.0 if book.ctype[c] == "price_sensitive" else 0.5
        keys = focus * log_pop + rng.gumbel(size=n_sku) - (np.log(20.0) * lumpy if small[c] else 0)
        members.append(np.argpartition(-keys, count - 1)[:count])
    sku = np.concatenate(members)
    cust = np.repeat(np.arange(n_cust), [len(m) for m in members])
    steady = np.isin(book.ctype, STEADY_TYPES)
    candidates = np.flatnonzero(steady) if steady.any() else np.arange(n_cust)
    covered = np.zeros(n_sku, dtype=bool)
    covered[sku[np.isin(cust, candidates)]] = True
    lacking = np.flatnonzero(~covered)
    weight = book.pull[candidates] / book.pull[candidates].sum()
    sku = np.concatenate([sku, lacking])
    cust = np.concatenate([cust, rng.choice(candidates, len(lacking), p=weight)])
    order = np.lexsort((cust, sku))
    sku, cust = sku[order], cust[order]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(sku, minlength=n_sku))])
    strength = book.pull * book.activity.mean(axis=1)
    strongest = np.lexsort((-strength[cust], sku))  # per SKU, its strongest buyer first
    anchor = cust[strongest][ptr[:-1]]
    return Assortment(ptr, cust, anchor)
