"""What the features read: money as floats, excluded outliers taken out, rolling windows stacked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import polars as pl
import pytest

from segmentation_assets.config import SegmentationConfig
from segmentation_assets.features.build import product_features
from segmentation_assets.features.inputs import EXTERNAL_FEEDS, feature_inputs
from segmentation_assets.features.windows import window_features
from tests.test_features_build import WEEKS, _weekly, _world_lines, week


def _marts() -> dict[str, pl.DataFrame | None]:
    lines = _world_lines().with_columns(pl.col("line_revenue").cast(pl.Decimal(18, 2)))
    return {
        "fct_weekly_demand": _weekly(_world_lines()),
        "fct_order_lines": lines,
        "dim_product": pl.DataFrame({"sku": ["FAST", "SPARSE", "NEW"]}),
        "dim_customer": pl.DataFrame({"customer_id": ["C1", "C2"]}),
        "fct_shipments": None,
        "fct_freight": None,
    }


def _flag(order_id: str, excluded: bool) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rule": ["order_quantity_mad"],
            "entity_type": ["order_line"],
            "entity_id": [f"{order_id}|1"],
            "sku": ["FAST"],
            "excluded_from_segmentation": [excluded],
        }
    )


def test_money_arrives_as_decimal_and_is_read_as_float():
    inputs = feature_inputs(_marts(), {})
    assert inputs.order_lines.schema["line_revenue"] == pl.Float64
    assert inputs.order_lines["line_revenue"][0] == pytest.approx(200.0)


def test_feeds_fill_their_fields_and_absent_ones_stay_none():
    supply = pl.DataFrame({"supplier_id": ["S1"], "lead_time_days": [Decimal("12.50")]})
    inputs = feature_inputs(_marts(), {"stg_erp__supply": supply})
    assert inputs.supply is not None and inputs.supply.schema["lead_time_days"] == pl.Float64
    assert inputs.supplier_risk is None and inputs.market_index is None
    assert set(EXTERNAL_FEEDS.values()) == {"supply", "supplier_risk", "market_index"}


def test_an_excluded_outlier_line_leaves_the_order_lines_and_its_sku_week():
    marts = _marts()
    spike = "SO-FAST-010"
    weekly_before = marts["fct_weekly_demand"].filter(
        (pl.col("sku") == "FAST") & (pl.col("week_start") == week(10))
    )
    inputs = feature_inputs(marts, {}, demand_outliers=_flag(spike, excluded=True))
    assert spike not in inputs.order_lines["order_id"].to_list()
    assert inputs.order_lines.height == marts["fct_order_lines"].height - 1
    weekly_after = inputs.weekly_demand.filter(
        (pl.col("sku") == "FAST") & (pl.col("week_start") == week(10))
    )
    assert weekly_before["units"][0] > 0 and weekly_after["units"][0] == 0


def test_a_flag_kept_for_segmentation_and_no_flags_change_nothing():
    marts = _marts()
    kept = feature_inputs(marts, {}, demand_outliers=_flag("SO-FAST-010", excluded=False))
    untouched = feature_inputs(marts, {}, demand_outliers=None)
    for inputs in (kept, untouched):
        assert inputs.order_lines.height == marts["fct_order_lines"].height
        assert inputs.weekly_demand["units"].sum() == marts["fct_weekly_demand"]["units"].sum()


def _config(window_weeks: int, step_weeks: int = 8) -> SegmentationConfig:
    stability = {"windows": 4, "window_weeks": window_weeks, "step_weeks": step_weeks}
    return SegmentationConfig.model_validate({"segmentation": {"stability": stability}})


def test_rolling_windows_are_stacked_oldest_first_with_their_labels():
    inputs = feature_inputs(_marts(), {})
    frame, note = window_features(inputs, _config(40), product_features)
    labels = frame["window"].unique(maintain_order=True).to_list()
    last_end = week(WEEKS - 1)
    expected_ends = [last_end - timedelta(weeks=8 * back) for back in range(4, -1, -1)]
    assert [label.split("..")[1] for label in labels] == [str(end) for end in expected_ends]
    assert frame.columns[0] == "window" and "sku" in frame.columns
    assert "shortened" not in note and "5 windows" in note
    newest = frame.filter(pl.col("window") == labels[-1])
    assert set(newest["sku"]) == {"FAST", "SPARSE", "NEW"}
    oldest = frame.filter(pl.col("window") == labels[0])
    assert "NEW" not in oldest["sku"].to_list(), "NEW only sells in the last 6 weeks"


def test_windows_shrink_to_fit_a_short_history_and_say_so():
    frame, note = window_features(feature_inputs(_marts(), {}), _config(78), product_features)
    assert "shortened from 78 to 48 weeks" in note  # 80 weeks of history - 4 steps of 8
    assert frame["window"].n_unique() == 5


def test_too_short_a_history_gives_no_windows_and_says_why():
    marts = _marts()
    marts["fct_weekly_demand"] = marts["fct_weekly_demand"].filter(
        pl.col("week_start") >= week(WEEKS - 40)
    )
    frame, note = window_features(feature_inputs(marts, {}), _config(78), product_features)
    assert frame.height == 0 and frame.columns == ["window"]
    assert "do not fit" in note
