"""Landing files: each kind of bad file gets its documented outcome; good files beside it load.

Every test runs the production ingest, `write_raw_layer`, into a real DuckDB file and reads
back what it wrote: `raw.<system>__<entity>` and `raw.file_loads`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation_assets.sources.contract import ENTITIES, entity
from segmentation_assets.sources.raw_layer import write_raw_layer
from segmentation_assets.warehouse import connect, read_table
from tests.conftest import LOADED_AT, ORDER_HEADER

GOOD_LINES = (
    f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,5,2.50\nSO-1,2,2024-01-02,C-1,SKU-1,-1,3\n"
)


@dataclass(frozen=True)
class RawLayer:
    """What one run of write_raw_layer left in the warehouse."""

    tables: dict[str, pl.DataFrame]  # raw.<entity.table>, ordered by source file and row
    file_loads: pl.DataFrame  # raw.file_loads
    schema_tables: set[str]  # every table in the raw schema


def ingest(landing_root: Path, warehouse: Path, loaded_at: datetime = LOADED_AT) -> RawLayer:
    """Run the production ingest into the DuckDB file `warehouse` and read the raw layer back."""
    with connect(warehouse) as connection:
        log = write_raw_layer(connection, landing_root, loaded_at)
        file_loads = read_table(connection, "raw", "file_loads")
        tables = {
            e.table: read_table(connection, "raw", e.table).sort("_source_file", "_row_number")
            for e in ENTITIES
        }
        schema_tables = {
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
    assert file_loads.equals(log), "raw.file_loads holds the log write_raw_layer returns"
    return RawLayer(tables, file_loads, schema_tables)


def _status(layer: RawLayer, source_file: str) -> dict:
    rows = layer.file_loads.filter(pl.col("source_file") == source_file).to_dicts()
    assert len(rows) == 1, f"{source_file} should be logged exactly once"
    return rows[0]


def test_good_file_loads_typed_with_metadata(landing, tmp_path):
    landing.write("erp/order_lines/2024.csv", GOOD_LINES)
    layer = ingest(landing.root, tmp_path / "w.duckdb")
    lines = layer.tables["erp__order_lines"]
    assert lines.height == 2
    assert lines.schema["order_date"] == pl.Date
    assert lines.schema["quantity"] == pl.Float64
    assert lines["quantity"].to_list() == [5.0, -1.0]
    assert lines["_raw_row_id"].to_list() == [
        "erp/order_lines/2024.csv#1",
        "erp/order_lines/2024.csv#2",
    ]
    assert _status(layer, "erp/order_lines/2024.csv")["status"] == "loaded"


@pytest.mark.parametrize(
    ("content", "rule", "column", "row", "words"),
    [
        (b"", "empty_file", None, 0, "empty"),
        (b"   \n\n", "empty_file", None, 0, "empty"),
        (
            f"{ORDER_HEADER.replace(',unit_price', '')}\nSO-1,1,2024-01-02,C-1,SKU-1,5\n".encode(),
            "missing_required_column",
            "unit_price",
            0,
            "'unit_price'",
        ),
        (
            (
                f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,5,2.5\n"
                "SO-1,2,2024-01-02,C-1,SKU-1,twelve,2.5\n"
            ).encode(),
            "wrong_type",
            "quantity",
            2,
            "'twelve'",
        ),
        (
            f"{ORDER_HEADER}\nSO-1,1,02/01/2024,C-1,SKU-1,5,2.5\n".encode(),
            "wrong_type",
            "order_date",
            1,
            "ISO date",
        ),
        (
            f'{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,"1,5",2.5\n'.encode(),
            "wrong_type",
            "quantity",
            1,
            "'1,5'",
        ),
        (
            f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,NaN,2.5\n".encode(),
            "wrong_type",
            "quantity",
            1,
            "NaN",
        ),
        (
            f"{ORDER_HEADER}\nSO-1,1.5,2024-01-02,C-1,SKU-1,1,2.5\n".encode(),
            "wrong_type",
            "line_number",
            1,
            "whole number",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "binary_content",
            None,
            2,
            "NUL bytes (line 3)",
        ),
        (
            ORDER_HEADER.encode() + b"\nSO-\xe91,1,2024-01-02,C-1,SKU-1,5,2.5\n",
            "encoding",
            None,
            1,
            "UTF-8 at line 2",
        ),
        (
            ORDER_HEADER.replace(",", ";").encode() + b"\nSO-1;1;2024-01-02;C-1;SKU-1;5;2.5\n",
            "missing_required_column",
            "order_id",
            0,
            "separated by ';'",
        ),
        (
            f"{ORDER_HEADER},order_id\nSO-1,1,2024-01-02,C-1,SKU-1,5,2.5,x\n".encode(),
            "duplicate_column",
            "order_id",
            0,
            "twice",
        ),
    ],
    ids=[
        "empty",
        "blank-lines",
        "missing-column",
        "text-in-number",
        "non-iso-date",
        "comma-decimal",
        "nan",
        "fractional-int",
        "garbage-bytes",
        "latin1",
        "semicolons",
        "duplicate-header",
    ],
)
def test_bad_file_is_rejected_with_file_column_row_and_rule(
    landing, tmp_path, content, rule, column, row, words
):
    landing.write("erp/order_lines/good.csv", GOOD_LINES)
    bad = landing.write("erp/order_lines/bad.csv", content)
    layer = ingest(landing.root, tmp_path / "w.duckdb")
    entry = _status(layer, "erp/order_lines/bad.csv")
    assert entry["status"] == "rejected"
    assert entry["error_rule"] == rule
    assert entry["error_column"] == column
    assert entry["error_row"] == row
    assert entry["message"].startswith("erp/order_lines/bad.csv: ")
    assert words in entry["message"]
    assert bad.read_bytes() == content, "a rejected file is kept untouched"
    assert _status(layer, "erp/order_lines/good.csv")["status"] == "loaded"
    assert layer.tables["erp__order_lines"]["_source_file"].unique().to_list() == [
        "erp/order_lines/good.csv"
    ]


def test_header_only_file_loads_with_zero_rows_and_a_note(landing, tmp_path):
    landing.write("erp/customers.csv", "customer_id,customer_name\n")
    layer = ingest(landing.root, tmp_path / "w.duckdb")
    entry = _status(layer, "erp/customers.csv")
    assert (entry["status"], entry["rows"]) == ("loaded", 0)
    assert "header only" in entry["message"]


def test_extra_columns_are_kept_in_raw_and_reported(landing, tmp_path):
    landing.write("erp/customers.csv", "Customer_ID , CUSTOMER_NAME,loyalty_points\nC-1,Acme,12\n")
    layer = ingest(landing.root, tmp_path / "w.duckdb")
    customers = layer.tables["erp__customers"]
    assert customers["loyalty_points"].to_list() == ["12"]
    assert customers.schema["loyalty_points"] == pl.String, "extra columns are kept as text"
    assert customers["customer_id"].to_list() == ["C-1"]
    assert customers["region"].to_list() == [None], "absent optional columns are null"
    assert "loyalty_points" in _status(layer, "erp/customers.csv")["message"]


def test_duplicate_keys_across_two_drops_are_both_kept_in_raw_for_newest_wins(landing, tmp_path):
    landing.write("erp/order_lines/a.csv", GOOD_LINES, mtime=1_700_000_000)
    landing.write(
        "erp/order_lines/b.csv",
        f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,7,2.50\n",
        mtime=1_700_000_500,
    )
    lines = ingest(landing.root, tmp_path / "w.duckdb").tables["erp__order_lines"]
    first_line = lines.filter((pl.col("order_id") == "SO-1") & (pl.col("line_number") == 1)).sort(
        "_file_modified_at"
    )
    assert first_line["quantity"].to_list() == [5.0, 7.0]
    assert first_line["_file_modified_at"][1] > first_line["_file_modified_at"][0]


def test_bom_crlf_and_accents_are_read_correctly(landing, tmp_path):
    content = (
        "\ufeffcustomer_id,customer_name,country\r\n"
        "C-1,Müller Söhne,DE\r\n"
        'C-2,"Société, Générale",FR\r\n'
    )
    landing.write("erp/customers.csv", content.encode("utf-8"))
    customers = ingest(landing.root, tmp_path / "w.duckdb").tables["erp__customers"]
    assert customers["customer_id"].to_list() == ["C-1", "C-2"]
    assert customers["customer_name"].to_list() == ["Müller Söhne", "Société, Générale"]
    assert customers["country"].to_list() == ["DE", "FR"]


def test_utf16_with_byte_order_mark_is_read(landing, tmp_path):
    landing.write("erp/customers.csv", "customer_id,customer_name\r\nC-7,Zoë\r\n".encode("utf-16"))
    customers = ingest(landing.root, tmp_path / "w.duckdb").tables["erp__customers"]
    assert customers["customer_name"].to_list() == ["Zoë"]


def test_timestamps_in_date_columns_keep_their_date(landing, tmp_path):
    landing.write(
        "erp/order_lines.csv",
        f"{ORDER_HEADER}\nSO-1,1,2024-03-31T23:15:00,C-1,SKU-1,1,1\n"
        "SO-1,2,2024-04-01 00:00:00,C-1,SKU-1,1,1\n",
    )
    lines = ingest(landing.root, tmp_path / "w.duckdb").tables["erp__order_lines"]
    assert lines["order_date"].to_list() == [date(2024, 3, 31), date(2024, 4, 1)]


def test_rejected_file_keeps_rows_of_its_previous_good_load(landing, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    landing.write("erp/order_lines/2024.csv", GOOD_LINES)
    first = ingest(landing.root, warehouse).tables["erp__order_lines"]
    assert first.height == 2
    landing.write(
        "erp/order_lines/2024.csv", f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,oops,2.5\n"
    )

    later = LOADED_AT + timedelta(days=1)
    layer = ingest(landing.root, warehouse, later)
    entry = _status(layer, "erp/order_lines/2024.csv")
    assert entry["status"] == "rejected" and entry["rows"] == 2
    assert (entry["error_rule"], entry["error_column"], entry["error_row"]) == (
        "wrong_type",
        "quantity",
        1,
    )
    assert entry["loaded_at"] == later
    assert "kept the 2 rows of the previous good load" in entry["message"]
    assert layer.tables["erp__order_lines"].equals(first), "the previous load's rows, unchanged"


def test_parquet_drop_loads_and_wrongly_typed_parquet_is_rejected(landing, tmp_path):
    good = pl.DataFrame(
        {
            "order_id": ["SO-9"],
            "line_number": [1],
            "order_date": [date(2024, 5, 6)],
            "customer_id": ["C-1"],
            "sku": ["SKU-1"],
            "quantity": [3],
            "unit_price": ["4.25"],
        }
    )
    path = landing.root / "erp/order_lines/2024-05.parquet"
    path.parent.mkdir(parents=True)
    good.write_parquet(path)
    bad = good.with_columns(pl.lit(True).alias("order_date"))
    bad.write_parquet(landing.root / "erp/order_lines/2024-06.parquet")
    layer = ingest(landing.root, tmp_path / "w.duckdb")
    lines = layer.tables["erp__order_lines"]
    assert lines["unit_price"].to_list() == [4.25]
    assert lines["quantity"].to_list() == [3.0]
    entry = _status(layer, "erp/order_lines/2024-06.parquet")
    assert (entry["status"], entry["error_column"], entry["error_rule"]) == (
        "rejected",
        "order_date",
        "wrong_type",
    )


def test_files_outside_the_contract_are_logged_as_ignored(landing, tmp_path):
    landing.write("erp/orderlines.csv", GOOD_LINES)
    landing.write("erp/order_lines/notes.txt", "hello")
    layer = ingest(landing.root, tmp_path / "w.duckdb")
    assert _status(layer, "erp/orderlines.csv")["status"] == "ignored"
    assert _status(layer, "erp/order_lines/notes.txt")["error_rule"] == "unsupported_format"


def test_every_entity_has_a_raw_table_even_when_absent(landing, tmp_path):
    layer = ingest(landing.root, tmp_path / "w.duckdb")
    assert layer.schema_tables == {e.table for e in ENTITIES} | {"file_loads"}
    assert layer.file_loads.height == 0
    locations = layer.tables["erp__locations"]
    assert locations.height == 0
    assert (
        list(entity("erp/locations").column_names)
        == locations.columns[: len(entity("erp/locations").columns)]
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
        min_size=1,
        max_size=20,
    )
)
def test_decimal_text_round_trips(tmp_path_factory, values):
    root = tmp_path_factory.mktemp("landing")
    (root / "erp").mkdir()
    rows = "\n".join(f"SO-1,{i},2024-01-02,C-1,SKU-1,{v},1" for i, v in enumerate(values))
    (root / "erp/order_lines.csv").write_text(f"{ORDER_HEADER}\n{rows}\n")
    warehouse = tmp_path_factory.mktemp("warehouse") / "w.duckdb"
    quantities = ingest(root, warehouse).tables["erp__order_lines"]["quantity"].to_list()
    assert quantities == pytest.approx([float(v) for v in values], rel=1e-12, abs=1e-9)
