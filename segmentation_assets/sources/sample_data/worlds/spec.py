"""What a generated world is made of, and how a random one is drawn.

A world is one distributor's history: how many SKUs it sells and which demand patterns
they follow, how concentrated volume is, how long the history runs, how noisy demand is,
and which kinds of customers buy. `draw_world_spec(seed)` spans small to large
catalogues, mild to heavy concentration, half a year to three years of history and
several customer mixes, so a claim about segment quality is tested on many worlds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Demand patterns a SKU can follow (the product truth).
PATTERNS: tuple[str, ...] = (
    "fast_stable",  # sold every week at a steady level
    "seasonal",  # an annual cycle around a category peak week
    "trending_up",  # growing year on year
    "phase_out",  # declining to zero, then nothing
    "new_launch",  # first sale a few weeks before the end, ramping up
    "intermittent",  # spare-part-like: rare single units or a case
    "lumpy",  # rare bulk or project orders of very variable size
    "slow_erratic",  # sold most weeks, small and very noisy volumes
)
#: Patterns of regular sellers: every distributor has some, so every world plants one.
CORE_PATTERNS: tuple[str, ...] = ("fast_stable", "seasonal", "trending_up")
#: Kinds of customers (the customer truth).
CUSTOMER_TYPES: tuple[str, ...] = (
    "key_account",  # large regular orders of many SKUs at good prices
    "price_sensitive",  # big orders every few weeks at deep discounts
    "expensive_to_serve",  # many small urgent orders, expedited freight, costly picks
    "long_tail",  # few small sporadic orders
)

SKU_RANGE = (50, 5000)
PATTERN_COUNT_RANGE = (3, 8)
HISTORY_RANGE = (26, 156)
SEASONAL_MIN_WEEKS = 53  # an annual cycle needs more than a year to be seen at all
SKEW_RANGE = (0.4, 2.6)  # lognormal sigma of per-SKU demand levels
NOISE_RANGE = (0.05, 0.6)  # sd of the multiplicative weekly demand noise
CUSTOMER_RANGE = (20, 1500)
MIN_PER_CLASS = 3  # SKUs per planted pattern and customers per planted type, at least
# Most of the SKUs one pattern may be: the tail is long, but a world still sells things, and
# a catalogue is not mostly launches or run-outs.
MAX_PATTERN_SHARE = {"intermittent": 0.45, "new_launch": 0.25, "phase_out": 0.35}
MIN_CORE_SHARE = 0.15  # of SKUs following a core pattern
# Customer mixes: key accounts are few, the long tail is most customers (Dirichlet weights,
# and the most of the customers a type may be before the long tail takes the rest).
TYPE_ALPHA = {
    "key_account": 0.8,
    "price_sensitive": 1.0,
    "expensive_to_serve": 1.2,
    "long_tail": 4.0,
}
TYPE_MAX_SHARE = {
    "key_account": 0.15,
    "price_sensitive": 0.25,
    "expensive_to_serve": 0.35,
    "long_tail": 1.0,
}


@dataclass(frozen=True)
class WorldSpec:
    """One world's parameters; `generate_world` turns it into frames, deterministically.

    * `skus` (50..5000); `patterns` (3 to 8 names of `PATTERNS`, at least one core
      pattern) with `pattern_shares` (share of SKUs each, summing to 1).
    * `unit_skew`: lognormal sigma of per-SKU demand levels (0.4 mild .. 2.6 heavy): the
      top 5% of SKUs carry roughly 15-40% of the units at 0.4, 60% or more from about 2.2
      and 75-99% at 2.6.
    * `history_weeks` (26..156). Seasonality needs more than a year: a spec with
      `history_weeks <= 52` cannot hold `seasonal` (drawn specs leave it out, and a
      hand-made one is refused), since nobody could see an annual cycle in it.
    * `noise`: sd of the multiplicative weekly noise on regular sellers (0.05..0.6).
    * `customers` (count) and `customer_types` (names of `CUSTOMER_TYPES`) with
      `customer_type_shares` (share of customers each).
    * `seed`: every random draw of the world comes from it.
    """

    seed: int
    skus: int
    patterns: tuple[str, ...]
    pattern_shares: tuple[float, ...]
    unit_skew: float
    history_weeks: int
    noise: float
    customers: int
    customer_types: tuple[str, ...]
    customer_type_shares: tuple[float, ...]

    def __post_init__(self) -> None:
        problems = []
        if not SKU_RANGE[0] <= self.skus <= SKU_RANGE[1]:
            problems.append(f"skus {self.skus} outside {SKU_RANGE}")
        if not HISTORY_RANGE[0] <= self.history_weeks <= HISTORY_RANGE[1]:
            problems.append(f"history_weeks {self.history_weeks} outside {HISTORY_RANGE}")
        if not PATTERN_COUNT_RANGE[0] <= len(self.patterns) <= PATTERN_COUNT_RANGE[1]:
            problems.append(f"{len(self.patterns)} patterns, need {PATTERN_COUNT_RANGE}")
        problems += _mix_problems("pattern", self.patterns, self.pattern_shares, PATTERNS)
        problems += _mix_problems(
            "customer type", self.customer_types, self.customer_type_shares, CUSTOMER_TYPES
        )
        if "seasonal" in self.patterns and self.history_weeks < SEASONAL_MIN_WEEKS:
            problems.append(f"seasonal needs more than 52 weeks, history is {self.history_weeks}")
        if self.customers < MIN_PER_CLASS * len(self.customer_types):
            problems.append(f"{self.customers} customers for {len(self.customer_types)} types")
        if self.unit_skew < 0 or self.noise < 0:
            problems.append("unit_skew and noise must be >= 0")
        if problems:
            raise ValueError("invalid WorldSpec: " + "; ".join(problems))

    def counts(self, total: int, shares: tuple[float, ...]) -> np.ndarray:
        """Exact counts per class (largest remainder), each at least `MIN_PER_CLASS`."""
        raw = np.asarray(shares) * total
        counts = np.maximum(np.floor(raw).astype(np.int64), MIN_PER_CLASS)
        order = np.argsort(-(raw - np.floor(raw)), kind="stable")
        i = 0
        while counts.sum() < total:
            counts[order[i % len(order)]] += 1
            i += 1
        while counts.sum() > total:  # floors lifted to the minimum: take from the biggest
            counts[int(np.argmax(counts))] -= 1
        return counts

    def summary(self) -> dict[str, object]:
        """The spec in one flat row: for tables and ground-truth files."""
        return {
            "seed": self.seed,
            "skus": self.skus,
            "patterns": ",".join(self.patterns),
            "pattern_shares": ",".join(f"{s:.3f}" for s in self.pattern_shares),
            "unit_skew": round(self.unit_skew, 3),
            "history_weeks": self.history_weeks,
            "noise": round(self.noise, 3),
            "customers": self.customers,
            "customer_types": ",".join(self.customer_types),
            "customer_type_shares": ",".join(f"{s:.3f}" for s in self.customer_type_shares),
        }


def _mix_problems(
    what: str, names: tuple[str, ...], shares: tuple[float, ...], known: tuple[str, ...]
) -> list[str]:
    problems = [f"unknown {what} {n!r}" for n in names if n not in known]
    if len(set(names)) != len(names):
        problems.append(f"a {what} is listed twice")
    if len(shares) != len(names):
        problems.append(f"{len(names)} {what}s but {len(shares)} shares")
    elif any(s <= 0 for s in shares) or abs(sum(shares) - 1) > 1e-6:
        problems.append(f"{what} shares must be positive and sum to 1")
    return problems


def _log_uniform(rng: np.random.Generator, low: int, high: int) -> int:
    return int(round(np.exp(rng.uniform(np.log(low), np.log(high)))))


def _pattern_shares(patterns: list[str], rng: np.random.Generator) -> np.ndarray:
    """Uneven shares (Dirichlet; the intermittent tail tends to be large), then the realism
    bounds: `MAX_PATTERN_SHARE` (the excess spread over the other patterns), then core
    sellers at least `MIN_CORE_SHARE`."""
    alpha = np.array([2.5 if p == "intermittent" else 1.0 for p in patterns])
    shares = rng.dirichlet(alpha)
    is_core = np.array([p in CORE_PATTERNS for p in patterns])
    for _ in range(3):  # spreading one excess may lift another capped pattern a little
        for name, cap in MAX_PATTERN_SHARE.items():
            capped = np.array([p == name for p in patterns])
            if shares[capped].sum() > cap:
                excess = shares[capped].sum() - cap
                shares[capped] = cap
                shares[~capped] += excess * shares[~capped] / shares[~capped].sum()
    core = shares[is_core].sum()
    if core < MIN_CORE_SHARE:
        shares[~is_core] *= (1 - MIN_CORE_SHARE) / shares[~is_core].sum()
        shares[is_core] *= MIN_CORE_SHARE / core
    return shares / shares.sum()


def draw_world_spec(seed: int) -> WorldSpec:
    """A random but reproducible world: the same seed gives the same spec.

    Catalogue and customer counts are log-uniform (most worlds have a few hundred SKUs, some
    thousands); 3-8 patterns with uneven shares, at least one core pattern; history 26-156
    weeks (no seasonal pattern when it is a year or less); skew and noise uniform in their
    ranges; 2-4 customer types, the long tail always among them.
    """
    rng = np.random.default_rng([seed, 0x57051D])
    skus = _log_uniform(rng, *SKU_RANGE)
    history = int(rng.integers(HISTORY_RANGE[0], HISTORY_RANGE[1] + 1))
    allowed = [p for p in PATTERNS if p != "seasonal" or history >= SEASONAL_MIN_WEEKS]
    core = [p for p in CORE_PATTERNS if p in allowed]
    k = int(rng.integers(PATTERN_COUNT_RANGE[0], PATTERN_COUNT_RANGE[1] + 1))
    k = min(k, len(allowed))
    first = core[int(rng.integers(len(core)))]
    others = [p for p in allowed if p != first]
    chosen = {first, *rng.choice(others, k - 1, replace=False).tolist()}
    patterns = [p for p in PATTERNS if p in chosen]  # catalogue order, so specs read alike
    shares = _pattern_shares(patterns, rng)
    n_types = int(rng.choice([2, 3, 4], p=[0.2, 0.4, 0.4]))
    picked = rng.choice(CUSTOMER_TYPES[:3], n_types - 1, replace=False).tolist()
    types = [t for t in CUSTOMER_TYPES if t in picked or t == "long_tail"]
    type_shares = rng.dirichlet([TYPE_ALPHA[t] for t in types])
    type_shares = np.clip(type_shares, 0.04, [TYPE_MAX_SHARE[t] for t in types])
    type_shares[types.index("long_tail")] += 1 - type_shares.sum()  # the rest is the long tail
    customers = max(_log_uniform(rng, *CUSTOMER_RANGE), MIN_PER_CLASS * len(types) * 4)
    return WorldSpec(
        seed=seed,
        skus=skus,
        patterns=tuple(patterns),
        pattern_shares=tuple(float(s) for s in shares),
        unit_skew=float(rng.uniform(*SKEW_RANGE)),
        history_weeks=history,
        noise=float(rng.uniform(*NOISE_RANGE)),
        customers=customers,
        customer_types=tuple(types),
        customer_type_shares=tuple(float(s) for s in type_shares / type_shares.sum()),
    )
