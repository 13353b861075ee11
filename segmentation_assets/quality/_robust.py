"""The MAD engine behind the outlier rules (see `outliers` for the business rules).

`score` judges each value against its peer group's median in units of its MAD;
`to_flags` turns the flagged rows into the common flag-table shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from segmentation_assets.quality._common import conform_flags, fmt_number

DEFAULT_MIN_HISTORY = 8
DEFAULT_ZERO_MAD_RATIO = 10.0
_ZERO_MAD_TOLERANCE = 1e-9  # relative to the median; absorbs float noise from divisions


@dataclass(frozen=True, eq=False)
class PeerGroup:
    """One level of peers a value is compared with, finest level first.

    `keys` are the grouping columns (empty = all rows); `label` is an expression
    naming the group in the detail text, e.g. "road shipments from DC-01".
    """

    keys: tuple[str, ...]
    label: pl.Expr


def score(
    frame: pl.DataFrame,
    value: str,
    levels: Sequence[PeerGroup],
    *,
    threshold: float,
    min_history: int,
    zero_mad_ratio: float,
    two_sided: bool,
) -> pl.DataFrame:
    """Add `median`, `mad`, `mads_from_median`, `_label`, `_zero_mad`, `_flag` to `frame`.

    Each row is judged against the first level in `levels` whose group holds at least
    `min_history` values; a row with no such level is not judged (`_flag` false).
    """
    v = pl.col(value)
    scored = frame
    for i, level in enumerate(levels):
        keys = list(level.keys)

        def over(e: pl.Expr, keys: list[str] = keys) -> pl.Expr:
            return e.over(keys) if keys else e

        scored = scored.with_columns(
            over(pl.len()).alias(f"_n{i}"),
            over(v.median()).alias(f"_med{i}"),
            level.label.alias(f"_label{i}"),
        ).with_columns(over((v - pl.col(f"_med{i}")).abs().median()).alias(f"_mad{i}"))

    def pick(prefix: str) -> pl.Expr:
        chain = pl.when(pl.col("_n0") >= min_history).then(pl.col(f"{prefix}0"))
        for i in range(1, len(levels)):
            chain = chain.when(pl.col(f"_n{i}") >= min_history).then(pl.col(f"{prefix}{i}"))
        return chain.otherwise(None)

    scored = scored.with_columns(
        pick("_med").alias("median"),
        pick("_mad").alias("mad"),
        pick("_label").alias("_label"),
    )
    median, mad = pl.col("median"), pl.col("mad")
    zero_mad = mad <= _ZERO_MAD_TOLERANCE * pl.max_horizontal(pl.lit(1.0), median.abs())
    z = pl.when(~zero_mad).then((v - median) / mad)
    z_flag = z.abs() > threshold if two_sided else z > threshold
    ratio_flag = v > median * zero_mad_ratio
    if two_sided:
        ratio_flag = ratio_flag | (v < median / zero_mad_ratio)
    flag = (
        pl.when(median.is_null())
        .then(False)
        .when(~zero_mad)
        .then(z_flag)
        .when(median > 0)
        .then(ratio_flag)
        .otherwise(False)
    )
    return scored.with_columns(
        z.alias("mads_from_median"),
        zero_mad.fill_null(False).alias("_zero_mad"),
        flag.fill_null(False).alias("_flag"),
    ).with_columns(pl.when(pl.col("_zero_mad")).then(0.0).otherwise(mad).alias("mad"))


def detail_text(subject: pl.Expr, value: str, decimals: int, zero_mad_ratio: float) -> pl.Expr:
    """Human text: '<subject> 5,000 is 62 MADs above the median 40 of <group>'."""
    v, median = pl.col(value), pl.col("median")
    direction = (
        pl.when(pl.col("mads_from_median") >= 0).then(pl.lit("above")).otherwise(pl.lit("below"))
    )
    z_text = pl.concat_str(
        [
            subject,
            pl.lit(" "),
            fmt_number(v, decimals),
            pl.lit(" is "),
            fmt_number(pl.col("mads_from_median").abs(), 1),
            pl.lit(" MADs "),
            direction,
            pl.lit(" the median "),
            fmt_number(median, decimals),
            pl.lit(" of "),
            pl.col("_label"),
        ]
    )
    ratio_text = pl.concat_str(
        [
            subject,
            pl.lit(" "),
            fmt_number(v, decimals),
            pl.lit(" is "),
            fmt_number(v / median, 2),
            pl.lit("x the median "),
            fmt_number(median, decimals),
            pl.lit(" of "),
            pl.col("_label"),
            pl.lit(f" (MAD is 0, so judged by ratio: flagged beyond {zero_mad_ratio:g}x)"),
        ]
    )
    return pl.when(pl.col("_zero_mad")).then(ratio_text).otherwise(z_text)


def to_flags(
    scored: pl.DataFrame,
    *,
    rule: str,
    entity_type: str,
    entity_id: pl.Expr,
    sku: pl.Expr,
    value: str,
    detail: pl.Expr,
    threshold: float,
    excluded: bool,
) -> pl.DataFrame:
    """The flagged rows of a `score` result in the common flag-table shape."""
    flagged = scored.filter(pl.col("_flag"))
    return conform_flags(
        flagged.select(
            pl.lit(rule).alias("rule"),
            pl.lit(entity_type).alias("entity_type"),
            entity_id.alias("entity_id"),
            sku.alias("sku"),
            pl.col(value).alias("value"),
            pl.col("median"),
            pl.col("mad"),
            pl.col("mads_from_median"),
            pl.lit(threshold).alias("threshold"),
            detail.alias("detail"),
            pl.lit(excluded).alias("excluded_from_segmentation"),
        )
    )
