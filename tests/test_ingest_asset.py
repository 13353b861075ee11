"""The ingest asset against a real DuckDB file: bad re-deliveries never wipe loaded data."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from segmentation_assets.defs.ingest.assets import ingest_landing_zone
from segmentation_assets.defs.ingest.checks import no_rejected_files, raw_contract_value_rules
from segmentation_assets.defs.resources import LandingZone
from tests.conftest import ORDER_HEADER

PRODUCTS = "sku,description,product_family,category\nSKU-1,Bolt,Fasteners,Hardware\n"
CUSTOMERS = "customer_id,customer_name\nC-1,Acme\n"


def _materialize(landing, warehouse_path):
    return dg.materialize(
        [ingest_landing_zone, no_rejected_files, raw_contract_value_rules],
        resources={
            "warehouse": DuckDBResource(database=str(warehouse_path)),
            "landing_zone": LandingZone(path=str(landing.root)),
        },
        raise_on_error=False,
    )


def _checks(result) -> dict[str, bool]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
        for e in result.get_asset_check_evaluations()
    }


def test_broken_redelivery_keeps_the_previous_rows_and_fails_the_check(landing, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    landing.write("erp/products.csv", PRODUCTS)
    landing.write("erp/customers.csv", CUSTOMERS)
    landing.write(
        "erp/order_lines/2024.csv",
        f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,5,2.5\nSO-1,2,2024-01-02,C-1,SKU-1,-3,2.5\n",
    )
    first = _materialize(landing, warehouse)
    assert first.success
    assert _checks(first)["raw/file_loads:no_rejected_files"] is True

    landing.write(
        "erp/order_lines/2024.csv", f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,five,2.5\n"
    )
    landing.write("erp/order_lines/2025.csv", f"{ORDER_HEADER}\nSO-2,1,2025-01-02,C-1,SKU-1,1,-9\n")
    second = _materialize(landing, warehouse)
    assert second.success, "a rejected file does not fail the run"
    checks = _checks(second)
    assert checks["raw/file_loads:no_rejected_files"] is False
    assert checks["raw/erp__order_lines:contract_value_rules"] is False, (
        "negative unit_price breaks a value rule"
    )
    assert checks["raw/erp__products:contract_value_rules"] is True

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select _source_file, quantity from raw.erp__order_lines "
            "order by _source_file, _row_number"
        ).fetchall()
        log = connection.execute(
            "select status, rows, error_column, error_row from raw.file_loads "
            "where source_file = 'erp/order_lines/2024.csv'"
        ).fetchone()
    assert rows == [
        ("erp/order_lines/2024.csv", 5.0),
        ("erp/order_lines/2024.csv", -3.0),
        ("erp/order_lines/2025.csv", 1.0),
    ]
    assert log == ("rejected", 2, "quantity", 1)


def test_absent_optional_source_is_noted_on_its_raw_table(landing, tmp_path):
    landing.write("erp/products.csv", PRODUCTS)
    result = _materialize(landing, tmp_path / "w.duckdb")
    notes = {
        e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata.get(
            "note"
        )
        for e in result.get_asset_materialization_events()
    }
    assert "source absent" in notes["raw/tms__freight"].value
    assert "cannot run without it" in notes["raw/erp__customers"].value
    assert notes["raw/erp__products"] is None


def test_value_rules_are_checked_across_every_batch(landing, tmp_path, monkeypatch):
    monkeypatch.setattr("segmentation_assets.defs.ingest.checks.BATCH_ROWS", 1)
    landing.write(
        "erp/order_lines.csv",
        f"{ORDER_HEADER}\nSO-1,1,2024-01-02,C-1,SKU-1,5,2.5\nSO-1,2,2024-01-02,C-1,SKU-1,1,2\nSO-1,3,2024-01-02,C-1,SKU-1,1,-4\n",
    )
    result = _materialize(landing, tmp_path / "w.duckdb")
    (evaluation,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == "raw/erp__order_lines"
        and e.check_name == "contract_value_rules"
    ]
    assert not evaluation.passed
    assert evaluation.metadata["rows_checked"].value == 3
    assert evaluation.metadata["failing_values"].value == 1
    assert "erp/order_lines.csv#3" in evaluation.metadata["examples"].value
