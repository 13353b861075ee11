"""What every asset shares: its attributes, its metadata, and the dbt vars the config sets."""

from __future__ import annotations

import base64

import dagster as dg
import polars as pl

from segmentation_assets.config import SegmentationConfig
from segmentation_assets.orchestration.asset_attributes import (
    OWNER,
    WAREHOUSE_POOL,
    table_spec,
    warehouse_assets,
)
from segmentation_assets.orchestration.dbt_project import dbt_vars
from segmentation_assets.orchestration.metadata import markdown_table, plot, table_metadata

PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def test_a_table_spec_is_keyed_grouped_by_its_schema_and_owned():
    spec = table_spec(
        "quality", "scorecard", "What it holds.", deps=[("marts", "dim_product")], skippable=True
    )
    assert spec.key == dg.AssetKey(["quality", "scorecard"])
    assert spec.group_name == "quality"
    assert spec.owners == [OWNER]
    assert spec.kinds == {"polars", "duckdb"}
    assert {dep.asset_key for dep in spec.deps} == {dg.AssetKey(["marts", "dim_product"])}
    assert spec.skippable is True


def test_warehouse_assets_run_in_the_one_writer_pool():
    @warehouse_assets([table_spec("quality", "example", "An example table.")])
    def example():
        return dg.MaterializeResult()

    assert example.op.pool == WAREHOUSE_POOL
    assert example.keys == {dg.AssetKey(["quality", "example"])}


def test_table_metadata_counts_rows_describes_columns_and_previews():
    frame = pl.DataFrame({"sku": ["A", "B"], "units": [1.5, 2.0]})
    metadata = table_metadata(frame, "marts.x", row_count=1000, descriptions={"units": "units"})
    assert metadata["dagster/row_count"] == 1000
    assert metadata["dagster/table_name"] == "marts.x"
    columns = {c.name: c for c in metadata["dagster/column_schema"].columns}
    assert columns["units"].description == "units" and columns["sku"].description is None
    assert "| A" in metadata["preview"].value and "| B" in metadata["preview"].value
    assert table_metadata(frame, "marts.x")["dagster/row_count"] == 2


def test_markdown_table_shows_only_the_rows_asked_for():
    text = markdown_table(pl.DataFrame({"n": list(range(50))}), rows=3).value
    assert "| 2" in text and "| 3 " not in text


def test_a_plot_is_embedded_as_an_inline_png():
    text = plot(PNG_HEADER + b"rest", "sizes").value
    assert text.startswith("![sizes](data:image/png;base64,")
    assert base64.b64decode(text.split(",", 1)[1].rstrip(")")).startswith(PNG_HEADER)


def test_dbt_takes_the_default_currency_from_the_config():
    assert dbt_vars(SegmentationConfig()) == {"default_currency": "EUR"}
    assert dbt_vars(SegmentationConfig(default_currency="USD"))["default_currency"] == "USD"
