"""Read-only questions to the model registry: which versions exist, what one holds, how two differ.

Nothing here writes, so every function works on a read-only DuckDB connection.
"""

from __future__ import annotations

import json

import duckdb
import polars as pl
from sklearn.metrics import adjusted_rand_score

from segmentation_assets.segmentation.migration import migration_matrix
from segmentation_assets.segmentation.registry import (
    UnknownVersion,
    gate_columns,
    registry_exists,
)
from segmentation_assets.warehouse import read_table

_LIST_COLUMNS = {
    "model_version": pl.String,
    "entity_type": pl.String,
    "created_at": pl.Datetime("us"),
    "algorithm": pl.String,
    "k": pl.Int32,
    "entities": pl.Int64,
    "is_current": pl.Boolean,
    "gate": pl.String,
    "data_snapshot": pl.String,
    "code_version": pl.String,
}
_JSON_FIELDS = ("params", "features", "metrics", "config")


def list_versions(
    connection: duckdb.DuckDBPyConnection, entity_type: str | None = None
) -> pl.DataFrame:
    """All versions, newest first, with how many entities each assigned and the quality gate's
    verdict (`passed`, or `failed: <reasons>`; registries older than the gate show `passed`)."""
    if not registry_exists(connection):
        return pl.DataFrame(schema=_LIST_COLUMNS)
    query = f"""
        select v.model_version, v.entity_type, v.created_at, v.algorithm, v.k,
               (select count(*) from segments.assignments a
                where a.model_version = v.model_version) as entities,
               v.is_current, {gate_columns(connection, "v")},
               left(v.data_snapshot, 12) as data_snapshot, v.code_version
        from segments.model_versions v
        where ? is null or v.entity_type = ?
        order by v.created_at desc, v.model_version"""
    versions = connection.execute(query, [entity_type, entity_type]).pl()
    verdicts = [
        "passed" if passed else "failed: " + "; ".join(json.loads(reasons or "[]"))
        for passed, reasons in versions.select("gate_passed", "gate_reasons").iter_rows()
    ]
    return versions.with_columns(pl.Series("gate", verdicts, pl.String)).select(*_LIST_COLUMNS)


def _version_record(connection: duckdb.DuckDBPyConnection, version: str) -> dict:
    if not registry_exists(connection):
        raise UnknownVersion(version)
    frame = read_table(connection, "segments", "model_versions", "model_version = ?", [version])
    if frame.is_empty():
        raise UnknownVersion(version)
    record = frame.row(0, named=True)
    for name in _JSON_FIELDS:
        text = record.get(name)
        try:
            record[name] = json.loads(text) if text else None
        except json.JSONDecodeError:
            pass  # a config stored as plain text stays text
    return record


def segment_sizes(connection: duckdb.DuckDBPyConnection, version: str) -> pl.DataFrame:
    """Entities per segment of one version, with their share."""
    return connection.execute(
        """
        select segment_id, any_value(segment_name) as segment_name, count(*) as entities,
               round(count(*) / sum(count(*)) over (), 4) as share, bool_or(is_noise) as is_noise
        from segments.assignments where model_version = ?
        group by segment_id order by segment_id""",
        [version],
    ).pl()


def show_version(connection: duckdb.DuckDBPyConnection, version: str) -> dict:
    """The version's record (JSON fields parsed), its segment sizes, artifact names and events."""
    record = _version_record(connection, version)
    record["segments"] = segment_sizes(connection, version)
    record["artifacts"] = connection.execute(
        "select name, media_type, octet_length(content) as bytes from segments.model_artifacts "
        "where model_version = ? order by name",
        [version],
    ).pl()
    record["events"] = connection.execute(
        "select event_at, event, detail from segments.model_events where model_version = ? "
        "order by event_at",
        [version],
    ).pl()
    return record


def current_assignments(connection: duckdb.DuckDBPyConnection, entity_type: str) -> pl.DataFrame:
    """The current version's assignments for one entity type (empty if none registered)."""
    if not registry_exists(connection):
        return pl.DataFrame(
            schema={
                "entity_type": pl.String,
                "entity_id": pl.String,
                "segment_id": pl.Int32,
                "segment_name": pl.String,
                "model_version": pl.String,
                "is_noise": pl.Boolean,
            }
        )
    return read_table(
        connection, "segments", "current_assignments", "entity_type = ?", [entity_type]
    ).sort("entity_id")


def _migration_between(joined: pl.DataFrame) -> pl.DataFrame:
    """Rows: segments in A; columns: segments in B; cells: entities (`migration_matrix`)."""
    moves = joined.select(
        pl.col("segment_id_a").alias("from_id"),
        pl.col("segment_name_a").alias("from_name"),
        pl.col("segment_id_b").alias("to_id"),
        pl.col("segment_name_b").alias("to_name"),
        pl.lit(1).alias("entities"),
    )
    return migration_matrix(moves, "segment in A")


def _differences(a: dict, b: dict) -> dict[str, dict]:
    return {
        key: {"a": a.get(key), "b": b.get(key)}
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    }


def compare_versions(connection: duckdb.DuckDBPyConnection, a: str, b: str) -> dict:
    """How two versions differ.

    Agreement on common entities (adjusted Rand index: 1 = same partition whatever the
    segment ids), who moved where, segments added/removed (by name), and changed metrics,
    parameters and features.
    """
    record_a, record_b = _version_record(connection, a), _version_record(connection, b)
    columns = "entity_id, segment_id, segment_name"
    left = read_table(connection, "segments", "assignments", "model_version = ?", [a]).select(
        columns.split(", ")
    )
    right = read_table(connection, "segments", "assignments", "model_version = ?", [b]).select(
        columns.split(", ")
    )
    joined = left.join(right, on="entity_id", suffix="_b").rename(
        {"segment_id": "segment_id_a", "segment_name": "segment_name_a"}
    )
    ari = (
        float(
            adjusted_rand_score(
                joined["segment_id_a"].to_numpy(), joined["segment_id_b"].to_numpy()
            )
        )
        if joined.height
        else None
    )
    names_a = set(left["segment_name"].drop_nulls().to_list())
    names_b = set(right["segment_name"].drop_nulls().to_list())
    metrics_a, metrics_b = record_a["metrics"] or {}, record_b["metrics"] or {}
    metrics = pl.DataFrame(
        [
            {"metric": key, "a": _number(metrics_a.get(key)), "b": _number(metrics_b.get(key))}
            for key in sorted(set(metrics_a) | set(metrics_b))
        ],
        schema={"metric": pl.String, "a": pl.Float64, "b": pl.Float64},
    ).with_columns((pl.col("b") - pl.col("a")).alias("difference"))
    model_a = {"algorithm": record_a["algorithm"], "k": record_a["k"], **(record_a["params"] or {})}
    model_b = {"algorithm": record_b["algorithm"], "k": record_b["k"], **(record_b["params"] or {})}
    features_a, features_b = record_a["features"] or [], record_b["features"] or []
    return {
        "a": a,
        "b": b,
        "entity_types": (record_a["entity_type"], record_b["entity_type"]),
        "common_entities": joined.height,
        "only_in_a": left.height - joined.height,
        "only_in_b": right.height - joined.height,
        "adjusted_rand": ari,
        "migration": _migration_between(joined),
        "segments_added": sorted(names_b - names_a),
        "segments_removed": sorted(names_a - names_b),
        "metrics": metrics,
        "params": _differences(model_a, model_b),
        "features_added": [name for name in features_b if name not in features_a],
        "features_removed": [name for name in features_a if name not in features_b],
        "data_changed": record_a["data_snapshot"] != record_b["data_snapshot"],
        "code_changed": record_a["code_version"] != record_b["code_version"],
    }


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
