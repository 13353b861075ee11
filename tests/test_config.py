"""The config fails fast, naming the bad key, and the packaged default is valid and documented."""

from __future__ import annotations

import pytest
import yaml

from segmentation_assets.cli import main
from segmentation_assets.config import (
    ConfigError,
    SegmentationConfig,
    default_config_text,
    load_config,
)


def test_packaged_default_matches_the_model_defaults():
    assert load_config() == SegmentationConfig()
    text = yaml.safe_load(default_config_text())
    assert text["quality"]["order_quantity_mad_threshold"] == 50
    assert text["segmentation"]["constraints"] == {
        "min_volume_share": 0.05,
        "volume_measure": "units",
        "max_segments": 8,
    }
    assert text["features"]["abc_thresholds"] == [0.80, 0.95] and text["features"][
        "xyz_cov_cutoffs"
    ] == [0.5, 1.0]


def test_criteria_come_from_the_objective_preset_unless_the_config_names_them(tmp_path):
    preset = load_config().segmentation.criteria("product")
    assert "weekly_units" in preset and "gross_margin_pct" not in preset
    margin = tmp_path / "margin.yaml"
    margin.write_text("segmentation:\n  objective: margin\n")
    assert "gross_margin_pct" in load_config(margin).segmentation.criteria("product")
    own = tmp_path / "own.yaml"
    own.write_text(
        "segmentation:\n  objective: margin\n  products:\n    criteria: {adi: 1, cv2: 0.5, trend: 0}\n"
    )
    assert load_config(own).segmentation.criteria("product") == {"adi": 1.0, "cv2": 0.5}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("quality:\n  order_quantity_madthreshold: 3\n", "quality.order_quantity_madthreshold"),
        ("quality:\n  min_history: 1\n", "quality.min_history"),
        ("scorecard:\n  completeness_target: 1.5\n", "scorecard.completeness_target"),
        ("default_currency: euro\n", "default_currency"),
        ("segmentaton: {}\n", "segmentaton"),
        (
            "segmentation:\n  products:\n    criteria: {weekly_units: 1, demand_covv: 1}\n",
            "demand_covv",
        ),
        ("segmentation:\n  customers:\n    criteria: {total_revenue: -1}\n", "total_revenue"),
        (
            "segmentation:\n  constraints:\n    volume_measure: pallets\n",
            "segmentation.constraints.volume_measure",
        ),
        (
            "segmentation:\n  constraints:\n    max_segment: 5\n",
            "segmentation.constraints.max_segment",
        ),
        ("segmentation:\n  objective: cash\n", "segmentation.objective"),
        ("segmentation:\n  pin: {algorithm: kmeans, k: 12}\n", "pin.k"),
        ("segmentation:\n  stability:\n    windows: 3\n", "segmentation.stability.windows"),
        ("features:\n  abc_thresholds: [0.95, 0.8]\n", "abc_thresholds"),
        ("features:\n  forecast:\n    horizon: 4\n", "features.forecast.horizon"),
    ],
)
def test_wrong_key_or_value_names_the_key(tmp_path, text, key):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert key in str(error.value)
    assert str(path) in str(error.value)


def test_cli_refuses_a_bad_config_before_running(tmp_path, capsys, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("quality:\n  cost_to_serve_mad_threshold: -1\n")
    for variable in ("SEGMENTATION_CONFIG", "SEGMENTATION_DUCKDB_PATH"):
        monkeypatch.setenv(variable, "placeholder")  # the CLI sets them; monkeypatch restores them
    assert main(["run", "--config", str(path), "--duckdb", str(tmp_path / "w.duckdb")]) == 2
    assert "quality.cost_to_serve_mad_threshold" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists(), "nothing ran"
