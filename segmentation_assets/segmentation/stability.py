"""Is the segmentation stable enough to plan on? Over time (rolling windows) and under
resampling.

Rolling: for each consecutive pair of windows (i, i+1), the model fitted on window i assigns
window i+1's entities (in window i's feature space); the adjusted Rand index compares that with
the model refitted on window i+1, over window i+1's entities. High ARI = the segmentation the
planner sees next quarter is the one they would have predicted. Migration counts, for entities
present in both windows, how model i's label on window i moves to its assignment on window i+1
(summed over pairs): the same model on new data, so it measures entities changing behaviour.

Bootstrap (Hennig's cluster-wise stability): for each seeded resample with replacement, fit on
the resample, predict all rows; each original segment scores the best Jaccard overlap with any
bootstrap segment; the mean per segment says which segments are real (>= 0.75 stable, <= 0.5
dissolving).

The verdict (`Stability.failures`): the check fails when the mean adjusted Rand index is below
`segmentation.stability.min_adjusted_rand`, when any segment's mean bootstrap Jaccard is below
`min_bootstrap_jaccard`, or when the rolling check could not run (its `note` says why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl
from sklearn.metrics import adjusted_rand_score

from segmentation_assets.config import SegmentationSection
from segmentation_assets.segmentation.candidates import FittedSegmentation
from segmentation_assets.segmentation.matrix import FeatureMatrix

WINDOW_SCHEMA = {
    "fit_window": pl.String,
    "assign_window": pl.String,
    "entities_compared": pl.Int64,
    "adjusted_rand": pl.Float64,
}
MIGRATION_SCHEMA = {"from_segment": pl.Int64, "to_segment": pl.Int64, "entities": pl.Int64}
BOOTSTRAP_SCHEMA = {"segment_id": pl.Int64, "mean_jaccard": pl.Float64, "samples": pl.Int64}


class Refit(Protocol):
    """Fits the chosen algorithm / k on one window's feature frame (provided by the caller)."""

    def __call__(self, features: pl.DataFrame) -> tuple[FeatureMatrix, FittedSegmentation]: ...


@dataclass(frozen=True, eq=False)  # holds frames: compare fields explicitly
class Stability:
    """One segmentation's stability evidence, and the rules that decide whether it passes."""

    windows: pl.DataFrame  # fit_window, assign_window, entities_compared, adjusted_rand
    mean_adjusted_rand: float | None  # None when no window pair could be compared
    migration: pl.DataFrame  # from_segment, to_segment, entities
    bootstrap: pl.DataFrame  # segment_id, mean_jaccard, samples
    note: str = ""  # why the rolling check could not run (a failure in itself), else ""

    def failures(self, config: SegmentationSection, windows_required: bool = True) -> list[str]:
        """Why the model is not stable enough, in words; empty when it passes.

        Without `windows_required`, a history too short for rolling windows is not a failure
        by itself: the bootstrap then carries the evidence alone.
        """
        rules = config.stability
        problems = [self.note] if self.note and windows_required else []
        if (
            self.mean_adjusted_rand is not None
            and self.mean_adjusted_rand < rules.min_adjusted_rand
        ):
            problems.append(
                f"mean out-of-sample adjusted Rand index {self.mean_adjusted_rand:.2f} "
                f"is below {rules.min_adjusted_rand}"
            )
        weak = (
            self.bootstrap.filter(pl.col("mean_jaccard") < rules.min_bootstrap_jaccard)
            if self.bootstrap.height
            else self.bootstrap
        )
        for row in weak.iter_rows(named=True):
            problems.append(
                f"segment {row['segment_id']} bootstrap Jaccard {row['mean_jaccard']:.2f} "
                f"is below {rules.min_bootstrap_jaccard}"
            )
        return problems


def rolling_stability(
    window_features: list[tuple[str, pl.DataFrame]], id_column: str, refit: Refit
) -> tuple[pl.DataFrame, float, pl.DataFrame]:
    """(windows, mean adjusted Rand, migration) over consecutive window pairs.

    The mean is NaN with fewer than 2 windows. `refit` is called once per window; its
    FeatureMatrix ids must be the frame's `id_column` as text.
    """
    fitted = [(label, frame, *refit(frame)) for label, frame in window_features]
    rows: list[tuple[str, str, int, float]] = []
    moves: dict[tuple[int, int], int] = {}
    pairs = zip(fitted, fitted[1:], strict=False)  # each window with the next
    for (label_i, _, matrix_i, model_i), (label_j, frame_j, matrix_j, model_j) in pairs:
        assigned, _ = model_i.predict(matrix_i.transform_frame(frame_j))
        ids_j = [str(value) for value in frame_j.get_column(id_column).to_list()]
        assigned_by_id = dict(zip(ids_j, assigned.tolist(), strict=True))
        refit_by_id = dict(zip(matrix_j.ids, model_j.labels.tolist(), strict=True))
        common = [entity for entity in ids_j if entity in refit_by_id]
        ari = (
            float(
                adjusted_rand_score(
                    [assigned_by_id[e] for e in common], [refit_by_id[e] for e in common]
                )
            )
            if common
            else float("nan")
        )
        rows.append((label_i, label_j, len(common), ari))
        for entity, before in zip(matrix_i.ids, model_i.labels.tolist(), strict=True):
            after = assigned_by_id.get(entity)
            if after is not None:
                moves[(int(before), int(after))] = moves.get((int(before), int(after)), 0) + 1
    windows = (
        pl.DataFrame(rows, schema=WINDOW_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=WINDOW_SCHEMA)
    )
    finite = [ari for *_, ari in rows if np.isfinite(ari)]
    mean = float(np.mean(finite)) if finite else float("nan")
    migration = (
        pl.DataFrame(
            [(a, b, c) for (a, b), c in sorted(moves.items())],
            schema=MIGRATION_SCHEMA,
            orient="row",
        )
        if moves
        else pl.DataFrame(schema=MIGRATION_SCHEMA)
    )
    return windows, mean, migration


def _best_jaccard(labels: np.ndarray, predicted: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """For each original segment, the best Jaccard overlap with any predicted segment."""
    targets = np.unique(predicted)
    t_index = np.searchsorted(targets, predicted)
    s_index = np.searchsorted(segments, labels)
    table = np.zeros((len(segments), len(targets)), dtype=np.int64)
    np.add.at(table, (s_index, t_index), 1)
    union = table.sum(axis=1)[:, None] + table.sum(axis=0)[None, :] - table
    return (table / union).max(axis=1)


def bootstrap_stability(
    values: np.ndarray,
    labels: np.ndarray,
    fit: Callable[[np.ndarray], FittedSegmentation],
    samples: int,
    seed: int,
    fit_rows: bool = False,
) -> pl.DataFrame:
    """segment_id, mean_jaccard, samples: Hennig's cluster-wise bootstrap stability per segment.

    `fit` gets the resampled rows' values, or their row indices when `fit_rows` is set (for a
    fit that needs more than the values, such as the volumes the constraints weigh)."""
    values = np.asarray(values, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    n = values.shape[0]
    segments = np.unique(labels)
    rng = np.random.default_rng(seed)
    totals = np.zeros(len(segments))
    for _ in range(samples):
        rows = rng.integers(0, n, size=n)
        predicted, _ = (fit(rows) if fit_rows else fit(values[rows])).predict(values)
        totals += _best_jaccard(labels, np.asarray(predicted), segments)
    means = totals / samples if samples > 0 else np.full(len(segments), np.nan)
    return pl.DataFrame(
        {"segment_id": segments, "mean_jaccard": means, "samples": np.full(len(segments), samples)},
        schema=BOOTSTRAP_SCHEMA,
    )
