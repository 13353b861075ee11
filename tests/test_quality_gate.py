"""The quality gate keeps a degenerate or unstable fit out of service; the registry records the
verdict, keeps the version in service, and serves the rule baseline on a new warehouse."""

from __future__ import annotations

import pickle

import numpy as np
import polars as pl
import pytest

from segmentation_assets.cli import main as segmentation_main
from segmentation_assets.config import ConstraintsConfig, SegmentationConfig
from segmentation_assets.segmentation.constraints import ConstraintOutcome, enforce_constraints
from segmentation_assets.segmentation.gate import quality_gate
from segmentation_assets.segmentation.model_version import serve_baseline
from segmentation_assets.segmentation.registry import (
    GateFailed,
    ModelVersion,
    current_version,
    register_version,
    rollback,
)
from segmentation_assets.segmentation.registry_queries import current_assignments, list_versions
from segmentation_assets.segmentation.stability import (
    MIGRATION_SCHEMA,
    WINDOW_SCHEMA,
    Stability,
)
from segmentation_assets.warehouse import connect

CONFIG = SegmentationConfig()


def _stability(jaccards: list[float], ari: float | None = 0.9, note: str = "") -> Stability:
    bootstrap = pl.DataFrame(
        {
            "segment_id": list(range(len(jaccards))),
            "mean_jaccard": jaccards,
            "samples": [20] * len(jaccards),
        }
    )
    return Stability(
        pl.DataFrame(schema=WINDOW_SCHEMA),
        ari,
        pl.DataFrame(schema=MIGRATION_SCHEMA),
        bootstrap,
        note,
    )


def _outcome(labels: np.ndarray, unmet: list[str] | None = None) -> ConstraintOutcome:
    """The outcome of a constraint step that kept `labels` as they were."""
    volume = np.ones(labels.shape[0])
    rules = ConstraintsConfig(
        min_volume_share=None, min_entity_share=None, min_entities=1, min_segments=1
    )
    kept = enforce_constraints(labels, labels[:, None].astype(float), volume, rules)
    assert (kept.labels == labels).all()
    return ConstraintOutcome(labels, kept.before, kept.after, [], {}, unmet or [])


def test_a_sound_fit_passes():
    labels = np.repeat([0, 1, 2, 3], 10)
    assert quality_gate(_outcome(labels), _stability([0.9] * 4), CONFIG.segmentation) == []


def test_too_few_segments_fail():
    labels = np.repeat([0, 1], 20)
    reasons = quality_gate(_outcome(labels), _stability([0.9, 0.9]), CONFIG.segmentation)
    assert reasons == ["2 segment(s): fewer than the minimum of 3"]


def test_one_segment_holding_most_entities_fails():
    labels = np.array([0] * 80 + [1] * 10 + [2] * 10)
    reasons = quality_gate(_outcome(labels), _stability([0.9] * 3), CONFIG.segmentation)
    assert reasons == ["segment 0 holds 80% of the entities, more than the gate's 75%"]


def test_an_unmet_constraint_and_instability_fail_with_their_reasons():
    labels = np.repeat([0, 1, 2], 10)
    outcome = _outcome(labels, ["segment 2 (10 entities, 1.0% of volume) is below 5.0% ..."])
    reasons = quality_gate(outcome, _stability([0.9, 0.9, 0.3], ari=0.2), CONFIG.segmentation)
    assert reasons[0].startswith("constraint unmet: segment 2")
    assert "not stable: mean out-of-sample adjusted Rand index 0.20 is below 0.5" in reasons
    assert "not stable: segment 2 bootstrap Jaccard 0.30 is below 0.5" in reasons


def test_a_short_history_alone_does_not_fail_the_gate_but_instability_can_be_waived():
    labels = np.repeat([0, 1, 2], 10)
    short = _stability([0.9] * 3, ari=None, note="no rolling windows: the history is too short")
    assert quality_gate(_outcome(labels), short, CONFIG.segmentation) == []
    assert short.failures(CONFIG.segmentation) == ["no rolling windows: the history is too short"]
    lenient = SegmentationConfig.model_validate(
        {"segmentation": {"quality_gate": {"require_stability": False}}}
    ).segmentation
    shaky = _stability([0.1] * 3, ari=0.0)
    assert quality_gate(_outcome(labels), shaky, lenient) == []


IDS = [f"P{i}" for i in range(6)]


def _register(connection, name: str, reasons: list[str]) -> None:
    version = ModelVersion(
        model_version=name,
        entity_type="product",
        algorithm="kmeans",
        k=2,
        params={},
        features=["weekly_units"],
        metrics={},
        config="{}",
        data_snapshot="d" * 64,
        code_version="test",
        gate_reasons=reasons,
    )
    assignments = pl.DataFrame(
        {"entity_id": IDS, "segment_id": [0, 0, 0, 1, 1, 1], "segment_name": ["a"] * 3 + ["b"] * 3}
    )
    explanations = assignments.with_columns(pl.lit("why").alias("explanation"))
    artifacts = {"model": ("application/x-pickle", pickle.dumps(name))}
    register_version(connection, version, assignments, explanations, artifacts)


def test_a_fit_that_fails_the_gate_is_registered_but_the_version_in_service_stays(tmp_path):
    with connect(tmp_path / "w.duckdb") as connection:
        _register(connection, "product-good", [])
        _register(connection, "product-bad", ["2 segment(s): fewer than the minimum of 3"])
        assert current_version(connection, "product") == "product-good"
        listed = {row["model_version"]: row for row in list_versions(connection).to_dicts()}
        assert listed["product-good"]["gate"] == "passed"
        assert listed["product-bad"]["gate"] == "failed: 2 segment(s): fewer than the minimum of 3"
        assert not listed["product-bad"]["is_current"]
        events = connection.execute(
            "select event, detail from segments.model_events where model_version = 'product-bad'"
        ).fetchall()
        assert (
            "gate_failed",
            "not put into service: 2 segment(s): fewer than the minimum of 3",
        ) in events
        with pytest.raises(GateFailed, match="failed the quality gate"):
            rollback(connection, "product-bad")
        assert current_version(connection, "product") == "product-good"


def test_models_list_shows_the_gate_verdict_and_rollback_refuses_a_failed_version(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as connection:
        _register(connection, "product-good", [])
        _register(connection, "product-bad", ["segment 0 holds 90% of the entities"])
    assert segmentation_main(["models", "list", "--duckdb", str(warehouse)]) == 0
    listing = capsys.readouterr().out
    assert "failed: segment 0 holds 90% of the entities" in listing and "passed" in listing
    assert segmentation_main(["models", "rollback", "product-bad", "--duckdb", str(warehouse)]) == 2
    assert "failed the quality gate" in capsys.readouterr().err


def test_the_first_fit_that_fails_serves_the_rule_baseline_and_says_so(tmp_path):
    baseline = pl.DataFrame(
        {
            "entity_type": ["product"] * 4,
            "entity_id": ["P1", "P2", "P3", "P4"],
            "abc_class": ["A", "A", "B", "C"],
            "xyz_class": ["X", "X", "Y", "Z"],
            "baseline_segment": ["A-X", "A-X", "B-Y", "C-Z"],
            "baseline_name": ["top revenue, steady demand"] * 2
            + ["mid revenue, variable demand", "tail revenue, erratic demand"],
        }
    )
    with connect(tmp_path / "w.duckdb") as connection:
        _register(connection, "product-bad", ["2 segment(s): fewer than the minimum of 3"])
        assert current_version(connection, "product") is None
        served = serve_baseline(connection, baseline, "product", CONFIG, ["2 segment(s)"])
        assert served.startswith("product-baseline-")
        assert current_version(connection, "product") == served
        rows = current_assignments(connection, "product").sort("entity_id")
        assert rows["segment_name"].to_list() == baseline["baseline_name"].to_list()
        assert rows["segment_id"].n_unique() == 3
        algorithm = connection.execute(
            "select algorithm, metrics from segments.model_versions where model_version = ?",
            [served],
        ).fetchone()
        assert algorithm[0] == "rule_baseline" and "2 segment(s)" in algorithm[1]


def test_a_registry_made_before_the_gate_lists_and_rolls_back_its_versions_as_passed(tmp_path):
    """Read without migrating (the CLI opens it read-only): every old version went into service."""
    with connect(tmp_path / "w.duckdb") as connection:
        _register(connection, "product-old", [])
        _register(connection, "product-older", [])
        connection.execute("alter table segments.model_versions drop column gate_passed")
        connection.execute("alter table segments.model_versions drop column gate_reasons")
        assert list_versions(connection)["gate"].to_list() == ["passed", "passed"]
        assert "current version is now product-old" in rollback(connection, "product-old")
        assert current_version(connection, "product") == "product-old"
