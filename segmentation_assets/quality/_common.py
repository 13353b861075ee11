"""Shared pieces of the quality rules: the flag-table schema and text formatting.

Every flag table (`quarantine.demand_outliers`, `quarantine.cost_to_serve_outliers`,
`quarantine.impossible_values`) has the same columns so the three can be unioned
and read by one dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

FLAG_SCHEMA: pl.Schema = pl.Schema(
    {
        "rule": pl.String,
        "entity_type": pl.String,
        "entity_id": pl.String,
        "sku": pl.String,
        "value": pl.Float64,
        "median": pl.Float64,
        "mad": pl.Float64,
        "mads_from_median": pl.Float64,
        "threshold": pl.Float64,
        "detail": pl.String,
        "excluded_from_segmentation": pl.Boolean,
    }
)
"""Columns of every flag table, in order."""

FLAG_COLUMNS: tuple[str, ...] = tuple(FLAG_SCHEMA.names())


def empty_flags() -> pl.DataFrame:
    """A flag table with no rows (what a rule returns when it has nothing to judge)."""
    return pl.DataFrame(schema=FLAG_SCHEMA)


def conform_flags(frame: pl.DataFrame) -> pl.DataFrame:
    """Select and cast the flag columns in their canonical order, sorted for stable output."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in FLAG_SCHEMA.items()).sort(
        ["rule", "entity_id"]
    )


def concat_flags(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Union flag tables (each already conformed); empty input gives an empty table."""
    parts = [conform_flags(f) for f in frames]
    if not parts:
        return empty_flags()
    return conform_flags(pl.concat(parts, how="vertical"))


def has_rows(frame: pl.DataFrame | None) -> bool:
    """True when an optional source is present and non-empty."""
    return frame is not None and frame.height > 0


def as_float(column: str) -> pl.Expr:
    """Money and quantities are DECIMAL in the warehouse; statistics run on Float64."""
    return pl.col(column).cast(pl.Float64)


def fmt_number(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """Render a number for humans: thousands separators, at most `decimals` decimals.

    Trailing zero decimals are dropped (5000.0 -> "5,000", 2.50 -> "2.5"); null
    renders as "n/a". Pure expression, so it runs vectorised on the flag rows.
    """
    x = expr.cast(pl.Float64)
    factor = 10**decimals
    scaled = (x.abs() * factor).round(0).cast(pl.Int64)
    int_part = (scaled // factor).cast(pl.String)
    grouped = (
        int_part.str.reverse()
        .str.replace_all(r"(\d{3})", "${1},")
        .str.strip_chars_end(",")
        .str.reverse()
    )
    if decimals > 0:
        frac = (scaled % factor).cast(pl.String).str.zfill(decimals).str.strip_chars_end("0")
        body = (
            pl.when(frac == "").then(grouped).otherwise(pl.concat_str([grouped, pl.lit("."), frac]))
        )
    else:
        body = grouped
    sign = pl.when((x < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.when(x.is_null()).then(pl.lit("n/a")).otherwise(pl.concat_str([sign, body]))


def fmt_text(expr: pl.Expr) -> pl.Expr:
    """Any value as text for a detail message; null renders as "null"."""
    return expr.cast(pl.String).fill_null("null")


def or_empty(frame: pl.DataFrame | None) -> pl.DataFrame:
    """An absent optional source as an empty frame."""
    return frame if frame is not None else pl.DataFrame()


def is_filled(frame: pl.DataFrame, column: str) -> pl.Expr:
    """True when a value is usable: not null, not blank text, not NaN."""
    dtype = frame.schema[column]
    filled = pl.col(column).is_not_null()
    if dtype == pl.String:
        filled = filled & (pl.col(column).str.strip_chars() != "")
    elif dtype.is_float():
        filled = filled & ~pl.col(column).is_nan()
    return filled.fill_null(False)
