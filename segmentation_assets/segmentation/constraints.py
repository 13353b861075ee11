"""Business constraints on a segmentation: every segment big enough to run, and not too many.

A segment is big enough when it holds at least `min_volume_share` of the volume OR at least
`min_entity_share` of the entities, and in any case `min_entities` entities: a long tail of
spare parts holds little volume but many SKUs, and needs a policy of its own, while a segment
of three SKUs is not worth one. A planner also cannot run more than `max_segments` segments.

Rule: while a segment is too small or there are more than `max_segments`, dissolve the most
deficient segment (smallest share relative to its threshold, then fewest entities, then the
higher id) and move each member to the nearest remaining segment centroid (transformed space).
Never dissolve below `min_segments`: when the rules cannot be met without going under it, the
remaining segments stay and `unmet` says which rule fails for which segment, so a degenerate
result is reported instead of everything being merged into one. Segments that were not
dissolved keep all their members; the result is renumbered canonically (largest segment 0,
see `candidates.relabel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from segmentation_assets.config import ConstraintsConfig
from segmentation_assets.segmentation.candidates import nearest_centroid, relabel_map

SUMMARY_SCHEMA = {
    "segment_id": pl.Int64,
    "entities": pl.Int64,
    "entity_share": pl.Float64,
    "volume": pl.Float64,
    "volume_share": pl.Float64,
}


@dataclass(frozen=True, eq=False)  # holds arrays / frames: compare fields explicitly
class ConstraintOutcome:
    labels: np.ndarray  # canonical 0..m-1
    before: pl.DataFrame  # SUMMARY_SCHEMA of the input segmentation
    after: pl.DataFrame  # the same after enforcement
    actions: list[str]  # plain sentences, in the order applied
    kept: dict[int, int] = field(default_factory=dict)  # surviving input id -> output id
    unmet: list[str] = field(default_factory=list)  # rules still broken, one sentence each


def _summary(labels: np.ndarray, volume: np.ndarray) -> pl.DataFrame:
    total, n = float(volume.sum()), labels.shape[0]
    rows = []
    for segment in np.unique(labels):
        members = labels == segment
        seg_volume = float(volume[members].sum())
        entity_share = members.sum() / n
        share = seg_volume / total if total > 0 else entity_share  # no volume: count entities
        rows.append((int(segment), int(members.sum()), entity_share, seg_volume, share))
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")


def _entities(count: int) -> str:
    return f"{count} entity" if count == 1 else f"{count} entities"


def _share_text(share: float) -> str:
    return f"{share:.1%}" if share >= 0.001 or share == 0 else f"{share:.3%}"


def _coverage(row: dict, rules: ConstraintsConfig) -> float:
    """How far a segment goes towards the nearer of its share thresholds (>= 1: big enough).

    A threshold of None is a rule turned off; with both off, every segment is big enough.
    """
    pairs = [
        (row["volume_share"], rules.min_volume_share),
        (row["entity_share"], rules.min_entity_share),
    ]
    ratios = [
        share / minimum if minimum > 0 else np.inf
        for share, minimum in pairs
        if minimum is not None
    ]
    return max(ratios) if ratios else np.inf


def _too_small(row: dict, rules: ConstraintsConfig) -> str | None:
    """Why a segment (a summary row) is too small to keep, or None when it is big enough."""
    if row["entities"] < rules.min_entities:
        return f"below the minimum of {rules.min_entities} entities"
    if _coverage(row, rules) >= 1:
        return None
    limits = [
        f"{_share_text(minimum)} of {what}"
        for minimum, what in (
            (rules.min_volume_share, "volume"),
            (rules.min_entity_share, "entities"),
        )
        if minimum is not None
    ]
    return "below " + " and ".join(limits)


def _deficit_order(summary: pl.DataFrame, rules: ConstraintsConfig) -> list[dict]:
    """Segments, most deficient first: too small before big enough, then by coverage."""

    def key(row: dict) -> tuple:
        too_small = _too_small(row, rules) is not None
        return (not too_small, _coverage(row, rules), row["entities"], -row["segment_id"])

    return sorted(summary.iter_rows(named=True), key=key)


def _dissolve(current: np.ndarray, values: np.ndarray, victim: int) -> tuple[np.ndarray, str]:
    """Move the victim's members to their nearest remaining segment; returns where they went."""
    members = current == victim
    remaining = [int(s) for s in np.unique(current) if s != victim]
    centroids = np.array([values[current == s].mean(axis=0) for s in remaining])
    targets = np.array(remaining)[nearest_centroid(values[members], centroids)]
    current[members] = targets
    moved = ", ".join(
        f"{int(c)} to segment {int(t)}"
        for t, c in zip(*np.unique(targets, return_counts=True), strict=True)
    )
    return current, moved


def _check_inputs(labels: np.ndarray, values: np.ndarray, volume: np.ndarray) -> None:
    n = labels.shape[0]
    if values.shape[0] != n or volume.shape[0] != n:
        raise ValueError(
            f"labels ({n}), values ({values.shape[0]}) and volume ({volume.shape[0]}) "
            "differ in length"
        )
    if n == 0:
        raise ValueError("no entities to constrain")
    if not np.isfinite(volume).all() or (volume < 0).any():
        raise ValueError("volume must be finite and non-negative")
    if (labels < 0).any():
        raise ValueError("every entity needs a segment (assign noise before enforcing constraints)")


def enforce_constraints(
    labels: np.ndarray, values: np.ndarray, volume: np.ndarray, rules: ConstraintsConfig
) -> ConstraintOutcome:
    """Dissolve segments until every one is big enough and there are at most `max_segments`,
    never going below `min_segments` (see the module docstring)."""
    labels = np.asarray(labels).astype(np.int64)
    values = np.asarray(values, dtype=np.float64)
    volume = np.asarray(volume, dtype=np.float64)
    _check_inputs(labels, values, volume)
    actions: list[str] = []
    if float(volume.sum()) <= 0:
        actions.append("total volume is 0, so volume shares are shares of entities")
    before = _summary(labels, volume)

    current = labels.copy()
    blocked = False  # stopped at min_segments with a rule still broken
    while True:
        summary = _summary(current, volume)
        ordered = _deficit_order(summary, rules)
        victim = ordered[0]
        why = _too_small(victim, rules)
        if why is None and summary.height > rules.max_segments:
            why = f"{summary.height} segments exceed the maximum of {rules.max_segments}"
        if why is None:
            break
        if summary.height <= rules.min_segments:
            blocked = True
            break
        current, moved = _dissolve(current, values, int(victim["segment_id"]))
        actions.append(
            f"segment {victim['segment_id']} ({_share_text(victim['volume_share'])} of volume, "
            f"{_entities(victim['entities'])}) dissolved ({why}): members reassigned to their "
            f"nearest remaining segment ({moved})"
        )

    mapping = relabel_map(current, values)
    olds = np.array(sorted(mapping), dtype=np.int64)
    final = np.array([mapping[int(o)] for o in olds], dtype=np.int64)[
        np.searchsorted(olds, current)
    ]
    if any(old != new for old, new in mapping.items()):
        renumbered = ", ".join(f"{old}->{new}" for old, new in sorted(mapping.items()))
        actions.append(f"remaining segments renumbered by size (largest first): {renumbered}")
    after = _summary(final, volume)
    unmet = _unmet(after, rules) if blocked else []
    return ConstraintOutcome(final, before, after, actions + unmet, mapping, unmet)


def _unmet(summary: pl.DataFrame, rules: ConstraintsConfig) -> list[str]:
    return [
        f"segment {row['segment_id']} ({_entities(row['entities'])}, "
        f"{_share_text(row['volume_share'])} of volume) is {reason}, kept because dissolving "
        f"it would leave fewer than {rules.min_segments} segments"
        for row in _deficit_order(summary, rules)
        if (reason := _too_small(row, rules)) is not None
    ]
