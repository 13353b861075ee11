"""Demand history, demand statistics and the classic classes, on hand-made series."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from segmentation_assets.features.classification import (
    abc_class,
    cumulative_share_class,
    fmr_class,
    sbc_class,
    thirds_class,
    xyz_class,
)
from segmentation_assets.features.demand_profile import (
    age_weeks,
    demand_statistics,
    seasonality_strength,
)
from segmentation_assets.features.history import (
    DemandWindow,
    complete_weeks,
    demand_for_segmentation,
    feature_window,
    order_lines_for_segmentation,
    rolling_windows,
    weekly_from_order_lines,
)

MONDAY = date(2025, 1, 6)


def week(i: int) -> date:
    return MONDAY + timedelta(weeks=i)


def series(sku: str, units: list[float], start: int = 0, price: float = 10.0) -> pl.DataFrame:
    """A dense weekly series starting at week `start`, one order line per selling week."""
    return pl.DataFrame(
        {
            "sku": [sku] * len(units),
            "week_start": [week(start + i) for i in range(len(units))],
            "units": [float(u) for u in units],
            "returned_units": [0.0] * len(units),
            "order_lines": [1 if u > 0 else 0 for u in units],
            "revenue": [u * price for u in units],
        }
    )


def window(first: int, last: int) -> DemandWindow:
    return DemandWindow(week(first), week(last))


def stats_of(frame: pl.DataFrame, win: DemandWindow, ids=("sku",)) -> dict:
    rows = demand_statistics(frame, win, list(ids))
    return {tuple(r[c] for c in ids): r for r in rows.iter_rows(named=True)}


# ---------------------------------------------------------------- windows


def test_feature_window_ends_at_the_last_week_and_spans_history_weeks() -> None:
    weekly = series("A", [1] * 30)
    assert feature_window(weekly, None) == window(0, 29)
    assert feature_window(weekly, 10) == window(20, 29)
    assert feature_window(weekly, 100) == window(0, 29)  # shorter history: from the first week
    assert feature_window(weekly, 10).weeks == 10


def test_feature_window_of_no_data_says_so() -> None:
    with pytest.raises(ValueError, match="empty"):
        feature_window(series("A", []), None)


def test_window_bounds_must_be_mondays() -> None:
    with pytest.raises(ValueError, match="Mondays"):
        DemandWindow(date(2025, 1, 7), week(3))


def test_rolling_windows_end_at_the_full_window_end_oldest_first() -> None:
    full = window(0, 116)
    windows = rolling_windows(full, 52, 13, 4)
    assert len(windows) == 5
    assert windows[-1] == window(65, 116)
    assert windows[0] == window(13, 64)
    assert all(w.weeks == 52 for w in windows)
    assert [w.end for w in windows] == sorted(w.end for w in windows)


def test_rolling_windows_on_too_short_history_say_what_is_needed() -> None:
    with pytest.raises(ValueError, match="needs 104 weeks"):
        rolling_windows(window(0, 102), 52, 13, 4)
    assert len(rolling_windows(window(0, 103), 52, 13, 4)) == 5


# ---------------------------------------------------------------- outlier removal


def _order_lines(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "order_id": pl.String,
            "line_number": pl.Int64,
            "order_date": pl.Date,
            "customer_id": pl.String,
            "sku": pl.String,
            "quantity": pl.Float64,
            "line_revenue": pl.Float64,
            "is_return": pl.Boolean,
            "is_cancelled": pl.Boolean,
        },
        orient="row",
    )


def _outliers(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "rule": pl.String,
            "entity_type": pl.String,
            "entity_id": pl.String,
            "sku": pl.String,
            "excluded_from_segmentation": pl.Boolean,
        },
        orient="row",
    )


def test_excluded_order_line_leaves_its_sku_week() -> None:
    weekly = series("A", [10, 1010, 10]).with_columns(
        pl.Series("order_lines", [1, 2, 1]), pl.Series("revenue", [100.0, 5100.0, 100.0])
    )
    lines = _order_lines(
        [
            ("SO1", 1, week(1) + timedelta(days=2), "C", "A", 1000.0, 5000.0, False, False),
            ("SO2", 1, week(1), "C", "A", 10.0, 100.0, False, False),
        ]
    )
    flags = _outliers(
        [
            ("order_quantity_mad", "order_line", "SO1|1", "A", True),
            ("order_quantity_mad", "order_line", "SO2|1", "A", False),  # flagged but kept
        ]
    )
    clean = demand_for_segmentation(weekly, lines, flags)
    assert clean["units"].to_list() == [10.0, 10.0, 10.0]
    assert clean["revenue"].to_list() == [100.0, 100.0, 100.0]
    assert clean["order_lines"].to_list() == [1, 1, 1]
    assert order_lines_for_segmentation(lines, flags)["order_id"].to_list() == ["SO2"]


def test_excluded_spike_week_is_capped_at_the_median_selling_week() -> None:
    weekly = series("A", [10, 0, 12, 400, 14]).with_columns(
        pl.Series("order_lines", [1, 0, 1, 5, 1])
    )
    flags = _outliers([("weekly_demand_mad", "sku_week", f"A|{week(3)}", "A", True)])
    clean = demand_for_segmentation(weekly, _order_lines([]), flags)
    # median of the selling weeks 10, 12, 400, 14 is 13; revenue keeps the price of 10 a unit
    assert clean["units"].to_list() == [10.0, 0.0, 12.0, 13.0, 14.0]
    assert clean["revenue"].to_list()[3] == pytest.approx(130.0)
    assert clean["order_lines"].to_list()[3] == 1
    assert (
        demand_for_segmentation(weekly, _order_lines([]), None)["units"].to_list()
        == weekly["units"].to_list()
    )


def test_complete_weeks_fill_zeros_from_first_sale_to_window_end() -> None:
    sparse = pl.concat(
        [
            series("A", [0, 0, 5]).filter(pl.col("units") > 0),  # first sale week 2
            series("B", [3], start=1),
            series("C", [7], start=9),  # after the window: dropped
        ]
    )
    filled = complete_weeks(sparse, window(1, 5), ["sku"])
    a = filled.filter(pl.col("sku") == "A")
    assert a["week_start"].to_list() == [week(i) for i in range(2, 6)]
    assert a["units"].to_list() == [5.0, 0.0, 0.0, 0.0]
    assert filled.filter(pl.col("sku") == "B").height == 5
    assert "C" not in filled["sku"].to_list()


def test_weekly_from_order_lines_matches_the_mart_rules() -> None:
    lines = _order_lines(
        [
            ("SO1", 1, week(0), "C1", "A", 4.0, 40.0, False, False),
            ("SO2", 1, week(0) + timedelta(days=3), "C1", "A", 6.0, 60.0, False, False),
            ("SO3", 1, week(0), "C1", "A", 9.0, 90.0, False, True),  # cancelled: not demand
            ("RT1", 1, week(1), "C1", "A", -2.0, -20.0, True, False),  # a return
        ]
    )
    weekly = weekly_from_order_lines(lines, ["customer_id"], window(0, 1))
    assert weekly.rows() == [
        ("C1", week(0), 10.0, 0.0, 2, 100.0),
        ("C1", week(1), 0.0, 2.0, 1, -20.0),
    ]


# ---------------------------------------------------------------- demand statistics


def test_a_sale_every_other_week_has_adi_2() -> None:
    s = stats_of(series("A", [4, 0, 4, 0, 4, 0]), window(0, 5))[("A",)]
    assert s["weeks_observed"] == 6
    assert s["adi"] == 2.0
    assert s["cv2"] == 0.0  # every sale is 4 units
    assert s["demand_cov"] == pytest.approx(1.0)  # mean 2, population std 2
    assert s["weekly_units"] == 2.0
    assert s["weeks_since_last_sale"] == 1


def test_missing_weeks_count_as_zero_demand() -> None:
    dense = series("A", [4, 0, 0, 6, 0, 2])
    sparse = dense.filter(pl.col("units") > 0)
    assert stats_of(dense, window(0, 5)) == stats_of(sparse, window(0, 5))


def test_history_starts_at_the_first_sale_and_ignores_weeks_outside_the_window() -> None:
    s = stats_of(series("A", [9, 0, 0, 3, 5, 0, 1, 9]), window(1, 6))[("A",)]
    assert s["first_sale_week"] == week(3)
    assert s["weeks_observed"] == 4
    assert s["total_units"] == 9.0
    assert s["adi"] == pytest.approx(4 / 3)
    sizes = np.array([3.0, 5.0, 1.0])
    assert s["cv2"] == pytest.approx(sizes.var() / sizes.mean() ** 2)
    assert s["weeks_since_last_sale"] == 0


def test_a_single_sale_has_no_spread() -> None:
    s = stats_of(series("A", [0, 5]), window(0, 1))[("A",)]
    assert (s["weeks_observed"], s["adi"], s["demand_cov"], s["cv2"]) == (1, 1.0, None, None)


def test_trend_is_the_yearly_slope_of_log_weekly_units() -> None:
    # ln(1 + units) rises by exactly ln(2) a week: 0, 1, 3, 7, 15 units
    doubling = stats_of(series("A", [1, 3, 7, 15, 31]), window(0, 4))[("A",)]
    assert doubling["trend"] == pytest.approx(min(5.0, math.log(2) * 52.18))
    slow = stats_of(
        series("A", [np.e ** (0.01 * t) - 1 + 1e-12 for t in range(1, 9)]), window(0, 7)
    )[("A",)]
    assert slow["trend"] == pytest.approx(0.01 * 52.18, rel=1e-6)
    flat = stats_of(series("A", [5] * 8), window(0, 7))[("A",)]
    assert flat["trend"] == pytest.approx(0.0)
    # zero weeks count: selling in week 0 and never again trends down
    stopped = stats_of(series("A", [9, 0, 0, 0, 0, 0]), window(0, 5))[("A",)]
    assert stopped["trend"] < -1
    assert stats_of(series("A", [1, 1, 3]), window(0, 2))[("A",)]["trend"] is None  # under 4 weeks


def test_statistics_work_per_customer_and_product_pair() -> None:
    frame = pl.concat(
        [
            series("A", [1, 0, 1]).with_columns(customer_id=pl.lit("C1")),
            series("A", [2, 2, 2]).with_columns(customer_id=pl.lit("C2")),
        ]
    )
    rows = stats_of(frame, window(0, 2), ids=("sku", "customer_id"))
    assert rows[("A", "C1")]["adi"] == 1.5
    assert rows[("A", "C2")]["demand_cov"] == 0.0


def test_empty_weekly_demand_gives_no_rows() -> None:
    assert demand_statistics(series("A", []), window(0, 3), ["sku"]).height == 0


def _seasonality(units: np.ndarray) -> float | None:
    frame = series("A", list(units))
    return seasonality_strength(complete_weeks(frame, window(0, len(units) - 1), ["sku"]), ["sku"])[
        "seasonality_strength"
    ][0]


def test_seasonality_is_high_for_an_annual_cycle_and_near_zero_otherwise() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(117)
    noise = rng.normal(1, 0.1, t.size)
    cycle = np.rint(40 * (1 + 0.7 * np.cos(2 * np.pi * t / 52.18)) * noise)
    assert _seasonality(cycle) > 0.8
    assert _seasonality(np.rint(40 * noise)) < 0.2
    assert _seasonality(np.rint(20 * np.exp(t / 60) * noise)) < 0.2  # growth is not a season
    phase_out = np.rint(40 * np.clip(1 - (t - 40) / 50, 0, 1) * noise)  # declines to nothing
    assert _seasonality(phase_out) < 0.2
    # a 78-week window: steady, a decline, then 30+ weeks of zeros (a trend line through the
    # whole window would make both year-apart stretches look alike)
    stopped = np.rint(40 * np.clip(1 - (t[:78] - 10) / 35, 0, 1) ** 1.3 * noise[:78])
    assert _seasonality(stopped) < 0.2
    assert _seasonality(cycle[:78]) > 0.5
    assert _seasonality(cycle[:69]) is None  # too short to see a year repeat


def test_age_counts_from_launch_or_first_sale_whichever_is_earlier() -> None:
    stats = pl.DataFrame(
        {"sku": ["A", "B", "C"], "first_sale_week": [week(10), week(10), week(10)]}
    )
    products = pl.DataFrame(
        {
            "sku": ["A", "B", "C"],
            "launch_date": [week(2) + timedelta(days=3), week(12), None],
        }
    )
    assert age_weeks(stats, products, window(0, 20)).to_list() == [18, 10, 10]


# ---------------------------------------------------------------- classes


def test_abc_on_50_30_10_5_3_2() -> None:
    frame = pl.DataFrame({"sku": list("abcdef"), "revenue": [50.0, 30, 10, 5, 3, 2]})
    # cumulative shares including each SKU: .50 .80 .90 .95 .98 1.0
    assert abc_class(frame, "revenue", (0.80, 0.95)).to_list() == ["A", "A", "B", "B", "C", "C"]


def test_abc_crossing_entity_falls_in_the_lower_class_but_the_largest_is_always_a() -> None:
    frame = pl.DataFrame({"sku": ["x", "y", "z"], "revenue": [60.0, 30.0, 10.0]})
    assert abc_class(frame, "revenue", (0.80, 0.95)).to_list() == ["A", "B", "C"]
    dominant = pl.DataFrame({"sku": ["x", "y"], "revenue": [90.0, 10.0]})
    assert abc_class(dominant, "revenue", (0.80, 0.95)).to_list() == ["A", "C"]


def test_abc_ties_round_to_cents_then_break_by_id_and_nonpositive_is_c() -> None:
    frame = pl.DataFrame(
        {
            "sku": ["b", "a", "z", "n", "m"],
            "revenue": [40.001, 40.004, 20.0, None, -5.0],
        }
    )
    # a and b are both 40.00: a ranks first (cumulative .40), b second (.80)
    assert abc_class(frame, "revenue", (0.5, 0.9)).to_list() == ["B", "A", "C", None, "C"]


def test_cumulative_classes_are_row_order_independent() -> None:
    frame = pl.DataFrame(
        {"sku": [f"s{i:02d}" for i in range(30)], "v": [float(i % 7) for i in range(30)]}
    )
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=1)
    expected_classes = cumulative_share_class(frame, "v", ["sku"], (0.8, 0.95))
    got_classes = cumulative_share_class(shuffled, "v", ["sku"], (0.8, 0.95))
    expected = dict(zip(frame["sku"], expected_classes, strict=True))
    got = dict(zip(shuffled["sku"], got_classes, strict=True))
    assert got == expected


def test_fmr_uses_its_own_labels() -> None:
    frame = pl.DataFrame({"sku": ["a", "b", "c"], "lines": [80, 15, 5]})
    assert fmr_class(frame, "lines", (0.80, 0.95)).to_list() == ["F", "M", "R"]


def test_xyz_and_sbc_boundaries() -> None:
    frame = pl.DataFrame({"cov": [0.5, 0.51, 1.0, 1.2, None]})
    assert frame.select(xyz_class(pl.col("cov"), (0.5, 1.0)))["xyz_class"].to_list() == [
        "X",
        "Y",
        "Y",
        "Z",
        None,
    ]
    pattern = pl.DataFrame({"adi": [1.0, 1.0, 1.32, 2.0, None], "cv2": [0.2, 0.49, 0.2, 0.8, 0.1]})
    got = pattern.select(sbc_class(pl.col("adi"), pl.col("cv2"), 1.32, 0.49))["sbc_class"].to_list()
    assert got == ["smooth", "erratic", "intermittent", "lumpy", None]


def test_thirds_split_by_rank() -> None:
    frame = pl.DataFrame({"id": list("abcdef"), "v": [6.0, 1, 5, 2, 4, 3]})
    assert thirds_class(frame, "v", ["id"]).to_list() == [
        "high",
        "low",
        "high",
        "low",
        "medium",
        "medium",
    ]


def test_stability_windows_shrink_to_fit_a_short_history_and_say_so() -> None:
    from segmentation_assets.features.history import stability_windows

    full = window(0, 59)  # 60 weeks
    exact, note = stability_windows(full, 28, 8, 4)
    assert (
        [w.weeks for w in exact] == [28] * 5
        and exact[-1].end == full.end
        and "shortened" not in note
    )
    shrunk, note = stability_windows(full, 78, 8, 4)
    assert [w.weeks for w in shrunk] == [60 - 32] * 5 and shrunk[0].start == full.start
    assert "shortened from 78 to 28 weeks" in note
    none, note = stability_windows(window(0, 39), 78, 8, 4)
    assert none == [] and "too short" in note
