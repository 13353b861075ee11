"""Quality rules: MAD outliers, impossible values, master-data scorecard, cleansing priorities."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation_assets.config import QualityConfig
from segmentation_assets.quality import (
    FLAG_SCHEMA,
    IMPOSSIBLE_VALUE_RULES,
    PRIORITIES_SCHEMA,
    SCORECARD_SCHEMA,
    cleansing_priorities,
    cost_to_serve_outliers,
    demand_outlier_flags,
    demand_outliers,
    impossible_values,
    master_data_scorecard,
    weekly_demand_outliers,
)

AS_OF = date(2024, 6, 30)

# ---------------------------------------------------------------------------
# builders


def order_lines(
    sku: str, quantities: list[float], *, prefix: str | None = None, **overrides: list
) -> pl.DataFrame:
    """fct_order_lines rows for one SKU, one line per quantity (order ids `<prefix><n>`)."""
    n = len(quantities)
    prefix = prefix or f"{sku}-O"
    data: dict[str, list] = {
        "order_id": [f"{prefix}{i:03d}" for i in range(n)],
        "line_number": [1] * n,
        "order_date": [date(2024, 1, 1) + timedelta(days=i) for i in range(n)],
        "customer_id": ["C1"] * n,
        "sku": [sku] * n,
        "quantity": [float(q) for q in quantities],
        "line_revenue": [float(q) * 2.0 for q in quantities],
        "is_return": [False] * n,
        "is_cancelled": [False] * n,
    }
    data.update(overrides)
    return pl.DataFrame(data)


def flagged_ids(flags: pl.DataFrame) -> set[str]:
    return set(flags["entity_id"].to_list())


# 20 ordinary lines around 40 units (median 40).
TYPICAL = [30, 32, 34, 35, 36, 37, 38, 39, 40, 40, 40, 41, 42, 43, 44, 45, 46, 48, 50, 40]


# ---------------------------------------------------------------------------
# demand outliers


def test_fat_finger_quantity_is_flagged_and_a_large_but_plausible_one_is_not() -> None:
    lines = order_lines("SKU-1", [*TYPICAL, 40 * 60, 40 * 3])
    flags = demand_outliers(lines)

    assert flagged_ids(flags) == {"SKU-1-O020|1"}
    row = flags.row(0, named=True)
    assert row["rule"] == "order_quantity_mad"
    assert row["entity_type"] == "order_line"
    assert row["sku"] == "SKU-1"
    assert row["value"] == 2400.0
    assert row["median"] == 40.0
    # |deviations| from 40 sorted: 0,0,0,0,1,1,2,2,3,3,4,4,5,...,80,2360 -> MAD 4
    assert row["mad"] == pytest.approx(4)  # the plain MAD: value = median + mads_from_median * mad
    assert row["mads_from_median"] == pytest.approx((2400 - 40) / 4)
    assert row["threshold"] == 50.0
    assert row["excluded_from_segmentation"] is True
    assert row["detail"].startswith(
        "quantity 2,400 is 590 MADs above the median 40 of SKU-1 order lines"
    )


def test_output_has_the_flag_schema_even_when_nothing_is_flagged() -> None:
    assert demand_outliers(order_lines("SKU-1", TYPICAL)).schema == FLAG_SCHEMA
    assert demand_outliers(pl.DataFrame()).schema == FLAG_SCHEMA
    assert weekly_demand_outliers(pl.DataFrame()).schema == FLAG_SCHEMA
    assert cost_to_serve_outliers(pl.DataFrame(), None).schema == FLAG_SCHEMA


def test_threshold_and_exclusion_are_parameters() -> None:
    lines = order_lines("SKU-1", [*TYPICAL, 40 * 3])
    assert demand_outliers(lines).height == 0
    flags = demand_outliers(lines, threshold=5.0, exclude_from_segmentation=False)
    assert flagged_ids(flags) == {"SKU-1-O020|1"}
    assert flags["excluded_from_segmentation"].to_list() == [False]


def test_low_side_is_judged_for_order_lines() -> None:
    lines = order_lines("SKU-1", [*[1000 + i for i in range(-10, 10)], 10])
    assert flagged_ids(demand_outliers(lines, threshold=20.0)) == {"SKU-1-O020|1"}
    assert "below the median" in demand_outliers(lines, threshold=20.0)["detail"][0]


def test_zero_mad_sku_is_judged_by_ratio_to_the_median() -> None:
    """A SKU that always orders 1 unit: MAD is 0, so the ratio rule (> 10x median) applies."""
    ones = order_lines("SKU-ONE", [1] * 12 + [60, 3])
    flags = demand_outliers(ones)

    assert flagged_ids(flags) == {"SKU-ONE-O012|1"}  # 60 units flagged, 3 units not
    row = flags.row(0, named=True)
    assert row["mad"] == 0.0
    assert row["mads_from_median"] is None
    assert row["median"] == 1.0
    assert "MAD is 0" in row["detail"] and "60x the median 1" in row["detail"]


def test_zero_mad_ratio_is_configurable_and_constant_history_flags_nothing() -> None:
    ones = order_lines("SKU-ONE", [1] * 12 + [3])
    assert demand_outliers(ones).height == 0
    assert flagged_ids(demand_outliers(ones, zero_mad_ratio=2.0)) == {"SKU-ONE-O012|1"}
    assert demand_outliers(order_lines("SKU-FLAT", [5] * 30)).height == 0


def test_short_history_is_not_judged() -> None:
    short = order_lines("SKU-NEW", [40, 41, 39, 40, 40, 42, 40000])  # 7 lines < 8
    assert demand_outliers(short).height == 0
    assert flagged_ids(demand_outliers(short, min_history=7)) == {"SKU-NEW-O006|1"}


def test_cancelled_and_return_lines_are_neither_judged_nor_history() -> None:
    lines = order_lines(
        "SKU-1",
        [*TYPICAL, 5000, 5000, -5000],  # the second 5000 is flagged a return (whatever its sign)
        is_cancelled=[False] * len(TYPICAL) + [True, False, False],
        is_return=[False] * len(TYPICAL) + [False, True, True],
    )
    assert demand_outliers(lines).height == 0

    # 7 real lines + 3 cancelled ones: history is 7, below the minimum of 8.
    short = order_lines(
        "SKU-2", [40, 41, 39, 40, 42, 38, 4000, 40, 40, 40], is_cancelled=[False] * 7 + [True] * 3
    )
    assert demand_outliers(short).height == 0


def test_decimal_quantities_are_accepted() -> None:
    lines = order_lines("SKU-1", [*TYPICAL, 2400]).with_columns(
        pl.col("quantity").cast(pl.Decimal(18, 3))
    )
    assert flagged_ids(demand_outliers(lines)) == {"SKU-1-O020|1"}


def test_each_sku_is_judged_against_its_own_history() -> None:
    small = order_lines("SKU-S", TYPICAL)  # around 40
    big = order_lines("SKU-B", [q * 100 for q in TYPICAL])  # around 4,000
    assert demand_outliers(pl.concat([small, big])).height == 0


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.integers(min_value=1, max_value=500), min_size=8, max_size=30),
    spike=st.integers(min_value=1, max_value=100_000),
    exponent=st.integers(min_value=-8, max_value=8),
)
def test_flags_do_not_depend_on_the_unit_of_measure(
    base: list[int], spike: int, exponent: int
) -> None:
    """Scaling a SKU's quantities (cases -> units) changes no flag.

    Powers of two keep the floats exact.
    """
    quantities = [float(q) for q in [*base, spike]]
    factor = 2.0**exponent
    original = demand_outliers(order_lines("SKU-1", quantities), threshold=5.0)
    scaled = demand_outliers(order_lines("SKU-1", [q * factor for q in quantities]), threshold=5.0)
    assert flagged_ids(scaled) == flagged_ids(original)


@settings(max_examples=40, deadline=None)
@given(
    first=st.lists(st.integers(min_value=1, max_value=1_000), min_size=8, max_size=25),
    other=st.lists(st.integers(min_value=1, max_value=1_000_000), min_size=0, max_size=25),
)
def test_another_skus_lines_never_change_a_skus_flags(first: list[int], other: list[int]) -> None:
    alone = demand_outliers(order_lines("SKU-A", first), threshold=5.0)
    together = demand_outliers(
        pl.concat([order_lines("SKU-A", first), order_lines("SKU-B", other)]), threshold=5.0
    )
    assert flagged_ids(together.filter(pl.col("sku") == "SKU-A")) == flagged_ids(alone)


# ---------------------------------------------------------------------------
# weekly demand outliers


def weekly(sku: str, units: list[float]) -> pl.DataFrame:
    n = len(units)
    return pl.DataFrame(
        {
            "sku": [sku] * n,
            "week_start": [date(2024, 1, 1) + timedelta(weeks=i) for i in range(n)],
            "units": [float(u) for u in units],
            "returned_units": [0.0] * n,
            "order_lines": [1] * n,
            "revenue": [float(u) for u in units],
        }
    )


def test_weekly_spike_is_flagged_but_a_quiet_week_is_not() -> None:
    units = [100, 95, 105, 98, 102, 100, 97, 103, 1000, 101, 1, 99]
    flags = weekly_demand_outliers(weekly("SKU-1", units))
    assert flagged_ids(flags) == {"SKU-1|2024-02-26"}  # week 8 (0-based)
    row = flags.row(0, named=True)
    assert (row["rule"], row["entity_type"], row["threshold"]) == (
        "weekly_demand_mad",
        "sku_week",
        10.0,
    )
    assert row["detail"].startswith("week of 2024-02-26 demand 1,000 is")


def test_demand_outlier_flags_run_both_rules_with_the_configured_thresholds() -> None:
    lines = order_lines("SKU-1", TYPICAL + [4000])
    spikes = weekly("SKU-1", [100, 95, 105, 98, 102, 100, 97, 103, 1000, 101, 1, 99])
    flags = demand_outlier_flags(lines, spikes, QualityConfig())
    assert set(flags["rule"]) == {"order_quantity_mad", "weekly_demand_mad"}
    assert flags["excluded_from_segmentation"].all()
    lenient = QualityConfig(
        order_quantity_mad_threshold=10_000,
        weekly_demand_mad_threshold=10_000,
        exclude_demand_outliers_from_segmentation=False,
    )
    assert demand_outlier_flags(lines, spikes, lenient).height == 0
    kept = demand_outlier_flags(
        lines, spikes, QualityConfig(exclude_demand_outliers_from_segmentation=False)
    )
    assert kept.height == flags.height and not kept["excluded_from_segmentation"].any()


def test_zero_filled_weeks_do_not_make_every_selling_week_a_spike() -> None:
    """An intermittent SKU sells ~10 units one week in four; only its 200-unit week is a spike."""
    units = []
    for i in range(12):
        units += [0, 0, 0, 10 + (i % 3)]
    units[-1] = 200
    flags = weekly_demand_outliers(weekly("SKU-LUMPY", units))
    assert flags.height == 1
    assert flags["value"].to_list() == [200.0]


# ---------------------------------------------------------------------------
# cost-to-serve outliers


def freight(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    """(shipment_id, mode, origin_location_id, freight_cost) -> fct_freight."""
    n = len(rows)
    return pl.DataFrame(
        {
            "shipment_id": [r[0] for r in rows],
            "carrier": ["CARRIER"] * n,
            "mode": [r[1] for r in rows],
            "is_known_mode": [True] * n,
            "origin_code": [r[2].lower() for r in rows],
            "origin_location_id": [r[2] for r in rows],
            "destination_code": ["c1"] * n,
            "destination_customer_id": ["C1"] * n,
            "freight_cost": [r[3] for r in rows],
            "currency": ["EUR"] * n,
            "pickup_date": [date(2024, 1, 1)] * n,
            "delivery_date": [date(2024, 1, 3)] * n,
        }
    ).with_columns(pl.col("freight_cost").cast(pl.Decimal(18, 2)))


def shipments(rows: list[tuple[str, float, float]], location: str = "DC1") -> pl.DataFrame:
    """(shipment_id, shipped_qty, handling_cost) -> fct_shipments, one line per shipment."""
    n = len(rows)
    return pl.DataFrame(
        {
            "shipment_id": [r[0] for r in rows],
            "order_id": [f"O-{r[0]}" for r in rows],
            "line_number": [1] * n,
            "sku": ["SKU-1"] * n,
            "location_id": [location] * n,
            "warehouse_code": [location.lower()] * n,
            "item_code": ["I1"] * n,
            "ship_date": [date(2024, 1, 1)] * n,
            "shipped_qty": [r[1] for r in rows],
            "handling_cost": [r[2] for r in rows],
        }
    )


SPREAD = [0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 0.97, 1.03, 1.0, 0.92]


def test_freight_cost_per_unit_is_judged_per_mode() -> None:
    road = [(f"R{i}", "road", "DC1", 100 * c) for i, c in enumerate(SPREAD)] + [
        ("R-BAD", "road", "DC1", 1000.0)
    ]
    air = [(f"A{i}", "air", "DC1", 1000 * c) for i, c in enumerate(SPREAD)]
    ships = shipments([(sid, 100.0, 10.0) for sid, *_ in road + air])

    flags = cost_to_serve_outliers(freight(road + air), ships)

    # 10/unit is normal for air but 10x the road median: only the road shipment is flagged.
    assert flagged_ids(flags) == {"R-BAD"}
    row = flags.row(0, named=True)
    assert row["rule"] == "freight_cost_per_unit_mad"
    assert row["entity_type"] == "shipment"
    assert row["value"] == pytest.approx(10.0)
    assert row["median"] == pytest.approx(1.0)
    assert row["sku"] == "SKU-1"
    assert row["excluded_from_segmentation"] is False
    assert "road shipments from DC1 (EUR)" in row["detail"]


def test_freight_is_judged_per_origin_when_the_origin_has_enough_history() -> None:
    dc1 = [(f"D1-{i}", "road", "DC1", 100 * c) for i, c in enumerate(SPREAD + SPREAD)]
    dc2 = [
        (f"D2-{i}", "road", "DC2", 300 * c) for i, c in enumerate(SPREAD)
    ]  # 3/unit, 10 shipments
    dc3 = [
        ("D3-0", "road", "DC3", 300.0),
        ("D3-1", "road", "DC3", 310.0),
    ]  # 2 shipments: mode-level
    rows = dc1 + dc2 + dc3
    flags = cost_to_serve_outliers(
        freight(rows), shipments([(r[0], 100.0, 10.0) for r in rows]), threshold=10.0
    )
    assert flagged_ids(flags) == {"D3-0", "D3-1"}
    assert all("road shipments (EUR)" in d for d in flags["detail"])


def test_freight_without_shipments_is_judged_per_shipment() -> None:
    rows = [(f"R{i}", "road", "DC1", 100 * c) for i, c in enumerate(SPREAD)] + [
        ("R-BAD", "road", "DC1", 5000.0)
    ]
    for ships in (None, shipments([]).clear()):
        flags = cost_to_serve_outliers(freight(rows), ships)
        assert flagged_ids(flags) == {"R-BAD"}
        assert flags["rule"].to_list() == ["freight_cost_per_shipment_mad"]
        assert flags["sku"].to_list() == [None]


def test_handling_cost_per_unit_outlier() -> None:
    lines = [(f"S{i}", 10.0, 20.0 * c) for i, c in enumerate(SPREAD)] + [("S-BAD", 10.0, 900.0)]
    flags = cost_to_serve_outliers(freight([]).clear(), shipments(lines))
    assert flagged_ids(flags) == {"S-BAD|O-S-BAD|1"}
    row = flags.row(0, named=True)
    assert (row["rule"], row["entity_type"], row["value"]) == (
        "handling_cost_per_unit_mad",
        "shipment_line",
        90.0,
    )
    assert cost_to_serve_outliers(
        freight([]).clear(), shipments(lines), exclude_from_segmentation=True
    )["excluded_from_segmentation"].to_list() == [True]


def test_flat_rate_lane_uses_the_ratio_rule() -> None:
    rows = [(f"R{i}", "road", "DC1", 250.0) for i in range(10)]
    rows += [("R-X", "road", "DC1", 2600.0), ("R-Y", "road", "DC1", 500.0)]  # 10.4x flagged, 2x not
    flags = cost_to_serve_outliers(freight(rows), None)
    assert flagged_ids(flags) == {"R-X"}
    assert flags["mads_from_median"].to_list() == [None]


# ---------------------------------------------------------------------------
# impossible values

GOOD, BAD = "GOOD", "BAD"


D1, D2 = date(2024, 1, 10), date(2024, 1, 5)
IMPOSSIBLE_CASES: dict[str, tuple[str, dict, dict]] = {
    # rule -> (table, good row, bad row); keys are added by _table
    "delivery_before_pickup": (
        "fct_freight",
        {"pickup_date": D2, "delivery_date": D1},
        {"pickup_date": D1, "delivery_date": D2},
    ),
    "negative_freight_cost": ("fct_freight", {"freight_cost": 0.0}, {"freight_cost": -1.0}),
    "negative_handling_cost": ("fct_shipments", {"handling_cost": 0.0}, {"handling_cost": -0.01}),
    "non_positive_shipped_qty": ("fct_shipments", {"shipped_qty": 1.0}, {"shipped_qty": 0.0}),
    "promised_before_order": (
        "fct_order_lines",
        {"order_date": D2, "promised_delivery_date": D2},
        {"order_date": D1, "promised_delivery_date": D2},
    ),
    "requested_before_order": (
        "fct_order_lines",
        {"order_date": D2, "requested_delivery_date": D1},
        {"order_date": D1, "requested_delivery_date": D2},
    ),
    "unit_weight_out_of_range": (
        "dim_product",
        {"unit_weight_kg": 50_000.0},
        {"unit_weight_kg": 50_000.5},
    ),
    "non_positive_unit_volume": ("dim_product", {"unit_volume_m3": 0.001}, {"unit_volume_m3": 0.0}),
    "negative_unit_cost": ("dim_product", {"unit_cost": 0.0}, {"unit_cost": -2.0}),
    "negative_list_price": ("dim_product", {"list_price": 0.0}, {"list_price": -2.0}),
    "unit_cost_above_list_price": (
        "dim_product",
        {"unit_cost": 100.0, "list_price": 10.0},
        {"unit_cost": 100.01, "list_price": 10.0},
    ),
    "launch_date_in_future": (
        "dim_product",
        {"launch_date": AS_OF},
        {"launch_date": AS_OF + timedelta(days=1)},
    ),
    "target_fill_rate_out_of_range": (
        "dim_customer",
        {"target_fill_rate": 1.0},
        {"target_fill_rate": 1.2},
    ),
    "negative_contracted_lead_time": (
        "dim_customer",
        {"contracted_lead_time_days": 0.0},
        {"contracted_lead_time_days": -1.0},
    ),
}
TABLE_KEYS = {
    "fct_freight": ("shipment_id",),
    "fct_shipments": ("shipment_id", "order_id", "line_number"),
    "fct_order_lines": ("order_id", "line_number"),
    "dim_product": ("sku",),
    "dim_customer": ("customer_id",),
}


def _table(table: str, good: dict, bad: dict) -> pl.DataFrame:
    keys = TABLE_KEYS[table]
    rows = []
    for label, values in ((GOOD, good), (BAD, bad)):
        row = {k: (1 if k == "line_number" else label) for k in keys}
        rows.append({**row, **values})
    return pl.DataFrame(rows)


def test_every_declared_rule_has_a_test_case() -> None:
    declared = {r.name for r in IMPOSSIBLE_VALUE_RULES}
    assert declared - {"ship_before_order"} == set(IMPOSSIBLE_CASES)


@pytest.mark.parametrize("rule", sorted(IMPOSSIBLE_CASES))
def test_impossible_value_rule_fires_on_bad_row_only(rule: str) -> None:
    table, good, bad = IMPOSSIBLE_CASES[rule]
    frame = _table(table, good, bad)
    result = impossible_values({table: frame}, AS_OF)
    hits = result.flags.filter(pl.col("rule") == rule)
    expected_id = "|".join("1" if k == "line_number" else BAD for k in TABLE_KEYS[table])
    assert hits["entity_id"].to_list() == [expected_id]
    assert result.flags.schema == FLAG_SCHEMA
    assert hits["median"].to_list() == [None] and hits["mads_from_median"].to_list() == [None]
    assert rule not in {s.rule for s in result.skipped}


def test_ship_before_order_joins_shipments_to_order_lines() -> None:
    ships = pl.DataFrame(
        {
            "shipment_id": ["S1", "S2", "S3"],
            "order_id": ["O1", "O2", "O-UNKNOWN"],
            "line_number": [1, 1, 1],
            "sku": ["SKU-1", "SKU-2", "SKU-3"],
            "ship_date": [date(2024, 1, 4), date(2024, 1, 10), date(2020, 1, 1)],
        }
    )
    lines = pl.DataFrame(
        {"order_id": ["O1", "O2"], "line_number": [1, 1], "order_date": [date(2024, 1, 5)] * 2}
    )
    result = impossible_values({"fct_shipments": ships, "fct_order_lines": lines}, AS_OF)
    hits = result.flags.filter(pl.col("rule") == "ship_before_order")
    assert hits.select("entity_id", "sku", "value").rows() == [("S1|O1|1", "SKU-1", -1.0)]
    assert (
        hits["detail"][0]
        == "shipped before the order was placed: ship_date=2024-01-04, order_date=2024-01-05"
    )
    assert hits["excluded_from_segmentation"].to_list() == [True]


def test_missing_values_do_not_fire_and_master_data_rows_stay_in_segmentation() -> None:
    dim = pl.DataFrame(
        {
            "sku": ["A", "B"],
            "unit_weight_kg": [None, -1.0],
            "unit_cost": [None, 5.0],
            "list_price": [1.0, None],
        }
    )
    flags = impossible_values({"dim_product": dim}, AS_OF).flags
    assert flags.select("rule", "entity_id").rows() == [("unit_weight_out_of_range", "B")]
    assert flags["excluded_from_segmentation"].to_list() == [False]


def test_absent_or_empty_sources_are_skipped_and_reported() -> None:
    freight_frame = _table("fct_freight", {"freight_cost": 1.0}, {"freight_cost": -1.0})
    result = impossible_values(
        {"fct_freight": freight_frame, "fct_shipments": pl.DataFrame()}, AS_OF
    )
    skipped = {s.rule: s.reason for s in result.skipped}
    assert skipped["negative_handling_cost"] == "source fct_shipments empty"
    assert skipped["promised_before_order"] == "source fct_order_lines absent"
    assert skipped["target_fill_rate_out_of_range"] == "source dim_customer absent"
    assert (
        skipped["delivery_before_pickup"]
        == "source fct_freight lacks column(s) delivery_date, pickup_date"
    )
    assert "negative_freight_cost" not in skipped
    assert result.flags["entity_id"].to_list() == ["BAD"]
    assert result.skipped_frame().columns == ["rule", "reason"]

    nothing = impossible_values({}, AS_OF)
    assert nothing.flags.height == 0 and nothing.flags.schema == FLAG_SCHEMA
    assert len(nothing.skipped) == len(IMPOSSIBLE_VALUE_RULES)


# ---------------------------------------------------------------------------
# master-data scorecard


def exceptions(rows: list[tuple[str, str, str | None, str]]) -> pl.DataFrame:
    """(entity_type, exception_type, erp_key, source_key) -> reconcile.exceptions."""
    return pl.DataFrame(
        {
            "exception_id": [f"E{i}" for i in range(len(rows))],
            "entity_type": [r[0] for r in rows],
            "source_system": ["wms"] * len(rows),
            "source_entity": ["items"] * len(rows),
            "source_key": [r[3] for r in rows],
            "exception_type": [r[1] for r in rows],
            "erp_key": [r[2] for r in rows],
            "detail": [""] * len(rows),
        },
        schema_overrides={"erp_key": pl.String},
    )


DIM_PRODUCT = pl.DataFrame(
    {
        "sku": ["A", "B", "C", "D"],
        "description": ["Bolt", "  ", None, "Nut"],  # blank counts as missing: 2 of 4
        "description_source": ["erp"] * 4,
        "unit_weight_kg": [1.0, float("nan"), None, 2.0],  # NaN counts as missing: 2 of 4
        "category": ["X", "X", "Y", "Y"],  # complete: 4 of 4
    }
)


def scorecard_row(card: pl.DataFrame, entity: str, metric: str, subject: str) -> tuple:
    rows = (
        card.filter(
            (pl.col("entity_type") == entity)
            & (pl.col("metric") == metric)
            & (pl.col("subject") == subject)
        )
        .select("numerator", "denominator", "value")
        .rows()
    )
    assert len(rows) == 1, (entity, metric, subject, rows)
    return rows[0]


def test_scorecard_completeness_match_rates_and_exception_counts() -> None:
    product_xwalk = pl.DataFrame(
        {
            "item_code": ["i1", "i2", "i3"],
            "erp_sku_as_delivered": ["a", "b", "zz"],
            "sku": ["A", "B", None],
            "match_method": ["exact", "exact", None],
        }
    )
    tms = pl.DataFrame(
        {
            "code": ["o1", "o2", "d1", "d2", "d3", "d4"],
            "role": ["origin"] * 2 + ["destination"] * 4,
            "erp_id": ["L1", None, "C1", "C2", "C3", None],
        }
    )
    ex = exceptions(
        [
            ("product", "duplicate_record", "A", "i1"),
            ("product", "duplicate_record", "A", "i9"),
            ("product", "hierarchy_conflict", "B", "i2"),
            ("customer", "ambiguous_match", None, "acc1"),
            ("product", "unmatched", None, "i3"),
            ("freight", "duplicate_key", None, "SH1"),
        ]
    )
    card = master_data_scorecard(DIM_PRODUCT, None, None, product_xwalk, None, None, tms, ex)

    assert card.schema == SCORECARD_SCHEMA
    assert scorecard_row(card, "product", "completeness", "description") == (2, 4, 0.5)
    assert scorecard_row(card, "product", "completeness", "unit_weight_kg") == (2, 4, 0.5)
    assert scorecard_row(card, "product", "completeness", "category") == (4, 4, 1.0)
    assert scorecard_row(card, "product", "completeness", "brand") == (
        0,
        4,
        0.0,
    )  # not in the frame at all
    assert card.filter(pl.col("subject").str.ends_with("_source")).height == 0
    assert scorecard_row(card, "product", "match_rate", "wms_items") == (2, 3, pytest.approx(2 / 3))
    assert scorecard_row(card, "location", "match_rate", "tms_origins") == (1, 2, 0.5)
    assert scorecard_row(card, "customer", "match_rate", "tms_destinations") == (3, 4, 0.75)
    assert scorecard_row(card, "product", "duplicates", "duplicate_record") == (2, 4, 0.5)
    assert scorecard_row(card, "product", "duplicates", "duplicate_key") == (0, 4, 0.0)
    assert scorecard_row(card, "product", "conflicts", "hierarchy_conflict") == (1, 4, 0.25)
    assert scorecard_row(card, "customer", "conflicts", "ambiguous_match") == (1, 0, None)
    assert scorecard_row(card, "freight", "duplicates", "duplicate_key") == (1, None, None)
    assert card.filter(pl.col("subject") == "unmatched").height == 0


def test_scorecard_on_empty_inputs_gives_denominator_zero_rows() -> None:
    empty_dim = pl.DataFrame(
        schema={"sku": pl.String, "description": pl.String, "description_source": pl.String}
    )
    card = master_data_scorecard(
        empty_dim, None, pl.DataFrame(), pl.DataFrame(), None, None, None, pl.DataFrame()
    )

    assert card.height > 0
    assert card["denominator"].to_list() == [0] * card.height
    assert card["value"].null_count() == card.height
    assert scorecard_row(card, "customer", "completeness", "target_fill_rate") == (0, 0, None)
    assert scorecard_row(card, "location", "match_rate", "wms_warehouses") == (0, 0, None)
    assert scorecard_row(card, "product", "duplicates", "duplicate_key") == (0, 0, None)
    assert card.sort("entity_type", "metric", "subject").equals(card)


# ---------------------------------------------------------------------------
# cleansing priorities


def revenue_lines(revenue: dict[tuple[str, str], float]) -> pl.DataFrame:
    """{(sku, customer_id): line_revenue} -> fct_order_lines (one line each)."""
    items = list(revenue.items())
    return pl.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(len(items))],
            "line_number": [1] * len(items),
            "sku": [k[0] for k, _ in items],
            "customer_id": [k[1] for k, _ in items],
            "ship_from_location_id": ["DC1"] * len(items),
            "line_revenue": [v for _, v in items],
            "is_cancelled": [False] * len(items),
            "is_return": [False] * len(items),
        }
    ).with_columns(pl.col("line_revenue").cast(pl.Decimal(18, 2)))


def test_priorities_rank_by_revenue_at_stake_then_records_then_name() -> None:
    sales = revenue_lines(
        {
            ("A", "C1"): 1000.0,
            ("B", "C1"): 500.0,
            ("C", "C2"): 200.0,
            ("A", "C3"): 10.0,
            ("Z", "C9"): 7.0,
        }
    )
    cancelled = revenue_lines({("B", "C1"): 999.0}).with_columns(
        pl.lit("CANCELLED").alias("order_id"), pl.lit(True).alias("is_cancelled")
    )
    lines = sales.vstack(cancelled)
    ex = exceptions(
        [
            ("product", "duplicate_record", "A", "i1"),  # A: 1,010
            ("product", "duplicate_record", "A", "i2"),  # same SKU again: not counted twice
            (
                "product",
                "hierarchy_conflict",
                None,
                " b ",
            ),  # falls back to source_key, trimmed/upper: 500
            ("customer", "attribute_conflict", "C2", "acc2"),  # 200
            ("customer", "attribute_conflict", "C2", "acc2"),  # a second attribute, same record
            ("customer", "hierarchy_conflict", "C2", "acc2"),  # 200, tie -> ordered by name
            ("customer", "duplicate_record", "C9", "acc9"),  # 7
            ("customer", "duplicate_record", "C8", "acc8"),  # no sales: 7 in total for the issue
            ("product", "unmatched", None, "i-orphan"),  # foreign code, no revenue: 0
            ("product", "unmatched", None, "i-orphan2"),
            ("order_line", "duplicate_key", None, "O1|1"),  # no revenue link: null, last
            ("freight", "unknown_mode", None, "SH1"),  # null too; tie broken by entity type
        ]
    )
    card = master_data_scorecard(None, None, None, None, None, None, None, ex)
    ranked = cleansing_priorities(card, ex, lines)

    assert ranked.schema == PRIORITIES_SCHEMA
    assert ranked.select("entity_type", "issue", "affected_records", "affected_revenue").rows() == [
        ("product", "duplicate_record", 2, 1010.0),
        ("product", "hierarchy_conflict", 1, 500.0),
        ("customer", "attribute_conflict", 1, 200.0),
        ("customer", "hierarchy_conflict", 1, 200.0),
        ("customer", "duplicate_record", 2, 7.0),
        ("product", "unmatched", 2, 0.0),
        ("freight", "unknown_mode", 1, None),
        ("order_line", "duplicate_key", 1, None),
    ]
    assert ranked["rank"].to_list() == list(range(1, 9))
    assert ranked["recommendation"].str.len_chars().min() > 10  # type: ignore[operator]
    # deterministic: input order does not matter
    assert cleansing_priorities(card, ex.reverse(), lines.reverse()).equals(ranked)


def test_priorities_include_incomplete_attributes_priced_by_the_records_missing_them() -> None:
    card = master_data_scorecard(DIM_PRODUCT, None, None, None, None, None, None, None)
    lines = revenue_lines(
        {("A", "C1"): 100.0, ("B", "C1"): 40.0, ("C", "C1"): 30.0, ("D", "C1"): 1.0}
    )

    ranked = cleansing_priorities(card, None, lines, dim_product=DIM_PRODUCT)
    by_issue = {r["issue"]: r for r in ranked.iter_rows(named=True)}
    assert "missing category" not in by_issue  # complete
    description = by_issue["missing description"]
    assert (description["affected_records"], description["affected_revenue"]) == (2, 70.0)
    assert by_issue["missing unit_weight_kg"]["affected_revenue"] == 70.0
    assert (
        by_issue["missing brand"]["affected_revenue"] == 171.0
    )  # absent column: every record misses it
    assert "unit weights" in by_issue["missing unit_weight_kg"]["recommendation"]
    assert ranked["issue"][0] == "missing brand"

    # without the dimension frames the revenue is unknown, never invented
    unpriced = cleansing_priorities(card, None, lines)
    assert unpriced["affected_revenue"].null_count() == unpriced.height
    assert unpriced.filter(pl.col("issue") == "missing description")[
        "affected_records"
    ].to_list() == [2]


def test_priorities_on_empty_inputs_are_empty() -> None:
    card = master_data_scorecard(None, None, None, None, None, None, None, None)
    ranked = cleansing_priorities(card, pl.DataFrame(), pl.DataFrame())
    assert ranked.height == 0
    assert ranked.schema == PRIORITIES_SCHEMA


def match_rate_inputs() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Scorecard, exceptions and order lines of three foreign systems with known match rates.

    wms_items 3 of 5 (60%), crm_accounts 1 of 2 (50%), tms_destinations 1 of 2 (50%),
    wms_warehouses and tms_origins empty (rate undefined).
    """
    product_xwalk = pl.DataFrame(
        {
            "item_code": ["a", "i2", "i3", "b", "x9"],
            "erp_sku_as_delivered": ["A", "C", "D", None, "x"],
            "sku": ["A", "C", "D", None, None],
            "match_method": ["exact", "exact", "exact", None, None],
        }
    )
    customer_xwalk = pl.DataFrame(
        {
            "account_id": ["acc1", "c1"],
            "erp_customer_id_as_delivered": ["C2", None],
            "customer_id": ["C2", None],
            "match_method": ["exact", None],
        }
    )
    tms = pl.DataFrame({"code": ["d1", "d2"], "role": ["destination"] * 2, "erp_id": ["C1", None]})
    findings = [
        # (entity_type, source_system, source_entity, source_key, exception_type)
        ("product", "wms", "items", "b", "unmatched"),  # names SKU B by its code: 50
        ("product", "wms", "items", "x9", "ambiguous_match"),
        ("customer", "crm", "accounts", "c1", "unmatched"),  # names customer C1: 100
        ("customer", "tms", "freight", "d2", "unmatched"),  # no sales: 0
        ("product", "wms", "items", "a", "hierarchy_conflict"),  # matched: not in the rate
    ]
    ex = pl.DataFrame(
        {
            "exception_id": [f"E{i}" for i in range(len(findings))],
            "entity_type": [f[0] for f in findings],
            "source_system": [f[1] for f in findings],
            "source_entity": [f[2] for f in findings],
            "source_key": [f[3] for f in findings],
            "exception_type": [f[4] for f in findings],
            "erp_key": [None] * len(findings),
            "detail": [""] * len(findings),
        },
        schema_overrides={"erp_key": pl.String},
    )
    card = master_data_scorecard(
        None, None, None, product_xwalk, customer_xwalk, pl.DataFrame(), tms, ex
    )
    lines = revenue_lines({("A", "C1"): 100.0, ("B", "C2"): 50.0})
    return card, ex, lines


def match_rate_rows(ranked: pl.DataFrame) -> list[tuple]:
    return (
        ranked.filter(pl.col("issue").str.starts_with("match rate below target"))
        .select("rank", "entity_type", "issue", "affected_records", "affected_revenue")
        .rows()
    )


def test_priorities_list_foreign_systems_below_the_match_rate_target() -> None:
    card, ex, lines = match_rate_inputs()

    ranked = cleansing_priorities(card, ex, lines, match_rate_target=0.9)

    # ranked among the other issues by revenue: C1 (100) > B (50) > nothing sold (0). Also
    # listed: customer unmatched (C1 and d2, 100) first, product hierarchy_conflict (A, 100)
    # third, product unmatched (B, 50) fifth, product ambiguous_match (0) last.
    assert match_rate_rows(ranked) == [
        (2, "customer", "match rate below target: crm_accounts at 50% (target 90%)", 1, 100.0),
        (4, "product", "match rate below target: wms_items at 60% (target 90%)", 2, 50.0),
        (6, "customer", "match rate below target: tms_destinations at 50% (target 90%)", 1, 0.0),
    ]
    assert ranked.height == 7
    # the per-finding rows stay: the system rows summarise them under their own name
    by_issue = {(r["entity_type"], r["issue"]): r for r in ranked.iter_rows(named=True)}
    assert by_issue[("product", "unmatched")]["affected_records"] == 1
    assert by_issue[("product", "ambiguous_match")]["affected_records"] == 1
    recommendation = by_issue[
        ("product", "match rate below target: wms_items at 60% (target 90%)")
    ]["recommendation"]
    assert recommendation.startswith("Maintain the ERP key in the WMS item master")
    assert "erp_sku" in recommendation
    # empty systems have no rate and are never listed
    assert not ranked.filter(pl.col("issue").str.contains("wms_warehouses|tms_origins")).height


def test_a_system_at_or_above_the_match_rate_target_is_not_listed() -> None:
    card, ex, lines = match_rate_inputs()

    at_wms_rate = match_rate_rows(cleansing_priorities(card, ex, lines, match_rate_target=0.6))
    assert [r[2] for r in at_wms_rate] == [
        "match rate below target: crm_accounts at 50% (target 60%)",
        "match rate below target: tms_destinations at 50% (target 60%)",
    ]
    assert match_rate_rows(cleansing_priorities(card, ex, lines, match_rate_target=0.5)) == []
    assert match_rate_rows(cleansing_priorities(card, ex, lines, match_rate_target=0.0)) == []


def test_match_rate_issues_are_unpriced_without_the_findings_and_floor_the_rate() -> None:
    xwalk = pl.DataFrame(
        {"item_code": [f"i{i}" for i in range(1000)], "sku": ["A"] * 989 + [None] * 11}
    )
    card = master_data_scorecard(None, None, None, xwalk, None, None, None, None)
    lines = revenue_lines({("A", "C1"): 100.0})

    # 98.9% of items match: shown floored, never rounded up to the 99% target
    assert match_rate_rows(cleansing_priorities(card, None, lines, match_rate_target=0.99)) == [
        (1, "product", "match rate below target: wms_items at 98.9% (target 99%)", 11, None)
    ]
