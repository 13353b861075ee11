"""Which weeks of demand the features look at, and the demand they see.

Weeks are ISO weeks named by their Monday (`week_start`). The as-of week of a feature run
is the last week in the data; a window is a run of whole weeks ending there (or earlier,
for the rolling windows that test segment stability). Demand flagged by the quality step
as a fat-finger line or a one-off spike is taken out before any statistic sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

WEEK = timedelta(weeks=1)

#: Columns of the weekly demand frame the features use; `demand_for_segmentation` returns
#: these (plus any other input column unchanged) with money and units as Float64.
WEEKLY_COLUMNS: dict[str, pl.DataType] = {
    "sku": pl.String(),
    "week_start": pl.Date(),
    "units": pl.Float64(),
    "returned_units": pl.Float64(),
    "order_lines": pl.Int64(),
    "revenue": pl.Float64(),
}


@dataclass(frozen=True)
class DemandWindow:
    """Whole weeks from `start` to `end`, both Monday week starts, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start.weekday() != 0 or self.end.weekday() != 0:
            raise ValueError(f"window bounds must be Mondays, got {self.start} and {self.end}")
        if self.start > self.end:
            raise ValueError(f"window start {self.start} is after its end {self.end}")

    @property
    def weeks(self) -> int:
        return (self.end - self.start).days // 7 + 1

    def contains(self, week: pl.Expr) -> pl.Expr:
        """True for weeks (a Date expression of Mondays) inside the window."""
        return week.is_between(pl.lit(self.start), pl.lit(self.end), closed="both")

    def __str__(self) -> str:
        return f"{self.start} to {self.end} ({self.weeks} weeks)"


def week_of(day: pl.Expr) -> pl.Expr:
    """The Monday of the ISO week a date falls in."""
    return day.cast(pl.Date).dt.truncate("1w")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def feature_window(weekly_demand: pl.DataFrame, history_weeks: int | None) -> DemandWindow:
    """The last `history_weeks` weeks of the data (all of it when None), ending at the as-of week.

    The as-of week is the last week present in `weekly_demand` (the mart is zero-filled to the
    last week with any order line, so that is "this week" of the extract).
    """
    weeks = weekly_demand.get_column("week_start").drop_nulls() if weekly_demand.height else None
    if weeks is None or weeks.len() == 0:
        raise ValueError("weekly demand is empty: no week to compute features as of")
    end = monday(weeks.max())  # type: ignore[arg-type]
    first = monday(weeks.min())  # type: ignore[arg-type]
    if history_weeks is None:
        return DemandWindow(first, end)
    return DemandWindow(max(first, end - (history_weeks - 1) * WEEK), end)


def rolling_windows(
    full: DemandWindow, window_weeks: int, step_weeks: int, count: int
) -> list[DemandWindow]:
    """The last `count + 1` windows of `window_weeks` weeks, `step_weeks` apart, oldest first.

    The newest ends at `full.end`; all must fit inside `full`, which takes
    `window_weeks + count * step_weeks` weeks of history.
    """
    if window_weeks < 1 or step_weeks < 1 or count < 0:
        raise ValueError("window_weeks and step_weeks must be >= 1 and count >= 0")
    needed = window_weeks + count * step_weeks
    if needed > full.weeks:
        raise ValueError(
            f"history {full} is too short for {count + 1} windows of {window_weeks} weeks "
            f"{step_weeks} weeks apart: that needs {needed} weeks"
        )
    windows = []
    for back in range(count, -1, -1):
        end = full.end - back * step_weeks * WEEK
        windows.append(DemandWindow(end - (window_weeks - 1) * WEEK, end))
    return windows


MIN_STABILITY_WINDOW_WEEKS = 26  # half a year: shorter windows say little about a demand cycle


def stability_windows(
    full: DemandWindow, window_weeks: int, step_weeks: int, count: int
) -> tuple[list[DemandWindow], str]:
    """The rolling windows of the stability check and a note for the metadata. When the history is
    shorter than the configured windows need, the windows shrink to fit (down to half a year) and
    the note says so; below that, no windows and the note says why."""
    try:
        windows = rolling_windows(full, window_weeks, step_weeks, count)
        note = ""
    except ValueError as error:
        fitted = full.weeks - count * step_weeks
        if fitted < MIN_STABILITY_WINDOW_WEEKS:
            return [], f"{error}; even windows of {MIN_STABILITY_WINDOW_WEEKS} weeks do not fit"
        windows = rolling_windows(full, fitted, step_weeks, count)
        note = f"windows shortened from {window_weeks} to {fitted} weeks to fit the history; "
    return windows, note + f"{len(windows)} windows: " + ", ".join(
        f"{w.start}..{w.end}" for w in windows
    )


def conform_weekly(weekly_demand: pl.DataFrame) -> pl.DataFrame:
    """Weekly demand with the known columns cast (DECIMAL revenue to Float64); an absent
    measure column counts as 0. `sku` and `week_start` are required."""
    present = set(weekly_demand.columns)
    return weekly_demand.with_columns(
        (pl.col(name) if name in present else pl.lit(0)).cast(dtype).alias(name)
        for name, dtype in WEEKLY_COLUMNS.items()
    )


def _excluded(demand_outliers: pl.DataFrame | None, entity_type: str) -> pl.DataFrame:
    if demand_outliers is None or demand_outliers.height == 0:
        return pl.DataFrame(schema={"entity_id": pl.String, "sku": pl.String})
    return demand_outliers.filter(
        (pl.col("entity_type") == entity_type)
        & pl.col("excluded_from_segmentation").fill_null(False)
    ).select(pl.col("entity_id").cast(pl.String), pl.col("sku").cast(pl.String))


def _line_key() -> pl.Expr:
    """`order_id|line_number`, the `entity_id` of order-line outliers."""
    return pl.concat_str(
        [pl.col("order_id").cast(pl.String), pl.col("line_number").cast(pl.String)], separator="|"
    )


def excluded_order_lines(
    order_lines: pl.DataFrame, demand_outliers: pl.DataFrame | None
) -> pl.DataFrame:
    """The order lines the quality step flagged and excluded from segmentation."""
    keys = _excluded(demand_outliers, "order_line").select("entity_id").unique()
    if keys.height == 0 or order_lines.height == 0:
        return order_lines.clear()
    return (
        order_lines.with_columns(_line_key().alias("_key"))
        .join(keys, left_on="_key", right_on="entity_id", how="semi")
        .drop("_key")
    )


def order_lines_for_segmentation(
    order_lines: pl.DataFrame, demand_outliers: pl.DataFrame | None
) -> pl.DataFrame:
    """Order lines without the excluded quantity outliers (customer and SKU x customer features)."""
    keys = _excluded(demand_outliers, "order_line").select("entity_id").unique()
    if keys.height == 0 or order_lines.height == 0:
        return order_lines
    return (
        order_lines.with_columns(_line_key().alias("_key"))
        .join(keys, left_on="_key", right_on="entity_id", how="anti")
        .drop("_key")
    )


def demand_for_segmentation(
    weekly_demand: pl.DataFrame, order_lines: pl.DataFrame, demand_outliers: pl.DataFrame | None
) -> pl.DataFrame:
    """Weekly demand without the outliers the quality step excluded from segmentation.

    * An excluded order line (rule on `order_line`, id `order_id|line_number`) is taken out of
      its SKU-week: its quantity, its revenue and one order line. Cancelled lines and returns
      are never flagged (they are not in `units`), and are skipped if they were.
    * An excluded spike week (`sku_week`, id `sku|week_start`) is capped at the SKU's median
      selling week (median units of its weeks with units > 0, after the line removal), as
      if it had been an ordinary week: revenue shrinks in the same proportion, order lines
      to at most the median selling week's lines (rounded up).

    Units and order lines never go below 0. Assumes one row per SKU-week.
    """
    weekly = conform_weekly(weekly_demand)
    lines = excluded_order_lines(order_lines, demand_outliers)
    if lines.height:
        lines = lines.filter(
            ~pl.col("is_cancelled").fill_null(False)
            & ~pl.col("is_return").fill_null(False)
            & (pl.col("quantity").cast(pl.Float64) > 0)
        ).sort("order_id", "line_number")
        removed = lines.group_by(
            pl.col("sku").cast(pl.String), week_of(pl.col("order_date")).alias("week_start")
        ).agg(
            pl.col("quantity").cast(pl.Float64).sum().alias("_units"),
            pl.col("line_revenue").cast(pl.Float64).fill_null(0).sum().alias("_revenue"),
            pl.len().cast(pl.Int64).alias("_lines"),
        )
        weekly = (
            weekly.join(removed, on=["sku", "week_start"], how="left")
            .with_columns(
                (pl.col("units") - pl.col("_units").fill_null(0))
                .clip(lower_bound=0)
                .alias("units"),
                (pl.col("revenue") - pl.col("_revenue").fill_null(0)).alias("revenue"),
                (pl.col("order_lines") - pl.col("_lines").fill_null(0))
                .clip(lower_bound=0)
                .alias("order_lines"),
            )
            .drop("_units", "_revenue", "_lines")
        )
    spikes = _excluded(demand_outliers, "sku_week")
    if spikes.height:
        spikes = (
            spikes.select(
                pl.col("sku"),
                pl.col("entity_id")
                .str.split("|")
                .list.last()
                .str.to_date(strict=False)
                .alias("week_start"),
                pl.lit(True).alias("_spike"),
            )
            .drop_nulls()
            .unique()
        )
        typical = (
            weekly.filter(pl.col("units") > 0)
            .group_by("sku")
            .agg(
                pl.col("units").median().alias("_median_units"),
                pl.col("order_lines").median().ceil().cast(pl.Int64).alias("_median_lines"),
            )
        )
        capped = pl.col("_spike").fill_null(False) & (pl.col("units") > pl.col("_median_units"))
        ratio = pl.col("_median_units") / pl.col("units")
        weekly = (
            weekly.join(spikes, on=["sku", "week_start"], how="left")
            .join(typical, on="sku", how="left")
            .with_columns(
                pl.when(capped)
                .then(pl.col("_median_units"))
                .otherwise(pl.col("units"))
                .alias("units"),
                pl.when(capped)
                .then(pl.col("revenue") * ratio)
                .otherwise(pl.col("revenue"))
                .alias("revenue"),
                pl.when(capped)
                .then(
                    pl.min_horizontal("order_lines", pl.max_horizontal("_median_lines", pl.lit(1)))
                )
                .otherwise(pl.col("order_lines"))
                .alias("order_lines"),
            )
            .drop("_spike", "_median_units", "_median_lines")
        )
    return weekly.sort("sku", "week_start")


def complete_weeks(
    weekly: pl.DataFrame, window: DemandWindow, id_columns: Sequence[str]
) -> pl.DataFrame:
    """Every week of every entity from its first sale in the window to the window end.

    The first sale is the first week with `units > 0` inside the window; entities with no
    sale in the window are dropped. Missing weeks get 0 in every numeric column (no sale
    that week). Assumes at most one row per entity-week.
    """
    ids = list(id_columns)
    inside = weekly.filter(window.contains(pl.col("week_start")))
    first = (
        inside.filter(pl.col("units") > 0)
        .group_by(ids)
        .agg(pl.col("week_start").min().alias("_first"))
    )
    grid = first.select(
        *ids,
        pl.date_ranges(pl.col("_first"), pl.lit(window.end), interval="1w").alias("week_start"),
    ).explode("week_start")
    values = [c for c in inside.columns if c not in ids and c != "week_start"]
    filled = grid.join(inside, on=[*ids, "week_start"], how="left")
    numeric = [c for c in values if filled.schema[c].is_numeric()]
    return filled.with_columns(pl.col(c).fill_null(0) for c in numeric).sort([*ids, "week_start"])


def lines_in_window(order_lines: pl.DataFrame, window: DemandWindow) -> pl.DataFrame:
    """Order lines ordered in a week of the window (lines without an order date are left out)."""
    return order_lines.filter(window.contains(week_of(pl.col("order_date"))))


def weekly_from_order_lines(
    order_lines: pl.DataFrame, id_columns: Sequence[str], window: DemandWindow
) -> pl.DataFrame:
    """Weekly demand per entity built from order lines the way `fct_weekly_demand` is built per SKU.

    Cancelled lines do not count; `units` sums positive quantities, `returned_units` the
    negative ones (as positive numbers), `order_lines` counts the remaining lines (returns
    included) and `revenue` sums their line revenue (so it is net of returns). Only weeks
    with a line appear, in the order they first appear in `order_lines`; lines with a null
    id are left out.
    """
    ids = list(id_columns)
    quantity = pl.col("quantity").cast(pl.Float64)
    lines = lines_in_window(order_lines, window).filter(
        ~pl.col("is_cancelled").fill_null(False)
        & pl.all_horizontal(pl.col(c).is_not_null() for c in ids)
    )
    return lines.group_by(
        *ids, week_of(pl.col("order_date")).alias("week_start"), maintain_order=True
    ).agg(
        quantity.clip(lower_bound=0).fill_null(0).sum().alias("units"),
        (-quantity).clip(lower_bound=0).fill_null(0).sum().alias("returned_units"),
        pl.len().cast(pl.Int64).alias("order_lines"),
        pl.col("line_revenue").cast(pl.Float64).fill_null(0).sum().alias("revenue"),
    )
