"""The landing-zone sensor requests a run for new or changed files, never for unchanged ones."""

from __future__ import annotations

import dagster as dg

from segmentation_assets.defs.ingest.sensors import landing_zone_sensor
from segmentation_assets.defs.resources import LandingZone
from segmentation_assets.orchestration.asset_attributes import WAREHOUSE_RUN_TAGS
from tests.conftest import ORDER_HEADER


def _tick(landing_root, cursor=None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"landing_zone": LandingZone(path=str(landing_root))}
    )
    result = landing_zone_sensor(context)
    return result, context.cursor


def test_new_file_requests_a_run_and_unchanged_files_do_not(landing):
    landing.write("erp/products.csv", "sku,description,product_family,category\nSKU-1,Bolt,F,C\n")
    first, cursor = _tick(landing.root)
    assert isinstance(first, dg.RunRequest)
    assert first.tags["duckdb"] == WAREHOUSE_RUN_TAGS["duckdb"], (
        "sensor runs are queued behind other warehouse writers"
    )
    assert "1 added" in first.tags["landing/changes"]

    again, same_cursor = _tick(landing.root, cursor)
    assert isinstance(again, dg.SkipReason)
    assert same_cursor == cursor

    landing.write(
        "erp/order_lines/2025-01.csv", f"{ORDER_HEADER}\nSO-1,1,2025-01-02,C-1,SKU-1,1,1\n"
    )
    added, cursor2 = _tick(landing.root, cursor)
    assert isinstance(added, dg.RunRequest)
    assert "1 added" in added.tags["landing/changes"]
    assert added.run_key != first.run_key


def test_changed_or_removed_file_requests_a_run(landing):
    path = landing.write(
        "erp/products.csv", "sku,description,product_family,category\nSKU-1,Bolt,F,C\n"
    )
    _, cursor = _tick(landing.root)
    landing.write(
        "erp/products.csv", "sku,description,product_family,category\nSKU-1,Bolt M8,F,C\n"
    )
    changed, cursor = _tick(landing.root, cursor)
    assert isinstance(changed, dg.RunRequest) and "1 changed" in changed.tags["landing/changes"]
    path.unlink()
    removed, _ = _tick(landing.root, cursor)
    assert isinstance(removed, dg.RunRequest) and "1 removed" in removed.tags["landing/changes"]
