"""Business constraints on a segmentation: every segment carries enough volume, and not too many.

A segment with 1% of the volume is not worth its own planning policy, and a planner cannot run
twenty. Rule: repeatedly take the segment with the smallest volume share (ties: fewer entities,
then the higher segment id); if its share is below `min_share`, or there are more than
`max_segments` segments, dissolve it and move each member to the nearest remaining segment
centroid (transformed space); recompute centroids and shares; stop when every segment holds at
least `min_share` and there are at most `max_segments`. Each step removes one segment and a
single segment holds 100% (min_share < 0.5, max_segments >= 1), so it always terminates with
both constraints met. When the total volume is 0, shares are entity-count shares (stated in
the actions). Segments that were not dissolved keep all their members; the result is
renumbered canonically (largest segment 0, see `candidates.relabel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from segmentation_assets.segmentation.candidates import nearest_centroid, relabel_map

SUMMARY_SCHEMA = {
    "segment_id": pl.Int64,
    "entities": pl.Int64,
    "volume": pl.Float64,
    "volume_share": pl.Float64,
}


@dataclass(frozen=True, eq=False)  # holds arrays / frames: compare fields explicitly
class ConstraintOutcome:
    labels: np.ndarray  # canonical 0..m-1
    before: pl.DataFrame  # segment_id, entities, volume, volume_share (input segmentation)
    after: pl.DataFrame  # same columns after enforcement
    actions: list[str]  # plain sentences, in the order applied
    kept: dict[int, int] = field(
        default_factory=dict
    )  # surviving input segment id -> output segment id


def _summary(labels: np.ndarray, volume: np.ndarray) -> pl.DataFrame:
    ids = np.unique(labels)
    total = float(volume.sum())
    rows = []
    for segment in ids:
        members = labels == segment
        seg_volume = float(volume[members].sum())
        rows.append(
            (int(segment), int(members.sum()), seg_volume, seg_volume / total if total > 0 else 0.0)
        )
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")


def _entities(count: int) -> str:
    return f"{count} entity" if count == 1 else f"{count} entities"


def _share_text(share: float) -> str:
    return f"{share:.1%}" if share >= 0.001 or share == 0 else f"{share:.3%}"


def enforce_constraints(
    labels: np.ndarray, values: np.ndarray, volume: np.ndarray, min_share: float, max_segments: int
) -> ConstraintOutcome:
    """Dissolve segments until all hold >= `min_share` of the volume and at most `max_segments`."""
    labels = np.asarray(labels).astype(np.int64)
    values = np.asarray(values, dtype=np.float64)
    volume = np.asarray(volume, dtype=np.float64)
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
    if not 0 <= min_share < 0.5 or max_segments < 1:
        raise ValueError(
            f"need 0 <= min_share < 0.5 and max_segments >= 1; got {min_share}, {max_segments}"
        )

    actions: list[str] = []
    by_count = float(volume.sum()) <= 0
    weight = np.ones(n) if by_count else volume
    unit = "of entities" if by_count else "of volume"
    if by_count:
        actions.append("total volume is 0, so segment shares are shares of entities")
    before = _summary(labels, volume)
    if by_count:
        before = before.with_columns((pl.col("entities") / n).alias("volume_share"))

    current = labels.copy()
    total = float(weight.sum())
    while True:
        segments = np.unique(current)
        if len(segments) == 1:
            break
        sizes = np.array([(current == s).sum() for s in segments])
        shares = np.array([weight[current == s].sum() for s in segments]) / total
        order = sorted(range(len(segments)), key=lambda i: (shares[i], sizes[i], -segments[i]))
        smallest = order[0]
        too_small = shares[smallest] < min_share
        too_many = len(segments) > max_segments
        if not (too_small or too_many):
            break
        victim = int(segments[smallest])
        members = current == victim
        remaining = [int(s) for s in segments if s != victim]
        centroids = np.array([values[current == s].mean(axis=0) for s in remaining])
        targets = np.array(remaining)[nearest_centroid(values[members], centroids)]
        current[members] = targets
        moved = ", ".join(
            f"{int(c)} to segment {int(t)}"
            for t, c in zip(*np.unique(targets, return_counts=True), strict=True)
        )
        why = (
            f"below the minimum share of {_share_text(min_share)}"
            if too_small
            else f"{len(segments)} segments exceed the maximum of {max_segments}"
        )
        actions.append(
            f"segment {victim} ({_share_text(float(shares[smallest]))} {unit}, "
            f"{_entities(int(sizes[smallest]))}) dissolved ({why}): "
            f"members reassigned to their nearest remaining segment ({moved})"
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
    if by_count:
        after = after.with_columns((pl.col("entities") / n).alias("volume_share"))
    return ConstraintOutcome(final, before, after, actions, mapping)
