"""The feature tables end to end on a small hand-made world, and the forecast backtest."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from segmentation_assets.config import FeaturesConfig, ForecastConfig
from segmentation_assets.features.build import (
    FeatureInputs,
    customer_features,
    prepared_inputs,
    product_customer_features,
    product_features,
)
from segmentation_assets.features.catalog import FEATURES, ID_COLUMNS
from segmentation_assets.features.forecastability import forecastability
from segmentation_assets.features.history import DemandWindow

START = date(2024, 1, 1)  # a Monday
WEEKS = 80


def week(i: int) -> date:
    return START + timedelta(weeks=i)


def _world_lines() -> pl.DataFrame:
    """FAST sells every week, SPARSE every fourth week, NEW only in the last 6 weeks;
    C1 buys the even weeks, C2 the odd ones; each line is its own order."""
    rows = []
    for i in range(WEEKS):
        plan = {
            "FAST": 20 + (i % 3),
            "SPARSE": 3 if i % 4 == 0 else 0,
            "NEW": 5 if i >= WEEKS - 6 else 0,
        }
        for sku, qty in plan.items():
            if qty:
                customer = "C1" if i % 2 == 0 else "C2"
                order = f"SO-{sku}-{i:03d}"
                rows.append(
                    (
                        order,
                        1,
                        week(i) + timedelta(days=1),
                        customer,
                        sku,
                        float(qty),
                        qty * 10.0,
                        week(i) + timedelta(days=4),
                        False,
                        False,
                    )
                )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "order_id": pl.String,
            "line_number": pl.Int64,
            "order_date": pl.Date,
            "customer_id": pl.String,
            "sku": pl.String,
            "quantity": pl.Float64,
            "line_revenue": pl.Float64,
            "requested_delivery_date": pl.Date,
            "is_return": pl.Boolean,
            "is_cancelled": pl.Boolean,
        },
    )


def _weekly(lines: pl.DataFrame) -> pl.DataFrame:
    """fct_weekly_demand's rule, zero-filled from each SKU's first week to the last week."""
    sold = lines.group_by("sku", pl.col("order_date").dt.truncate("1w").alias("week_start")).agg(
        pl.col("quantity").sum().alias("units"),
        pl.lit(0.0).alias("returned_units"),
        pl.len().cast(pl.Int64).alias("order_lines"),
        pl.col("line_revenue").sum().alias("revenue"),
    )
    grid = (
        sold.group_by("sku")
        .agg(pl.col("week_start").min())
        .select(
            "sku", pl.date_ranges("week_start", pl.lit(week(WEEKS - 1)), "1w").alias("week_start")
        )
        .explode("week_start")
    )
    return (
        grid.join(sold, on=["sku", "week_start"], how="left").fill_null(0).sort("sku", "week_start")
    )


@pytest.fixture(scope="module")
def inputs() -> FeatureInputs:
    lines = _world_lines()
    shipments = lines.select(
        pl.concat_str([pl.lit("SH-"), pl.col("order_id")]).alias("shipment_id"),
        "order_id",
        "line_number",
        "sku",
        pl.col("quantity").alias("shipped_qty"),
        pl.lit(1.0).alias("handling_cost"),
    )
    freight = shipments.select("shipment_id", pl.lit(5.0).alias("freight_cost"))
    return FeatureInputs(
        weekly_demand=_weekly(lines),
        order_lines=lines,
        products=pl.DataFrame(
            {
                "sku": ["FAST", "SPARSE", "NEW", "OLD"],
                "unit_cost": [6.0, 4.0, None, 1.0],
                "lifecycle_status": ["active", "active", "new", "discontinued"],
                "launch_date": [date(2020, 1, 1), None, week(WEEKS - 8), date(2010, 1, 1)],
            }
        ),
        customers=pl.DataFrame(
            {
                "customer_id": ["C1", "C2", "C3"],
                "service_tier": ["Gold", "Silver", "Bronze"],
                "contracted_lead_time_days": [2.0, 5.0, 7.0],
                "target_fill_rate": [0.98, 0.95, 0.9],
                "strategic_account": [True, False, False],
            }
        ),
        shipments=shipments,
        freight=freight,
    )


CONFIG = FeaturesConfig()


def _check_shape(table, entity_type) -> None:
    ids = list(ID_COLUMNS[entity_type])
    assert table.frame.columns == ids + [f.name for f in FEATURES[entity_type]]
    assert table.frame.equals(table.frame.sort(ids))
    for item in FEATURES[entity_type]:
        dtype = table.frame.schema[item.name]
        assert dtype == (pl.String if not item.numeric else dtype), item.name
        assert dtype in ((pl.String,) if not item.numeric else (pl.Float64, pl.Int64)), item.name


def test_product_table_has_the_catalog_columns_and_leaves_out_unsold_products(inputs) -> None:
    table = product_features(inputs, CONFIG, with_forecast=False)
    _check_shape(table, "product")
    assert table.window == DemandWindow(week(0), week(WEEKS - 1))
    assert table.frame["sku"].to_list() == ["FAST", "NEW", "SPARSE"]
    assert table.notes["_excluded"].startswith("1 products")
    assert "with_forecast=False" in table.notes["forecast_wape"]
    rows = {r["sku"]: r for r in table.frame.iter_rows(named=True)}
    assert rows["SPARSE"]["adi"] == pytest.approx(80 / 20)
    assert rows["SPARSE"]["sbc_class"] == "intermittent"
    assert rows["FAST"]["sbc_class"] == "smooth" and rows["FAST"]["xyz_class"] == "X"
    assert rows["FAST"]["abc_class"] == "A" and rows["FAST"]["fmr_class"] == "F"
    assert rows["FAST"]["gross_margin_pct"] == pytest.approx(40.0)
    assert rows["NEW"]["gross_margin"] is None and "NEW" not in table.notes["gross_margin"]
    assert rows["NEW"]["age_weeks"] == 7 and rows["NEW"]["weeks_observed"] == 6
    assert rows["NEW"]["trend"] == pytest.approx(0.0, abs=1e-9)  # flat since launch: newness is age
    assert rows["NEW"]["seasonality_strength"] is None
    assert rows["FAST"]["seasonality_strength"] is not None
    assert rows["SPARSE"]["weeks_since_last_sale"] == 3  # last sale week 76 of 0..79
    assert rows["FAST"]["customer_count"] == 2
    assert rows["FAST"]["cost_to_serve_per_unit"] == pytest.approx(
        (5.0 + 1.0 + CONFIG.order_processing_cost_per_order) * 80 / rows["FAST"]["total_units"]
    )
    assert rows["FAST"]["lifecycle_status"] == "active"
    assert table.notes["supplier_lead_time_days"].startswith("no ERP supply")


def test_a_given_window_only_sees_its_weeks(inputs) -> None:
    last = DemandWindow(week(WEEKS - 10), week(WEEKS - 1))
    table = product_features(inputs, CONFIG, last, with_forecast=False)
    rows = {r["sku"]: r for r in table.frame.iter_rows(named=True)}
    fast_units = sum(20 + (i % 3) for i in range(WEEKS - 10, WEEKS))
    assert rows["FAST"]["total_units"] == fast_units
    assert rows["FAST"]["weeks_observed"] == 10
    assert rows["SPARSE"]["weeks_observed"] == 8  # first sale in the window: week 72


def test_product_forecast_picks_a_model_and_leaves_short_histories_out(inputs) -> None:
    table = product_features(inputs, CONFIG)
    rows = {r["sku"]: r for r in table.frame.iter_rows(named=True)}
    assert rows["FAST"]["forecast_model"] in {"ses", "croston_sba", "seasonal_naive"}
    assert rows["FAST"]["forecast_wape"] < 0.1
    assert rows["FAST"]["forecast_weekly_units"] == pytest.approx(21, abs=1.5)
    assert rows["NEW"]["forecast_model"] is None
    assert table.notes["forecast_wape"].startswith("1 SKUs have fewer than 24 weeks")


def test_tables_do_not_depend_on_input_row_order(inputs) -> None:
    shuffled = FeatureInputs(
        **{
            name: (
                frame.sample(fraction=1.0, shuffle=True, seed=3)
                if isinstance(frame, pl.DataFrame)
                else frame
            )
            for name, frame in vars(inputs).items()
        }
    )
    prepared = prepared_inputs(shuffled, CONFIG)  # sorted once, costs allocated once: same tables
    for build in (product_features, customer_features, product_customer_features):
        expected = build(inputs, CONFIG).frame
        assert expected.equals(build(shuffled, CONFIG).frame), build.__name__
        assert expected.equals(build(prepared, CONFIG).frame), build.__name__


def test_customer_table(inputs) -> None:
    table = customer_features(inputs, CONFIG)
    _check_shape(table, "customer")
    assert table.frame["customer_id"].to_list() == ["C1", "C2"]
    assert table.notes["_excluded"].startswith("1 customers")
    rows = {r["customer_id"]: r for r in table.frame.iter_rows(named=True)}
    c1 = rows["C1"]
    c1_lines = inputs.order_lines.filter(pl.col("customer_id") == "C1")
    assert c1["orders"] == c1_lines.height and c1["lines_per_order"] == 1.0
    assert c1["total_revenue"] == pytest.approx(c1_lines["line_revenue"].sum())
    assert c1["sku_count"] == 3
    assert c1["requested_lead_time_days"] == 3.0
    assert c1["cost_to_serve"] == pytest.approx(c1_lines.height * (5.0 + 1.0 + 12.0))
    assert c1["gross_margin"] is None  # bought NEW, which has no unit cost
    assert rows["C2"]["service_tier"] == "Silver" and c1["strategic_account"] == "yes"
    assert "gross_margin" in table.notes


def test_customer_cost_to_serve_is_null_without_wms(inputs) -> None:
    table = customer_features(FeatureInputs(**{**vars(inputs), "shipments": None}), CONFIG)
    assert table.frame["cost_to_serve"].null_count() == table.frame.height
    assert table.frame["profitability_class"].null_count() == table.frame.height
    assert "WMS shipments not delivered" in table.notes["cost_to_serve"]
    product = product_features(
        FeatureInputs(**{**vars(inputs), "shipments": None}), CONFIG, with_forecast=False
    )
    assert product.frame["cost_to_serve_per_unit"].null_count() == product.frame.height


def test_product_customer_table_shares(inputs) -> None:
    table = product_customer_features(inputs, CONFIG)
    _check_shape(table, "product_customer")
    frame = table.frame
    assert frame.height == 5  # SPARSE sells in even weeks only, so only to C1
    per_product = frame.group_by("sku").agg(pl.col("share_of_product_units").sum())
    assert per_product["share_of_product_units"].to_list() == pytest.approx([1.0, 1.0, 1.0])
    per_customer = frame.group_by("customer_id").agg(pl.col("share_of_customer_revenue").sum())
    assert per_customer["share_of_customer_revenue"].to_list() == pytest.approx([1.0, 1.0])
    pair = frame.filter((pl.col("sku") == "SPARSE") & (pl.col("customer_id") == "C1")).row(
        0, named=True
    )
    assert pair["adi"] == pytest.approx(80 / 20) and pair["weeks_since_last_order"] == 3


def test_forecastability_on_hand_made_series() -> None:
    weeks = [week(i) for i in range(40)]
    completed = pl.DataFrame(
        {
            "sku": ["STEADY"] * 40 + ["STOPPED"] * 40 + ["SHORT"] * 10,
            "week_start": weeks + weeks + weeks[30:],
            "units": [10.0] * 40 + [5.0] * 20 + [0.0] * 20 + [1.0] * 10,
        }
    )
    config = ForecastConfig(horizon_weeks=4, backtest_windows=2)
    frame, note = forecastability(completed, config)
    rows = {r["sku"]: r for r in frame.iter_rows(named=True)}
    assert rows["STEADY"]["forecast_wape"] == pytest.approx(0.0, abs=1e-6)
    assert rows["STEADY"]["forecast_weekly_units"] == pytest.approx(10.0)
    assert rows["STEADY"]["forecast_model"] == "ses"  # a tie goes to the first model
    assert rows["STOPPED"]["forecast_wape"] is None  # nothing sold in the backtests
    assert rows["STOPPED"]["forecast_model"] is not None
    assert rows["SHORT"] == {
        "sku": "SHORT",
        "forecast_weekly_units": None,
        "forecast_wape": None,
        "forecast_model": None,
    }
    assert note.startswith("1 SKUs have fewer than 16 weeks")
    assert note.endswith("1 SKUs sold nothing in the backtest weeks (forecast_wape only)")
    again, _ = forecastability(completed.reverse(), config)
    assert again.equals(frame)


def test_costs_allocated_once_give_the_same_window_tables(inputs) -> None:
    prepared = prepared_inputs(inputs, CONFIG)
    last = DemandWindow(week(WEEKS - 10), week(WEEKS - 1))
    for build in (product_features, customer_features):
        windowed = build(inputs, CONFIG, last).frame
        assert windowed.equals(build(prepared, CONFIG, last).frame), build.__name__
    assert (
        customer_features(inputs, CONFIG, last).frame["cost_to_serve"].sum()
        < customer_features(inputs, CONFIG).frame["cost_to_serve"].sum()
    ), "the window holds fewer lines' costs"
