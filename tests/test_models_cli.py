"""`segmentation models` prints readable tables, exits 2 on unknown versions, and only
`rollback` writes to the warehouse."""

from __future__ import annotations

import argparse

import polars as pl
import pytest

from segmentation_assets.models_cli import add_models_parser
from segmentation_assets.segmentation.registry import ModelVersion, register_version
from segmentation_assets.segmentation.registry_queries import current_assignments
from segmentation_assets.warehouse import connect

IDS = ["P1", "P2", "P3", "P4"]


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="segmentation")
    add_models_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def _register(
    connection, name: str, segments: list[int], names: dict[int, str], silhouette: float
) -> None:
    version = ModelVersion(
        model_version=name,
        entity_type="product",
        algorithm="kmeans",
        k=len(names),
        params={"n_init": 10},
        features=["weekly_units"],
        metrics={"silhouette": silhouette},
        config="{}",
        data_snapshot="s" * 64,
        code_version="0.1.0+abc",
    )
    assignments = pl.DataFrame(
        {"entity_id": IDS, "segment_id": segments, "segment_name": [names[s] for s in segments]}
    )
    explanations = assignments.with_columns(pl.lit("because").alias("explanation"))
    register_version(
        connection, version, assignments, explanations, {"rules": ("text/plain", b"if x")}
    )


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as connection:
        _register(connection, "product-old", [0, 0, 1, 1], {0: "fast", 1: "slow"}, 0.61)
        _register(
            connection, "product-new", [0, 1, 1, 2], {0: "fast", 1: "slow", 2: "erratic"}, 0.42
        )
    return path


def test_list_marks_current(warehouse, capsys):
    assert _run(["models", "list", "--duckdb", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "product-old" in out and "product-new" in out
    current_line = next(line for line in out.splitlines() if "product-new" in line)
    assert "*" in current_line and "*" not in next(
        line for line in out.splitlines() if "product-old" in line
    )
    assert _run(["models", "list", "--entity", "customer", "--duckdb", str(warehouse)]) == 0
    assert "No model versions" in capsys.readouterr().out


def test_list_uses_environment_warehouse(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("SEGMENTATION_DUCKDB_PATH", str(warehouse))
    assert _run(["models", "list"]) == 0
    assert "product-new" in capsys.readouterr().out


def test_show_prints_metrics_and_segment_sizes(warehouse, capsys):
    assert _run(["models", "show", "product-old", "--duckdb", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "product-old" in out and "kmeans (k = 2)" in out
    assert "silhouette: 0.61" in out
    assert "fast" in out and "slow" in out and "erratic" not in out
    assert "rules" in out


def test_compare_prints_agreement_and_migration(warehouse, capsys):
    assert (
        _run(["models", "compare", "product-old", "product-new", "--duckdb", str(warehouse)]) == 0
    )
    out = capsys.readouterr().out
    assert "Adjusted Rand index:" in out and "Adjusted Rand index: 1.000" not in out
    assert "Segments added:   erratic" in out
    assert "2: erratic" in out  # a migration column
    assert "silhouette" in out


def test_unknown_version_exits_2_with_one_line(warehouse, capsys):
    for argv in (
        ["models", "show", "product-zzz"],
        ["models", "compare", "product-old", "product-zzz"],
        ["models", "rollback", "product-zzz"],
    ):
        assert _run(argv + ["--duckdb", str(warehouse)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert len(captured.err.strip().splitlines()) == 1 and "product-zzz" in captured.err


def test_missing_warehouse_exits_2(tmp_path, capsys):
    assert _run(["models", "list", "--duckdb", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()


def test_rollback_switches_current_and_reads_stay_read_only(warehouse, capsys):
    with connect(warehouse, read_only=True):
        # a read-only holder does not block the reading commands
        assert _run(["models", "list", "--duckdb", str(warehouse)]) == 0
    assert _run(["models", "rollback", "product-old", "--duckdb", str(warehouse)]) == 0
    assert "product-old" in capsys.readouterr().out
    with connect(warehouse, read_only=True) as connection:
        assert current_assignments(connection, "product")["segment_id"].to_list() == [0, 0, 1, 1]
