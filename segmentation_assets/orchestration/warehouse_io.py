"""How Python assets read their inputs from and write their outputs to the warehouse."""

from __future__ import annotations

import polars as pl
from dagster_duckdb import DuckDBResource

from segmentation_assets.warehouse import read_table, replace_tables, table_columns, table_exists


def read_tables(
    warehouse: DuckDBResource,
    schema: str,
    tables: list[str],
    columns: dict[str, tuple[str, ...]] | None = None,
    where: dict[str, str] | None = None,
) -> dict[str, pl.DataFrame | None]:
    """Tables as frames (None when absent), limited to `columns[table]` where given and present,
    and to the rows matching `where[table]` (a SQL predicate) where given."""
    frames: dict[str, pl.DataFrame | None] = {}
    with warehouse.get_connection() as connection:
        for table in tables:
            if not table_exists(connection, schema, table):
                frames[table] = None
                continue
            wanted = (columns or {}).get(table)
            predicate = (where or {}).get(table)
            if wanted is None and predicate is None:
                frames[table] = read_table(connection, schema, table)
                continue
            present = table_columns(connection, schema, table)
            selected = ", ".join(f'"{c}"' for c in (wanted or present) if c in present)
            clause = f" where {predicate}" if predicate else ""
            frames[table] = connection.execute(
                f'select {selected} from "{schema}"."{table}"{clause}'
            ).pl()
    return frames


def write_tables(warehouse: DuckDBResource, tables: dict[tuple[str, str], pl.DataFrame]) -> None:
    """Replace the tables in one transaction: all land, or the previous versions stay."""
    with warehouse.get_connection() as connection:
        replace_tables(connection, tables)
