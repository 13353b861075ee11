"""Reading landing files, one at a time, into typed raw frames plus a per-file log entry.

One bad file never stops the others: it is rejected with file, column, row and rule
in the log, left untouched on disk, and if an earlier good version of the same file
was loaded, those rows are kept so nothing already loaded is lost. `raw_layer` streams
these outcomes into the warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from segmentation_assets.sources.column_types import (
    POLARS_TYPES,
    apply_contract_types,
    check_required_columns,
)
from segmentation_assets.sources.contract import Entity
from segmentation_assets.sources.landing_files import (
    SUPPORTED_SUFFIXES,
    FileRejected,
    LandingFile,
    discover_landing_files,
    read_untyped,
)

FILE_LOADS_SCHEMA: dict[str, pl.DataType] = {
    "system": pl.String(),
    "entity": pl.String(),
    "source_file": pl.String(),
    "status": pl.String(),
    "rows": pl.Int64(),
    "message": pl.String(),
    "error_column": pl.String(),
    "error_row": pl.Int64(),
    "error_rule": pl.String(),
    "file_size_bytes": pl.Int64(),
    "file_sha256": pl.String(),
    "file_modified_at": pl.Datetime("us"),
    "loaded_at": pl.Datetime("us"),
}

# Columns the loader adds to every raw table; dbt staging relies on them for newest-wins.
METADATA_SCHEMA: dict[str, pl.DataType] = {
    "_raw_row_id": pl.String(),  # '<source_file>#<row_number>', unique across the raw table
    "_source_file": pl.String(),  # path relative to the landing dir, forward slashes
    "_row_number": pl.Int64(),  # 1-based data row within the file (CSV line = row + 1)
    "_file_modified_at": pl.Datetime("us"),  # file modification time (UTC)
    "_loaded_at": pl.Datetime("us"),  # when this load ran (UTC)
}

# Given an entity and a source file, the rows a previous load put in raw (or None).
PreviousRows = Callable[[Entity, str], pl.DataFrame | None]


def empty_raw_frame(entity: Entity) -> pl.DataFrame:
    schema = {c.name: POLARS_TYPES[c.type] for c in entity.columns} | METADATA_SCHEMA
    return pl.DataFrame(schema=schema)


def read_landing_file(file: LandingFile, entity: Entity, loaded_at: datetime) -> pl.DataFrame:
    """One file as a typed raw frame with its metadata columns; raises FileRejected."""
    frame = read_untyped(file)
    check_required_columns(frame, entity)
    typed = apply_contract_types(frame, entity)
    row_numbers = pl.int_range(1, typed.height + 1, dtype=pl.Int64, eager=True)
    return typed.with_columns(
        _raw_row_id=pl.lit(file.relative_path + "#") + row_numbers.cast(pl.String),
        _source_file=pl.lit(file.relative_path),
        _row_number=row_numbers,
        _file_modified_at=pl.lit(file.modified_at, dtype=pl.Datetime("us")),
        _loaded_at=pl.lit(loaded_at, dtype=pl.Datetime("us")),
    )


@dataclass(frozen=True)
class FileOutcome:
    """One landing file's log entry, and its typed rows when it loaded (or previous rows kept)."""

    entity: Entity | None
    log: dict[str, object]
    rows: pl.DataFrame | None


def read_landing_zone(
    landing_dir: Path,
    loaded_at: datetime,
    previous_rows: PreviousRows | None = None,
) -> Iterator[FileOutcome]:
    """Read landing files one at a time, so a caller can stream them into the warehouse."""
    for file in discover_landing_files(landing_dir):
        yield _read_one(file, loaded_at, previous_rows)


def _read_one(
    file: LandingFile, loaded_at: datetime, previous_rows: PreviousRows | None
) -> FileOutcome:
    entry: dict[str, object] = {
        "source_file": file.relative_path,
        "file_size_bytes": file.size_bytes,
        "file_sha256": file.sha256,
        "file_modified_at": file.modified_at,
        "loaded_at": loaded_at,
        "rows": 0,
    }
    if file.entity is None:
        return FileOutcome(
            None,
            entry
            | {
                "system": file.relative_path.split("/")[0],
                "entity": None,
                "status": "ignored",
                "message": f"{file.relative_path}: not a contract entity path (expected "
                f"<system>/<entity>{'|'.join(SUPPORTED_SUFFIXES)} or <system>/<entity>/<drop>)",
            },
            None,
        )
    entity = file.entity
    entry |= {"system": entity.system, "entity": entity.name}
    try:
        frame = read_landing_file(file, entity, loaded_at)
    except FileRejected as rejection:
        kept = previous_rows(entity, file.relative_path) if previous_rows else None
        kept = kept if kept is not None and kept.height else None
        message = f"{file.relative_path}: {rejection.message}"
        if kept is not None:
            message += f"; kept the {kept.height} rows of the previous good load of this file"
        return FileOutcome(
            entity,
            entry
            | {
                "status": "rejected",
                "rows": kept.height if kept is not None else 0,
                "message": message,
                "error_column": rejection.column,
                "error_row": rejection.row,
                "error_rule": rejection.rule,
            },
            kept,
        )
    extras = [c for c in frame.columns if c not in entity.column_names and c not in METADATA_SCHEMA]
    notes = []
    if frame.height == 0:
        notes.append("header only: no data rows")
    if extras:
        notes.append(f"extra columns kept in raw, ignored downstream: {', '.join(extras)}")
    return FileOutcome(
        entity,
        entry | {"status": "loaded", "rows": frame.height, "message": "; ".join(notes) or None},
        frame,
    )


def file_log(entries: list[dict[str, object]]) -> pl.DataFrame:
    return (
        pl.DataFrame(entries, schema=FILE_LOADS_SCHEMA)
        if entries
        else pl.DataFrame(schema=FILE_LOADS_SCHEMA)
    )
