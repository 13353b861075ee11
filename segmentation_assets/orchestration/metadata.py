"""Metadata every table asset attaches: row count, column schema and a preview; plots inline."""

from __future__ import annotations

import dagster as dg
import polars as pl

from segmentation_assets.segmentation.plots import png_markdown
from segmentation_assets.warehouse import preview_markdown


def table_metadata(
    frame: pl.DataFrame,
    table: str,
    preview_rows: int = 5,
    row_count: int | None = None,
    descriptions: dict[str, str] | None = None,
) -> dict[str, dg.MetadataValue | int | str]:
    """`frame` may be just the first rows of a large table; then pass its `row_count`.
    `descriptions` says in words what a column holds (shown in the UI's column schema)."""
    described = descriptions or {}
    columns = [
        dg.TableColumn(name, str(dtype), description=described.get(name))
        for name, dtype in frame.schema.items()
    ]
    return {
        "dagster/row_count": frame.height if row_count is None else row_count,
        "dagster/table_name": table,
        "dagster/column_schema": dg.TableSchema(columns=columns),
        "preview": markdown_table(frame, preview_rows),
    }


def markdown_table(frame: pl.DataFrame, rows: int = 10) -> dg.MetadataValue:
    """The first `rows` of a frame as a Markdown table, for a person reading the asset's page."""
    return dg.MetadataValue.md(preview_markdown(frame, rows))


def plot(png: bytes, alt: str) -> dg.MetadataValue:
    """A rendered plot shown inline on the asset's page."""
    return dg.MetadataValue.md(png_markdown(png, alt))
