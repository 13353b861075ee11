"""The code location: every asset documented and owned, grouped by layer, lineage unbroken."""

from __future__ import annotations

import dagster as dg
import pytest

from segmentation_assets.orchestration.asset_attributes import OWNER, WAREHOUSE_POOL
from segmentation_assets.runner import load_definitions

LAYERS = {
    "landing",
    "raw",
    "staging",
    "reconcile",
    "marts",
    "quarantine",
    "quality",
    "features",
    "segments",
}


@pytest.fixture(scope="module")
def definitions():
    return load_definitions()


@pytest.fixture(scope="module")
def asset_graph(definitions):
    return definitions.resolve_asset_graph()


def test_every_table_is_owned_by_the_team_and_grouped_by_its_schema(asset_graph):
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        assert node.owners == [OWNER], key
        assert node.group_name == key.path[0], f"{key.to_user_string()} in {node.group_name}"


def test_every_step_that_writes_the_warehouse_runs_in_the_one_writer_pool(asset_graph):
    steps = {
        asset_graph.get(key).assets_def
        for key in asset_graph.get_all_asset_keys()
        if asset_graph.get(key).is_materializable
    }
    assert len(steps) >= 8, "ingest, dbt, quality, features and segments steps"
    assert {step.op.name: step.op.pool for step in steps} == {
        step.op.name: WAREHOUSE_POOL for step in steps
    }


def test_every_asset_has_description_owner_and_a_layer_group(asset_graph):
    problems = []
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        if not (node.description or "").strip():
            problems.append(f"{key.to_user_string()}: no description")
        if not node.owners:
            problems.append(f"{key.to_user_string()}: no owner")
        if node.group_name not in LAYERS:
            problems.append(f"{key.to_user_string()}: group {node.group_name!r}")
    assert problems == []


def test_tables_are_keyed_by_schema_and_name(asset_graph):
    keys = {k.to_user_string() for k in asset_graph.get_all_asset_keys()}
    for expected in [
        "raw/erp__order_lines",
        "raw/file_loads",
        "staging/stg_erp__order_lines",
        "reconcile/exceptions",
        "reconcile/product_crosswalk",
        "marts/dim_product",
        "marts/fct_order_lines",
        "marts/fct_weekly_demand",
        "quarantine/order_lines",
        "quality/master_data_scorecard",
        "features/product_features",
        "features/customer_features",
        "features/product_customer_features",
        "segments/product_baseline",
        "segments/product_segments",
        "segments/customer_segments",
        "segments/model_versions",
        "segments/assignments",
        "segments/explanations",
    ]:
        assert expected in keys


def test_lineage_runs_from_landing_file_to_marts(asset_graph):
    target = dg.AssetKey(["marts", "fct_order_lines"])
    upstream = asset_graph.get(target).parent_keys
    seen, frontier = set(), set(upstream)
    while frontier:
        key = frontier.pop()
        seen.add(key)
        frontier |= set(asset_graph.get(key).parent_keys) - seen
    for key in [
        "landing/erp__order_lines",
        "raw/erp__order_lines",
        "staging/stg_erp__order_lines",
        "landing/erp__products",
    ]:
        assert dg.AssetKey.from_user_string(key) in seen, key


def test_dbt_tests_become_asset_checks_on_marts(asset_graph):
    checks = {c.asset_key.to_user_string() for c in asset_graph.asset_check_keys}
    assert "marts/fct_order_lines" in checks
    assert "marts/dim_product" in checks
    assert "raw/erp__order_lines" in checks, "pandera contract rules run as checks on raw tables"


def test_segment_assignments_trace_back_to_the_landing_files(asset_graph):
    seen, frontier = set(), {dg.AssetKey(["segments", "assignments"])}
    while frontier:
        key = frontier.pop()
        seen.add(key)
        frontier |= set(asset_graph.get(key).parent_keys) - seen
    for key in [
        "features/product_features",
        "marts/fct_weekly_demand",
        "quarantine/demand_outliers",
        "landing/erp__order_lines",
        "landing/tms__freight",
        "landing/crm__accounts",
    ]:
        assert dg.AssetKey.from_user_string(key) in seen, key


def test_segment_models_carry_a_stability_check(asset_graph):
    checks = {(c.asset_key.to_user_string(), c.name) for c in asset_graph.asset_check_keys}
    assert ("segments/product_segments", "stable_out_of_sample") in checks
    assert ("segments/customer_segments", "stable_out_of_sample") in checks
    assert ("segments/product_segments", "passes_quality_gate") in checks
    assert ("segments/customer_segments", "passes_quality_gate") in checks
