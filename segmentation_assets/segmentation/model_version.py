"""Turn a fitted segmentation into a registry version: id, parameters, metrics and artifacts.

The id hashes the feature snapshot (and the rolling windows it was validated on), the whole
validated config and the code version, so the same inputs give the same id and any change to
one of them gives a new one.
"""

from __future__ import annotations

import pickle
from datetime import datetime

import duckdb
import polars as pl

from segmentation_assets.config import SegmentationConfig
from segmentation_assets.features.catalog import feature
from segmentation_assets.segmentation import plots
from segmentation_assets.segmentation.engine import Segmentation
from segmentation_assets.segmentation.registry import (
    ModelVersion,
    code_version,
    data_snapshot,
    register_version,
    to_json,
    version_id,
)


def snapshot_of(segmentation: Segmentation, window_frames: pl.DataFrame | None) -> str:
    """One hash over the features the model was fitted on and the windows it was validated on."""
    parts = [data_snapshot(segmentation.features)]
    if window_frames is not None and window_frames.height:
        parts.append(data_snapshot(window_frames))
    return "+".join(parts)


def build_version(
    segmentation: Segmentation,
    config: SegmentationConfig,
    snapshot: str,
    created_at: datetime | None = None,
) -> ModelVersion:
    config_json = to_json(config.model_dump(mode="json"))
    code = code_version()
    chosen = segmentation.model.chosen
    scores = segmentation.model.scores
    return ModelVersion(
        model_version=version_id(segmentation.entity_type, snapshot, config_json, code),
        entity_type=segmentation.entity_type,
        algorithm=chosen.algorithm,
        k=int(segmentation.model.labels.max()) + 1,
        params=chosen.params
        | {
            "k_before_constraints": chosen.k,
            "weights": dict(
                zip(
                    segmentation.model.matrix.names,
                    segmentation.model.matrix.weights.tolist(),
                    strict=True,
                )
            ),
        },
        features=segmentation.model.matrix.names,
        metrics=segmentation.metrics
        | {
            "candidates": scores.to_dicts(),
            "constraint_actions": segmentation.model.constraints.actions,
            "segment_names": {str(k): v for k, v in segmentation.segment_names.items()},
            "dropped_features": segmentation.model.matrix.dropped,
        },
        config=config_json,
        data_snapshot=snapshot,
        code_version=code,
        created_at=created_at,
        gate_reasons=list(segmentation.gate_failures),
    )


def _scatter(segmentation: Segmentation) -> bytes:
    """Segments on the two criteria that explain them best (global shap importance)."""
    top = segmentation.explanations.global_importance["feature"].head(2).to_list()
    names = segmentation.model.matrix.names
    x, y = (top + names)[:2] if len(top) >= 2 else (names + names)[:2]
    raw = segmentation.model.matrix.raw
    fx, fy = feature(segmentation.entity_type, x), feature(segmentation.entity_type, y)
    return plots.segment_scatter(
        raw[:, names.index(x)],
        raw[:, names.index(y)],
        segmentation.model.labels,
        segmentation.segment_names,
        fx.label,
        fy.label,
        fx.skewed,
        fy.skewed,
    )


def model_figures(segmentation: Segmentation) -> dict[str, bytes]:
    """The model's plots as PNG, rendered once for the asset's metadata and registry artifacts.

    `migration_matrix` only when there were rolling windows to migrate between.
    """
    model = segmentation.model
    figures = {
        "segment_sizes": plots.segment_sizes(model.constraints.before, model.constraints.after),
        "segment_scatter": _scatter(segmentation),
        "global_importance": plots.importance_bar(segmentation.explanations.global_importance),
    }
    if segmentation.stability.migration.height:
        figures["migration_matrix"] = plots.migration_heatmap(segmentation.stability.migration)
    return figures


def artifacts_of(
    segmentation: Segmentation, figures: dict[str, bytes]
) -> dict[str, tuple[str, bytes]]:
    """What an auditor needs to reproduce or inspect the model beyond its rows."""
    explanation = segmentation.explanations
    return {
        "model.pickle": ("application/python-pickle", pickle.dumps(segmentation.model)),
        "decision_rules.txt": ("text/plain", explanation.tree_rules.encode()),
        "global_importance.png": ("image/png", figures["global_importance"]),
        "segment_sizes.png": ("image/png", figures["segment_sizes"]),
        "stability_windows.csv": ("text/csv", segmentation.stability.windows.write_csv().encode()),
        "migration.csv": ("text/csv", segmentation.stability.migration.write_csv().encode()),
        "profiles.csv": ("text/csv", segmentation.profiles.write_csv().encode()),
    }


def register_segmentation(
    connection: duckdb.DuckDBPyConnection,
    segmentation: Segmentation,
    config: SegmentationConfig,
    window_frames: pl.DataFrame | None,
    figures: dict[str, bytes],
    created_at: datetime | None = None,
) -> tuple[str, bool]:
    """Register (or re-register) the version, current when it passed the quality gate;
    returns (id, is_new)."""
    version = build_version(
        segmentation, config, snapshot_of(segmentation, window_frames), created_at
    )
    explanations = segmentation.explanations.entities
    is_new = register_version(
        connection,
        version,
        segmentation.assignments,
        explanations,
        artifacts_of(segmentation, figures),
    )
    return version.model_version, is_new


def baseline_version(
    baseline: pl.DataFrame,
    entity_type: str,
    config: SegmentationConfig,
    reasons: list[str],
    created_at: datetime | None = None,
) -> tuple[ModelVersion, pl.DataFrame, pl.DataFrame]:
    """The rule baseline as a registry version, with its assignments and explanations.

    Served when the first fit on a warehouse fails the quality gate: the planner's nine-cell
    rule is a known, checkable segmentation, better than none and better than a degenerate one.
    """
    cells = sorted(baseline["baseline_segment"].unique().to_list())
    ids = {cell: index for index, cell in enumerate(cells)}
    assignments = baseline.select(
        pl.col("entity_id").cast(pl.String),
        pl.col("baseline_segment").replace_strict(ids, return_dtype=pl.Int64).alias("segment_id"),
        pl.col("baseline_name").alias("segment_name"),
        pl.lit(False).alias("is_noise"),
    )
    explanations = assignments.select(
        "entity_id",
        "segment_id",
        "segment_name",
        (pl.lit("rule baseline: ") + pl.col("segment_name")).alias("explanation"),
    )
    config_json = to_json(config.model_dump(mode="json"))
    snapshot = data_snapshot(baseline)
    code = code_version()
    version = ModelVersion(
        model_version=version_id(f"{entity_type}-baseline", snapshot, config_json, code),
        entity_type=entity_type,
        algorithm="rule_baseline",
        k=len(cells),
        params={"cells": ids},
        features=[c for c in baseline.columns if c.endswith("_class")],
        metrics={"served_because": reasons},
        config=config_json,
        data_snapshot=snapshot,
        code_version=code,
        created_at=created_at,
    )
    return version, assignments, explanations


def serve_baseline(
    connection: duckdb.DuckDBPyConnection,
    baseline: pl.DataFrame,
    entity_type: str,
    config: SegmentationConfig,
    reasons: list[str],
    created_at: datetime | None = None,
) -> str:
    """Register the rule baseline and put it into service; returns its version id."""
    version, assignments, explanations = baseline_version(
        baseline, entity_type, config, reasons, created_at
    )
    artifacts = {"baseline.csv": ("text/csv", baseline.write_csv().encode())}
    register_version(connection, version, assignments, explanations, artifacts)
    return version.model_version
