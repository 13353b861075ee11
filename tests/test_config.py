"""The config fails fast, naming the bad key, and the packaged default is valid and documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import segmentation_assets
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
        "min_entity_share": 0.05,
        "volume_measure": "units",
        "min_entities": 5,
        "min_segments": 3,
        "max_segments": 8,
    }
    assert text["segmentation"]["quality_gate"]["max_entity_share"] == 0.75
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
        "segmentation:\n  objective: margin\n"
        "  products:\n    criteria: {adi: 1, cv2: 0.5, trend: 0}\n"
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
        (
            "segmentation:\n  constraints:\n    min_segments: 9\n",
            "min_segments (9) is above max_segments (8)",
        ),
        (
            "segmentation:\n  quality_gate:\n    max_entity_share: 1.5\n",
            "segmentation.quality_gate.max_entity_share",
        ),
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


# Keys that no code outside config.py reads, and why that is right.
READ_BY_VALIDATION_ONLY = {
    ("version",): "the config format version: config.py rejects any other, nothing else needs it",
    ("segmentation", "objective"): "resolved into criteria by SegmentationSection.criteria(), "
    "which the engine calls (the `.criteria` of products and customers is read the same way)",
}


def _leaf_paths(node: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in _leaf_paths(value, (*path, key))]
    return [path]


def _code_outside_config() -> str:
    package = Path(segmentation_assets.__file__).parent
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted(package.rglob("*.py"))
        if path.name != "config.py"
    )


def test_every_config_key_is_read_by_code_other_than_the_config_module():
    """A key that nothing reads is a promise nothing keeps: a user changes it and nothing moves.

    A leaf counts as read where code other than config.py names it as an attribute (`.key`,
    e.g. `config.scorecard.match_rate_target`) or as a string (`getattr(weights, "key")`),
    and its section is reached as an attribute (`.section`); top-level keys need only the
    leaf.
    """
    code = _code_outside_config()
    unread = []
    for path in _leaf_paths(yaml.safe_load(default_config_text())):
        if path in READ_BY_VALIDATION_ONLY:
            continue
        name = re.escape(path[-1])
        leaf_read = re.search(rf"\.{name}\b|[\"']{name}[\"']", code)
        section_read = len(path) == 1 or re.search(rf"\.{re.escape(path[-2])}\b", code)
        if not (leaf_read and section_read):
            unread.append(".".join(path))
    assert unread == [], f"config keys read by nothing outside config.py: {unread}"


def test_the_unread_key_check_would_catch_a_new_key():
    code = _code_outside_config()
    assert not re.search(r"\.nobody_reads_this_key\b", code)
    assert ("quality", "nobody_reads_this_key") in _leaf_paths(
        {"quality": {"nobody_reads_this_key": 1, "min_history": 8}}
    )
