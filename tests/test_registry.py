"""The model registry keeps every published segmentation, switches the current one atomically,
and can say how two versions differ."""

from __future__ import annotations

import pickle

import polars as pl
import pytest

from segmentation_assets.segmentation.plots import migration_heatmap, png_markdown
from segmentation_assets.segmentation.registry import (
    ModelVersion,
    UnknownVersion,
    code_version,
    data_snapshot,
    load_artifact,
    register_version,
    rollback,
    version_id,
)
from segmentation_assets.segmentation.registry_queries import (
    compare_versions,
    current_assignments,
    list_versions,
    show_version,
)
from segmentation_assets.warehouse import connect, read_table

IDS = [f"P{i}" for i in range(6)]


def _version(
    name: str, k: int = 2, metrics: dict | None = None, features: list[str] | None = None
) -> ModelVersion:
    return ModelVersion(
        model_version=name,
        entity_type="product",
        algorithm="kmeans",
        k=k,
        params={"n_init": 10},
        features=features or ["weekly_units", "demand_cov"],
        metrics=metrics or {"silhouette": 0.5},
        config='{"seed": 42}',
        data_snapshot="d" * 64,
        code_version="0.1.0+abc",
    )


def _assignments(segments: list[int], names: dict[int, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"entity_id": IDS, "segment_id": segments, "segment_name": [names[s] for s in segments]}
    )


def _explanations(assignments: pl.DataFrame) -> pl.DataFrame:
    return assignments.with_columns(
        pl.lit("weekly_units").alias("driver_1"),
        pl.format("in segment '{}'", "segment_name").alias("explanation"),
    )


def _register(connection, name: str, segments: list[int], names: dict[int, str], **kwargs) -> bool:
    assignments = _assignments(segments, names)
    artifacts = {
        "model": ("application/x-pickle", pickle.dumps({"k": len(names)})),
        "rules": ("text/plain", b"if"),
    }
    return register_version(
        connection, _version(name, **kwargs), assignments, _explanations(assignments), artifacts
    )


FIRST = [0, 0, 0, 1, 1, 1]
FIRST_NAMES = {0: "fast", 1: "slow"}
# The same partition with the ids swapped, and a different partition (P2 moves, a third segment)
PERMUTED = [1, 1, 1, 0, 0, 0]
PERMUTED_NAMES = {1: "fast", 0: "slow"}
DIFFERENT = [0, 0, 1, 1, 2, 2]
DIFFERENT_NAMES = {0: "fast", 1: "slow", 2: "erratic"}


@pytest.fixture
def warehouse(tmp_path):
    with connect(tmp_path / "w.duckdb") as connection:
        yield connection


def test_register_two_versions_latest_is_current(warehouse):
    assert _register(warehouse, "product-a", FIRST, FIRST_NAMES) is True
    assert _register(warehouse, "product-b", DIFFERENT, DIFFERENT_NAMES, k=3) is True
    versions = list_versions(warehouse)
    assert sorted(versions["model_version"].to_list()) == ["product-a", "product-b"]
    assert dict(zip(versions["model_version"], versions["is_current"], strict=True)) == {
        "product-a": False,
        "product-b": True,
    }
    assert versions["entities"].to_list() == [6, 6]
    assert list_versions(warehouse, "customer").is_empty()
    current = current_assignments(warehouse, "product")
    assert current["segment_id"].to_list() == DIFFERENT
    assert set(current["model_version"]) == {"product-b"}
    shown = show_version(warehouse, "product-a")
    assert shown["metrics"] == {"silhouette": 0.5}
    assert shown["features"] == ["weekly_units", "demand_cov"]
    assert shown["segments"]["entities"].to_list() == [3, 3]
    assert pickle.loads(load_artifact(warehouse, "product-a", "model")) == {"k": 2}
    events = read_table(warehouse, "segments", "model_events").sort("event_at")
    assert events.filter(pl.col("model_version") == "product-b")["event"].to_list() == [
        "registered",
        "made_current",
    ]


def test_compare_identical_partition_with_other_ids_is_ari_one(warehouse):
    _register(warehouse, "product-a", FIRST, FIRST_NAMES)
    _register(warehouse, "product-p", PERMUTED, PERMUTED_NAMES)
    result = compare_versions(warehouse, "product-a", "product-p")
    assert result["adjusted_rand"] == pytest.approx(1.0)
    assert result["common_entities"] == 6
    assert result["segments_added"] == [] and result["segments_removed"] == []
    migration = result["migration"]
    # 'fast' is id 0 in A and id 1 in B: all three fast products stay fast
    assert migration.filter(pl.col("segment in A") == "0: fast")["1: fast"].to_list() == [3]
    assert migration.filter(pl.col("segment in A") == "0: fast")["0: slow"].to_list() == [0]
    assert migration_heatmap(migration).startswith(b"\x89PNG")


def test_compare_different_partitions(warehouse):
    _register(warehouse, "product-a", FIRST, FIRST_NAMES)
    _register(
        warehouse,
        "product-b",
        DIFFERENT,
        DIFFERENT_NAMES,
        k=3,
        metrics={"silhouette": 0.4},
        features=["weekly_units", "adi"],
    )
    result = compare_versions(warehouse, "product-a", "product-b")
    assert result["adjusted_rand"] < 1.0
    assert result["segments_added"] == ["erratic"]
    assert result["segments_removed"] == []
    assert result["params"] == {"k": {"a": 2, "b": 3}}
    assert result["features_added"] == ["adi"] and result["features_removed"] == ["demand_cov"]
    metric = result["metrics"].row(0, named=True)
    assert metric["metric"] == "silhouette" and metric["difference"] == pytest.approx(-0.1)
    assert result["migration"]["segment in A"].to_list() == ["0: fast", "1: slow"]
    assert result["migration"].select(pl.exclude("segment in A")).sum_horizontal().to_list() == [
        3,
        3,
    ]
    assert png_markdown(migration_heatmap(result["migration"]), "moves").startswith(
        "![moves](data:image/png;base64,"
    )


def test_rollback_makes_older_current(warehouse):
    _register(warehouse, "product-a", FIRST, FIRST_NAMES)
    _register(warehouse, "product-b", DIFFERENT, DIFFERENT_NAMES)
    message = rollback(warehouse, "product-a")
    assert "product-a" in message and "product-b" in message
    assert current_assignments(warehouse, "product")["segment_id"].to_list() == FIRST
    assert read_table(warehouse, "segments", "model_events")["event"].to_list()[-1] == "rolled_back"
    with pytest.raises(UnknownVersion, match="product-zzz"):
        rollback(warehouse, "product-zzz")


def test_rerun_of_same_version_replaces_its_rows(warehouse):
    _register(warehouse, "product-a", FIRST, FIRST_NAMES)
    _register(warehouse, "product-b", DIFFERENT, DIFFERENT_NAMES)
    assert _register(warehouse, "product-a", FIRST, FIRST_NAMES) is False
    assert read_table(warehouse, "segments", "model_versions").height == 2
    counts = dict(
        warehouse.execute(
            "select model_version, count(*) from segments.assignments group by 1"
        ).fetchall()
    )
    assert counts == {"product-a": 6, "product-b": 6}
    assert read_table(warehouse, "segments", "model_artifacts").height == 4
    assert current_assignments(warehouse, "product")["model_version"].unique().to_list() == [
        "product-a"
    ]


@pytest.mark.parametrize("broken", ["assignments", "explanations"])
def test_failed_registration_changes_nothing(warehouse, broken):
    _register(warehouse, "product-a", FIRST, FIRST_NAMES)
    before = {
        t: read_table(warehouse, "segments", t).sort(
            read_table(warehouse, "segments", t).columns[:2]
        )
        for t in ("model_versions", "assignments", "explanations", "model_events")
    }
    good = _assignments(DIFFERENT, DIFFERENT_NAMES)
    assignments = good.drop("segment_id") if broken == "assignments" else good
    explanations = (
        _explanations(good).drop("explanation") if broken == "explanations" else _explanations(good)
    )
    with pytest.raises(ValueError, match="missing column"):
        register_version(warehouse, _version("product-b"), assignments, explanations, {})
    # the same failure on a rerun of the current version must not lose its rows either
    with pytest.raises(ValueError, match="missing column"):
        register_version(warehouse, _version("product-a"), assignments, explanations, {})
    for table, frame in before.items():
        assert read_table(warehouse, "segments", table).sort(frame.columns[:2]).equals(frame), table
    assert current_assignments(warehouse, "product")["segment_id"].to_list() == FIRST


def test_unknown_version_errors(warehouse):
    with pytest.raises(UnknownVersion):
        show_version(warehouse, "product-nope")
    _register(warehouse, "product-a", FIRST, FIRST_NAMES)
    with pytest.raises(UnknownVersion, match="product-nope"):
        compare_versions(warehouse, "product-a", "product-nope")
    with pytest.raises(UnknownVersion):
        load_artifact(warehouse, "product-a", "no-such-artifact")


def test_version_id_depends_on_every_input():
    base = ("product", "snap", '{"seed": 42}', "0.1.0+abc")
    assert version_id(*base) == version_id(*base)
    assert (
        version_id(*base).startswith("product-") and len(version_id(*base)) == len("product-") + 12
    )
    changed = [
        ("customer", "snap", '{"seed": 42}', "0.1.0+abc"),
        ("product", "other", '{"seed": 42}', "0.1.0+abc"),
        ("product", "snap", '{"seed": 43}', "0.1.0+abc"),
        ("product", "snap", '{"seed": 42}', "0.1.0+abd"),
    ]
    assert len({version_id(*base), *(version_id(*c) for c in changed)}) == 5


def test_code_version_names_the_package_and_a_source_hash():
    version = code_version()
    assert version == code_version()
    package, digest = version.split("+")
    assert package == "0.1.0" and len(digest) == 12  # pyproject.toml: version = "0.1.0"


def test_data_snapshot_ignores_row_order_but_not_content():
    frame = pl.DataFrame(
        {"sku": ["B", "A", "C"], "units": [2.0, 1.0, 3.0], "abc": ["B", "A", None]}
    )
    shuffled = frame[[2, 0, 1]]
    assert data_snapshot(frame) == data_snapshot(shuffled)
    assert data_snapshot(frame) == data_snapshot(
        frame.with_columns(pl.col("units") + 1e-13)
    )  # float noise
    assert data_snapshot(frame) != data_snapshot(frame.with_columns(pl.col("units") * 2))
    assert data_snapshot(frame) != data_snapshot(frame.head(2))
    assert len(data_snapshot(frame)) == 64
