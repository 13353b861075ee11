"""`segmentation bench --worlds N`: segment quality measured on many generated worlds.

Each world (`sources.sample_data.worlds`) is turned into the marts' columns in memory, its
demand outliers flagged and excluded as the quality step does, its features built with the
plain feature functions (rolling windows included), and segmented by the engine and by the
rule baselines. The adjusted Rand index (ARI) against the planted truth says how well the
segments recover the demand patterns (products) and customer types (customers); the
baselines' ARI is the bar to beat. Only dbt's reconciliation is skipped: a world's keys all
match, so the marts are its frames with the derived columns added.

The bench config is the loaded config (`SEGMENTATION_CONFIG` or the default) with at most
`BENCH_BOOTSTRAP_SAMPLES` bootstrap samples: the bootstrap refits the model on resamples, which
is slow on big worlds, and it feeds only the stability check (and a quality gate that requires
stability), never the segments themselves; five samples estimate its Jaccard more coarsely.
The forecast backtests run as configured, since forecast error is a clustering criterion.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from typing import Any

import polars as pl
from sklearn.metrics import adjusted_rand_score

from segmentation_assets import quality
from segmentation_assets.config import SegmentationConfig, load_config
from segmentation_assets.features.build import (
    FeatureInputs,
    customer_features,
    prepared_inputs,
    product_features,
)
from segmentation_assets.features.catalog import EntityType
from segmentation_assets.features.history import DemandWindow, week_of, weekly_from_order_lines
from segmentation_assets.features.inputs import feature_inputs
from segmentation_assets.features.windows import FeatureBuilder, window_features
from segmentation_assets.segmentation.baseline import baseline_segments
from segmentation_assets.segmentation.engine import segment_entities
from segmentation_assets.sources.sample_data.worlds import (
    World,
    WorldSpec,
    draw_world_spec,
    generate_world,
)

BENCH_BOOTSTRAP_SAMPLES = 5
#: Entity types measured: feature builder and id column of each.
ENTITIES: tuple[tuple[EntityType, FeatureBuilder, str], ...] = (
    ("product", product_features, "sku"),
    ("customer", customer_features, "customer_id"),
)
ARI_COLUMNS = ("product_ari", "product_baseline_ari", "customer_ari", "customer_baseline_ari")


def bench_config(base: SegmentationConfig | None = None) -> SegmentationConfig:
    """`base` (default: the loaded config) with at most `BENCH_BOOTSTRAP_SAMPLES` bootstrap
    samples; every other choice is left as configured."""
    base = base if base is not None else load_config()
    data = base.model_dump()
    stability = data["segmentation"]["stability"]
    stability["bootstrap_samples"] = min(stability["bootstrap_samples"], BENCH_BOOTSTRAP_SAMPLES)
    return SegmentationConfig.model_validate(data)


def _weekly_demand(lines: pl.DataFrame) -> pl.DataFrame:
    """`fct_weekly_demand`'s rule: the features' weekly aggregation per SKU, zero-filled from the
    SKU's first demand week to the last week of any order line."""
    weeks = lines.select(week_of(pl.col("order_date")))["order_date"]
    first, last = weeks.min(), weeks.max()
    sold = weekly_from_order_lines(lines, ["sku"], DemandWindow(first, last))
    grid = (
        sold.group_by("sku")
        .agg(pl.col("week_start").min())
        .select("sku", pl.date_ranges("week_start", pl.lit(last), "1w").alias("week_start"))
        .explode("week_start")
    )
    return (
        grid.join(sold, on=["sku", "week_start"], how="left")
        .with_columns(pl.col("units", "returned_units", "order_lines", "revenue").fill_null(0))
        .sort("sku", "week_start")
    )


def world_marts(world: World) -> dict[str, pl.DataFrame]:
    """The world's frames in the marts' column names (what dbt would build from them)."""
    lines = world.order_lines.with_columns(
        (pl.col("quantity") * pl.col("unit_price")).round(2).alias("line_revenue"),
        (pl.col("quantity") < 0).alias("is_return"),
        (pl.col("order_status").str.to_lowercase() == "cancelled")
        .fill_null(False)
        .alias("is_cancelled"),
    )
    sku_of_item = world.items.select("item_code", pl.col("erp_sku").alias("sku"))
    return {
        "fct_order_lines": lines,
        "fct_weekly_demand": _weekly_demand(lines),
        "dim_product": world.products,
        "dim_customer": world.customers,
        "fct_shipments": world.shipments.join(sku_of_item, on="item_code", how="left"),
        "fct_freight": world.freight.with_columns(
            pl.col("destination_code").alias("destination_customer_id")
        ),
    }


def world_inputs(world: World, config: SegmentationConfig) -> FeatureInputs:
    """Feature inputs of a world, demand outliers flagged and excluded as the pipeline does."""
    marts = world_marts(world)
    rules = config.quality
    outliers = quality.demand_outlier_flags(
        marts["fct_order_lines"], marts["fct_weekly_demand"], rules
    )
    excluded = outliers if rules.exclude_demand_outliers_from_segmentation else None
    return prepared_inputs(feature_inputs(marts, {}, excluded), config.features)


def _assignments(segmentation: Any) -> pl.DataFrame:
    """`entity_id`, `segment_id` of a fit, read defensively (the engine is changing)."""
    frame = getattr(segmentation, "assignments", None)
    if isinstance(frame, pl.DataFrame) and {"entity_id", "segment_id"} <= set(frame.columns):
        return frame.select(pl.col("entity_id").cast(pl.String), pl.col("segment_id"))
    return pl.DataFrame(
        {
            "entity_id": segmentation.features["entity_id"].cast(pl.String),
            "segment_id": list(segmentation.model.labels),
        }
    )


def _ari(truth: pl.DataFrame, labels: pl.DataFrame, column: str) -> float | None:
    joined = truth.join(labels, on="entity_id", how="inner")
    if joined.height < 2:
        return None
    return float(adjusted_rand_score(joined["truth"].to_list(), joined[column].to_list()))


def _segment(
    frame: pl.DataFrame,
    entity_type: EntityType,
    id_column: str,
    windows: pl.DataFrame,
    truth: pl.DataFrame,
    config: SegmentationConfig,
) -> dict[str, Any]:
    """Engine and baseline for one entity type: entities, segments, ARI of both."""
    baseline = baseline_segments(frame, entity_type, id_column)
    row: dict[str, Any] = {
        "entities": frame.height,
        "baseline_ari": _ari(truth, baseline, "baseline_segment"),
    }
    try:
        fitted = segment_entities(
            frame, entity_type, config, window_frames=windows, baseline=baseline
        )
        labels = _assignments(fitted)
        metrics = getattr(fitted, "metrics", None) or {}
        failures = getattr(fitted, "gate_failures", None)  # the engine's quality gate, if any
        row |= {
            "segments": labels["segment_id"].n_unique(),
            "segments_before_constraints": metrics.get("segments_before_constraints"),
            "ari": _ari(truth, labels, "segment_id"),
            "gate": None
            if failures is None
            else "pass"
            if not failures
            else "fail: " + "; ".join(map(str, failures)),
        }
    except Exception as error:  # a failing world is a finding, not a crash of the bench
        row["error"] = f"{entity_type}: {type(error).__name__}: {error}"[:300]
    return row


def evaluate_world(spec: WorldSpec, config: SegmentationConfig) -> dict[str, Any]:
    """One world end to end: the spec's summary, per entity type the segments chosen and the
    ARI of the engine and of the rule baseline against the planted truth, and seconds."""
    started = time.perf_counter()
    row: dict[str, Any] = {
        "seed": spec.seed,
        "skus": spec.skus,
        "patterns": len(spec.patterns),
        "pattern_names": ",".join(spec.patterns),
        "history_weeks": spec.history_weeks,
        "unit_skew": round(spec.unit_skew, 2),
        "noise": round(spec.noise, 2),
        "customers": spec.customers,
        "customer_types": ",".join(spec.customer_types),
    }
    errors = []
    try:
        world = generate_world(spec)
        inputs = world_inputs(world, config)
        truths = {
            "product": world.product_truth.select(
                pl.col("sku").alias("entity_id"), pl.col("pattern").alias("truth")
            ),
            "customer": world.customer_truth.select(
                pl.col("customer_id").alias("entity_id"), pl.col("customer_type").alias("truth")
            ),
        }
        for entity_type, build, id_column in ENTITIES:
            frame = build(inputs, config.features).frame
            windows, _ = window_features(inputs, config, build)
            result = _segment(frame, entity_type, id_column, windows, truths[entity_type], config)
            if "error" in result:
                errors.append(result.pop("error"))
            row |= {f"{entity_type}_{key}": value for key, value in result.items()}
    except Exception as error:  # generation or features failed: record it, go on
        errors.append(f"{type(error).__name__}: {error}"[:300])
    row["seconds"] = round(time.perf_counter() - started, 1)
    row["error"] = "; ".join(errors) or None
    return row


SCHEMA: dict[str, pl.DataType] = {
    "seed": pl.Int64(),
    "skus": pl.Int64(),
    "patterns": pl.Int64(),
    "pattern_names": pl.String(),
    "history_weeks": pl.Int64(),
    "unit_skew": pl.Float64(),
    "noise": pl.Float64(),
    "customers": pl.Int64(),
    "customer_types": pl.String(),
    "product_entities": pl.Int64(),
    "product_segments": pl.Int64(),
    "product_segments_before_constraints": pl.Int64(),
    "product_ari": pl.Float64(),
    "product_baseline_ari": pl.Float64(),
    "product_gate": pl.String(),
    "customer_entities": pl.Int64(),
    "customer_segments": pl.Int64(),
    "customer_segments_before_constraints": pl.Int64(),
    "customer_ari": pl.Float64(),
    "customer_baseline_ari": pl.Float64(),
    "customer_gate": pl.String(),
    "seconds": pl.Float64(),
    "error": pl.String(),
}


def world_table(
    seeds: Iterable[int], config: SegmentationConfig | None = None, progress: bool = False
) -> pl.DataFrame:
    """One row per world drawn from each seed (`evaluate_world`), in seed order."""
    config = config if config is not None else bench_config()
    rows = []
    for seed in seeds:
        rows.append(evaluate_world(draw_world_spec(seed), config))
        if progress:
            row = rows[-1]
            print(
                f"  world {seed}: {row['skus']} SKUs, {row['history_weeks']} weeks, "
                f"{row['seconds']} s" + (f"  ERROR {row['error']}" if row["error"] else ""),
                flush=True,
            )
    return pl.DataFrame(
        [{name: row.get(name) for name in SCHEMA} for row in rows], schema=SCHEMA, orient="row"
    )


DECIMALS = {"unit_skew": 2, "noise": 2, "seconds": 1}  # ARIs and other floats: 3


def _cell(value: Any, width: int, column: str = "") -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        return f"{value:.{DECIMALS.get(column, 3)}f}".rjust(width)
    return str(value).rjust(width)


PRINTED = {  # column -> header in the printed table
    "seed": "seed",
    "skus": "skus",
    "patterns": "pat",
    "history_weeks": "weeks",
    "unit_skew": "skew",
    "noise": "noise",
    "customers": "cust",
    "customer_types": "types",
    "product_segments": "p_seg",
    "product_ari": "p_ari",
    "product_baseline_ari": "p_base",
    "product_gate": "p_gate",
    "customer_segments": "c_seg",
    "customer_ari": "c_ari",
    "customer_baseline_ari": "c_base",
    "customer_gate": "c_gate",
    "seconds": "sec",
}


def format_world_table(table: pl.DataFrame) -> str:
    """The table as text: a row per world, then min, median and mean of each ARI column
    (a mean can hide the worlds where segments collapse), then any errors."""
    widths = {c: max(len(h), 6) for c, h in PRINTED.items()}
    widths["customer_types"] = 5
    out = [" ".join(h.rjust(widths[c]) for c, h in PRINTED.items())]
    for row in table.iter_rows(named=True):
        values = dict(row, customer_types=len(row["customer_types"].split(",")))
        for gate in ("product_gate", "customer_gate"):  # pass / FAIL; details in the frame
            values[gate] = row[gate] and ("pass" if row[gate] == "pass" else "FAIL")
        out.append(" ".join(_cell(values[c], widths[c], c) for c in PRINTED))
    out.append("")
    for stat in ("min", "median", "mean"):
        parts = []
        for column in ARI_COLUMNS:
            values = table[column].drop_nulls().to_list()
            figure = (
                None
                if not values
                else min(values)
                if stat == "min"
                else statistics.median(values)
                if stat == "median"
                else statistics.fmean(values)
            )
            parts.append(f"{PRINTED[column]} {_cell(figure, 6).strip()}")
        out.append(f"{stat:<7} " + "   ".join(parts))
    failed = table.filter(pl.col("error").is_not_null())
    out.append(
        f"worlds {table.height}, failed {failed.height}, "
        f"seconds total {table['seconds'].sum():.0f}, "
        f"median {table['seconds'].median() or 0:.1f}, max {table['seconds'].max() or 0:.1f}"
    )
    out += [f"  seed {r['seed']}: {r['error']}" for r in failed.iter_rows(named=True)]
    return "\n".join(out)


def run_world_bench(worlds: int, seed: int) -> int:
    """Print the table for seeds `seed`..`seed + worlds - 1`; exit 1 if a world failed."""
    config = bench_config()
    print(
        f"World bench: {worlds} worlds, seeds {seed}..{seed + worlds - 1}, "
        f"bootstrap samples {config.segmentation.stability.bootstrap_samples}"
    )
    started = time.perf_counter()
    table = world_table(range(seed, seed + worlds), config, progress=True)
    print()
    print(format_world_table(table))
    print(f"wall time {time.perf_counter() - started:.0f} s")
    return 1 if table["error"].is_not_null().any() else 0
