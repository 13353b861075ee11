"""The one DuckDB warehouse: where it is, and how Python steps read and write it.

Writes replace whole tables inside one transaction, so a failing step leaves the
previous good tables in place (DuckDB is transactional for DDL too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import psutil

DEFAULT_DUCKDB_PATH = "data/warehouse.duckdb"
DEFAULT_LANDING_DIR = "data/landing"


def duckdb_path() -> Path:
    return Path(os.environ.get("SEGMENTATION_DUCKDB_PATH", DEFAULT_DUCKDB_PATH)).resolve()


def duckdb_memory_limit() -> str:
    """DuckDB's memory cap for every connection, dbt's included: SEGMENTATION_DUCKDB_MEMORY_LIMIT
    (e.g. `4GB`), by default 75% of this machine's memory, DuckDB spilling to disk beyond it."""
    configured = os.environ.get("SEGMENTATION_DUCKDB_MEMORY_LIMIT")
    if configured:
        return configured
    return f"{int(psutil.virtual_memory().total * 0.75 / 2**20)}MB"


def landing_dir() -> Path:
    return Path(os.environ.get("SEGMENTATION_LANDING_DIR", DEFAULT_LANDING_DIR)).resolve()


@contextmanager
def connect(
    path: Path | None = None, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    path = path or duckdb_path()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(
        str(path), read_only=read_only, config={"memory_limit": duckdb_memory_limit()}
    )
    try:
        yield connection
    finally:
        connection.close()


def table_exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def read_table(
    connection: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    where: str = "",
    params: list | None = None,
) -> pl.DataFrame:
    query = f'select * from "{schema}"."{table}"' + (f" where {where}" if where else "")
    return connection.execute(query, params or []).pl()


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything inside lands together or not at all."""
    connection.execute("begin transaction")
    try:
        yield connection
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("commit")


def _execute_with_frame(
    connection: duckdb.DuckDBPyConnection, statement: str, frame: pl.DataFrame
) -> None:
    """Run `statement`, in which the frame's rows are the view `_incoming`."""
    connection.register("_incoming", frame.to_arrow())
    try:
        connection.execute(statement)
    finally:
        connection.unregister("_incoming")


def create_table(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame
) -> None:
    """Create or replace `schema.table` with the frame's rows and column types."""
    connection.execute(f'create schema if not exists "{schema}"')
    _execute_with_frame(
        connection,
        f'create or replace table "{schema}"."{table}" as select * from _incoming',
        frame,
    )


def table_columns(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def quoted(identifier: str) -> str:
    """A SQL identifier in double quotes, any quote inside it doubled (a header can hold one)."""
    return '"' + identifier.replace('"', '""') + '"'


def append_rows(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame
) -> None:
    """Insert by column name; columns the table lacks are first added as text (extra columns)."""
    existing = set(table_columns(connection, schema, table))
    for column in frame.columns:
        if column not in existing:
            connection.execute(
                f'alter table "{schema}"."{table}" add column {quoted(column)} varchar'
            )
    _execute_with_frame(
        connection, f'insert into "{schema}"."{table}" by name select * from _incoming', frame
    )


def replace_tables(
    connection: duckdb.DuckDBPyConnection, tables: Mapping[tuple[str, str], pl.DataFrame]
) -> None:
    """Replace several tables atomically: either all new versions land or none does."""
    with transaction(connection):
        for (schema, table), frame in tables.items():
            create_table(connection, schema, table, frame)


def preview_markdown(frame: pl.DataFrame, rows: int = 5) -> str:
    """A small Markdown table for Dagster metadata."""
    head = frame.head(rows)
    if head.width == 0:
        return "_no columns_"
    header = "| " + " | ".join(head.columns) + " |"
    rule = "|" + "---|" * head.width
    body = [
        "| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |"
        for row in head.iter_rows()
    ]
    return "\n".join([header, rule, *body]) if body else header + "\n" + rule
