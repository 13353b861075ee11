"""Demand statistics per entity from its weekly series: volume, variability, intermittency, trend.

Works for any grain (SKU, customer, SKU x customer) given its id columns. An entity's
history starts at its first sale inside the window (the first week with `units > 0`):
weeks before it are not "no demand", the entity was not selling yet. From there to the
window end every week counts, a week without a row being a week without demand, so the
statistics run on the sparse selling weeks without materialising the zero weeks.

Spread statistics are population statistics (divide by the number of weeks) and are null
when there are fewer than two observations to spread.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from segmentation_assets.features.history import DemandWindow

#: Fewer weeks than this since the first sale give no seasonality strength: the lag-52
#: comparison would rest on fewer than 18 pairs of weeks.
MIN_SEASONALITY_WEEKS = 70


WEEKS_PER_YEAR = 52.18
MAX_TREND = 5.0  # ln growth per year; e^5 = 148x is "growing as fast as it gets" for a planner


def _weeks_between(early: pl.Expr, late: pl.Expr) -> pl.Expr:
    return ((late - early).dt.total_days() // 7).cast(pl.Int64)


def demand_statistics(
    weekly: pl.DataFrame,
    window: DemandWindow,
    id_columns: Sequence[str],
    *,
    cov_of: str = "units",
) -> pl.DataFrame:
    """One row per entity with a sale in the window: totals, weekly means and demand shape.

    `weekly` has the id columns, `week_start`, `units`, `order_lines`, `revenue` (and
    optionally `returned_units`); several rows of one entity-week are added up.

    * `weeks_observed`: weeks from the first sale in the window to the window end.
    * `total_*` and `weekly_*`: sums from the first sale on, and those sums per observed week.
    * `demand_cov`: standard deviation / mean of the weekly `cov_of` column, zero weeks
      included (null when the mean is not positive or only one week is observed).
    * `adi`: average demand interval, observed weeks per week with units > 0.
    * `cv2`: squared coefficient of variation of the units of the weeks with units > 0
      (the order-size variability of Syntetos-Boylan); null with fewer than two such weeks.
    * `trend`: growth per year, the least-squares slope of ln(1 + weekly units) against
      time in years over the observed weeks (zero weeks included), clipped to +-5. 0 is
      flat, +0.69 doubles in a year, -0.69 halves; a ramp-up after launch is strongly
      positive and a phase-out ending in zeros strongly negative. The +1 keeps slow
      movers from swinging on single units; null with fewer than 4 observed weeks.
    * `weeks_since_last_sale`: weeks from the last week with units > 0 to the window end.

    Rows come in the order entities first appear in `weekly`; every step keeps row order
    (no parallel reshuffle), so float sums are bit-for-bit repeatable for the same input.
    """
    ids = list(id_columns)
    measures = {
        "units": pl.Float64,
        "returned_units": pl.Float64,
        "order_lines": pl.Float64,
        "revenue": pl.Float64,
    }
    present = set(weekly.columns)
    rows = (
        weekly.filter(window.contains(pl.col("week_start")))
        .select(
            *ids,
            pl.col("week_start").cast(pl.Date),
            *(
                (pl.col(m) if m in present else pl.lit(0.0)).cast(t).fill_null(0).alias(m)
                for m, t in measures.items()
            ),
        )
        .group_by([*ids, "week_start"], maintain_order=True)
        .agg(pl.col(m).sum() for m in measures)
    )
    sale = pl.col("units") > 0
    first = (
        rows.filter(sale)
        .group_by(ids)
        .agg(
            pl.col("week_start").min().alias("first_sale_week"),
            pl.col("week_start").max().alias("last_sale_week"),
        )
    )
    end = pl.lit(window.end)
    rows = (
        rows.join(first, on=ids, how="inner", maintain_order="left")
        .filter(pl.col("week_start") >= pl.col("first_sale_week"))
        .with_columns(
            _weeks_between(pl.col("first_sale_week"), pl.col("week_start"))
            .cast(pl.Float64)
            .alias("_week_index"),
            pl.col("units").clip(lower_bound=0).log1p().alias("_log_units"),
        )
    )
    value = pl.col(cov_of)
    sizes = pl.col("units").filter(sale)
    stats = rows.group_by(ids, maintain_order=True).agg(
        pl.col("first_sale_week").first(),
        pl.col("last_sale_week").first(),
        *(pl.col(m).sum().alias(f"total_{m}") for m in measures),
        value.sum().alias("_sum"),
        (value * value).sum().alias("_sum_sq"),
        sale.sum().cast(pl.Int64).alias("selling_weeks"),
        sizes.sum().alias("_size_sum"),
        (sizes * sizes).sum().alias("_size_sum_sq"),
        pl.col("_log_units").sum().alias("_sum_y"),
        (pl.col("_log_units") * pl.col("_week_index")).sum().alias("_sum_ty"),
    )
    n = pl.col("weeks_observed").cast(pl.Float64)
    mean = pl.col("_sum") / n
    variance = (pl.col("_sum_sq") / n - mean * mean).clip(lower_bound=0)
    size_mean = pl.col("_size_sum") / pl.col("selling_weeks")
    size_variance = (pl.col("_size_sum_sq") / pl.col("selling_weeks") - size_mean * size_mean).clip(
        lower_bound=0
    )
    # Zero weeks add nothing to the sums of y and t*y; the sums of t and t^2 over weeks
    # 0..n-1 are closed forms, so the slope needs no filled-in weekly grid.
    sum_t = n * (n - 1) / 2
    sum_tt = (n - 1) * n * (2 * n - 1) / 6
    slope_per_week = (n * pl.col("_sum_ty") - sum_t * pl.col("_sum_y")) / (
        n * sum_tt - sum_t * sum_t
    )
    trend = pl.when(n >= 4).then((slope_per_week * WEEKS_PER_YEAR).clip(-MAX_TREND, MAX_TREND))
    return (
        stats.with_columns(
            (_weeks_between(pl.col("first_sale_week"), end) + 1).alias("weeks_observed")
        )
        .with_columns(
            (pl.col("total_units") / n).alias("weekly_units"),
            (pl.col("total_order_lines") / n).alias("weekly_order_lines"),
            (pl.col("total_revenue") / n).alias("weekly_revenue"),
            pl.when((n >= 2) & (mean > 0)).then(variance.sqrt() / mean).alias("demand_cov"),
            (n / pl.col("selling_weeks")).alias("adi"),
            pl.when(pl.col("selling_weeks") >= 2)
            .then(size_variance / (size_mean * size_mean))
            .alias("cv2"),
            trend.alias("trend"),
            _weeks_between(pl.col("last_sale_week"), end).alias("weeks_since_last_sale"),
        )
        .drop("_sum", "_sum_sq", "_size_sum", "_size_sum_sq", "_sum_y", "_sum_ty")
    )


def seasonality_strength(
    completed: pl.DataFrame,
    id_columns: Sequence[str],
    *,
    season_length: int = 52,
    min_weeks: int = MIN_SEASONALITY_WEEKS,
) -> pl.DataFrame:
    """How strongly weekly units repeat an annual cycle, in [0, 1]; null below `min_weeks`.

    The correlation of each week with the same week one season earlier, on log(1 + units),
    over the weeks that have a year-ago week, each of the two stretches with its own
    straight-line trend removed; clipped at 0. A series that merely grows, declines or
    stops (a trend, a phase-out) does not repeat itself a year later and scores about 0;
    noise scores near 0; an annual cycle scores towards 1. Needs 70 weeks so that at
    least 18 weeks have a year-ago week. `completed` is the dense series of
    `complete_weeks` (every week from the first sale), one row per entity-week.
    """
    ids = list(id_columns)
    ordered = completed.sort([*ids, "week_start"])
    keys = ordered.select(ids).unique(maintain_order=True)
    lengths = ordered.group_by(ids, maintain_order=True).len()["len"].to_numpy().astype(np.int64)
    units = ordered["units"].cast(pl.Float64).fill_null(0).to_numpy()
    strengths = np.full(len(lengths), np.nan)
    starts = np.cumsum(lengths) - lengths
    for i, (start, length) in enumerate(zip(starts, lengths, strict=True)):
        if length >= max(min_weeks, season_length + 3):
            strengths[i] = _lag_correlation(
                np.log1p(np.clip(units[start : start + length], 0, None)), season_length
            )
    return keys.with_columns(
        pl.Series("seasonality_strength", strengths, dtype=pl.Float64).fill_nan(None)
    )


def _lag_correlation(series: np.ndarray, lag: int) -> float:
    """Pearson correlation of a series with itself `lag` steps earlier, clipped at 0.

    Each of the two overlapping stretches loses its own straight-line trend first: a
    trend, or a stop that turns the later stretch into zeros, then leaves nothing that
    repeats, while a season's shape within the year does.
    """
    now, before = _detrended(series[lag:]), _detrended(series[:-lag])
    if now.std() < 1e-12 or before.std() < 1e-12:
        return 0.0
    return float(max(0.0, np.corrcoef(now, before)[0, 1]))


def _detrended(values: np.ndarray) -> np.ndarray:
    t = np.arange(values.size, dtype=np.float64)
    design = np.column_stack([np.ones_like(t), t])
    return values - design @ np.linalg.lstsq(design, values, rcond=None)[0]


def age_weeks(stats: pl.DataFrame, products: pl.DataFrame, window: DemandWindow) -> pl.Series:
    """Weeks from the product's start to the as-of week, per row of `stats`.

    `stats` has `sku` and `first_sale_week`.

    The start is the launch week from `dim_product.launch_date`, or the first sale in the
    window when that is earlier or the launch date is missing (a product sold before its
    recorded launch existed by then). History before the window is not seen, so without a
    launch date an old product's age is at most the window length.
    """
    launch = products.select(
        pl.col("sku").cast(pl.String),
        pl.col("launch_date").cast(pl.Date).dt.truncate("1w").alias("_launch_week")
        if "launch_date" in products.columns
        else pl.lit(None, dtype=pl.Date).alias("_launch_week"),
    ).unique("sku", keep="first", maintain_order=True)
    start = pl.min_horizontal("_launch_week", "first_sale_week")
    return (
        stats.select("sku", "first_sale_week")
        .join(launch, on="sku", how="left", maintain_order="left")
        .select(_weeks_between(start, pl.lit(window.end)).clip(lower_bound=0).alias("age_weeks"))
        .to_series()
    )
