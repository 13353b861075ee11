"""Warehouse writes are all-or-nothing: a failed step never replaces the last good tables."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from segmentation_assets.warehouse import connect, read_table, replace_tables


def test_failed_multi_table_write_keeps_previous_tables(tmp_path):
    path = tmp_path / "w.duckdb"
    good = pl.DataFrame({"sku": ["A", "B"], "units": [1, 2]})
    with connect(path) as connection:
        replace_tables(connection, {("marts", "t1"): good, ("marts", "t2"): good})
        with pytest.raises(duckdb.ParserException):  # the second table's name is not valid SQL
            replace_tables(
                connection, {("marts", "t1"): good.head(1), ("marts", 't2"broken'): good}
            )
        assert read_table(connection, "marts", "t1").equals(good), "first table rolled back too"
        assert read_table(connection, "marts", "t2").equals(good)
