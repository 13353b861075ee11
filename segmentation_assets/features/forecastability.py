"""How well a SKU's demand can be forecast: a backtest of a few fast statistical models.

For each SKU, three models compete on rolling-origin backtests (the last `backtest_windows`
blocks of `horizon_weeks` weeks): simple exponential smoothing (a level), Croston SBA (for
demand that comes and goes) and seasonal naive (same week last year). The model with the
smallest total absolute error wins; its error as WAPE (sum |error| / sum actual units over
the backtests) says how forecastable the SKU is, and its forecast of the next horizon,
averaged per week, is `forecast_weekly_units`. Models and backtests are deterministic.
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from segmentation_assets.config import ForecastConfig

#: Weeks of history needed beyond the backtest windows, so the first backtest has a base.
MIN_BASE_WEEKS = 8

_SCHEMA = {
    "sku": pl.String,
    "forecast_weekly_units": pl.Float64,
    "forecast_wape": pl.Float64,
    "forecast_model": pl.String,
}


def min_forecast_weeks(config: ForecastConfig) -> int:
    return config.horizon_weeks * config.backtest_windows + MIN_BASE_WEEKS


def _models(season_length: int) -> list:
    from statsforecast.models import CrostonSBA, SeasonalNaive, SimpleExponentialSmoothingOptimized

    return [
        SimpleExponentialSmoothingOptimized(alias="ses"),
        CrostonSBA(alias="croston_sba"),
        SeasonalNaive(season_length=season_length, alias="seasonal_naive"),
    ]


def forecastability(
    completed: pl.DataFrame, config: ForecastConfig
) -> tuple[pl.DataFrame, str | None]:
    """`sku`, `forecast_weekly_units`, `forecast_wape`, `forecast_model` per SKU of `completed`.

    `completed` is the dense weekly series (`complete_weeks`: sku, week_start, units, every
    week from the first sale). SKUs with fewer weeks than `min_forecast_weeks` get nulls,
    counted in the returned note. Seasonal naive competes only where it has a full season
    before every backtest. WAPE is null when the backtest weeks sold nothing (the model is
    still chosen by absolute error).
    """
    series = completed.select(
        pl.col("sku").cast(pl.String),
        pl.col("week_start").cast(pl.Date),
        pl.col("units").cast(pl.Float64).fill_null(0),
    )
    lengths = series.group_by("sku").len()
    needed = min_forecast_weeks(config)
    long_enough = lengths.filter(pl.col("len") >= needed)["sku"]
    short = lengths.height - long_enough.len()
    note = (
        f"{short} SKUs have fewer than {needed} weeks since their first sale "
        f"({config.backtest_windows} backtests of {config.horizon_weeks} weeks + {MIN_BASE_WEEKS})"
        if short
        else None
    )
    usable = series.filter(pl.col("sku").is_in(long_enough.implode()))
    if usable.height == 0:
        return lengths.select("sku").with_columns(
            pl.lit(None, dtype=t).alias(c) for c, t in _SCHEMA.items() if c != "sku"
        ).sort("sku"), note
    scored = _backtest_and_forecast(usable, config)
    frame = (
        lengths.select("sku")
        .join(scored, on="sku", how="left")
        .select(pl.col(c).cast(t) for c, t in _SCHEMA.items())
    )
    unsold = scored.filter(pl.col("forecast_wape").is_null()).height
    if unsold:
        sold_nothing = f"{unsold} SKUs sold nothing in the backtest weeks (forecast_wape only)"
        note = f"{note}; {sold_nothing}" if note else sold_nothing
    return frame.sort("sku"), note


def _backtest_and_forecast(series: pl.DataFrame, config: ForecastConfig) -> pl.DataFrame:
    from statsforecast import StatsForecast

    models = _models(config.season_length)
    names = [str(m) for m in models]
    data = (
        series.rename({"sku": "unique_id", "week_start": "ds", "units": "y"})
        .sort("unique_id", "ds")
        .to_pandas()
    )
    data["ds"] = data["ds"].astype("datetime64[ns]")
    engine = StatsForecast(models=models, freq="W-MON", n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seasonal naive warns for series shorter than a season
        backtest = engine.cross_validation(
            df=data,
            h=config.horizon_weeks,
            step_size=config.horizon_weeks,
            n_windows=config.backtest_windows,
        )
        future = engine.forecast(df=data, h=config.horizon_weeks)
    errors = _to_polars(backtest).select(
        pl.col("unique_id").cast(pl.String).alias("sku"),
        pl.col("y").cast(pl.Float64),
        *(pl.col(n).cast(pl.Float64) for n in names),
    )
    scores = errors.group_by("sku").agg(
        pl.col("y").sum().alias("_actual"),
        # a model with any missing backtest forecast (seasonal naive without a season) is out
        *(
            pl.when(pl.col(n).is_nan().any() | pl.col(n).is_null().any())
            .then(None)
            .otherwise((pl.col(n) - pl.col("y")).abs().sum())
            .alias(n)
            for n in names
        ),
    )
    means = (
        _to_polars(future)
        .group_by(pl.col("unique_id").cast(pl.String).alias("sku"))
        .agg(pl.col(n).cast(pl.Float64).mean() for n in names)
    )
    error_matrix = scores.select(names).to_numpy().astype(np.float64)
    error_matrix = np.where(np.isnan(error_matrix), np.inf, error_matrix)
    best = np.argmin(error_matrix, axis=1)  # first model wins a tie
    best_error = error_matrix[np.arange(len(best)), best]
    chosen = scores.select("sku", "_actual").with_columns(
        pl.Series("forecast_model", [names[i] for i in best], dtype=pl.String),
        pl.Series("_error", best_error, dtype=pl.Float64),
    )
    forecast_of_best = pl.coalesce(
        pl.when(pl.col("forecast_model") == n).then(pl.col(n)) for n in names
    ).clip(lower_bound=0)
    return chosen.join(means, on="sku", how="left").select(
        "sku",
        forecast_of_best.alias("forecast_weekly_units"),
        pl.when((pl.col("_actual") > 0) & pl.col("_error").is_finite())
        .then(pl.col("_error") / pl.col("_actual"))
        .alias("forecast_wape"),
        pl.when(pl.col("_error").is_finite())
        .then(pl.col("forecast_model"))
        .alias("forecast_model"),
    )


def _to_polars(frame) -> pl.DataFrame:  # noqa: ANN001 - a pandas frame from statsforecast
    """statsforecast frames, with `unique_id` as a column whichever way the version returns it."""
    if "unique_id" not in frame.columns:
        frame = frame.reset_index()
    return pl.from_pandas(frame)
