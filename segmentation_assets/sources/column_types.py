"""Typing landing columns by the contract, refusing any value that would be misread.

A value either parses exactly (ISO date, `.` decimal point, integral int) or the whole
file is rejected with the first offending row: a wrong type usually means a shifted
column or a locale-formatted export, and loading the rest would silently misread it.
"""

from __future__ import annotations

import polars as pl

from segmentation_assets.sources.contract import ColumnType, Entity
from segmentation_assets.sources.landing_files import FileRejected

POLARS_TYPES: dict[ColumnType, pl.DataType] = {
    ColumnType.TEXT: pl.String(),
    ColumnType.INT: pl.Int64(),
    ColumnType.DECIMAL: pl.Float64(),
    ColumnType.DATE: pl.Date(),
    ColumnType.BOOL: pl.Boolean(),
}

_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
_TYPE_WORDS = {
    ColumnType.INT: "a whole number",
    ColumnType.DECIMAL: "a number with '.' as decimal point",
    ColumnType.DATE: "an ISO date (YYYY-MM-DD)",
    ColumnType.BOOL: "true/false",
}


def check_required_columns(frame: pl.DataFrame, entity: Entity) -> None:
    missing = [name for name in entity.required_columns if name not in frame.columns]
    if not missing:
        return
    hint = ""
    if len(frame.columns) == 1 and any(sep in frame.columns[0] for sep in ";\t|"):
        hint = "; the header looks separated by ';', tab or '|' but the contract requires ','"
    raise FileRejected(
        "missing_required_column",
        f"required column(s) {', '.join(repr(m) for m in missing)} missing{hint}",
        column=missing[0],
        row=0,
    )


def apply_contract_types(frame: pl.DataFrame, entity: Entity) -> pl.DataFrame:
    """Cast every contract column to its type, add absent optional ones as nulls and keep
    extra columns as text."""
    typed: list[pl.Series] = []
    for column in entity.columns:
        target = POLARS_TYPES[column.type]
        if column.name not in frame.columns:
            typed.append(pl.Series(column.name, [None] * frame.height, dtype=target))
            continue
        typed.append(_cast_column(frame[column.name], column.type))
    extras = [
        frame[name].cast(pl.String) for name in frame.columns if name not in entity.column_names
    ]
    return pl.DataFrame(typed + extras)


def _cast_column(series: pl.Series, column_type: ColumnType) -> pl.Series:
    target = POLARS_TYPES[column_type]
    if series.dtype == pl.String:
        return _parse_text(series, column_type)
    if column_type is ColumnType.TEXT:
        return series.cast(pl.String)
    if column_type is ColumnType.DATE and series.dtype in (pl.Date, pl.Datetime):
        return series.cast(pl.Date) if series.dtype == pl.Date else series.dt.date()
    if column_type in (ColumnType.INT, ColumnType.DECIMAL) and series.dtype.is_numeric():
        parsed = series.cast(target, strict=False)
        return _reject_unparsed(series.cast(pl.String), parsed, column_type)
    if column_type is ColumnType.BOOL and series.dtype == pl.Boolean:
        return series
    raise FileRejected(
        "wrong_type",
        f"column {series.name!r} is stored as {series.dtype} "
        f"but the contract expects {_TYPE_WORDS[column_type]}",
        column=series.name,
        row=1 if len(series) else None,
    )


def _parse_text(raw: pl.Series, column_type: ColumnType) -> pl.Series:
    if column_type is ColumnType.TEXT:
        return raw
    text = raw.str.strip_chars()
    text = (
        pl.select(pl.when(text.str.len_chars() == 0).then(None).otherwise(text))
        .to_series()
        .rename(raw.name)
    )
    if column_type is ColumnType.INT:
        as_float = text.cast(pl.Float64, strict=False)
        integral = pl.select(pl.when(as_float == as_float.floor()).then(as_float)).to_series()
        parsed = text.cast(pl.Int64, strict=False).fill_null(integral.cast(pl.Int64, strict=False))
    elif column_type is ColumnType.DECIMAL:
        parsed = text.cast(pl.Float64, strict=False)
        parsed = pl.select(pl.when(parsed.is_finite()).then(parsed)).to_series()
    elif column_type is ColumnType.DATE:
        parsed = text.str.to_date("%Y-%m-%d", strict=False)
        for timestamp_format in (
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
        ):
            parsed = parsed.fill_null(
                text.str.to_datetime(timestamp_format, strict=False).dt.date()
            )
    else:  # BOOL
        lowered = text.str.to_lowercase()
        parsed = pl.select(
            pl.when(lowered.is_in(_TRUE)).then(True).when(lowered.is_in(_FALSE)).then(False)
        ).to_series()
    return _reject_unparsed(text, parsed.rename(raw.name), column_type)


def _reject_unparsed(text: pl.Series, parsed: pl.Series, column_type: ColumnType) -> pl.Series:
    """Raise on the first value that was present but did not parse; else return the parsed
    column."""
    failed = text.is_not_null() & parsed.is_null()
    count = int(failed.sum())
    if count == 0:
        return parsed
    index = int(failed.arg_true()[0])
    value = text[index]
    row = index + 1
    raise FileRejected(
        "wrong_type",
        f"column {parsed.name!r} row {row} (CSV line {row + 1}): {value!r} is not "
        f"{_TYPE_WORDS[column_type]}" + (f"; {count} rows affected" if count > 1 else ""),
        column=parsed.name,
        row=row,
    )
