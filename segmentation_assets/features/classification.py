"""The planner's classic classes: ABC (value), XYZ (variability), FMR (pick frequency),
Syntetos-Boylan (demand pattern), and an equal-thirds split.

Every class is a pure function of the entity's own figures and, for the cumulative-share
classes, of its rank among the others; ranks break ties by id so results are repeatable.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

_EPSILON = 1e-12  # cumulative shares are ratios of whole cents; this only absorbs float noise


def cumulative_share_class(
    frame: pl.DataFrame,
    value_col: str,
    id_columns: Sequence[str],
    thresholds: tuple[float, float],
    labels: tuple[str, str, str] = ("A", "B", "C"),
) -> pl.Series:
    """Pareto class of each row by its cumulative share of the total, aligned with `frame`'s rows.

    Values are rounded to cents first (so money that prints equal ranks equal), then ranked
    from largest to smallest, ties by id. An entity's cumulative share includes itself: the
    first class while that share is at most `thresholds[0]`, the second while at most
    `thresholds[1]`, the third after. So the entity that crosses a boundary falls in the
    lower class, except the largest entity, which is always first class (one dominant
    entity is not a B). Values of 0 or less are third class; null values get no class.
    Shares are of the sum of the positive values.
    """
    ids = list(id_columns)
    low, high = thresholds
    cents = (pl.col(value_col).cast(pl.Float64).fill_nan(None) * 100).round(0).cast(pl.Int64)
    ranked = (
        frame.select(*ids, cents.alias("_cents"))
        .with_row_index("_row")
        .sort(["_cents", *ids], descending=[True] + [False] * len(ids), nulls_last=True)
    )
    positive = pl.when(pl.col("_cents") > 0).then(pl.col("_cents")).otherwise(0)
    total = positive.sum()
    share = positive.cum_sum() / pl.when(total > 0).then(total).otherwise(None)
    classes = ranked.with_columns(
        pl.when(pl.col("_cents").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("_cents") <= 0)
        .then(pl.lit(labels[2]))
        .when((pl.int_range(pl.len()) == 0) | (share <= low + _EPSILON))
        .then(pl.lit(labels[0]))
        .when(share <= high + _EPSILON)
        .then(pl.lit(labels[1]))
        .otherwise(pl.lit(labels[2]))
        .alias("_class")
    )
    return classes.sort("_row")["_class"]


def abc_class(
    frame: pl.DataFrame,
    value_col: str,
    thresholds: tuple[float, float],
    id_columns: Sequence[str] = ("sku",),
) -> pl.Series:
    """ABC by value (revenue): A = the entities making the first 80%, B the next 15%, C the rest."""
    return cumulative_share_class(frame, value_col, id_columns, thresholds).alias("abc_class")


def fmr_class(
    frame: pl.DataFrame,
    lines_col: str,
    thresholds: tuple[float, float],
    id_columns: Sequence[str] = ("sku",),
) -> pl.Series:
    """FMR by pick frequency: F = the SKUs making the first 80% of order lines, M the next 15%,
    R (rare) the rest."""
    return cumulative_share_class(frame, lines_col, id_columns, thresholds, ("F", "M", "R")).alias(
        "fmr_class"
    )


def xyz_class(cov: pl.Expr, cutoffs: tuple[float, float]) -> pl.Expr:
    """XYZ by demand CoV: X up to the first cut-off (steady), Y up to the second, Z above.

    Null stays null.
    """
    low, high = cutoffs
    return (
        pl.when(cov.is_null() | cov.is_nan())
        .then(pl.lit(None, dtype=pl.String))
        .when(cov <= low)
        .then(pl.lit("X"))
        .when(cov <= high)
        .then(pl.lit("Y"))
        .otherwise(pl.lit("Z"))
        .alias("xyz_class")
    )


def sbc_class(adi: pl.Expr, cv2: pl.Expr, adi_cutoff: float, cv2_cutoff: float) -> pl.Expr:
    """Syntetos-Boylan demand pattern: ADI at or above its cut-off is intermittent timing,
    CV² at or above its cut-off is erratic sizes; smooth / erratic / intermittent / lumpy."""
    sparse = adi >= adi_cutoff
    erratic = cv2 >= cv2_cutoff
    return (
        pl.when(adi.is_null() | cv2.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(~sparse & ~erratic)
        .then(pl.lit("smooth"))
        .when(~sparse & erratic)
        .then(pl.lit("erratic"))
        .when(sparse & ~erratic)
        .then(pl.lit("intermittent"))
        .otherwise(pl.lit("lumpy"))
        .alias("sbc_class")
    )


def thirds_class(
    frame: pl.DataFrame,
    value_col: str,
    id_columns: Sequence[str],
    labels: tuple[str, str, str] = ("low", "medium", "high"),
) -> pl.Series:
    """Equal thirds by rank, smallest values first (ties by id); null values get no class."""
    ids = list(id_columns)
    ranked = (
        frame.select(*ids, pl.col(value_col).cast(pl.Float64).fill_nan(None).alias("_value"))
        .with_row_index("_row")
        .sort(["_value", *ids], nulls_last=True)
    )
    counted = pl.col("_value").is_not_null().sum()
    position = (pl.int_range(pl.len()) + 1) / counted
    classes = ranked.with_columns(
        pl.when(pl.col("_value").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(position <= 1 / 3 + _EPSILON)
        .then(pl.lit(labels[0]))
        .when(position <= 2 / 3 + _EPSILON)
        .then(pl.lit(labels[1]))
        .otherwise(pl.lit(labels[2]))
        .alias("_class")
    )
    return classes.sort("_row")["_class"]
