"""Streaming the landing zone into DuckDB with write_raw_layer, as the ingest asset does: every
drop of an entity unioned into one typed raw table, swapped in all at once, and a failure midway
leaves the previous raw layer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from segmentation_assets.sources.contract import ENTITIES, ColumnType, entity
from segmentation_assets.sources.loader import METADATA_SCHEMA, empty_raw_frame
from segmentation_assets.sources.raw_layer import write_raw_layer
from segmentation_assets.warehouse import connect, read_table
from tests.conftest import LOADED_AT, ORDER_HEADER

# The DuckDB type each contract column type is stored as (docs/ARCHITECTURE.md, raw).
DUCKDB_TYPES = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INT: "BIGINT",
    ColumnType.DECIMAL: "DOUBLE",
    ColumnType.DATE: "DATE",
    ColumnType.BOOL: "BOOLEAN",
}
MTIME_A = 1_700_000_000
MTIME_B = MTIME_A + 100
MTIME_C = MTIME_A + 200
MTIME_CUSTOMERS = MTIME_A + 300


def _modified_at(mtime: int) -> datetime:
    """A file's mtime as raw stores it: naive UTC."""
    return datetime.fromtimestamp(mtime, tz=UTC).replace(tzinfo=None)


def _write_drops(landing) -> None:
    """Three order-line drops (two with different extra columns, one broken) and customers."""
    landing.write(
        "erp/order_lines/a.csv",
        f"{ORDER_HEADER},promo\nSO-1,1,2024-01-02,C-1,SKU-1,5,2.5,X\n",
        mtime=MTIME_A,
    )
    landing.write(
        "erp/order_lines/b.csv",
        f"{ORDER_HEADER},channel\n"
        "SO-1,1,2024-01-02,C-1,SKU-1,7,2.5,web\n"
        "SO-2,1,2024-02-02,C-2,SKU-2,1,9,edi\n",
        mtime=MTIME_B,
    )
    landing.write(
        "erp/order_lines/c.csv",
        f"{ORDER_HEADER}\nSO-3,1,2024-01-02,C-1,SKU-1,bad,2.5\n",
        mtime=MTIME_C,
    )
    landing.write(
        "erp/customers.csv",
        "customer_id,customer_name,segment_code\nC-1,Acme,A\n",
        mtime=MTIME_CUSTOMERS,
    )


def _order_line(source_file: str, row: int, mtime: int, **values) -> dict:
    return values | {
        "_raw_row_id": f"{source_file}#{row}",
        "_source_file": source_file,
        "_row_number": row,
        "_file_modified_at": _modified_at(mtime),
        "_loaded_at": LOADED_AT,
    }


def test_drops_with_differing_extra_columns_are_unioned_into_one_typed_raw_table(landing, tmp_path):
    _write_drops(landing)
    with connect(tmp_path / "w.duckdb") as connection:
        log = write_raw_layer(connection, landing.root, LOADED_AT)
        raw = {
            e.table: read_table(connection, "raw", e.table).sort("_source_file", "_row_number")
            for e in ENTITIES
        }
        logged = read_table(connection, "raw", "file_loads")
        leftovers = connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'raw' and table_name like '%__loading'"
        ).fetchall()

    assert logged.equals(log), "raw.file_loads holds the returned log"
    assert leftovers == [], "no loading table survives the swap"
    assert log.select("source_file", "status", "rows", "error_column", "error_row").rows() == [
        ("erp/customers.csv", "loaded", 1, None, None),
        ("erp/order_lines/a.csv", "loaded", 1, None, None),
        ("erp/order_lines/b.csv", "loaded", 2, None, None),
        ("erp/order_lines/c.csv", "rejected", 0, "quantity", 1),
    ]
    messages = dict(log.select("source_file", "message").rows())
    assert "promo" in messages["erp/order_lines/a.csv"]
    assert "channel" in messages["erp/order_lines/b.csv"]
    assert "segment_code" in messages["erp/customers.csv"]
    assert set(log["loaded_at"]) == {LOADED_AT}

    order_lines = entity("erp/order_lines")
    common = {"order_date": date(2024, 1, 2), "customer_id": "C-1", "sku": "SKU-1"}
    expected = pl.DataFrame(
        [
            _order_line(
                "erp/order_lines/a.csv",
                1,
                MTIME_A,
                order_id="SO-1",
                line_number=1,
                quantity=5.0,
                unit_price=2.5,
                promo="X",
                **common,
            ),
            _order_line(
                "erp/order_lines/b.csv",
                1,
                MTIME_B,
                order_id="SO-1",
                line_number=1,
                quantity=7.0,
                unit_price=2.5,
                channel="web",
                **common,
            ),
            _order_line(
                "erp/order_lines/b.csv",
                2,
                MTIME_B,
                order_id="SO-2",
                line_number=1,
                order_date=date(2024, 2, 2),
                customer_id="C-2",
                sku="SKU-2",
                quantity=1.0,
                unit_price=9.0,
                channel="edi",
            ),
        ],
        schema=empty_raw_frame(order_lines).schema | {"promo": pl.String, "channel": pl.String},
    )
    lines = raw["erp__order_lines"]
    assert set(lines.columns) == set(expected.columns)
    assert lines.columns[: len(order_lines.columns)] == list(order_lines.column_names)
    assert lines.select(expected.columns).equals(expected)

    customers = raw["erp__customers"]
    assert customers["customer_id"].to_list() == ["C-1"]
    assert customers["segment_code"].to_list() == ["A"]
    assert customers["_raw_row_id"].to_list() == ["erp/customers.csv#1"]
    assert customers["_file_modified_at"].to_list() == [_modified_at(MTIME_CUSTOMERS)]
    expected_customers = empty_raw_frame(entity("erp/customers")).schema | {
        "segment_code": pl.String
    }
    assert dict(customers.schema) == dict(expected_customers)

    for other in ENTITIES:
        if other.table in ("erp__order_lines", "erp__customers"):
            continue
        table = raw[other.table]
        assert table.height == 0, other.table
        assert table.schema == empty_raw_frame(other).schema, other.table


def test_raw_columns_have_the_documented_duckdb_types(landing, tmp_path):
    _write_drops(landing)
    with connect(tmp_path / "w.duckdb") as connection:
        write_raw_layer(connection, landing.root, LOADED_AT)
        stored = {
            (table, column): data_type
            for table, column, data_type in connection.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'raw'"
            ).fetchall()
        }
    metadata_types = {
        "_raw_row_id": "VARCHAR",
        "_source_file": "VARCHAR",
        "_row_number": "BIGINT",
        "_file_modified_at": "TIMESTAMP",
        "_loaded_at": "TIMESTAMP",
    }
    assert set(metadata_types) == set(METADATA_SCHEMA)
    for each in ENTITIES:
        for column in each.columns:
            assert stored[(each.table, column.name)] == DUCKDB_TYPES[column.type], column.name
        for name, data_type in metadata_types.items():
            assert stored[(each.table, name)] == data_type, (each.table, name)
    assert stored[("erp__order_lines", "promo")] == "VARCHAR", "extra columns are text"
    assert stored[("erp__order_lines", "channel")] == "VARCHAR"
    assert stored[("erp__customers", "segment_code")] == "VARCHAR"


def test_rejected_redelivery_keeps_the_previous_rows_with_their_extra_columns(landing, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _write_drops(landing)
    with connect(warehouse) as connection:
        write_raw_layer(connection, landing.root, LOADED_AT)
        first = read_table(connection, "raw", "erp__order_lines")

    # a.csv, the only drop with `promo`, comes again broken and without that column
    landing.write("erp/order_lines/a.csv", f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,x,2.5\n")
    later = LOADED_AT + timedelta(days=1)
    with connect(warehouse) as connection:
        log = write_raw_layer(connection, landing.root, later)
        second = read_table(connection, "raw", "erp__order_lines")

    (entry,) = log.filter(pl.col("source_file") == "erp/order_lines/a.csv").to_dicts()
    assert (entry["status"], entry["rows"], entry["error_column"], entry["error_row"]) == (
        "rejected",
        1,
        "quantity",
        1,
    )
    assert "kept the 1 rows of the previous good load" in entry["message"]
    kept = second.filter(pl.col("_source_file") == "erp/order_lines/a.csv")
    assert kept["promo"].to_list() == ["X"], "the kept rows keep their extra column"
    assert kept["_loaded_at"].to_list() == [LOADED_AT], "kept as first loaded"
    assert set(second["_loaded_at"]) == {LOADED_AT, later}
    assert set(second.columns) == set(first.columns)
    order = ["_source_file", "_row_number"]
    unchanged = [c for c in first.columns if c != "_loaded_at"]
    assert second.select(unchanged).sort(order).equals(first.select(unchanged).sort(order))


def test_failure_midway_leaves_the_previous_raw_layer(landing, tmp_path, monkeypatch):
    landing.write("erp/customers.csv", "customer_id,customer_name\nC-1,Acme\n")
    with connect(tmp_path / "w.duckdb") as connection:
        write_raw_layer(connection, landing.root, LOADED_AT)
        landing.write("erp/customers.csv", "customer_id,customer_name\nC-2,Other\n")
        landing.write(
            "erp/products.csv", "sku,description,product_family,category\nSKU-1,Bolt,F,C\n"
        )

        def broken(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr("segmentation_assets.sources.raw_layer.append_rows", broken)
        with pytest.raises(OSError, match="disk full"):
            write_raw_layer(connection, landing.root, LOADED_AT)
        assert read_table(connection, "raw", "erp__customers")["customer_id"].to_list() == ["C-1"]
        assert read_table(connection, "raw", "file_loads")["source_file"].to_list() == [
            "erp/customers.csv"
        ]


def test_extra_column_with_a_double_quote_in_its_name_is_kept(landing, tmp_path):
    landing.write("erp/customers.csv", 'customer_id,customer_name,"odd""name"\nC-1,Acme,1\n')
    with connect(tmp_path / "w.duckdb") as connection:
        log = write_raw_layer(connection, landing.root, LOADED_AT)
        customers = read_table(connection, "raw", "erp__customers")
    assert log["status"].to_list() == ["loaded"]
    assert customers['odd"name'].to_list() == ["1"]
