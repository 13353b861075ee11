"""Weekly demand per SKU by archetype, and which customers buy each SKU.

The archetypes are built to be separable on weekly-demand features alone:
share of zero weeks (ADI), size variability (CV²), CoV, trend, annual cycle and age.
Each also carries 7-25% of the units sold at every scale, so a segmentation that keeps
every segment above 5% of volume can still recover all seven.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from .settings import N_WEEKS, ScaleSpec, stream, week_start

ARCHETYPES: tuple[str, ...] = (
    "fast_stable",
    "seasonal",
    "trending",
    "intermittent",
    "lumpy",
    "new_launch",
    "phase_out",
)
ARCHETYPE_SHARE = (
    0.10,
    0.11,
    0.11,
    0.24,
    0.14,
    0.16,
    0.14,
)  # of SKUs; a long tail of intermittent ones
CONTINUOUS = ("fast_stable", "seasonal", "trending")  # sold every week from the window start
NEW_LAUNCH_WEEKS = (8, 24)  # first sale this many weeks before the window end
PHASE_OUT_LAST_WEEK = (84, 101)  # week index after which a phase-out SKU sells nothing
# Every archetype carries a real share of the units (7-25%, above the engine's 5% volume floor
# per segment): mature sellers run at moderate levels, new launches are pushed at launch,
# intermittent SKUs sell whole case packs and lumpy SKUs bulk/project quantities.
LEVEL_MEDIAN = {
    "fast_stable": 30.0,
    "seasonal": 28.0,
    "trending": 24.0,
    "new_launch": 100.0,
    "phase_out": 32.0,
}  # median weekly units per SKU (x the scale's volume factor)
LEVEL_SIGMA = {
    "fast_stable": 0.6,
    "new_launch": 0.5,
}  # lognormal spread of the levels; 0.75 otherwise
NEW_LAUNCH_RAMP_WEEKS = 3.0  # time constant of the post-launch ramp-up
ORDER_WEEK_SHARE = {"intermittent": (0.08, 0.25), "lumpy": (0.06, 0.18)}  # weeks with an order
CASE_PACKS = (20, 24, 25, 30, 36, 40, 48, 50, 60)  # units per case (x volume factor)
SECOND_CASE_SHARE = 0.4  # intermittent orders that take two cases instead of one
LUMPY_MEDIAN, LUMPY_SIGMA = 65.0, 1.35  # bulk order size (x volume factor), lognormal


@dataclass(frozen=True)
class DemandPlan:
    """Weekly units and order-line counts per SKU (rows) and week (columns)."""

    archetype: np.ndarray  # str per SKU
    units: np.ndarray  # int64 (n_skus, N_WEEKS)
    lines: np.ndarray  # int64 (n_skus, N_WEEKS); 0 where units is 0
    launch_week: np.ndarray  # first week with demand
    customer_cdf: np.ndarray  # per-SKU cumulative customer shares, offset by SKU index
    customer_idx: np.ndarray  # customer index for each entry of customer_cdf

    def pick_customers(self, sku_idx: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Customer index for each line of SKU `sku_idx`, drawn by the SKU's affinity."""
        pos = np.searchsorted(self.customer_cdf, sku_idx + u, side="right")
        return self.customer_idx[pos]


def assign_archetypes(n_skus: int, rng: np.random.Generator) -> np.ndarray:
    """Exact archetype quotas, shuffled across SKUs, so every archetype is present."""
    counts = np.floor(np.array(ARCHETYPE_SHARE) * n_skus).astype(int)
    counts[0] += n_skus - counts.sum()
    labels = np.repeat(np.array(ARCHETYPES), counts)
    return labels[rng.permutation(n_skus)]


def plan_demand(
    spec: ScaleSpec,
    seed: int,
    products: pl.DataFrame,
    peak_weeks: np.ndarray,
    customers: pl.DataFrame,
) -> DemandPlan:
    """Weekly units per SKU by archetype, line counts calibrated to the scale's target."""
    rng = stream(seed, "demand")
    n = products.height
    arch = assign_archetypes(n, rng)
    t = np.arange(N_WEEKS, dtype=np.float64)
    woy = np.array([week_start(w).isocalendar().week for w in range(N_WEEKS)], dtype=np.float64)
    vf = spec.volume_factor
    mult = np.zeros((n, N_WEEKS))
    noise_sd = np.full(n, 0.12)

    def level(name: str, mask: np.ndarray, floor: float = 15.0) -> np.ndarray:
        median, sigma = LEVEL_MEDIAN[name], LEVEL_SIGMA.get(name, 0.75)
        return np.maximum(floor, rng.lognormal(np.log(median), sigma, mask.sum())) * vf

    m = arch == "fast_stable"
    mult[m] = level("fast_stable", m)[:, None]
    noise_sd[m] = rng.uniform(0.06, 0.16, m.sum())

    m = arch == "seasonal"
    amp = rng.uniform(0.6, 0.9, m.sum())
    peak = peak_weeks[products["category_idx"].to_numpy()[m]] + rng.normal(0, 3, m.sum())
    cycle = 1 + amp[:, None] * np.cos(2 * np.pi * (woy[None, :] - peak[:, None]) / 52.18)
    mult[m] = level("seasonal", m)[:, None] * cycle

    m = arch == "trending"
    growing = rng.random(m.sum()) < 0.7
    ratio = np.where(growing, rng.uniform(3.0, 6.0, m.sum()), rng.uniform(0.2, 0.33, m.sum()))
    growth = np.exp(np.log(ratio)[:, None] * (t[None, :] / (N_WEEKS - 1) - 0.5))
    mult[m] = level("trending", m)[:, None] * growth

    m = arch == "new_launch"
    lo, hi, k = (
        *NEW_LAUNCH_WEEKS,
        m.sum(),
    )  # a steady cadence: launches spread evenly over the window
    slot = (rng.permutation(k) + rng.random(k)) / k
    launch = N_WEEKS - lo - np.floor((hi - lo + 1) * slot).astype(np.int64)
    since = t[None, :] - launch[:, None]
    ramp = np.where(since >= 0, 1 - np.exp(-(since + 1) / NEW_LAUNCH_RAMP_WEEKS), 0.0)
    mult[m] = level("new_launch", m)[:, None] * ramp
    noise_sd[m] = 0.15

    m = arch == "phase_out"
    last = rng.integers(PHASE_OUT_LAST_WEEK[0], PHASE_OUT_LAST_WEEK[1] + 1, m.sum())
    start = last - rng.integers(20, 50, m.sum())
    frac = np.clip((t[None, :] - start[:, None]) / (last - start)[:, None], 0, 1)
    mult[m] = level("phase_out", m)[:, None] * (1 - frac) ** 1.3
    noise_sd[m] = 0.15

    noise = np.exp(rng.normal(0, 1, (n, N_WEEKS)) * noise_sd[:, None] - noise_sd[:, None] ** 2 / 2)
    units = np.rint(mult * noise).astype(np.int64)
    nl = arch == "new_launch"
    units[nl, launch] = np.maximum(units[nl, launch], 1)  # the launch week always sells
    units[arch == "phase_out"] *= t[None, :] < last[:, None]

    for name, size in (("intermittent", _intermittent_sizes), ("lumpy", _lumpy_sizes)):
        m = arch == name
        p = rng.uniform(*ORDER_WEEK_SHARE[name], m.sum())
        occurs = rng.random((m.sum(), N_WEEKS)) < p[:, None]
        occurs[:, 0] |= ~occurs[:, :8].any(axis=1)  # selling from the start keeps the age long
        units[m] = np.where(occurs, size(rng, (m.sum(), N_WEEKS), vf), 0)

    lines = _line_counts(arch, units, spec.target_order_lines, rng)
    first = np.argmax(units > 0, axis=1)
    cdf, idx = _customer_affinity(spec, arch, customers, rng)
    return DemandPlan(arch, units, lines, first, cdf, idx)


def _intermittent_sizes(rng: np.random.Generator, shape: tuple[int, int], vf: float) -> np.ndarray:
    """Whole case packs: each SKU has one pack size (20-60 units x volume factor), an order
    takes one pack, sometimes two, so sizes are steady (CV² about 0.12, well below 0.49)."""
    pack = np.rint(rng.choice(CASE_PACKS, shape[0]) * vf).astype(np.int64)
    return pack[:, None] * (1 + (rng.random(shape) < SECOND_CASE_SHARE))


def _lumpy_sizes(rng: np.random.Generator, shape: tuple[int, int], vf: float) -> np.ndarray:
    """Large, erratic bulk/project order sizes (CV² well above 0.49)."""
    return np.ceil(rng.lognormal(np.log(LUMPY_MEDIAN * vf), LUMPY_SIGMA, shape)).astype(np.int64)


def _line_counts(
    arch: np.ndarray, units: np.ndarray, target: int, rng: np.random.Generator
) -> np.ndarray:
    """Order lines per SKU-week: one for intermittent weeks, 1-2 for lumpy, and for the
    rest a count growing with volume, scaled so the total meets the scale's target."""
    lines = np.zeros_like(units)
    sparse = np.isin(arch, ("intermittent", "lumpy"))
    lines[sparse] = (units[sparse] > 0).astype(np.int64)
    lumpy = arch == "lumpy"
    lines[lumpy] += (units[lumpy] > 1) & (rng.random(units[lumpy].shape) < 0.3)
    dense = units[~sparse].astype(np.float64)
    remaining = max(0, target - int(lines.sum()))
    power = np.where(dense > 0, dense**0.75, 0.0)
    lo, hi = 0.0, 1e3
    for _ in range(60):
        c = (lo + hi) / 2
        expected = np.where(dense > 0, np.minimum(dense, 1 + c * power), 0).sum()
        lo, hi = (c, hi) if expected < remaining else (lo, c)
    drawn = 1 + rng.poisson(lo * power)
    lines[~sparse] = np.where(dense > 0, np.minimum(dense, drawn), 0).astype(np.int64)
    return lines


def _customer_affinity(
    spec: ScaleSpec, arch: np.ndarray, customers: pl.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each SKU is bought by a subset of customers, bigger customers more likely and more often;
    lumpy SKUs go mostly to industrial and wholesale accounts."""
    n_cust = customers.height
    size = customers["size"].to_numpy()
    bulk = np.isin(customers["channel"].to_numpy(), ("industrial", "wholesale"))
    frac_range = {
        "fast_stable": (0.3, 0.6),
        "seasonal": (0.15, 0.4),
        "trending": (0.15, 0.4),
        "new_launch": (0.1, 0.3),
        "phase_out": (0.1, 0.3),
    }
    cdf_parts: list[np.ndarray] = []
    idx_parts: list[np.ndarray] = []
    log_size = np.log(size)
    for s, a in enumerate(arch):
        if a == "intermittent":
            k = int(rng.integers(1, 5))
        elif a == "lumpy":
            k = int(rng.integers(1, 4))
        else:
            k = int(round(n_cust * rng.uniform(*frac_range[a])))
        k = max(1, min(k, spec.max_customers_per_sku, n_cust))
        keys = log_size + rng.gumbel(size=n_cust) + (np.log(4.0) * bulk if a == "lumpy" else 0.0)
        chosen = np.sort(np.argpartition(-keys, k - 1)[:k])
        w = size[chosen] * rng.uniform(0.5, 1.5, k)
        cdf_parts.append(s + np.cumsum(w) / w.sum())
        idx_parts.append(chosen.astype(np.int32))
    cdf = np.concatenate(cdf_parts)
    # the last entry of each segment must be exactly s + 1 so that s + u (u < 1) stays inside
    ends = np.cumsum([len(p) for p in cdf_parts]) - 1
    cdf[ends] = np.arange(1, len(arch) + 1, dtype=np.float64)
    return cdf, np.concatenate(idx_parts)


def lifecycle(plan: DemandPlan, seed: int) -> tuple[list[str], list[date]]:
    """Lifecycle status and launch date per SKU, consistent with its archetype: new launches
    are 'new' and launched just before their first sale, phase-outs that stopped selling
    early are 'discontinued'."""
    rng = stream(seed, "lifecycle")
    n = len(plan.archetype)
    last_sale = N_WEEKS - 1 - np.argmax(plan.units[:, ::-1] > 0, axis=1)
    status = np.full(n, "active", dtype=object)
    status[plan.archetype == "new_launch"] = "new"
    po = plan.archetype == "phase_out"
    status[po] = np.where(last_sale[po] < 88, "discontinued", "phase_out")
    old = [date(2012, 1, 2) + timedelta(days=int(d)) for d in rng.integers(0, 4400, n)]
    lead = rng.integers(7, 29, n)
    launch = [
        week_start(int(plan.launch_week[i])) - timedelta(days=int(lead[i]))
        if plan.archetype[i] == "new_launch"
        else old[i]
        for i in range(n)
    ]
    return status.tolist(), launch
