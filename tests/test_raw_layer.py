"""Streaming files into DuckDB gives the same raw layer as loading them in memory."""

from __future__ import annotations

import polars as pl
import pytest

from segmentation_assets.sources.contract import ENTITIES
from segmentation_assets.sources.loader import load_landing_zone
from segmentation_assets.sources.raw_layer import write_raw_layer
from segmentation_assets.warehouse import connect, read_table
from tests.conftest import LOADED_AT, ORDER_HEADER


def test_streamed_raw_layer_equals_the_in_memory_load(landing, tmp_path):
    landing.write(
        "erp/order_lines/a.csv", f"{ORDER_HEADER},promo\nSO-1,1,2024-01-02,C-1,SKU-1,5,2.5,X\n"
    )
    landing.write(
        "erp/order_lines/b.csv",
        f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,7,2.5\nSO-2,1,2024-02-02,C-2,SKU-2,1,9\n",
    )
    landing.write("erp/order_lines/c.csv", f"{ORDER_HEADER}\nSO-3,1,2024-01-02,C-1,SKU-1,bad,2.5\n")
    landing.write("erp/customers.csv", "customer_id,customer_name,segment_code\nC-1,Acme,A\n")
    in_memory = load_landing_zone(landing.root, LOADED_AT)
    with connect(tmp_path / "w.duckdb") as connection:
        log = write_raw_layer(connection, landing.root, LOADED_AT)
        streamed = {e.table: read_table(connection, "raw", e.table) for e in ENTITIES}
        logged = read_table(connection, "raw", "file_loads")
    assert log.drop("loaded_at").equals(in_memory.file_loads.drop("loaded_at"))
    assert logged.height == 4
    for entity in ENTITIES:
        expected = in_memory.tables[entity.table]
        got = streamed[entity.table].select(expected.columns).sort("_raw_row_id")
        assert got.equals(expected.sort("_raw_row_id")), entity.table
        assert set(streamed[entity.table].columns) == set(expected.columns)
    assert streamed["erp__order_lines"].filter(pl.col("promo").is_not_null())[
        "_raw_row_id"
    ].to_list() == ["erp/order_lines/a.csv#1"]


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
