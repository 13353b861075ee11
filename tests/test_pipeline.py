"""The whole graph on generated data: reconciliation against ground truth, no lost rows."""

from __future__ import annotations

import polars as pl
import pytest

pytestmark = pytest.mark.pipeline

MATCH_TARGET = 0.99


def test_every_asset_and_blocking_check_succeeds(sample_run):
    assert sample_run.result.success
    failed = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in sample_run.result.get_asset_check_evaluations()
        if not e.passed and e.severity.value == "ERROR"
    ]
    assert failed == []


def test_order_lines_reconcile_exactly_between_raw_marts_and_quarantine(sample_run):
    raw = sample_run.sql("select _raw_row_id from raw.erp__order_lines")
    fct = sample_run.sql("select _raw_row_id from marts.fct_order_lines")
    quarantined = sample_run.sql("select _raw_row_id, rule from quarantine.order_lines")
    assert raw.height == fct.height + quarantined.height
    assert set(raw["_raw_row_id"]) == set(fct["_raw_row_id"]) | set(quarantined["_raw_row_id"])
    assert set(fct["_raw_row_id"]).isdisjoint(set(quarantined["_raw_row_id"]))
    assert quarantined["rule"].null_count() == 0


def _accuracy(
    mapped: pl.DataFrame, truth: pl.DataFrame, key: str, truth_id: str, mapped_id: str
) -> tuple[float, list]:
    matchable = truth.filter(pl.col("matchable").str.to_lowercase() == "true")
    joined = matchable.join(mapped, on=key, how="left")
    right = joined.filter(
        pl.col(mapped_id) == pl.col(truth_id).str.strip_chars().str.to_uppercase()
    )
    wrong = joined.filter(
        pl.col(mapped_id).is_null()
        | (pl.col(mapped_id) != pl.col(truth_id).str.strip_chars().str.to_uppercase())
    )
    return right.height / max(matchable.height, 1), wrong.head(5).to_dicts()


@pytest.mark.parametrize(
    ("truth_file", "crosswalk", "key", "truth_id", "mapped_id"),
    [
        ("product_crosswalk.csv", "product_crosswalk", "item_code", "true_sku", "sku"),
        (
            "customer_crosswalk.csv",
            "customer_crosswalk",
            "account_id",
            "true_customer_id",
            "customer_id",
        ),
        (
            "warehouse_crosswalk.csv",
            "location_crosswalk",
            "warehouse_code",
            "true_location_id",
            "location_id",
        ),
    ],
)
def test_matchable_foreign_records_map_to_the_right_erp_record(
    sample_run, truth_file, crosswalk, key, truth_id, mapped_id
):
    truth = sample_run.truth(truth_file)
    mapped = sample_run.sql(f"select {key}, {mapped_id} from reconcile.{crosswalk}")
    accuracy, wrong = _accuracy(mapped, truth, key, truth_id, mapped_id)
    print(f"{crosswalk}: {accuracy:.4f} of matchable records mapped correctly")
    assert accuracy >= MATCH_TARGET, wrong


def test_tms_locations_map_to_the_right_erp_record(sample_run):
    truth = sample_run.truth("tms_location_crosswalk.csv")
    mapped = sample_run.sql("select code, role, erp_id from reconcile.tms_location_crosswalk")
    matchable = truth.filter(pl.col("matchable").str.to_lowercase() == "true")
    joined = matchable.join(mapped, on=["code", "role"], how="left")
    right = joined.filter(pl.col("erp_id") == pl.col("true_erp_id").str.to_uppercase())
    print(f"tms_location_crosswalk: {right.height / matchable.height:.4f} mapped correctly")
    assert right.height / matchable.height >= MATCH_TARGET, (
        joined.filter(pl.col("erp_id").is_null()).head(5).to_dicts()
    )


def test_unmatchable_records_are_not_guessed(sample_run):
    truth = sample_run.truth("product_crosswalk.csv").filter(
        pl.col("true_sku").is_null() | (pl.col("true_sku") == "")
    )
    assert truth.height > 0, "the sample plants WMS-only items"
    mapped = sample_run.sql("select item_code, sku from reconcile.product_crosswalk")
    guessed = truth.join(mapped, on="item_code").filter(pl.col("sku").is_not_null())
    assert guessed.height == 0, guessed.to_dicts()


RECONCILE_DEFECTS = {
    "unmatched",
    "crosswalk_target_missing",
    "duplicate_record",
    "hierarchy_conflict",
    "unknown_mode",
    "duplicate_key",
}
QUARANTINE_DEFECTS = {
    "superseded_by_newer_drop",
    "duplicate_key_in_file",
    "missing_key",
    "unknown_product",
    "negative_price",
    "order_date_in_future",
}


def test_every_planted_reconciliation_defect_is_an_exception(sample_run):
    planted = sample_run.truth("planted_defects.csv").filter(
        pl.col("defect").is_in(sorted(RECONCILE_DEFECTS))
    )
    assert set(planted["defect"]) >= {
        "unmatched",
        "duplicate_record",
        "hierarchy_conflict",
        "unknown_mode",
    }
    exceptions = sample_run.sql(
        "select exception_type, source_system, source_key from reconcile.exceptions"
    )
    found = exceptions.with_columns(
        pl.col("source_key").str.strip_chars().str.to_uppercase().alias("k")
    )
    missing = []
    for defect in planted.iter_rows(named=True):
        key = (defect["key"] or "").strip().upper()
        hit = found.filter((pl.col("exception_type") == defect["defect"]) & (pl.col("k") == key))
        if hit.height == 0:
            missing.append(defect)
    assert missing == [], missing[:10]


def test_every_planted_order_line_defect_is_quarantined_with_its_rule(sample_run):
    planted = sample_run.truth("planted_defects.csv").filter(
        pl.col("defect").is_in(sorted(QUARANTINE_DEFECTS))
    )
    assert planted.height >= len(QUARANTINE_DEFECTS) - 1
    quarantined = sample_run.sql(
        "select rule, order_id, line_number, _raw_row_id from quarantine.order_lines"
    )
    rules = set(quarantined["rule"])
    for defect in sorted(set(planted["defect"])):
        assert defect in rules, f"no quarantined row for planted {defect}"
    assert quarantined.height >= planted.height


def test_rejected_file_is_logged_and_the_rest_loads(sample_run):
    loads = sample_run.sql("select * from raw.file_loads")
    rejected = loads.filter(pl.col("status") == "rejected")
    planted = sample_run.truth("planted_defects.csv").filter(pl.col("defect") == "rejected_file")
    assert set(rejected["source_file"]) == {k for k in planted["key"]}
    assert rejected["error_rule"].to_list() == ["wrong_type"] * rejected.height
    assert all(
        m.startswith(f) for f, m in zip(rejected["source_file"], rejected["message"], strict=True)
    )
    assert loads.filter(pl.col("status") == "loaded").height >= 10


def test_newest_drop_wins_for_restated_order_lines(sample_run):
    restated = sample_run.sql("""
        select r.order_id, r.line_number, r.quantity as newest_quantity, f.quantity as mart_quantity
        from raw.erp__order_lines r
        join marts.fct_order_lines f using (_raw_row_id)
        where r._source_file like '%corrections%'
    """)
    assert restated.height > 0, "the corrections drop restates lines and they win"
    superseded = sample_run.sql("""
        select count(*) as n from quarantine.order_lines where rule = 'superseded_by_newer_drop'
    """)["n"][0]
    assert superseded >= restated.height


def test_weekly_demand_is_zero_filled_per_sku(sample_run):
    gaps = sample_run.sql("""
        with spans as (
            select sku, count(*) as weeks,
                min(week_start) as first_week, max(week_start) as last_week
            from marts.fct_weekly_demand group by sku
        )
        select * from spans where weeks != datediff('week', first_week, last_week) + 1
    """)
    assert gaps.height == 0
    last_weeks = sample_run.sql(
        "select count(distinct max_week) as n from "
        "(select max(week_start) as max_week from marts.fct_weekly_demand group by sku)"
    )
    assert last_weeks["n"][0] == 1, "every SKU runs to the last week in the data"
    zeros = sample_run.sql("select count(*) as n from marts.fct_weekly_demand where units = 0")[
        "n"
    ][0]
    assert zeros > 0


def test_weekly_demand_totals_match_order_lines(sample_run):
    check = sample_run.sql("""
        select
            (select sum(units) from marts.fct_weekly_demand) as weekly_units,
            (select sum(quantity) from marts.fct_order_lines
             where not is_cancelled and quantity > 0) as line_units
    """)
    assert check["weekly_units"][0] == pytest.approx(check["line_units"][0])


def test_planted_outliers_are_flagged(sample_run):
    planted = sample_run.truth("planted_defects.csv")
    demand = planted.filter(pl.col("defect") == "demand_outlier")["key"].to_list()
    flagged = set(
        sample_run.sql(
            "select entity_id from quarantine.demand_outliers where rule = 'order_quantity_mad'"
        )["entity_id"]
    )
    assert demand and sum(k in flagged for k in demand) / len(demand) >= 0.8
    freight = planted.filter(pl.col("defect") == "freight_cost_outlier")["key"].to_list()
    flagged_cost = set(
        sample_run.sql("select entity_id from quarantine.cost_to_serve_outliers")["entity_id"]
    )
    assert freight and sum(k in flagged_cost for k in freight) / len(freight) >= 0.8


def test_scorecard_reports_match_rates_for_every_foreign_system(sample_run):
    rates = sample_run.sql(
        "select subject, value from quality.master_data_scorecard where metric = 'match_rate'"
    )
    assert set(rates["subject"]) >= {
        "wms_items",
        "crm_accounts",
        "wms_warehouses",
        "tms_origins",
        "tms_destinations",
    }
    assert all(0 < v <= 1 for v in rates["value"])
    priorities = sample_run.sql("select * from quality.cleansing_priorities order by rank")
    assert priorities.height > 0
    assert priorities["rank"].to_list() == list(range(1, priorities.height + 1))


def test_required_entities_alone_run_and_absent_sources_are_noted(required_only_run):
    run = required_only_run
    assert run.result.success
    assert run.sql("select count(*) as n from marts.fct_order_lines")["n"][0] > 0
    assert run.sql("select count(*) as n from marts.fct_freight")["n"][0] == 0
    assert run.sql("select count(*) as n from marts.dim_product")["n"][0] > 0
    note = run.materialization_metadata(["raw", "tms__freight"])["note"].value
    assert "source absent" in note and "tms/freight" in note
    cost_note = run.materialization_metadata(["quarantine", "cost_to_serve_outliers"])["note"].value
    assert "tms/freight" in cost_note


def test_dbt_models_carry_a_preview_and_name_absent_sources(required_only_run):
    freight = required_only_run.materialization_metadata(["marts", "fct_freight"])
    assert "tms/freight" in freight["note"].value
    orders = required_only_run.materialization_metadata(["marts", "fct_order_lines"])
    assert "order_id" in orders["preview"].value
    staged = required_only_run.materialization_metadata(["staging", "stg_erp__order_lines"])
    assert "note" not in staged, "staged order lines need only their own source"
