"""The model registry in the warehouse (schema `segments`): every segmentation ever published.

A version id is a hash of what produced it (entity type, input data, config, code), so a rerun
on the same inputs lands on the same id and replaces its own rows instead of piling up copies.
Registering records the quality gate's verdict and makes the version current for its entity
type only when it passed; rolling back makes an older one (that passed) current again. Each
change is one transaction and leaves an event in an append-only log.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from segmentation_assets.warehouse import append_rows, table_columns, table_exists, transaction

SCHEMA = "segments"
DISTRIBUTION = "segmentation-assets"
_PACKAGE = Path(__file__).resolve().parents[1]
_HASHED_SOURCES = ("features", "segmentation")

_DDL = (
    """create table if not exists segments.model_versions (
        model_version varchar primary key, entity_type varchar not null,
        created_at timestamp not null, algorithm varchar not null, k integer, params varchar,
        features varchar, metrics varchar, config varchar, data_snapshot varchar not null,
        code_version varchar not null, is_current boolean not null,
        gate_passed boolean not null default true, gate_reasons varchar)""",
    # registries made before the quality gate existed: their versions all went into service
    "alter table segments.model_versions add column if not exists gate_passed boolean default true",
    "alter table segments.model_versions add column if not exists gate_reasons varchar",
    """create table if not exists segments.assignments (
        entity_type varchar not null, entity_id varchar not null, segment_id integer not null,
        segment_name varchar, model_version varchar not null, is_noise boolean not null,
        primary key (model_version, entity_id))""",
    """create table if not exists segments.explanations (
        entity_type varchar not null, entity_id varchar not null, model_version varchar not null,
        segment_id integer not null, segment_name varchar, driver_1 varchar, driver_2 varchar,
        driver_3 varchar, explanation varchar, primary key (model_version, entity_id))""",
    """create table if not exists segments.model_artifacts (
        model_version varchar not null, name varchar not null, media_type varchar not null,
        content blob not null, primary key (model_version, name))""",
    """create table if not exists segments.model_events (
        event_at timestamp not null, entity_type varchar not null, model_version varchar not null,
        event varchar not null, detail varchar)""",
    """create or replace view segments.current_assignments as
        select a.* from segments.assignments a
        join segments.model_versions v on v.model_version = a.model_version and v.is_current""",
)
VERSION_TABLES = ("assignments", "explanations", "model_artifacts")


class UnknownVersion(LookupError):
    """A model version id the registry has never seen."""

    def __init__(self, version: str, what: str = "model version"):
        super().__init__(f"unknown {what} {version!r} (see `segmentation models list`)")


@dataclass
class ModelVersion:
    model_version: str
    entity_type: str
    algorithm: str
    k: int | None
    params: dict
    features: list[str]
    metrics: dict
    config: str | dict  # the config JSON the version id was computed from
    data_snapshot: str
    code_version: str
    created_at: datetime | None = None  # set on first registration
    is_current: bool = False
    gate_reasons: list[str] = field(default_factory=list)  # why it may not serve; [] = passed

    @property
    def gate_passed(self) -> bool:
        return not self.gate_reasons


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return sorted(value) if isinstance(value, set) else list(value)
    return str(value)


def to_json(value) -> str:
    """Canonical JSON (sorted keys, NaN as null) so equal content gives equal text."""

    def clean(item):
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, dict):
            return {str(k): clean(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [clean(v) for v in item]
        return item

    return json.dumps(clean(json.loads(json.dumps(value, default=_json_default))), sort_keys=True)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_version() -> str:
    """Package version + a short hash of the feature and segmentation source.

    A code change is a new id.
    """
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    digest = hashlib.sha256()
    for folder in _HASHED_SOURCES:
        for path in sorted((_PACKAGE / folder).rglob("*.py")):
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


def data_snapshot(frame: pl.DataFrame) -> str:
    """Hash of the frame's content, independent of row order, written as CSV.

    Rows are sorted (first column, then the rest); floats are rounded to 9 decimals so
    summation-order noise does not change it.
    """
    if frame.width == 0:
        return _sha256(b"")
    floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
    normalised = frame.with_columns([(pl.col(name).round(9) + 0.0).alias(name) for name in floats])
    sortable = [name for name, dtype in normalised.schema.items() if not dtype.is_nested()]
    ordered = (
        normalised.sort(sortable, nulls_last=True, maintain_order=True) if sortable else normalised
    )
    text = ordered.write_csv(float_precision=9, null_value="\\N")
    dtypes = ",".join(f"{name}:{dtype}" for name, dtype in frame.schema.items())
    return _sha256(dtypes.encode() + b"\n" + text.encode())


def version_id(entity_type: str, data_snapshot: str, config_json: str, code_version: str) -> str:
    """`<entity_type>-<12 hex>`: the same inputs always give the same id."""
    payload = json.dumps([entity_type, data_snapshot, config_json, code_version]).encode()
    return f"{entity_type}-{_sha256(payload)[:12]}"


def ensure_schema(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(f"create schema if not exists {SCHEMA}")
    for statement in _DDL:
        connection.execute(statement)


def registry_exists(connection: duckdb.DuckDBPyConnection) -> bool:
    return table_exists(connection, SCHEMA, "model_versions")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _with_columns(frame: pl.DataFrame, required: tuple[str, ...], table: str) -> pl.DataFrame:
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise ValueError(f"{table}: missing column(s) {', '.join(missing)}")
    return frame


def _event(
    connection: duckdb.DuckDBPyConnection, entity_type: str, version: str, event: str, detail: str
) -> None:
    connection.execute(
        "insert into segments.model_events values (?, ?, ?, ?, ?)",
        [_now(), entity_type, version, event, detail],
    )


def current_version(connection: duckdb.DuckDBPyConnection, entity_type: str) -> str | None:
    if not registry_exists(connection):
        return None
    found = connection.execute(
        "select model_version from segments.model_versions where entity_type = ? and is_current",
        [entity_type],
    ).fetchone()
    return found[0] if found else None


def _make_current(
    connection: duckdb.DuckDBPyConnection, entity_type: str, version: str
) -> str | None:
    previous = current_version(connection, entity_type)
    connection.execute(
        "update segments.model_versions set is_current = (model_version = ?) where entity_type = ?",
        [version, entity_type],
    )
    return previous


def _assignment_rows(version: ModelVersion, assignments: pl.DataFrame) -> pl.DataFrame:
    frame = _with_columns(assignments, ("entity_id", "segment_id", "segment_name"), "assignments")
    noise = pl.col("is_noise") if "is_noise" in frame.columns else pl.col("segment_id") == -1
    return frame.select(
        pl.lit(version.entity_type).alias("entity_type"),
        pl.col("entity_id").cast(pl.String),
        pl.col("segment_id").cast(pl.Int32),
        pl.col("segment_name").cast(pl.String),
        pl.lit(version.model_version).alias("model_version"),
        noise.cast(pl.Boolean).alias("is_noise"),
    )


def _explanation_rows(version: ModelVersion, explanations: pl.DataFrame) -> pl.DataFrame:
    frame = _with_columns(explanations, ("entity_id", "segment_id", "explanation"), "explanations")
    optional = ["segment_name", "driver_1", "driver_2", "driver_3"]
    return frame.select(
        pl.lit(version.entity_type).alias("entity_type"),
        pl.col("entity_id").cast(pl.String),
        pl.lit(version.model_version).alias("model_version"),
        pl.col("segment_id").cast(pl.Int32),
        *[
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(pl.String).alias(name)
            for name in optional
        ],
        pl.col("explanation").cast(pl.String),
    )


def _artifact_rows(version: ModelVersion, artifacts: dict[str, tuple[str, bytes]]) -> pl.DataFrame:
    for name, item in artifacts.items():
        if not (
            isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], (bytes, bytearray))
        ):
            raise TypeError(f"artifact {name!r} must be (media_type, bytes)")
    return pl.DataFrame(
        {
            "model_version": [version.model_version] * len(artifacts),
            "name": list(artifacts),
            "media_type": [media for media, _ in artifacts.values()],
            "content": [bytes(content) for _, content in artifacts.values()],
        },
        schema={
            "model_version": pl.String,
            "name": pl.String,
            "media_type": pl.String,
            "content": pl.Binary,
        },
    )


def register_version(
    connection: duckdb.DuckDBPyConnection,
    version: ModelVersion,
    assignments: pl.DataFrame,
    explanations: pl.DataFrame,
    artifacts: dict[str, tuple[str, bytes]],
) -> bool:
    """Store a version with its gate verdict and, when it passed, make it current for its
    entity type, all in one transaction (a version that failed the gate leaves the current one
    in service).

    Returns True for a new version, False for a rerun of an existing id (its own rows are
    replaced; other versions' rows are never touched apart from the current flag). On any
    error nothing changes.
    """
    with transaction(connection):
        ensure_schema(connection)
        existing = connection.execute(
            "select created_at from segments.model_versions where model_version = ?",
            [version.model_version],
        ).fetchone()
        created_at = existing[0] if existing else (version.created_at or _now())
        record = [
            version.model_version,
            version.entity_type,
            created_at,
            version.algorithm,
            None if version.k is None else int(version.k),
            to_json(version.params),
            to_json(list(version.features)),
            to_json(version.metrics),
            version.config if isinstance(version.config, str) else to_json(version.config),
            version.data_snapshot,
            version.code_version,
            version.gate_passed,
            to_json(version.gate_reasons) if version.gate_reasons else None,
        ]
        if existing:
            connection.execute(
                "update segments.model_versions set entity_type = ?, created_at = ?, "
                "algorithm = ?, k = ?, params = ?, features = ?, metrics = ?, config = ?, "
                "data_snapshot = ?, code_version = ?, gate_passed = ?, gate_reasons = ? "
                "where model_version = ?",
                record[1:] + [version.model_version],
            )
            for table in VERSION_TABLES:
                connection.execute(
                    f"delete from segments.{table} where model_version = ?", [version.model_version]
                )
        else:
            connection.execute(
                "insert into segments.model_versions (model_version, entity_type, created_at, "
                "algorithm, k, params, features, metrics, config, data_snapshot, code_version, "
                "gate_passed, gate_reasons, is_current) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
                record,
            )
        append_rows(connection, SCHEMA, "assignments", _assignment_rows(version, assignments))
        append_rows(connection, SCHEMA, "explanations", _explanation_rows(version, explanations))
        append_rows(connection, SCHEMA, "model_artifacts", _artifact_rows(version, artifacts))
        _event(
            connection,
            version.entity_type,
            version.model_version,
            "registered",
            "rerun: replaced this version's rows"
            if existing
            else f"{assignments.height} assignments, {len(artifacts)} artifacts",
        )
        if not version.gate_passed:
            connection.execute(
                "update segments.model_versions set is_current = false where model_version = ?",
                [version.model_version],
            )
            _event(
                connection,
                version.entity_type,
                version.model_version,
                "gate_failed",
                "not put into service: " + "; ".join(version.gate_reasons),
            )
            return not existing
        previous = _make_current(connection, version.entity_type, version.model_version)
        if previous != version.model_version:
            _event(
                connection,
                version.entity_type,
                version.model_version,
                "made_current",
                f"previous: {previous}",
            )
    return not existing


def gate_columns(connection: duckdb.DuckDBPyConnection, alias: str = "") -> str:
    """`gate_passed, gate_reasons` for a select on model_versions. A registry made before the
    quality gate (read without migrating, e.g. read-only) has neither column: all its versions
    went into service, so they read as passed."""
    if "gate_passed" in table_columns(connection, SCHEMA, "model_versions"):
        prefix = f"{alias}." if alias else ""
        return f"{prefix}gate_passed, {prefix}gate_reasons"
    return "true as gate_passed, null as gate_reasons"


def _record(
    connection: duckdb.DuckDBPyConnection, version: str
) -> tuple[str, bool, list[str] | None]:
    """(entity type, is current, the gate's reasons or None when it passed) of a version."""
    if not registry_exists(connection):
        raise UnknownVersion(version)
    found = connection.execute(
        f"select entity_type, is_current, {gate_columns(connection)} "
        "from segments.model_versions where model_version = ?",
        [version],
    ).fetchone()
    if not found:
        raise UnknownVersion(version)
    entity_type, is_current, passed, reasons = found
    return entity_type, bool(is_current), None if passed else json.loads(reasons or "[]")


class GateFailed(ValueError):
    """A version the quality gate kept out of service cannot be put into service by hand."""


def rollback(connection: duckdb.DuckDBPyConnection, version: str) -> str:
    """Make `version` current again for its entity type; returns a one-line description.

    Refuses a version that failed the quality gate: nothing goes into service unchecked.
    """
    entity_type, _, failed = _record(connection, version)
    if failed is not None:
        reasons = "; ".join(failed) or "no reason recorded"
        raise GateFailed(f"{version} failed the quality gate ({reasons}); it cannot be served")
    with transaction(connection):
        previous = _make_current(connection, entity_type, version)
        if previous == version:
            return f"{entity_type}: {version} is already the current version"
        _event(connection, entity_type, version, "rolled_back", f"previous: {previous}")
    return f"{entity_type}: current version is now {version} (was {previous})"


def load_artifact(connection: duckdb.DuckDBPyConnection, version: str, name: str) -> bytes:
    """The stored bytes of one artifact (pickled model, PNG plot, rules text)."""
    _record(connection, version)
    found = connection.execute(
        "select content from segments.model_artifacts where model_version = ? and name = ?",
        [version, name],
    ).fetchone()
    if not found:
        raise UnknownVersion(f"{version}/{name}", what="artifact")
    return bytes(found[0])
