"""The config fails fast, naming the bad key, and the packaged default is valid and documented."""

from __future__ import annotations

import pytest
import yaml

from segmentation_assets.cli import main
from segmentation_assets.config import ConfigError, SegmentationConfig, default_config_text, load_config


def test_packaged_default_matches_the_model_defaults():
    assert load_config() == SegmentationConfig()
    assert yaml.safe_load(default_config_text())["quality"]["order_quantity_mad_threshold"] == 50


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("quality:\n  order_quantity_madthreshold: 3\n", "quality.order_quantity_madthreshold"),
        ("quality:\n  min_history: 1\n", "quality.min_history"),
        ("scorecard:\n  completeness_target: 1.5\n", "scorecard.completeness_target"),
        ("default_currency: euro\n", "default_currency"),
        ("segmentaton: {}\n", "segmentaton"),
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
