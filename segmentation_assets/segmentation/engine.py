"""From one entity type's feature table to a constrained, named, validated and explained
segmentation, ready to register as a model version.

Order of the steps: transform the configured criteria; fit every candidate (K-means and Ward
over the k range, HDBSCAN); score them (separation, subsample stability, fewer segments) or
take the config's pin; enforce the volume-share and segment-count constraints; name the
segments from their profiles; check stability out of sample (rolling windows) and by
bootstrap; explain with a surrogate model. New rows (another window, a changed entity) are
assigned to the nearest final segment centroid, so what is validated is what is served.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from sklearn.metrics import adjusted_rand_score

from segmentation_assets.config import SegmentationConfig, SegmentationSection
from segmentation_assets.features.catalog import ID_COLUMNS, EntityType
from segmentation_assets.segmentation.candidates import (
    FittedSegmentation,
    fit_candidate,
    fit_candidates,
    nearest_centroid,
    segment_centroids,
)
from segmentation_assets.segmentation.constraints import ConstraintOutcome, enforce_constraints
from segmentation_assets.segmentation.explanations import Explanations, explain_segments
from segmentation_assets.segmentation.gate import quality_gate
from segmentation_assets.segmentation.matrix import FeatureMatrix, build_feature_matrix
from segmentation_assets.segmentation.naming import name_segments, segment_profiles
from segmentation_assets.segmentation.selection import (
    choose_candidate,
    constrain_candidates,
    score_candidates,
    separation,
    subsample_stability,
)
from segmentation_assets.segmentation.stability import (
    MIGRATION_SCHEMA,
    WINDOW_SCHEMA,
    Stability,
    bootstrap_stability,
    rolling_stability,
)

VOLUME_COLUMNS = {
    "units": "total_units",
    "revenue": "total_revenue",
    "order_lines": "total_order_lines",
}


def with_entity_id(features: pl.DataFrame, entity_type: EntityType) -> pl.DataFrame:
    """The features with `entity_id`, the one key assignments use (composite ids joined by '|')."""
    columns = ID_COLUMNS[entity_type]
    if len(columns) == 1:
        return features.with_columns(pl.col(columns[0]).cast(pl.Utf8).alias("entity_id"))
    return features.with_columns(
        pl.concat_str([pl.col(c).cast(pl.Utf8) for c in columns], separator="|").alias("entity_id")
    )


def volume(features: pl.DataFrame, measure: str) -> np.ndarray:
    """Each entity's volume for the minimum-share constraint (negative and missing count as 0)."""
    if measure == "entities":
        return np.ones(features.height)
    return (
        features[VOLUME_COLUMNS[measure]]
        .cast(pl.Float64)
        .fill_null(0.0)
        .clip(lower_bound=0.0)
        .to_numpy()
    )


@dataclass(frozen=True)
class FittedModel:
    """The chosen segmentation after constraints; assigns new rows to the nearest final centroid."""

    entity_type: EntityType
    matrix: FeatureMatrix
    chosen: FittedSegmentation
    scores: pl.DataFrame
    constraints: ConstraintOutcome
    labels: np.ndarray
    is_noise: np.ndarray
    centroids: np.ndarray

    def predict(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(segment, is_noise) of rows already in this model's transformed space."""
        return nearest_centroid(values, self.centroids).astype(np.int64), np.zeros(
            len(values), dtype=bool
        )

    def assign(self, features: pl.DataFrame) -> np.ndarray:
        return self.predict(self.matrix.transform_frame(features))[0]


def _constrained(
    like: FittedModel | None,
    entity_type: EntityType,
    matrix: FeatureMatrix,
    values: np.ndarray,
    volumes: np.ndarray,
    scores: pl.DataFrame,
    config: SegmentationSection,
) -> FittedModel:
    """Fit on `values` (the chosen algorithm and k of `like`, or every candidate when `like` is
    None), then enforce the volume-share and segment-count constraints."""
    if like is None:
        candidates = fit_candidates(values, config.candidates, config.seed)
        outcomes = constrain_candidates(values, candidates, volumes, config.constraints)
        stability = [
            subsample_stability(values, c, config.seed) if c.k >= 2 else 0.0 for c in candidates
        ]
        scores = score_candidates(
            values,
            candidates,
            outcomes,
            stability,
            config.candidates.min_stability,
            config.constraints,
            config.seed,
        )
        index = choose_candidate(scores, config.pin)
        chosen, outcome = candidates[index], outcomes[index]
    else:
        chosen = fit_candidate(
            like.chosen.algorithm,
            values,
            like.chosen.k,
            config.seed,
            config.candidates.hdbscan_min_cluster_share,
        )
        outcome = enforce_constraints(chosen.labels, values, volumes, config.constraints)
    centroids = segment_centroids(outcome.labels, values, int(outcome.labels.max()) + 1)
    return FittedModel(
        entity_type, matrix, chosen, scores, outcome, outcome.labels, chosen.is_noise, centroids
    )


def fit_model(
    features: pl.DataFrame, entity_type: EntityType, config: SegmentationSection
) -> FittedModel:
    """Fit every candidate, score, choose (or honour the pin) and enforce the constraints."""
    matrix = build_feature_matrix(features, "entity_id", config.criteria(entity_type), entity_type)
    volumes = volume(features, config.constraints.volume_measure)
    return _constrained(None, entity_type, matrix, matrix.values, volumes, pl.DataFrame(), config)


def refit(features: pl.DataFrame, like: FittedModel, config: SegmentationSection) -> FittedModel:
    """The same algorithm and k as `like`, fitted on another window's entities."""
    matrix = build_feature_matrix(
        features, "entity_id", config.criteria(like.entity_type), like.entity_type
    )
    volumes = volume(features, config.constraints.volume_measure)
    return _constrained(like, like.entity_type, matrix, matrix.values, volumes, like.scores, config)


def out_of_sample(
    model: FittedModel, window_frames: pl.DataFrame | None, config: SegmentationSection
) -> tuple[pl.DataFrame, float | None, pl.DataFrame, str]:
    """Rolling windows: the model refitted on each window assigns the next (see `stability`)."""
    if window_frames is None or window_frames.height == 0 or "window" not in window_frames.columns:
        return (
            pl.DataFrame(schema=WINDOW_SCHEMA),
            None,
            pl.DataFrame(schema=MIGRATION_SCHEMA),
            "no rolling windows: the history is too short for the configured windows",
        )
    labels = window_frames["window"].unique(maintain_order=True).to_list()
    frames = [
        (label, with_entity_id(window_frames.filter(pl.col("window") == label), model.entity_type))
        for label in labels
    ]

    def refit_window(frame: pl.DataFrame) -> tuple[FeatureMatrix, FittedModel]:
        fitted = refit(frame, model, config)
        return fitted.matrix, fitted

    windows, mean, migration = rolling_stability(frames, "entity_id", refit_window)
    return windows, (mean if np.isfinite(mean) else None), migration, ""


@dataclass(frozen=True)
class Segmentation:
    """Everything one fit produced, for the registry and for the asset's metadata."""

    entity_type: EntityType
    features: pl.DataFrame  # the feature table with an `entity_id` column, in model row order
    model: FittedModel
    segment_names: dict[int, str]
    profiles: pl.DataFrame
    stability: Stability
    explanations: Explanations
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    gate_failures: list[str] = field(default_factory=list)  # empty: fit to go into service

    @property
    def assignments(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "entity_type": [self.entity_type] * self.features.height,
                "entity_id": self.features["entity_id"],
                "segment_id": self.model.labels.astype(np.int64),
                "segment_name": [self.segment_names[int(s)] for s in self.model.labels],
                "is_noise": self.model.is_noise.astype(bool),
            }
        )


def _separation(
    values: np.ndarray, labels: np.ndarray, seed: int
) -> tuple[float | None, float | None]:
    """Silhouette and Davies-Bouldin for the metrics; None where undefined (a single segment)."""
    if len(np.unique(labels)) < 2 or len(labels) < 3:
        return None, None
    return tuple(None if np.isnan(v) else v for v in separation(values, labels, seed))


def baseline_comparison(
    model: FittedModel, features: pl.DataFrame, baseline: pl.DataFrame | None, seed: int
) -> dict:
    """How the model compares with the rule baseline on the same features: separation and
    agreement."""
    if baseline is None or baseline.height == 0:
        return {}
    cells = features.select("entity_id").join(
        baseline.select("entity_id", "baseline_segment"), on="entity_id", how="left"
    )
    codes = (
        cells["baseline_segment"]
        .fill_null("unclassified")
        .cast(pl.Categorical)
        .to_physical()
        .to_numpy()
    )
    silhouette, davies_bouldin = _separation(model.matrix.values, codes, seed)
    return {
        "baseline_segments": int(len(np.unique(codes))),
        "baseline_silhouette": silhouette,
        "baseline_davies_bouldin": davies_bouldin,
        "adjusted_rand_vs_baseline": float(adjusted_rand_score(codes, model.labels)),
    }


def segment_entities(
    features: pl.DataFrame,
    entity_type: EntityType,
    config: SegmentationConfig,
    window_frames: pl.DataFrame | None = None,
    baseline: pl.DataFrame | None = None,
) -> Segmentation:
    """The whole engine for one entity type (see the module docstring for the order of steps)."""
    section = config.segmentation
    features = with_entity_id(features, entity_type).sort("entity_id")
    model = fit_model(features, entity_type, section)
    profiles = segment_profiles(features, model.labels, model.matrix.names)
    names = name_segments(profiles, features, entity_type)
    windows, mean_ari, migration, note = out_of_sample(model, window_frames, section)
    volumes = volume(features, section.constraints.volume_measure)

    def fit_sample(rows: np.ndarray) -> FittedModel:
        return _constrained(
            model,
            entity_type,
            model.matrix,
            model.matrix.values[rows],
            volumes[rows],
            model.scores,
            section,
        )

    bootstrap = bootstrap_stability(
        model.matrix.values,
        model.labels,
        fit_sample,
        section.stability.bootstrap_samples,
        section.seed,
        fit_rows=True,
    )
    stability = Stability(windows, mean_ari, migration, bootstrap, note)
    explanations = explain_segments(
        features["entity_id"].to_list(),
        model.matrix.raw,
        model.matrix.names,
        model.labels,
        names,
        entity_type,
        section.seed,
        section.explanations.top_drivers,
        section.explanations.tree_depth,
    )
    silhouette, davies_bouldin = _separation(model.matrix.values, model.labels, section.seed)
    metrics = {
        "entities": features.height,
        "segments": int(model.labels.max() + 1),
        "segments_before_constraints": int(model.chosen.k),
        "silhouette": silhouette,
        "davies_bouldin": davies_bouldin,
        "mean_adjusted_rand": mean_ari,
        "min_bootstrap_jaccard": float(bootstrap["mean_jaccard"].min())
        if bootstrap.height
        else None,
        "noise_points": int(model.is_noise.sum()),
        "surrogate_accuracy": explanations.surrogate_accuracy,
        "tree_accuracy": explanations.tree_accuracy,
    } | baseline_comparison(model, features, baseline, section.seed)
    gate = quality_gate(model.constraints, stability, section)
    return Segmentation(
        entity_type, features, model, names, profiles, stability, explanations, metrics, gate
    )
