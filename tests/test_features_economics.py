"""Margin, cost to serve, service terms and supply-side features on hand-made records."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from segmentation_assets.features.economics import (
    customer_margin,
    customer_profitability,
    line_costs,
    sku_cost_to_serve,
)
from segmentation_assets.features.external import (
    market_volatility,
    supplier_lead_time,
    supplier_risk,
)
from segmentation_assets.features.history import DemandWindow
from segmentation_assets.features.service import contract_terms, requested_lead_time

MONDAY = date(2025, 3, 3)
WINDOW = DemandWindow(MONDAY, MONDAY + timedelta(weeks=3))

LINE_SCHEMA = {
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
}


def lines(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row")


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


ORDER_LINES = lines(
    [
        ("SO1", 1, day(0), "C1", "A", 1.0, 100.0, day(3), False, False),
        ("SO1", 2, day(0), "C1", "B", 2.0, 50.0, day(5), False, False),
        ("SO2", 1, day(8), "C2", "A", 3.0, 300.0, day(9), False, False),
    ]
)
SHIPMENTS = pl.DataFrame(
    {
        "shipment_id": ["SH1", "SH1", "SH2"],
        "order_id": ["SO1", "SO1", "SO2"],
        "line_number": [1, 2, 1],
        "sku": ["A", "B", "A"],
        "shipped_qty": [1.0, 2.0, 3.0],
        "handling_cost": [1.5, 2.5, 4.0],
    }
)
FREIGHT = pl.DataFrame({"shipment_id": ["SH1", "SH2"], "freight_cost": [30.0, 9.0]})


def test_freight_is_spread_over_a_shipments_lines_by_shipped_quantity() -> None:
    costs = line_costs(ORDER_LINES, SHIPMENTS, FREIGHT, WINDOW, cost_per_order=12.0)
    assert costs.missing is None and costs.unattributed is None
    per_line = costs.lines.group_by("order_id", "line_number").agg(pl.col(pl.Float64).sum())
    by_line = {(r["order_id"], r["line_number"]): r for r in per_line.iter_rows(named=True)}
    assert by_line[("SO1", 1)]["freight"] == pytest.approx(10.0)  # 30 x 1/3
    assert by_line[("SO1", 2)]["freight"] == pytest.approx(20.0)  # 30 x 2/3
    assert by_line[("SO1", 1)]["processing"] == pytest.approx(6.0)  # 12 over the order's 2 lines
    assert by_line[("SO1", 1)]["cost_to_serve"] == pytest.approx(10.0 + 1.5 + 6.0)
    assert by_line[("SO2", 1)]["cost_to_serve"] == pytest.approx(9.0 + 4.0 + 12.0)
    per_sku = dict(sku_cost_to_serve(costs, ORDER_LINES, WINDOW).iter_rows())
    assert per_sku["A"] == pytest.approx((17.5 + 25.0) / 4)  # over the 1 + 3 units sold
    assert per_sku["B"] == pytest.approx((20.0 + 2.5 + 6.0) / 2)


def test_shipment_without_quantities_shares_freight_evenly_and_orphans_are_reported() -> None:
    shipments = SHIPMENTS.with_columns(pl.lit(0.0).alias("shipped_qty"))
    freight = pl.concat([FREIGHT, pl.DataFrame({"shipment_id": ["SH9"], "freight_cost": [7.0]})])
    costs = line_costs(ORDER_LINES, shipments, freight, WINDOW, cost_per_order=0.0)
    so1 = (
        costs.lines.filter(pl.col("order_id") == "SO1")
        .group_by("line_number")
        .agg(pl.col("freight").sum())
    )
    assert so1.sort("line_number")["freight"].to_list() == [15.0, 15.0]
    assert "1 freight records (7.00) match no shipment" in costs.unattributed


@pytest.mark.parametrize(
    "shipments,freight,missing",
    [
        (None, FREIGHT, "WMS shipments"),
        (SHIPMENTS, SHIPMENTS.clear(), "TMS freight"),
    ],
)
def test_no_cost_to_serve_without_wms_or_tms(shipments, freight, missing) -> None:
    costs = line_costs(ORDER_LINES, shipments, freight, WINDOW, cost_per_order=12.0)
    assert costs.lines is None and missing in costs.missing
    customers = pl.DataFrame(
        {
            "customer_id": ["C1"],
            "total_revenue": [150.0],
            "total_units": [3.0],
            "orders": [1],
            "gross_margin": [50.0],
        }
    )
    profit = customer_profitability(customers, costs, (0.8, 0.95))
    assert profit["cost_to_serve"].to_list() == [None]
    assert profit["profitability_class"].to_list() == [None]


def test_customer_margin_is_null_when_a_bought_sku_has_no_unit_cost() -> None:
    products = pl.DataFrame({"sku": ["A", "B"], "unit_cost": [60.0, None]})
    margin = {
        r["customer_id"]: r
        for r in customer_margin(ORDER_LINES, products, WINDOW).iter_rows(named=True)
    }
    assert margin["C1"]["gross_margin"] is None
    assert margin["C2"]["gross_margin"] == pytest.approx(300.0 - 3 * 60.0)
    assert margin["C2"]["gross_margin_pct"] == pytest.approx(40.0)


def test_returned_units_give_their_cost_back() -> None:
    with_return = pl.concat(
        [ORDER_LINES, lines([("RT1", 1, day(9), "C2", "A", -1.0, -100.0, None, True, False)])]
    )
    products = pl.DataFrame({"sku": ["A", "B"], "unit_cost": [60.0, 10.0]})
    margin = dict(
        customer_margin(with_return, products, WINDOW)
        .select("customer_id", "gross_margin")
        .iter_rows()
    )
    assert margin["C2"] == pytest.approx((300.0 - 100.0) - (3 - 1) * 60.0)


def test_profitability_classes_rank_profit_and_cost_to_serve_share() -> None:
    costs = line_costs(ORDER_LINES, SHIPMENTS, FREIGHT, WINDOW, cost_per_order=12.0)
    customers = pl.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "total_revenue": [150.0, 300.0, 10.0],
            "total_units": [3.0, 3.0, 1.0],
            "orders": [1, 1, 1],
            "gross_margin": [100.0, 150.0, 2.0],
        }
    )
    rows = {
        r["customer_id"]: r
        for r in customer_profitability(customers, costs, (0.8, 0.95)).iter_rows(named=True)
    }
    # cost to serve C1 = 10+1.5+6 + 20+2.5+6 = 46, C2 = 25, C3 none
    assert rows["C1"]["cost_to_serve"] == pytest.approx(46.0)
    assert rows["C1"]["net_profit"] == pytest.approx(54.0)
    assert rows["C2"]["cost_to_serve_per_order"] == pytest.approx(25.0)
    assert rows["C2"]["profitability_pct"] == pytest.approx(125.0 / 300.0 * 100)
    # profit 54, 125, 2 of 181: C2 first (.69) A, C1 (.99) C, C3 (1.0) C
    assert [rows[c]["profitability_class"] for c in ("C1", "C2", "C3")] == ["C", "A", "C"]
    # cost share of revenue: C3 0, C2 .083, C1 .31
    assert [rows[c]["cost_to_serve_class"] for c in ("C1", "C2", "C3")] == ["high", "medium", "low"]


def test_requested_lead_time_is_the_median_of_sensible_lines() -> None:
    ol = pl.concat(
        [
            ORDER_LINES,
            lines(
                [
                    (
                        "SO3",
                        1,
                        day(1),
                        "C1",
                        "A",
                        1.0,
                        10.0,
                        day(0),
                        False,
                        False,
                    ),  # before the order: ignored
                    (
                        "SO4",
                        1,
                        day(1),
                        "C1",
                        "A",
                        1.0,
                        10.0,
                        day(9),
                        False,
                        True,
                    ),  # cancelled: ignored
                    ("SO5", 1, day(2), "C1", "A", 1.0, 10.0, None, False, False),
                ]
            ),
        ]
    )
    lead = dict(requested_lead_time(ol, WINDOW).iter_rows())
    assert lead == {"C1": 4.0, "C2": 1.0}


def test_contract_terms_come_from_crm_or_are_null_with_a_note() -> None:
    crm = pl.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "service_tier": ["Gold", None],
            "contracted_lead_time_days": [2.0, None],
            "target_fill_rate": [0.98, None],
            "strategic_account": [True, False],
        }
    )
    terms, notes = contract_terms(crm)
    assert notes == {}
    assert terms.rows() == [("C1", "Gold", 2.0, 0.98, "yes"), ("C2", None, None, None, "no")]
    terms, notes = contract_terms(pl.DataFrame({"customer_id": ["C1"]}))
    assert terms.rows() == [("C1", None, None, None, None)]
    assert set(notes) == {
        "service_tier",
        "contracted_lead_time_days",
        "target_fill_rate",
        "strategic_account",
    }


PRODUCTS = pl.DataFrame(
    {
        "sku": ["A", "B", "C"],
        "supplier_id": ["S1", "S2", None],
        "category": ["Tools", "Tools", "Glue"],
    }
)


def test_supplier_lead_time_prefers_the_products_own_supplier() -> None:
    supply = pl.DataFrame(
        {
            "supplier_id": ["S1", "S9", "S8", "S7", "S1"],
            "sku": ["A", "A", "B", "B", "C"],
            "lead_time_days": [10.0, 40.0, 20.0, 30.0, 99.0],
            "_is_latest": [True, True, True, True, False],
        }
    )
    frame, note = supplier_lead_time(PRODUCTS, supply)
    assert dict(frame.iter_rows()) == {"A": 10.0, "B": 25.0, "C": None}
    assert note.startswith("1 SKUs")
    frame, note = supplier_lead_time(PRODUCTS, None)
    assert frame["supplier_lead_time_days"].null_count() == 3 and "no ERP supply" in note


def test_supplier_risk_is_the_latest_score_known_at_the_as_of_week() -> None:
    risk = pl.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S1", "S2"],
            "as_of_date": [date(2024, 1, 1), date(2025, 3, 20), date(2025, 9, 1), date(2025, 1, 1)],
            "risk_score": [10.0, 20.0, 99.0, 50.0],
        }
    )
    frame, _ = supplier_risk(PRODUCTS, risk, WINDOW)  # window ends the week of 2025-03-24
    assert dict(frame.iter_rows()) == {"A": 20.0, "B": 50.0, "C": None}


def test_market_volatility_averages_the_last_13_weeks_of_the_category() -> None:
    weeks = [WINDOW.end - timedelta(weeks=i) for i in range(20)]
    index = pl.DataFrame(
        {
            "index_date": weeks,
            "category": ["Tools"] * 20,
            "volatility_index": [100.0 if i < 13 else 500.0 for i in range(20)],
        }
    )
    frame, note = market_volatility(PRODUCTS, index, WINDOW)
    assert dict(frame.iter_rows()) == {"A": 100.0, "B": 100.0, "C": None}
    assert "1 SKUs" in note
    _, note = market_volatility(PRODUCTS, index.clear(), WINDOW)
    assert "no external market index" in note
