"""Weekly units per SKU by demand pattern: the product side of a world.

Regular sellers (fast_stable, seasonal, trending_up, phase_out, new_launch) get a level
from a lognormal whose sigma is the spec's `unit_skew`, floored at a few units a week (a
"fast" SKU selling one unit a month is not fast), so most SKUs sit near the floor and a
few carry most of the volume. Their weekly units are Poisson around level x shape x
multiplicative noise, with a Christmas dip and, for some SKUs, promotion weeks. The tail
patterns are drawn as events: intermittent SKUs sell a single unit or a case in a few
weeks (the whole tail is held to about 1% of expected units: spare parts sell rarely),
lumpy SKUs sell rare bulk quantities, slow erratic SKUs small, very noisy weekly amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..catalogue import CATEGORIES
from .spec import WorldSpec

END_WEEK = date(2025, 12, 22)  # Monday of every world's last week (all worlds end here)
REGULAR = ("fast_stable", "seasonal", "trending_up", "phase_out", "new_launch")
BASE_LEVEL = {  # median weekly units of a regular seller before the skew
    "fast_stable": 40.0,
    "seasonal": 25.0,
    "trending_up": 18.0,
    "phase_out": 22.0,
    "new_launch": 25.0,
}
LEVEL_FLOOR = 4.0  # weekly units below which a regular seller would not sell every week
INTERMITTENT_TARGET_SHARE = 0.01  # expected share of units the intermittent tail holds
CASE_PACKS = (2, 4, 5, 6, 10, 12)
PROMO_SHARE = 0.3  # regular sellers that run promotions


def week_starts(history_weeks: int) -> list[date]:
    """Monday of each week of a world's history, oldest first, ending at `END_WEEK`."""
    first = END_WEEK - timedelta(weeks=history_weeks - 1)
    return [first + timedelta(weeks=i) for i in range(history_weeks)]


@dataclass(frozen=True)
class SkuDemand:
    """Planned units per SKU (rows) and week (columns), and what the lifecycle needs."""

    pattern: np.ndarray  # str per SKU
    category: np.ndarray  # index into CATEGORIES per SKU
    units: np.ndarray  # int64 (skus, weeks)
    lumpy_lines: np.ndarray  # bool (skus, weeks): a lumpy week sold as two lines


def assign_patterns(spec: WorldSpec, rng: np.random.Generator) -> np.ndarray:
    counts = spec.counts(spec.skus, spec.pattern_shares)
    labels = np.repeat(np.array(spec.patterns), counts)
    return labels[rng.permutation(spec.skus)]


def _holiday_factor(weeks: list[date]) -> np.ndarray:
    """Distributors ship little between Christmas and New Year."""
    factor = np.ones(len(weeks))
    for i, monday in enumerate(weeks):
        days = {monday + timedelta(days=d) for d in range(7)}
        if date(monday.year, 12, 25) in days:
            factor[i] = 0.45
        elif date(monday.year, 1, 1) in days or date(monday.year + 1, 1, 1) in days:
            factor[i] = 0.7
    return factor


def _regular_shapes(
    pattern: np.ndarray, category: np.ndarray, weeks: list[date], rng: np.random.Generator
) -> np.ndarray:
    """Shape over time (1 = the SKU's level) of every regular seller; 0 for the others."""
    n, h = len(pattern), len(weeks)
    t = np.arange(h, dtype=np.float64)
    woy = np.array([w.isocalendar().week for w in weeks], dtype=np.float64)
    shape = np.zeros((n, h))
    shape[pattern == "fast_stable"] = 1.0

    m = pattern == "seasonal"
    amp = rng.uniform(0.4, 0.95, m.sum())
    peak = np.array([CATEGORIES[c].peak_week for c in category[m]]) + rng.normal(0, 3, m.sum())
    shape[m] = 1 + amp[:, None] * np.cos(2 * np.pi * (woy[None, :] - peak[:, None]) / 52.18)

    m = pattern == "trending_up"
    growth = rng.uniform(0.25, 1.2, m.sum())  # per year; the level is reached in the last week
    shape[m] = (1 + growth[:, None]) ** ((t[None, :] - (h - 1)) / 52.0)

    m = pattern == "phase_out"
    k = m.sum()
    start = np.floor(rng.uniform(0.05, 0.55, k) * h)
    stop = np.minimum(start + np.maximum(6, np.floor(rng.uniform(0.25, 0.6, k) * h)), h - 3)
    frac = np.clip((t[None, :] - start[:, None]) / (stop - start)[:, None], 0, 1)
    shape[m] = (1 - frac) ** rng.uniform(0.8, 1.6, k)[:, None]

    m = pattern == "new_launch"
    k = m.sum()
    launch = h - rng.integers(6, max(7, min(30, h - 6)) + 1, k)
    since = t[None, :] - launch[:, None]
    ramp = 1 - np.exp(-(since + 1) / rng.uniform(1.5, 5.0, k)[:, None])
    shape[m] = np.where(since >= 0, ramp, 0.0)
    return shape


def _promotions(pattern: np.ndarray, h: int, rng: np.random.Generator) -> np.ndarray:
    """Some steady sellers run promotion weeks (x1.6-3) followed by a smaller week."""
    factor = np.ones((len(pattern), h))
    eligible = np.flatnonzero(np.isin(pattern, ("fast_stable", "seasonal", "trending_up")))
    for s in eligible[rng.random(len(eligible)) < PROMO_SHARE]:
        for w in rng.integers(0, h, rng.poisson(2.0 * h / 52) + 1):
            factor[s, w] *= rng.uniform(1.6, 3.0)
            if w + 1 < h:
                factor[s, w + 1] *= 0.8
    return factor


def plan_demand(spec: WorldSpec, category: np.ndarray, rng: np.random.Generator) -> SkuDemand:
    """Weekly units per SKU for the spec's patterns (see the module docstring); `category`
    (index into the catalogue's categories per SKU) sets the seasonal peak week."""
    weeks = week_starts(spec.history_weeks)
    n, h = spec.skus, spec.history_weeks
    pattern = assign_patterns(spec, rng)
    z = rng.normal(0, 1, n)  # one level draw per SKU, whatever its pattern
    base = np.array([BASE_LEVEL.get(p, 0.0) for p in pattern])
    level = np.maximum(LEVEL_FLOOR, base * np.exp(spec.unit_skew * z))
    mean = (
        level[:, None]
        * _regular_shapes(pattern, category, weeks, rng)
        * _holiday_factor(weeks)[None, :]
        * _promotions(pattern, h, rng)
    )
    noise = np.exp(rng.normal(0, spec.noise, (n, h)) - spec.noise**2 / 2)
    units = rng.poisson(mean * noise).astype(np.int64)
    launch = np.argmax(mean > 0, axis=1)
    new = np.flatnonzero(pattern == "new_launch")
    units[new, launch[new]] = np.maximum(units[new, launch[new]], 1)  # the launch week sells

    m = pattern == "slow_erratic"
    small = np.clip(2.5 * np.exp(0.4 * spec.unit_skew * z[m]), 0.8, 12.0)
    shape_k = rng.uniform(0.7, 1.5, m.sum())  # gamma-Poisson: very noisy, rarely zero
    rate = rng.gamma(shape_k[:, None], small[:, None] / shape_k[:, None], (m.sum(), h))
    units[m] = rng.poisson(rate)

    m = pattern == "lumpy"
    k = m.sum()
    bulk = np.maximum(5.0, 40.0 * np.exp(0.7 * spec.unit_skew * z[m]))
    occurs = rng.random((k, h)) < rng.uniform(0.04, 0.15, k)[:, None]
    occurs[np.arange(k), rng.integers(0, h, k)] = True  # a lumpy SKU sells at least once
    spread = rng.uniform(0.8, 1.4, k)[:, None]
    sizes = np.ceil(rng.lognormal(np.log(bulk)[:, None], spread, (k, h)))
    units[m] = np.where(occurs, sizes, 0).astype(np.int64)
    lumpy_lines = np.zeros((n, h), dtype=bool)
    lumpy_lines[m] = occurs & (rng.random((k, h)) < 0.25) & (units[m] >= 2)

    units[pattern == "intermittent"] = _intermittent(units, pattern, rng)
    return SkuDemand(pattern, category, units, lumpy_lines)


def _intermittent(units: np.ndarray, pattern: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rare single units or one case (sometimes two); order rates scaled down so the tail's
    expected units are about `INTERMITTENT_TARGET_SHARE` of everything; one sale at least."""
    m = pattern == "intermittent"
    k, h = int(m.sum()), units.shape[1]
    case = np.where(rng.random(k) < 0.6, 1, rng.choice(CASE_PACKS, k))
    rate = rng.uniform(0.01, 0.08, k)
    expected_tail = (rate * case * 1.15 * h).sum()
    others = units[~m].sum()
    if expected_tail > INTERMITTENT_TARGET_SHARE * others:
        rate *= INTERMITTENT_TARGET_SHARE * others / expected_tail
    occurs = rng.random((k, h)) < rate[:, None]
    occurs[np.arange(k), rng.integers(0, h, k)] = True
    cases = 1 + (rng.random((k, h)) < 0.15)
    return np.where(occurs, case[:, None] * cases, 0).astype(np.int64)
