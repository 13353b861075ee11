"""Plain-word segment names from the segment profiles ("fast, stable, high margin").

Method: for each feature with a vocabulary entry, the robust z of the segment median against the
population median, in units of the population IQR (standard deviation if the IQR is 0; features
flagged `skewed` in the catalog are compared after log1p, as the clustering sees them). The up to
3 features with the largest |z| above `MIN_Z` give the name, using the word for their side; a side
without a word (None) says nothing. Names are unique: segments with the same words are told apart
by the feature that separates them most ("(higher revenue)" / "(lower revenue)"), or a number
when nothing does. A segment that stands out on nothing is "core" (products) or "typical"
(customers). Deterministic: ties are broken by vocabulary order, then segment id.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from segmentation_assets.features.catalog import EntityType, feature

MIN_Z = 0.5
MAX_WORDS = 3

Words = tuple[str | None, str | None]  # (word when low, word when high)

VOCABULARY: dict[EntityType, dict[str, Words]] = {
    "product": {
        "weekly_units": ("slow", "fast"),
        "demand_cov": ("stable", "erratic"),
        "adi": (None, "intermittent"),
        "cv2": (None, "uneven sizes"),
        "trend": ("declining", "growing"),
        "seasonality_strength": (None, "seasonal"),
        "age_weeks": ("new", None),
        "weeks_since_last_sale": (None, "fading"),
        "gross_margin_pct": ("low margin", "high margin"),
        "forecast_wape": ("forecastable", "hard to forecast"),
        "weekly_revenue": ("low revenue", "high revenue"),
        "weekly_order_lines": ("rarely picked", "often picked"),
        "supplier_lead_time_days": ("short lead time", "long lead time"),
    },
    "customer": {
        "total_revenue": ("small", "large"),
        "orders_per_week": ("occasional", "frequent"),
        "profitability_pct": ("unprofitable", "profitable"),
        "cost_to_serve_per_order": ("cheap to serve", "costly to serve"),
        "lines_per_order": ("few lines", "many lines"),
        "demand_cov": ("steady", "erratic"),
        "requested_lead_time_days": ("urgent", "relaxed"),
        "target_fill_rate": ("standard service", "premium service"),
        "sku_count": ("narrow range", "broad range"),
        "gross_margin_pct": ("low margin", "high margin"),
    },
    "product_customer": {
        "weekly_units": ("slow", "fast"),
        "total_revenue": ("low revenue", "high revenue"),
        "demand_cov": ("stable", "erratic"),
        "adi": (None, "intermittent"),
        "share_of_product_units": ("minor buyer", "major buyer"),
        "share_of_customer_revenue": ("minor line", "key line"),
        "weeks_since_last_order": (None, "lapsing"),
    },
}
PLAIN_NAME: dict[EntityType, str] = {
    "product": "core",
    "customer": "typical",
    "product_customer": "core",
}


def segment_profiles(features: pl.DataFrame, labels: np.ndarray, names: list[str]) -> pl.DataFrame:
    """Per segment: segment_id, entities and the median of each `names` feature (nulls ignored)."""
    labels = np.asarray(labels)
    if len(labels) != features.height:
        raise ValueError(f"{len(labels)} labels for {features.height} feature rows")
    frame = features.select(
        [pl.col(name).cast(pl.Float64, strict=False) for name in names]
    ).with_columns(pl.Series("segment_id", labels.astype(np.int64)))
    return (
        frame.group_by("segment_id")
        .agg(pl.len().cast(pl.Int64).alias("entities"), *[pl.col(name).median() for name in names])
        .sort("segment_id")
    )


def _prepared(column: pl.Series, skewed: bool) -> np.ndarray:
    values = column.cast(pl.Float64, strict=False).to_numpy().astype(np.float64)
    values = values[np.isfinite(values)]
    return np.log1p(np.clip(values, 0.0, None)) if skewed else values


def _z_scores(
    profiles: pl.DataFrame, population: pl.DataFrame, entity_type: EntityType
) -> dict[str, dict[int, float]]:
    """Vocabulary feature -> segment id -> robust z of the segment median against the population."""
    scores: dict[str, dict[int, float]] = {}
    for name in VOCABULARY[entity_type]:
        if name not in profiles.columns or name not in population.columns:
            continue
        skewed = feature(entity_type, name).skewed
        pop = _prepared(population.get_column(name), skewed)
        if pop.size == 0:
            continue
        centre = float(np.median(pop))
        q1, q3 = np.percentile(pop, [25, 75])
        spread = float(q3 - q1) or float(np.std(pop))
        if spread <= 0:
            continue
        scores[name] = {}
        segments, medians = profiles.get_column("segment_id"), profiles.get_column(name)
        for segment, median in zip(segments, medians, strict=True):
            if median is not None and np.isfinite(median):
                value = float(np.log1p(max(median, 0.0))) if skewed else float(median)
                scores[name][int(segment)] = (value - centre) / spread
    return scores


def _descriptors(
    scores: dict[str, dict[int, float]], segments: list[int], entity_type: EntityType
) -> dict[int, list[str]]:
    """Segment id -> its words, strongest first (|z| > MIN_Z and a word on that side). Intermittent
    demand with uneven sizes is said the planner's way: lumpy; uneven sizes alone go unsaid."""
    scored: dict[int, list[tuple[float, int, str]]] = {segment: [] for segment in segments}
    for rank, (name, (low, high)) in enumerate(VOCABULARY[entity_type].items()):
        for segment, z in scores.get(name, {}).items():
            word = high if z > 0 else low
            if abs(z) > MIN_Z and word:
                scored[segment].append((-abs(z), rank, word))
    words = {segment: [word for _, _, word in sorted(items)] for segment, items in scored.items()}
    for items in words.values():
        if (
            "uneven sizes" in items
        ):  # only meaningful for intermittent demand; otherwise CoV says it
            if "intermittent" in items:
                items[items.index("intermittent")] = "lumpy"
            items.remove("uneven sizes")
    return words


def _tell_apart(
    members: list[int], scores: dict[str, dict[int, float]], entity_type: EntityType
) -> dict[int, str]:
    """Suffixes for segments that got the same words: their order on the feature that separates
    them most, e.g. "(higher revenue)" / "(lower revenue)"; a number when nothing does."""
    spread = {
        name: max(z[m] for m in members) - min(z[m] for m in members)
        for name, z in scores.items()
        if all(m in z for m in members)
    }
    best = max(spread, key=lambda name: (spread[name], name), default=None)
    if best is None or spread[best] <= 0:
        return {m: "" if i == 0 else f" {i + 1}" for i, m in enumerate(members)}
    ordered = sorted(members, key=lambda m: (scores[best][m], m))
    label = feature(entity_type, best).label
    ranks = {2: ["lower", "higher"], 3: ["lowest", "middle", "highest"]}.get(len(ordered))
    return {
        m: f" ({ranks[i]} {label})" if ranks else f" ({label} rank {i + 1} of {len(ordered)})"
        for i, m in enumerate(ordered)
    }


def name_segments(
    profiles: pl.DataFrame, population: pl.DataFrame, entity_type: EntityType
) -> dict[int, str]:
    """Segment id -> a unique human-readable name (see the module docstring).

    `population` is the per-entity feature frame the profiles were computed from (one row per
    entity), since the z needs the population's IQR; a profile-shaped frame is refused.
    """
    if {"segment_id", "entities"} <= set(population.columns) or population.height < 2:
        raise ValueError(
            "population must be the per-entity feature frame (one row per entity, to measure "
            "the spread), not a profile of medians"
        )
    segments = [int(s) for s in profiles.get_column("segment_id")]
    scores = _z_scores(profiles, population, entity_type)
    words = _descriptors(scores, segments, entity_type)
    base = {s: ", ".join(words[s][:MAX_WORDS]) or PLAIN_NAME[entity_type] for s in segments}
    groups: dict[
        frozenset[str], list[int]
    ] = {}  # the same words in another order are the same name
    for segment in sorted(segments):
        groups.setdefault(frozenset(base[segment].split(", ")), []).append(segment)
    names: dict[int, str] = {}
    for members in groups.values():
        suffixes = (
            _tell_apart(members, scores, entity_type) if len(members) > 1 else {members[0]: ""}
        )
        names.update({m: base[m] + suffixes[m] for m in members})
    return names
