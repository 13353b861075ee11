"""Segment assets: the rule baselines, and the fitted segmentations registered as model
versions (assignments, explanations, candidate scores), with the stability checks.

Thin: read the feature tables, call the engine, register, describe with tables and plots."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets.config import SegmentationConfig
from segmentation_assets.defs.resources import SegmentationSettings
from segmentation_assets.features.catalog import ID_COLUMNS, EntityType, labels
from segmentation_assets.orchestration.asset_attributes import table_spec, warehouse_assets
from segmentation_assets.orchestration.metadata import markdown_table, plot, table_metadata
from segmentation_assets.orchestration.warehouse_io import read_tables, write_tables
from segmentation_assets.segmentation import plots
from segmentation_assets.segmentation.baseline import baseline_matrix, baseline_segments
from segmentation_assets.segmentation.engine import Segmentation, segment_entities
from segmentation_assets.segmentation.model_version import (
    model_figures,
    register_segmentation,
    serve_baseline,
)
from segmentation_assets.segmentation.registry import current_version
from segmentation_assets.warehouse import preview_markdown


def _baseline(
    warehouse: DuckDBResource, config: SegmentationConfig, entity_type: EntityType
) -> dg.MaterializeResult:
    prefix, id_column = entity_type, ID_COLUMNS[entity_type][0]
    features = read_tables(warehouse, "features", [f"{prefix}_features"])[f"{prefix}_features"]
    segments = baseline_segments(features, entity_type, id_column)
    write_tables(warehouse, {("segments", f"{prefix}_baseline"): segments})
    revenue = features["total_revenue"].cast(pl.Float64).fill_null(0).to_numpy()
    thresholds = (
        config.features.abc_thresholds
        if entity_type == "product"
        else config.features.profitability_thresholds
    )
    return dg.MaterializeResult(
        metadata=table_metadata(segments, f"segments.{prefix}_baseline")
        | {
            "matrix": dg.MetadataValue.md(
                "Entities (share of revenue %) per cell\n\n"
                + preview_markdown(baseline_matrix(features, entity_type), 10)
            ),
            "pareto_curve": plot(
                plots.pareto_curve(revenue, thresholds, f"{prefix.title()} revenue Pareto"),
                "Pareto curve",
            ),
        }
    )


@warehouse_assets(
    [
        table_spec(
            "segments",
            "product_baseline",
            "ABC (share of revenue, cut-offs `features.abc_thresholds`) x XYZ (demand CoV, "
            "cut-offs `features.xyz_cov_cutoffs`): the nine-cell rule segmentation every model "
            "is compared against, and the fallback.",
            deps=[["features", "product_features"]],
        )
    ]
)
def product_baseline(
    warehouse: DuckDBResource, settings: SegmentationSettings
) -> dg.MaterializeResult:
    return _baseline(warehouse, settings.load(), "product")


@warehouse_assets(
    [
        table_spec(
            "segments",
            "customer_baseline",
            "Profitability after cost to serve (A/B/C, cut-offs "
            "`features.profitability_thresholds`) x cost to serve per order (low/medium/high): "
            "the customers' rule segmentation and fallback.",
            deps=[["features", "customer_features"]],
        )
    ]
)
def customer_baseline(
    warehouse: DuckDBResource, settings: SegmentationSettings
) -> dg.MaterializeResult:
    return _baseline(warehouse, settings.load(), "customer")


def _fit(
    warehouse: DuckDBResource, config: SegmentationConfig, entity_type: EntityType
) -> tuple[Segmentation, pl.DataFrame | None, pl.DataFrame | None]:
    """The fitted segmentation, the rolling-window features it was validated on, the baseline."""
    prefix = entity_type
    tables = read_tables(warehouse, "features", [f"{prefix}_features", f"{prefix}_feature_windows"])
    baseline = read_tables(warehouse, "segments", [f"{prefix}_baseline"])[f"{prefix}_baseline"]
    windows = tables[f"{prefix}_feature_windows"]
    segmentation = segment_entities(
        tables[f"{prefix}_features"], entity_type, config, window_frames=windows, baseline=baseline
    )
    return segmentation, windows, baseline


def _register(
    warehouse: DuckDBResource,
    segmentation: Segmentation,
    config: SegmentationConfig,
    windows: pl.DataFrame | None,
    baseline: pl.DataFrame | None,
    figures: dict[str, bytes],
) -> tuple[str, bool, str | None]:
    """Register the fit with its gate verdict; (its id, is new, the version now in service).

    A fit that fails the gate leaves the version in service; on a warehouse with none yet,
    the rule baseline goes into service instead.
    """
    entity_type = segmentation.entity_type
    with warehouse.get_connection() as connection:
        version, is_new = register_segmentation(
            connection, segmentation, config, windows, figures, datetime.now(UTC)
        )
        in_service = current_version(connection, entity_type)
        if in_service is None and baseline is not None and baseline.height:
            in_service = serve_baseline(
                connection, baseline, entity_type, config, segmentation.gate_failures
            )
    return version, is_new, in_service


def _model_metadata(
    segmentation: Segmentation, version: str, is_new: bool, figures: dict[str, bytes]
) -> dict:
    model = segmentation.model
    profiles = segmentation.profiles.with_columns(
        pl.col("segment_id")
        .replace_strict(segmentation.segment_names, return_dtype=pl.Utf8)
        .alias("segment_name")
    ).select("segment_id", "segment_name", pl.exclude("segment_id", "segment_name"))
    explanation = segmentation.explanations
    metrics = {k: v for k, v in segmentation.metrics.items() if v is not None}
    described = {
        name: f"median {label}" for name, label in labels(segmentation.entity_type).items()
    }
    return table_metadata(
        profiles, f"segments.{segmentation.entity_type}_segments", 10, descriptions=described
    ) | {
        "model_version": version,
        "new_version": is_new,
        "algorithm": f"{model.chosen.algorithm}, k={model.chosen.k} before constraints, "
        f"{int(model.labels.max()) + 1} segments after",
        "metrics": dg.MetadataValue.json(metrics),
        "candidates": markdown_table(model.scores.with_columns(pl.selectors.float().round(3)), 40),
        "constraints_before": markdown_table(model.constraints.before, 30),
        "constraints_after": markdown_table(model.constraints.after, 30),
        "constraint_actions": "\n".join(model.constraints.actions)
        or "none: every segment met the constraints",
        "segment_sizes": plot(figures["segment_sizes"], "segment sizes"),
        "segment_scatter": plot(figures["segment_scatter"], "segment scatter"),
        "global_importance": plot(figures["global_importance"], "feature importance"),
        "decision_rules": dg.MetadataValue.md("```\n" + explanation.tree_rules + "\n```"),
        "example_explanations": markdown_table(
            explanation.entities.select("entity_id", "segment_name", "explanation"), 8
        ),
        "stability_windows": markdown_table(segmentation.stability.windows, 10),
        "migration_matrix": plot(figures["migration_matrix"], "migration matrix")
        if "migration_matrix" in figures
        else "no windows",
        "bootstrap_stability": markdown_table(segmentation.stability.bootstrap, 20),
    }


def _stability_check(
    segmentation: Segmentation, config: SegmentationConfig, asset: str
) -> dg.AssetCheckResult:
    problems = segmentation.stability.failures(config.segmentation)
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["segments", asset]),
        check_name="stable_out_of_sample",
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "stable across rolling windows and bootstrap samples",
        metadata={
            "mean_adjusted_rand": segmentation.stability.mean_adjusted_rand or 0.0,
            "min_bootstrap_jaccard": segmentation.metrics.get("min_bootstrap_jaccard") or 0.0,
        },
    )


def _gate_metadata(segmentation: Segmentation, in_service: str | None) -> dict:
    failures = segmentation.gate_failures
    return {
        "quality_gate": "passed" if not failures else "failed: " + "; ".join(failures),
        "in_service": in_service or "none",
    }


def _gate_check(
    segmentation: Segmentation, version: str, in_service: str | None, asset: str
) -> dg.AssetCheckResult:
    failures = segmentation.gate_failures
    kept = f"{version} registered, not in service; in service: {in_service or 'none'}"
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["segments", asset]),
        check_name="passes_quality_gate",
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(failures) + f". {kept}" if failures else f"{version} in service",
        metadata={"in_service": in_service or "none", "reasons": len(failures)},
    )


MODEL_CHECKS = {
    "stable_out_of_sample": "Rolling-window adjusted Rand index and bootstrap Jaccard per "
    "segment at or above the configured levels.",
    "passes_quality_gate": "The fit may go into service: enough segments, none holding too many "
    "entities, every size constraint met, stable. A fit that fails stays out of service.",
}
MODEL_DEPS = [
    ["features", f"{p}_{t}"]
    for p in ("product", "customer")
    for t in ("features", "feature_windows")
] + [["segments", "product_baseline"], ["segments", "customer_baseline"]]
REGISTRY_TABLES = ("model_versions", "assignments", "explanations")


def _model_spec(table: str, kinds: set[str], description: str) -> dg.AssetSpec:
    # skippable: an entity type that cannot be fitted leaves its outputs (and registry) as they were
    return table_spec("segments", table, description, deps=MODEL_DEPS, kinds=kinds, skippable=True)


@warehouse_assets(
    [
        _model_spec(
            "product_segments",
            {"scikitlearn", "duckdb"},
            "The chosen product segmentation: candidates scored, constraints enforced, "
            "segments named, stability and explanations; one row per segment.",
        ),
        _model_spec(
            "customer_segments",
            {"scikitlearn", "duckdb"},
            "The chosen customer segmentation, as for products.",
        ),
        _model_spec(
            "model_versions",
            {"duckdb"},
            "The model registry: one row per fitted segmentation, its id derived "
            "from data snapshot, config and code version; which one is current per entity type.",
        ),
        _model_spec(
            "assignments",
            {"duckdb"},
            "Segment of every product and customer, keyed by model version; "
            "segments.current_assignments serves the current versions.",
        ),
        _model_spec(
            "explanations",
            {"shap", "duckdb"},
            "Each entity's top drivers in plain words, keyed by model version.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(check, asset=["segments", asset], description=description)
        for check, description in MODEL_CHECKS.items()
        for asset in ("product_segments", "customer_segments")
    ],
    name="segmentation_models",
)
def segmentation_models(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: SegmentationSettings
):
    config = settings.load()
    versions: dict[str, str] = {}
    failures: list[str] = []
    for entity_type in ("product", "customer"):
        try:
            segmentation, windows, baseline = _fit(warehouse, config, entity_type)
        except ValueError as error:
            # too few entities or no usable feature: say so, keep the current version
            failures.append(f"{entity_type} segmentation not fitted: {error}")
            for check in ("stable_out_of_sample", "passes_quality_gate"):
                yield dg.AssetCheckResult(
                    asset_key=["segments", f"{entity_type}_segments"],
                    check_name=check,
                    passed=False,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=failures[-1],
                )
            continue
        figures = model_figures(segmentation)
        version, is_new, in_service = _register(
            warehouse, segmentation, config, windows, baseline, figures
        )
        asset = f"{entity_type}_segments"
        if not segmentation.gate_failures:  # the table describes the segments in service
            profiles = segmentation.profiles.with_columns(pl.lit(version).alias("model_version"))
            write_tables(warehouse, {("segments", asset): profiles})
        versions[entity_type] = in_service or version
        context.log.info(
            f"{entity_type} segmentation {version} ({'new' if is_new else 'same as before'}); "
            f"in service: {in_service}"
        )
        yield dg.MaterializeResult(
            asset_key=["segments", asset],
            metadata=_model_metadata(segmentation, version, is_new, figures)
            | _gate_metadata(segmentation, in_service),
        )
        yield _stability_check(segmentation, config, asset)
        yield _gate_check(segmentation, version, in_service, asset)
    if versions:
        yield from _registry_results(warehouse, versions)
    if failures:
        raise dg.Failure(
            description="; ".join(failures) + ". The current versions stay as they were."
        )


def _registry_results(warehouse: DuckDBResource, versions: dict[str, str]):
    with warehouse.get_connection() as connection:
        counts = {
            t: connection.execute(f"select count(*) from segments.{t}").fetchone()[0]
            for t in REGISTRY_TABLES
        }
        current = connection.execute(
            "select model_version, entity_type, algorithm, k from segments.model_versions "
            "where is_current order by entity_type"
        ).pl()
    for table, rows in counts.items():
        yield dg.MaterializeResult(
            asset_key=["segments", table],
            metadata={
                "dagster/row_count": int(rows),
                "dagster/table_name": f"segments.{table}",
                "current_versions": dg.MetadataValue.json(versions),
                "preview": markdown_table(current, 5),
            },
        )
