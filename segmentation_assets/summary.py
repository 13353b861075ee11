"""A short, human summary of the warehouse after a run (printed by `segmentation run`)."""

from __future__ import annotations

from pathlib import Path

import duckdb

TABLES = [
    ("raw", "erp__order_lines"),
    ("marts", "dim_product"),
    ("marts", "dim_customer"),
    ("marts", "dim_location"),
    ("marts", "fct_order_lines"),
    ("marts", "fct_shipments"),
    ("marts", "fct_freight"),
    ("marts", "fct_weekly_demand"),
    ("quarantine", "order_lines"),
    ("reconcile", "exceptions"),
]


def warehouse_summary(path: Path) -> str:
    """Row counts, rejected files, exceptions and quarantine, or why the warehouse is unreadable."""
    try:
        return _summary(path)
    except (duckdb.Error, OSError) as error:
        return f"Warehouse {path} cannot be read: {error}"


def _summary(path: Path) -> str:
    lines = [f"Warehouse {path}"]
    with duckdb.connect(str(path), read_only=True) as connection:
        existing = {
            tuple(r)
            for r in connection.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        if ("raw", "file_loads") in existing:
            lines.append("Landing files:")
            for status, files, rows in connection.execute(
                "select status, count(*), sum(rows) from raw.file_loads group by 1 order by 1"
            ).fetchall():
                lines.append(f"  {status:<9} {files:>5} files {rows or 0:>12,} rows")
            for (message,) in connection.execute(
                "select message from raw.file_loads where status = 'rejected' "
                "order by source_file limit 10"
            ).fetchall():
                lines.append(f"  ! {message}")
        lines.append("Tables:")
        for schema, table in TABLES:
            if (schema, table) in existing:
                (count,) = connection.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()
                lines.append(f"  {schema + '.' + table:<28} {count:>12,} rows")
        if ("reconcile", "exceptions") in existing:
            lines.append("Reconciliation exceptions:")
            for entity_type, kind, count in connection.execute(
                "select entity_type, exception_type, count(*) from reconcile.exceptions "
                "group by 1, 2 order by 1, 2"
            ).fetchall():
                lines.append(f"  {entity_type:<10} {kind:<26} {count:>8,}")
        if ("quarantine", "order_lines") in existing:
            lines.append("Quarantined order lines by rule:")
            for rule, count in connection.execute(
                "select rule, count(*) from quarantine.order_lines group by 1 order by 2 desc"
            ).fetchall():
                lines.append(f"  {rule:<28} {count:>8,}")
        if ("segments", "model_versions") in existing:
            lines.append(
                "Segments in service (segments.current_assignments; `segmentation models list`):"
            )
            for version, entity_type, algorithm in connection.execute(
                "select model_version, entity_type, algorithm from segments.model_versions "
                "where is_current order by 2"
            ).fetchall():
                lines.append(f"  {version} ({algorithm})")
                for name, count in connection.execute(
                    "select segment_name, count(*) from segments.assignments "
                    "where model_version = ? group by segment_id, segment_name order by segment_id",
                    [version],
                ).fetchall():
                    lines.append(f"    {name:<60} {count:>8,} {entity_type}s")
    return "\n".join(lines)
