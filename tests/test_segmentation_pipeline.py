"""The segmentation engine on the whole graph (small sample): archetypes recovered, constraints
held, explanations and plots in the metadata, reruns deterministic, rollback served."""

from __future__ import annotations

import shutil

import dagster as dg
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation_assets.cli import main
from segmentation_assets.config import SegmentationConfig, load_config
from segmentation_assets.runner import load_definitions, run_pipeline
from segmentation_assets.segmentation.engine import segment_entities, with_entity_id
from segmentation_assets.segmentation.explanations import explain_rows
from segmentation_assets.segmentation.matrix import raw_matrix
from segmentation_assets.segmentation.model_version import build_version, snapshot_of

pytestmark = pytest.mark.pipeline

SEGMENT_KEYS = [
    "segments/product_baseline",
    "segments/customer_baseline",
    "segments/product_segments",
    "segments/customer_segments",
    "segments/model_versions",
    "segments/assignments",
    "segments/explanations",
]


def current(run, entity_type: str) -> pl.DataFrame:
    return run.sql(
        "select * from segments.current_assignments "
        f"where entity_type = '{entity_type}' order by entity_id"
    )


def test_product_segments_recover_the_demand_archetypes_better_than_abc_xyz(sample_run):
    truth = sample_run.truth("archetypes.csv")
    model = current(sample_run, "product").select(pl.col("entity_id").alias("sku"), "segment_id")
    baseline = sample_run.sql(
        "select entity_id as sku, baseline_segment from segments.product_baseline"
    )
    joined = truth.join(model, on="sku").join(baseline, on="sku")
    assert joined.height >= 0.95 * truth.height, "nearly every SKU with sales is segmented"
    model_ari = adjusted_rand_score(joined["archetype"], joined["segment_id"])
    baseline_ari = adjusted_rand_score(joined["archetype"], joined["baseline_segment"])
    print(
        "\nadjusted Rand index vs archetypes: "
        f"chosen segmentation {model_ari:.3f}, ABC x XYZ {baseline_ari:.3f}"
    )
    assert model_ari >= 0.7
    assert model_ari > baseline_ari


def segment_shares(frame: pl.DataFrame, labels: str, units: str) -> pl.DataFrame:
    """Per segment: entities, entity share and units share (written apart from the engine)."""
    return (
        frame.group_by(labels)
        .agg(pl.len().alias("entities"), pl.col(units).sum().alias("units"))
        .with_columns(
            entity_share=pl.col("entities") / pl.col("entities").sum(),
            volume_share=pl.col("units") / pl.col("units").sum(),
        )
    )


def assert_size_rules(shares: pl.DataFrame, rules) -> None:
    """Each segment holds the minimum volume share OR entity share, and the minimum entities."""
    assert rules.min_segments <= shares.height <= rules.max_segments
    assert shares["entities"].min() >= rules.min_entities, "no segment of a single entity"
    big_enough = (pl.col("volume_share") >= rules.min_volume_share) | (
        pl.col("entity_share") >= rules.min_entity_share
    )
    assert shares.filter(~big_enough).height == 0, shares


@pytest.mark.parametrize("entity_type", ["product", "customer"])
def test_the_sample_segments_in_service_pass_the_gate_and_the_size_rules(sample_run, entity_type):
    config = load_config().segmentation
    table = "product_features" if entity_type == "product" else "customer_features"
    key = "sku" if entity_type == "product" else "customer_id"
    volumes = sample_run.sql(f"select {key} as entity_id, total_units from features.{table}")
    served = current(sample_run, entity_type).join(volumes, on="entity_id")
    shares = segment_shares(served, "segment_id", "total_units")
    assert_size_rules(shares, config.constraints)
    assert shares["entity_share"].max() <= config.quality_gate.max_entity_share
    version = sample_run.sql(
        "select algorithm, gate_passed from segments.model_versions "
        f"where is_current and entity_type = '{entity_type}'"
    ).row(0, named=True)
    assert version == {"algorithm": version["algorithm"], "gate_passed": True}
    assert version["algorithm"] != "rule_baseline", "the fitted model, not the fallback"
    checks = sample_run.check_results(["segments", f"{entity_type}_segments"])
    assert checks["passes_quality_gate"] is True


def test_registry_holds_current_versions_assignments_and_explanations(sample_run):
    versions = sample_run.sql(
        "select * from segments.model_versions where is_current order by entity_type"
    )
    assert versions["entity_type"].to_list() == ["customer", "product"]
    for row in versions.iter_rows(named=True):
        assert row["model_version"].startswith(f"{row['entity_type']}-")
        assigned = sample_run.sql(
            "select count(*) n, count(distinct segment_name) as segment_names "
            f"from segments.assignments where model_version = '{row['model_version']}'"
        ).row(0, named=True)
        explained = sample_run.sql(
            f"select * from segments.explanations where model_version = '{row['model_version']}'"
        )
        assert assigned["n"] == explained.height > 0
        assert assigned["segment_names"] == row["k"], "every segment has its own readable name"
        assert explained["explanation"].str.contains("in segment '").all()
        assert explained["driver_1"].is_not_null().all()


def test_model_metadata_shows_plots_rules_and_stability(sample_run):
    metadata = sample_run.materialization_metadata(["segments", "product_segments"])
    for plot in ("segment_sizes", "segment_scatter", "global_importance"):
        assert "data:image/png;base64," in metadata[plot].value
    assert " then '" in metadata["decision_rules"].value
    assert metadata["model_version"].value.startswith("product-")
    features = sample_run.materialization_metadata(["features", "product_features"])
    described = {c.name: c.description for c in features["dagster/column_schema"].schema.columns}
    assert described["demand_cov"] == "demand CoV" and described["adi"].startswith(
        "average demand interval"
    )
    baseline = sample_run.materialization_metadata(["segments", "product_baseline"])
    assert "data:image/png;base64," in baseline["pareto_curve"].value
    checks = [
        e
        for e in sample_run.result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["segments", "product_segments"])
    ]
    assert [c.check_name for c in checks] == ["stable_out_of_sample", "passes_quality_gate"]
    assert checks[0].metadata["mean_adjusted_rand"].value > 0
    assert metadata["quality_gate"].value == "passed"
    assert metadata["in_service"].value == metadata["model_version"].value


def test_changing_one_feature_moves_the_product_and_names_that_feature(sample_run):
    config = load_config()
    features = sample_run.sql("select * from features.product_features")
    segmentation = segment_entities(features, "product", config)
    model, names = segmentation.model, segmentation.segment_names
    column = "weeks_since_last_sale"
    frame = with_entity_id(features, "product").sort("entity_id")
    selling = frame.filter(pl.col(column) == 0)
    before = model.assign(selling)
    changed = selling.with_columns(pl.lit(float(frame[column].max()) * 1.5).alias(column))
    after = model.assign(changed)
    moved = np.flatnonzero(before != after)
    assert moved.size > 0, "a product that stopped selling long ago leaves its segment"
    row = changed[int(moved[0])]
    raw = raw_matrix(row, model.matrix.names, model.matrix.medians)
    drivers = explain_rows(
        segmentation.explanations,
        row["entity_id"].to_list(),
        raw,
        model.matrix.names,
        after[moved[:1]],
        names,
        "product",
        segmentation.explanations.population_median,
    )
    assert column in drivers["top_drivers"][0].to_list()


def test_same_inputs_same_version_and_a_changed_config_a_new_one(sample_run):
    config = load_config()
    features = sample_run.sql("select * from features.product_features")
    windows = sample_run.sql("select * from features.product_feature_windows")
    first = segment_entities(features, "product", config, window_frames=windows)
    second = segment_entities(
        features.sample(fraction=1.0, shuffle=True, seed=3),
        "product",
        config,
        window_frames=windows,
    )
    assert first.assignments.equals(second.assignments)
    ids = {build_version(s, config, snapshot_of(s, windows)).model_version for s in (first, second)}
    assert len(ids) == 1
    changed = SegmentationConfig.model_validate(
        {"segmentation": {"constraints": {"min_volume_share": 0.06}}}
    )
    other = segment_entities(features, "product", changed, window_frames=windows)
    assert build_version(other, changed, snapshot_of(other, windows)).model_version not in ids


@pytest.fixture
def warehouse_copy(sample_run, tmp_path, monkeypatch):
    """A copy of the sample warehouse to rerun, reconfigure and roll back, sparing the original."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_run.warehouse, copy)
    monkeypatch.setenv("SEGMENTATION_DUCKDB_PATH", str(copy))
    monkeypatch.setenv("SEGMENTATION_LANDING_DIR", str(sample_run.landing))
    monkeypatch.delenv("SEGMENTATION_CONFIG", raising=False)
    return copy


def _versions(run, path) -> pl.DataFrame:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "select model_version, entity_type, is_current, created_at "
            "from segments.model_versions where entity_type = 'product' order by created_at"
        ).pl()


def test_rerun_keeps_the_version_a_new_config_adds_one_and_rollback_serves_the_old(
    sample_run, warehouse_copy, tmp_path, monkeypatch, capsys
):
    import duckdb

    original = _versions(sample_run, warehouse_copy)
    assert original.height == 1
    old = original["model_version"][0]
    with duckdb.connect(str(warehouse_copy), read_only=True) as connection:
        old_rows = connection.execute(
            f"select entity_id, segment_id from segments.assignments where model_version = '{old}' "
            "order by entity_id"
        ).pl()

    result = run_pipeline(load_definitions(), SEGMENT_KEYS, dg.DagsterInstance.ephemeral(), "ERROR")
    assert result.success
    assert _versions(sample_run, warehouse_copy)["model_version"].to_list() == [old], (
        "same inputs, same version"
    )

    config = tmp_path / "config.yaml"
    config.write_text("segmentation:\n  pin: {algorithm: kmeans, k: 3}\n")
    monkeypatch.setenv("SEGMENTATION_CONFIG", str(config))
    assert run_pipeline(
        load_definitions(), SEGMENT_KEYS, dg.DagsterInstance.ephemeral(), "ERROR"
    ).success
    versions = _versions(sample_run, warehouse_copy)
    assert versions.height == 2
    new = versions.filter(pl.col("is_current"))["model_version"][0]
    assert new != old

    assert main(["models", "compare", old, new, "--duckdb", str(warehouse_copy)]) == 0
    assert "adjusted" in capsys.readouterr().out.lower()
    assert main(["models", "rollback", old, "--duckdb", str(warehouse_copy)]) == 0
    with duckdb.connect(str(warehouse_copy), read_only=True) as connection:
        served = connection.execute(
            "select entity_id, segment_id from segments.current_assignments "
            "where entity_type = 'product' order by entity_id"
        ).pl()
    assert served.equals(old_rows)
    assert _versions(sample_run, warehouse_copy).filter(pl.col("is_current"))[
        "model_version"
    ].to_list() == [old]
    assert (
        main(["models", "rollback", "product-000000000000", "--duckdb", str(warehouse_copy)]) == 2
    )


def test_a_segmentation_that_cannot_be_fitted_fails_clearly_and_keeps_the_current_version(
    sample_run, warehouse_copy
):
    import duckdb

    before = _versions(sample_run, warehouse_copy)
    with duckdb.connect(str(warehouse_copy)) as connection:
        connection.execute(
            "delete from features.product_features where sku not in "
            "(select min(sku) from features.product_features)"
        )
    result = run_pipeline(
        load_definitions(), SEGMENT_KEYS[2:], dg.DagsterInstance.ephemeral(), "CRITICAL"
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = str(failure.event_specific_data.error)
    assert "product segmentation not fitted" in message and "at least 2" in message
    assert _versions(sample_run, warehouse_copy).equals(before), (
        "the product version in service is untouched"
    )
    checks = {e.asset_key.to_user_string(): e.passed for e in result.get_asset_check_evaluations()}
    assert checks["segments/product_segments"] is False
    assert "segments/customer_segments" in checks, "customers were still segmented"


def test_run_summary_lists_the_segments_in_service(sample_run):
    from segmentation_assets.summary import warehouse_summary

    text = warehouse_summary(sample_run.warehouse)
    section = text[text.index("Segments in service") :]
    for row in (
        sample_run.sql("select model_version, segment_name from segments.current_assignments")
        .unique()
        .iter_rows()
    ):
        assert row[0] in section and row[1] in section


def test_without_optional_feeds_features_are_null_with_reasons_and_segments_still_made(
    required_only_run,
):
    run = required_only_run
    customers = run.sql("select * from features.customer_features")
    assert customers.height > 0
    for column in ("cost_to_serve_per_order", "target_fill_rate", "service_tier"):
        assert customers[column].is_null().all(), column
    products = run.sql("select * from features.product_features")
    for column in ("cost_to_serve_per_unit", "supplier_risk_score", "market_volatility"):
        assert products[column].is_null().all(), column
    assert products["demand_cov"].is_not_null().any() and products["abc_class"].is_not_null().all()
    notes = run.materialization_metadata(["features", "customer_features"])["null_features"].value
    assert "WMS shipments" in notes and "TMS freight" in notes
    notes = run.materialization_metadata(["features", "product_features"])["null_features"].value
    assert "supplier risk" in notes and "market index" in notes
    served = run.sql(
        "select entity_type, count(*) n from segments.current_assignments group by 1 order by 1"
    )
    assert served["entity_type"].to_list() == ["customer", "product"]


@pytest.mark.parametrize("objective", ["working_capital", "on_time_delivery", "margin"])
def test_every_objective_preset_segments_both_entity_types(sample_run, objective):
    from segmentation_assets.segmentation.engine import fit_model, volume

    config = SegmentationConfig.model_validate(
        {"segmentation": {"objective": objective}}
    ).segmentation
    for entity_type, table in (("product", "product_features"), ("customer", "customer_features")):
        features = with_entity_id(sample_run.sql(f"select * from features.{table}"), entity_type)
        model = fit_model(features, entity_type, config)
        assert model.matrix.names == list(config.criteria(entity_type)), (
            "the preset's criteria are what clusters"
        )
        labelled = features.with_columns(
            pl.Series("segment", model.labels), pl.Series("units", volume(features, "units"))
        )
        assert_size_rules(segment_shares(labelled, "segment", "units"), config.constraints)
