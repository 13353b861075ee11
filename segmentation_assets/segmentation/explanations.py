"""Why each entity is in its segment, in a planner's words.

A random forest learns raw features -> segment (the surrogate); SHAP values of that forest
name the features that push each entity into its own segment, and a shallow decision tree
turns the whole segmentation into a handful of if-then rules. Raw (unscaled, unlogged)
features are used on purpose: the rules and sentences quote numbers a planner recognises.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from segmentation_assets.features.catalog import EntityType, Feature, feature

# 50 trees of depth 8: exact TreeSHAP on 5,000 entities x 10 features x 8 segments takes ~9-13 s of
# one core; 100 trees doubled that for about 1.5 points of out-of-bag accuracy.
SURROGATE_TREES = 50
SURROGATE_DEPTH = 8
SURROGATE_MIN_LEAF = 5  # fewer, sturdier leaves: same accuracy, SHAP about a third faster
# Exact (path-dependent) TreeSHAP costs ~2-3 ms per row with this forest (the C code holds the GIL,
# so threads do not help); above this many rows per call the Saabas approximation
# (approximate=True, ~100x faster; on 3,000 test entities it shared 87% of the exact top-3
# drivers and the same first driver for 92%) is used instead.
EXACT_SHAP_MAX_ROWS = 10_000

_PLURAL_ENTITY = {
    "product": "products",
    "customer": "customers",
    "product_customer": "product-customer pairs",
}


@dataclass(frozen=True, eq=False)
class Explanations:
    surrogate: (
        object  # RandomForestClassifier fitted on (median-imputed) raw features -> segment id
    )
    surrogate_accuracy: float  # out-of-bag accuracy
    entities: (
        pl.DataFrame
    )  # entity_id, segment_id, segment_name, driver_1..N, explanation, top_drivers
    global_importance: pl.DataFrame  # feature, label, mean_abs_shap (descending)
    tree_rules: str  # shallow decision tree as plain if-then lines
    tree_accuracy: float  # share of entities the rules put in their own segment
    population_median: np.ndarray = field(default_factory=lambda: np.empty(0))  # for explain_rows
    shap_method: str = "exact"  # "exact" (path-dependent TreeSHAP) or "approximate" (Saabas)


def _describe(entity_type: EntityType, name: str) -> Feature:
    """The catalog entry, or a plain stand-in for a feature the catalog does not list."""
    try:
        return feature(entity_type, name)
    except KeyError:
        return Feature(name, name.replace("_", " "))


def format_value(value: float, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    return f"{value:,.{decimals}f}"


def _is_plural(label: str) -> bool:
    """'weekly units are low' but 'demand CoV is high': the head noun decides."""
    words = label.split("(")[0].split()
    if "of" in words:
        words = words[: words.index("of")]
    words = [w for w in words if w not in {"sold", "bought"}]
    head = words[-1] if words else ""
    return head.endswith("s") and not head.endswith("ss")


def _impute(raw: np.ndarray, median: np.ndarray) -> np.ndarray:
    """Missing values (e.g. no forecast yet) take the population median: neutral for the trees."""
    values = np.asarray(raw, dtype=float).copy()
    rows, cols = np.nonzero(np.isnan(values))
    values[rows, cols] = median[cols]
    return values


def _population_median(raw: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing column
        median = np.nanmedian(np.asarray(raw, dtype=float), axis=0)
    return np.nan_to_num(median, nan=0.0)


def _own_class_shap(
    surrogate: RandomForestClassifier, values: np.ndarray, segment_ids: np.ndarray
) -> tuple[np.ndarray, str]:
    """SHAP values (rows x features) of each row's own segment, and which SHAP method gave them.

    shap 0.51 returns (rows, features, classes) for a multiclass forest. A segment the surrogate
    never saw (a new segment in `explain_rows`) is explained as the class the surrogate predicts.
    """
    classes = list(surrogate.classes_)
    if len(classes) < 2 or len(values) == 0:
        return np.zeros_like(values), "none"
    method = "exact" if len(values) <= EXACT_SHAP_MAX_ROWS else "approximate"
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", PendingDeprecationWarning
        )  # shap's colormap setup at import
        import shap
    explainer = shap.TreeExplainer(surrogate)
    raw_shap = explainer.shap_values(
        values, approximate=method == "approximate", check_additivity=False
    )
    stacked = np.stack(raw_shap, axis=-1) if isinstance(raw_shap, list) else np.asarray(raw_shap)
    if stacked.ndim == 2:  # a single output column: contributions towards classes[1]
        stacked = np.stack([-stacked, stacked], axis=-1)
    index = {label: i for i, label in enumerate(classes)}
    predicted = surrogate.predict(values) if len(values) else np.empty(0)
    columns = np.array(
        [
            index.get(label, index[guess])
            for label, guess in zip(segment_ids.tolist(), predicted.tolist(), strict=True)
        ],
        dtype=int,
    )
    return stacked[np.arange(len(values)), :, columns], method


def _top_drivers(contributions: np.ndarray, count: int) -> list[int]:
    """Features pushing most towards the segment, topped up by the largest |value| if too few."""
    order = np.argsort(-contributions, kind="stable")
    chosen = [int(j) for j in order if contributions[j] > 0][:count]
    if len(chosen) < count:
        rest = [
            int(j)
            for j in np.argsort(-np.abs(contributions), kind="stable")
            if int(j) not in chosen
        ]
        chosen += rest[: count - len(chosen)]
    return chosen


def _sentence(
    segment_name: str,
    drivers: list[int],
    row: np.ndarray,
    median: np.ndarray,
    described: list[Feature],
) -> str:
    parts = []
    for j in drivers:
        info, value = described[j], row[j]
        verb = "are" if _is_plural(info.label) else "is"
        if np.isnan(value):
            parts.append(f"{info.label} {verb} missing")
            continue
        level = "high" if value > median[j] else "low" if value < median[j] else "typical"
        parts.append(f"{info.label} {format_value(float(value), info.decimals)} {verb} {level}")
    if not parts:
        return f"in segment '{segment_name}'"
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"in segment '{segment_name}' mainly because {listed}"


def _segment_name(segment_names: dict[int, str], segment_id: int) -> str:
    return segment_names.get(
        int(segment_id), "noise" if segment_id == -1 else f"segment {segment_id}"
    )


def _driver_frame(
    ids,
    segment_ids: np.ndarray,
    segment_names: dict[int, str],
    contributions: np.ndarray,
    raw: np.ndarray,
    median: np.ndarray,
    names: list[str],
    entity_type: EntityType,
    top_drivers: int,
) -> pl.DataFrame:
    described = [_describe(entity_type, name) for name in names]
    count = min(top_drivers, len(names))
    explained = bool(contributions.any())  # False when there is a single segment: nothing separates
    picked = [_top_drivers(contributions[i], count) if explained else [] for i in range(len(ids))]
    seg_names = [_segment_name(segment_names, s) for s in segment_ids.tolist()]
    data: dict[str, list] = {
        "entity_id": [str(i) for i in ids],
        "segment_id": [int(s) for s in segment_ids.tolist()],
        "segment_name": seg_names,
    }
    for position in range(top_drivers):
        data[f"driver_{position + 1}"] = [
            names[p[position]] if position < len(p) else None for p in picked
        ]
    data["explanation"] = [
        _sentence(seg_names[i], picked[i], np.asarray(raw[i], dtype=float), median, described)
        for i in range(len(ids))
    ]
    data["top_drivers"] = [[names[j] for j in p] for p in picked]
    schema = {
        "entity_id": pl.String,
        "segment_id": pl.Int64,
        "segment_name": pl.String,
        **{f"driver_{k + 1}": pl.String for k in range(top_drivers)},
        "explanation": pl.String,
        "top_drivers": pl.List(pl.String),
    }
    return pl.DataFrame(data, schema=schema)


def _bound_text(label: str, low: float | None, high: float | None, decimals: int) -> str:
    """One feature's condition on a rule path, tightest bounds merged: '0.50 < demand CoV <= 1.20'.

    Whole-number features (0 decimals) show thresholds rounded down: the tree splits integers at
    x.5, so '<= 3' and '> 3' say exactly what '<= 3.5' and '> 3.5' say.
    """

    def show(threshold: float) -> str:
        return format_value(math.floor(threshold) if decimals == 0 else threshold, decimals)

    if low is not None and high is not None:
        return f"{show(low)} < {label} <= {show(high)}"
    if low is not None:
        return f"{label} > {show(low)}"
    return f"{label} <= {show(high)}"


def tree_rules_text(
    tree: DecisionTreeClassifier,
    names: list[str],
    segment_names: dict[int, str],
    entity_type: EntityType,
) -> str:
    """Every leaf as 'if <conditions> then '<segment>' (purity% of n entities)', largest first."""
    described = [_describe(entity_type, name) for name in names]
    structure = tree.tree_
    plural = _PLURAL_ENTITY.get(entity_type, "entities")
    lines: list[tuple[int, str]] = []

    def walk(node: int, bounds: dict[int, tuple[float | None, float | None]]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            counts = structure.value[node][0]
            size = int(structure.n_node_samples[node])
            winner = int(np.argmax(counts))
            purity = counts[winner] / counts.sum() if counts.sum() else 0.0
            segment = _segment_name(segment_names, int(tree.classes_[winner]))
            conditions = " and ".join(
                _bound_text(described[j].label, low, high, described[j].decimals)
                for j, (low, high) in bounds.items()
            )
            head = f"if {conditions} then" if conditions else "all"
            lines.append((size, f"{head} '{segment}' ({purity:.0%} of {size:,} {plural})"))
            return
        j, threshold = int(structure.feature[node]), float(structure.threshold[node])
        low, high = bounds.get(j, (None, None))
        walk(left, {**bounds, j: (low, threshold if high is None else min(high, threshold))})
        walk(right, {**bounds, j: (threshold if low is None else max(low, threshold), high)})

    walk(0, {})
    return "\n".join(text for _, text in sorted(lines, key=lambda item: -item[0]))


def explain_segments(
    ids: list[str],
    raw: np.ndarray,
    names: list[str],
    labels: np.ndarray,
    segment_names: dict[int, str],
    entity_type: EntityType,
    seed: int,
    top_drivers: int = 3,
    tree_depth: int = 3,
) -> Explanations:
    """Fit the surrogate forest and the rule tree on raw features, explain every entity."""
    labels = np.asarray(labels).astype(int)
    median = _population_median(raw)
    values = _impute(raw, median)
    surrogate = RandomForestClassifier(
        n_estimators=SURROGATE_TREES,
        max_depth=SURROGATE_DEPTH,
        min_samples_leaf=SURROGATE_MIN_LEAF,
        oob_score=True,
        random_state=seed,
        n_jobs=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tiny inputs: some rows never out of bag
        surrogate.fit(values, labels)
    surrogate_accuracy = (
        float(surrogate.oob_score_) if np.isfinite(surrogate.oob_score_) else float("nan")
    )
    contributions, method = _own_class_shap(surrogate, values, labels)
    entities = _driver_frame(
        ids,
        labels,
        segment_names,
        contributions,
        np.asarray(raw, dtype=float),
        median,
        names,
        entity_type,
        top_drivers,
    )
    mean_abs = np.abs(contributions).mean(axis=0) if len(contributions) else np.zeros(len(names))
    global_importance = pl.DataFrame(
        {
            "feature": names,
            "label": [_describe(entity_type, name).label for name in names],
            "mean_abs_shap": mean_abs.astype(float),
        }
    ).sort("mean_abs_shap", descending=True, maintain_order=True)
    tree = DecisionTreeClassifier(max_depth=tree_depth, random_state=seed).fit(values, labels)
    return Explanations(
        surrogate=surrogate,
        surrogate_accuracy=surrogate_accuracy,
        entities=entities,
        global_importance=global_importance,
        tree_rules=tree_rules_text(tree, names, segment_names, entity_type),
        tree_accuracy=float(tree.score(values, labels)),
        population_median=median,
        shap_method=method,
    )


def explain_rows(
    explanations: Explanations,
    ids,
    raw: np.ndarray,
    names: list[str],
    segment_ids: np.ndarray,
    segment_names: dict[int, str],
    entity_type: EntityType,
    population_median: np.ndarray,
    top_drivers: int = 3,
) -> pl.DataFrame:
    """Drivers for some rows (e.g. an entity that changed segment) with the fitted surrogate.

    `raw` must have the same feature columns, in the same order, as the surrogate was fitted on;
    high/low is judged against `population_median` (usually `explanations.population_median`).
    """
    median = np.asarray(population_median, dtype=float)
    values = _impute(np.atleast_2d(np.asarray(raw, dtype=float)), median)
    segment_ids = np.asarray(segment_ids).astype(int)
    contributions, _ = _own_class_shap(explanations.surrogate, values, segment_ids)
    return _driver_frame(
        ids,
        segment_ids,
        segment_names,
        contributions,
        np.atleast_2d(np.asarray(raw, dtype=float)),
        median,
        names,
        entity_type,
        top_drivers,
    )
