"""dbt project end to end: handcrafted raw layer -> `dbt build` -> assertions on the tables.

The raw layer is written by tests/dbt_fixtures.py (not the sample-data generator), and
every row below exists to exercise one rule of docs/ARCHITECTURE.md: key spellings,
matching cascade, ambiguity, duplicates, hierarchy conflicts, newest-wins, quarantine
rules, unknown freight modes, weekly zero-fill and the default currency. The marts'
enforced contracts are proven by building a drifted copy of the project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from segmentation_assets.sources.contract import ENTITIES
from tests.dbt_fixtures import write_raw_layer

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"

JAN = datetime(2024, 1, 31, 9, 0)  # mtime of the first order-line drop
FEB = datetime(2024, 2, 29, 9, 0)  # mtime of the second drop


# ---- the handcrafted raw layer ---------------------------------------------------------


def _frame(columns: list[str], rows: list[tuple], **extra: list) -> pl.DataFrame:
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    data.update(extra)
    return pl.DataFrame(data, strict=False)


def erp_products() -> pl.DataFrame:
    cols = ["sku", "description", "product_family", "category", "brand", "unit_cost", "list_price"]
    return _frame(
        cols,
        [
            ("SKU-00001", "Widget Alpha", "FAM1", "Widgets", "Acme", 1.0, 2.5),
            ("SKU-00002", "Widget Beta", "FAM1", "Widgets", "Acme", 1.0, 2.0),
            ("SKU-00003", "  ", "FAM1", "Widgets", None, 1.0, 2.0),  # blank: WMS description
            ("SKU-00004", "Widget Delta", "FAM1", "Gadgets", None, 1.0, 2.0),  # hierarchy conflict
            ("SKU-00005", "Named Thing", "FAM2", "Gadgets", None, 1.0, 2.0),  # matched by name
            (
                "SKU-00006",
                "Lonely Part",
                "FAM2",
                "Gadgets",
                None,
                1.0,
                2.0,
            ),  # target missing -> name
            ("XY-7", "Thing X1", "FAM3", "Other", None, 1.0, 2.0),  # } same normalised
            ("XY_7", "Thing X2", "FAM3", "Other", None, 1.0, 2.0),  # } code: ambiguous
            ("PRD-900", "Nine A", "FAM3", "Other", None, 1.0, 2.0),  # } same numeric
            ("ITM-0900", "Nine B", "FAM3", "Other", None, 1.0, 2.0),  # } core: ambiguous
            ("DUP-A", "Generic Part", "FAM3", "Other", None, 1.0, 2.0),  # } same name:
            ("DUP-B", "generic part", "FAM3", "Other", None, 1.0, 2.0),  # } ambiguous
            ("SKU-00007", "Old name", "FAM2", "Gadgets", None, 1.0, 2.0),  # duplicate in file,
            (" sku-00007 ", "Seven", "FAM2", "Gadgets", None, 1.0, 2.0),  # this later row wins
        ],
    )


def erp_customers() -> pl.DataFrame:
    cols = ["customer_id", "customer_name", "parent_customer_id", "channel", "region", "country"]
    return _frame(
        cols,
        [
            ("C-0001", "Acme Corp", None, "Retail", "North", "DE"),
            ("C-0002", "Acme East", "C-0001", "Retail", "North", "DE"),
            ("C-0003", "Beta LLC", None, "Wholesale", "South", "FR"),
            ("C-0004", "Gamma Inc", "C-0003", "Wholesale", "South", "FR"),  # CRM says parent C-0001
            ("C-0005", "Delta Co", None, "Online", "West", "NL"),
            ("C-0006", "Epsilon", None, "Online", "West", "NL"),
            ("C-0007", "Nordwerk Großhandel Éts", None, "Online", "West", "DE"),
        ],
    )


def erp_locations() -> pl.DataFrame:
    cols = ["location_id", "location_name", "location_type", "region", "country"]
    return _frame(
        cols,
        [
            ("L-01", "Central DC", "dc", "North", "DE"),
            ("L-02", "North Plant", "plant", "North", "DE"),
            ("L-03", "South DC", "dc", "South", "FR"),
        ],
    )


def wms_items() -> pl.DataFrame:
    cols = [
        "item_code",
        "erp_sku",
        "item_description",
        "item_group",
        "unit_weight_kg",
        "unit_volume_m3",
    ]
    return _frame(
        cols,
        [
            (
                "W1",
                "SKU-00001",
                "widget alpha",
                "G-WIDGET",
                9.9,
                0.1,
            ),  # superseded below (same file)
            ("W1", "SKU-00001", "widget alpha", "G-WIDGET", 1.5, 0.1),  # exact
            ("W2", " sku-00002 ", "widget beta", "G-WIDGET", 1.5, 0.1),  # exact (case, whitespace)
            ("W3", "sku00003", "widget gamma", "G-WIDGET", 1.5, 0.1),  # normalized (no dash)
            ("W4", "4", "widget delta", "G-WIDGET", 1.5, 0.1),  # numeric_core (no prefix/zeros)
            ("W5", "   ", "NAMED  thing!", "G-OTHER", 1.0, 0.1),  # blank crosswalk -> name
            ("W6", "SKU-99999", "Lonely-Part", "G-OTHER", 1.0, 0.1),  # target missing, then name
            ("W7", "SKU-88888", "No Such Item", "G-OTHER", 1.0, 0.1),  # target missing, unmatched
            ("W8", "xy7", "x", "G-OTHER", 1.0, 0.1),  # ambiguous (normalized)
            ("W9", "P-900", "y", "G-OTHER", 1.0, 0.1),  # ambiguous (numeric_core)
            ("W10", "", "Generic Part", "G-OTHER", 1.0, 0.1),  # ambiguous (name)
            ("W11", None, "Mystery", "G-OTHER", 1.0, 0.1),  # blank, no name: unmatched
            ("W12", "sku-0001", "widget alpha", None, None, None),  # numeric_core -> SKU-00001,
        ],
    )  # less complete: duplicate


def wms_warehouses() -> pl.DataFrame:
    return _frame(
        ["warehouse_code", "erp_location_id", "warehouse_name"],
        [
            ("WH-A", "l-01", "Central Warehouse"),  # exact (case)
            ("WH-B", None, "north plant"),  # name
            ("WH-C", "L-99", "Nowhere"),  # target missing, unmatched
        ],
    )


def wms_shipments() -> pl.DataFrame:
    cols = [
        "shipment_id",
        "order_id",
        "line_number",
        "warehouse_code",
        "item_code",
        "ship_date",
        "shipped_qty",
        "handling_cost",
    ]
    return _frame(
        cols,
        [
            ("SH-1", "o-1", 1, "WH-A", "W1", "2024-01-03", 10.0, 1.0),
            ("SH-2", "O-1", 2, "WH-B", "W11", "2024-01-03", 5.0, 1.0),
        ],
    )


def tms_freight() -> pl.DataFrame:
    cols = [
        "shipment_id",
        "carrier",
        "mode",
        "origin_code",
        "destination_code",
        "freight_cost",
        "currency",
        "pickup_date",
        "delivery_date",
    ]
    return _frame(
        cols,
        [
            ("SH-1", "DHL", "  LTL ", "L-01", "C-0001", 100.0, "eur", "2024-01-03", "2024-01-05"),
            ("SH-2", "DHL", "Truck", "wh-a", "c0002", 50.0, "EUR", "2024-01-03", "2024-01-04"),
            ("SH-3", "UPS", "parcel", "l02", "0003", 10.0, "  ", "2024-01-10", "2024-01-12"),
            ("SH-4", "UPS", "Ocean", "ZZZ", "NOWHERE", 10.0, None, "2024-01-10", "2024-01-30"),
        ],
    )


def crm_accounts() -> pl.DataFrame:
    cols = [
        "account_id",
        "erp_customer_id",
        "account_name",
        "parent_account_id",
        "account_manager",
        "service_tier",
        "contracted_lead_time_days",
        "target_fill_rate",
        "strategic_account",
    ]
    return _frame(
        cols,
        [
            ("A-1", "c-0001", "Acme Corp", None, "Ann", "gold", 2.0, 0.98, True),  # exact
            ("A-2", "C0002", "Acme East", "A-1", "Ann", "silver", 3.0, 0.95, False),  # normalized
            ("A-3", "3", "Beta LLC", None, "Bob", "bronze", 5.0, 0.9, False),  # numeric_core
            (
                "A-4",
                " C-0004 ",
                "Gamma Inc",
                "A-1",
                "Bob",
                "bronze",
                5.0,
                0.9,
                False,
            ),  # parent conflict
            ("A-5", "", "DELTA CO.", None, None, None, None, None, None),  # name; duplicate
            (
                "A-6",
                "C-0005",
                "Delta Co",
                None,
                "Cy",
                "gold",
                2.0,
                0.99,
                True,
            ),  # survives (complete)
            (
                "A-7",
                "C-0006",
                "Epsilon",
                None,
                "Di",
                "gold",
                2.0,
                0.99,
                True,
            ),  # } equally complete:
            (
                "A-8",
                "c-0006",
                "Epsilon",
                None,
                "Di",
                "gold",
                2.0,
                0.99,
                True,
            ),  # } lowest id survives
            ("A-9", "C-9999", "Nobody", None, "Ed", "gold", 2.0, 0.99, True),  # target missing
            (
                "A-10",
                None,
                "NORDWERK  GROSSHANDEL ETS",
                None,
                "Ed",
                "gold",
                2.0,
                0.99,
                True,
            ),  # name, ß and accents
        ],
    )


ORDER_COLS = [
    "order_id",
    "line_number",
    "order_date",
    "customer_id",
    "sku",
    "quantity",
    "unit_price",
    "order_status",
]


def erp_order_lines() -> pl.DataFrame:
    jan = [
        ("O-1", 1, "2024-01-01", "C-0001", "SKU-00001", 10.0, 2.5, "shipped"),  # clean, week 01-01
        (
            "O-1",
            2,
            "2024-01-07",
            "c-0001",
            " sku-00002 ",
            5.0,
            1.0,
            "open",
        ),  # clean, Sunday -> 01-01
        ("O-2", 1, "2024-01-03", "C-0002", "SKU-00001", 3.0, 2.0, "open"),  # superseded by Feb drop
        ("O-3", 1, "2024-01-03", "C-0002", "SKU-00001", 1.0, 2.0, "open"),  # duplicate in file
        ("O-3", 1, "2024-01-04", "C-0002", "SKU-00001", 2.0, 2.0, "open"),  # wins
        ("  ", 1, "2024-01-04", "C-0002", "SKU-00001", 2.0, 2.0, "open"),  # missing_key
        ("O-4", 1, "2024-01-04", "C-0002", "SKU-NOPE", 2.0, -2.0, "open"),  # unknown_product first
        ("O-5", 1, "2024-01-04", "C-NOPE", "SKU-00001", 2.0, 2.0, "open"),  # unknown_customer
        ("O-6", 1, "2024-01-04", "C-0002", "SKU-00001", 2.0, -2.0, "open"),  # negative_price
        ("O-7", 1, "2999-01-04", "C-0002", "SKU-00001", 2.0, 2.0, "open"),  # order_date_in_future
        ("O-8", 1, "2024-01-04", "C-0002", "SKU-00001", 0.0, 2.0, "open"),  # zero_quantity
        ("O-9", 1, "2024-01-22", "C-0001", "SKU-00001", -2.0, 2.5, "shipped"),  # return, week 01-22
        ("O-10", 1, "2024-01-15", "C-0001", "SKU-00001", 100.0, 2.5, "Cancelled"),  # cancelled
        (
            "O-12",
            1,
            "2024-01-16",
            "C-0001",
            "SKU-00002",
            3.0,
            1.333,
            "open",
        ),  # line_revenue 3.999 -> 4.00
    ]
    feb = [
        ("o-2", 1, "2024-01-03", "C-0002", "SKU-00001", 4.0, 2.0, "open"),  # newest wins
        ("O-11", 1, "2024-02-05", "C-0003", "SKU-00003", 7.0, 1.0, "open"),  # last week 02-05
    ]
    return pl.concat(
        [
            _frame(
                ORDER_COLS,
                jan,
                _source_file=["erp/order_lines/2024-01.csv"] * len(jan),
                _file_modified_at=[JAN] * len(jan),
                currency=["eur", "  "] + [None] * (len(jan) - 2),  # O-1: explicit, blank, ...
                sales_rep=["x"] * len(jan),
            ),  # extra column
            _frame(
                ORDER_COLS,
                feb,
                _source_file=["erp/order_lines/2024-02.csv"] * len(feb),
                _file_modified_at=[FEB] * len(feb),
                currency=[None, " GBP "],  # O-11 has its own currency
            ),
        ],
        how="diagonal",
    )


def full_raw_layer() -> dict[str, pl.DataFrame]:
    return {
        "erp/order_lines": erp_order_lines(),
        "erp/products": erp_products(),
        "erp/customers": erp_customers(),
        "erp/locations": erp_locations(),
        "wms/items": wms_items(),
        "wms/warehouses": wms_warehouses(),
        "wms/shipments": wms_shipments(),
        "tms/freight": tms_freight(),
        "crm/accounts": crm_accounts(),
    }


# ---- running dbt -------------------------------------------------------------------------

REQUIRED_ONLY = ("erp/order_lines", "erp/products", "erp/customers")


# The full scenario runs with a non-default currency, as the Dagster dbt asset passes the
# config's `default_currency`; the required-only one keeps dbt_project.yml's default (EUR).
DBT_VARS = {"full": {"default_currency": "USD"}, "required_only": {}}


def _start_dbt(
    args: list[str], db_path: Path, work_dir: Path, project_dir: Path = DBT_PROJECT
) -> subprocess.Popen:
    """`dbt <args>` on `project_dir` against `db_path`; target and logs go to `work_dir`."""
    env = {
        **os.environ,
        "SEGMENTATION_DUCKDB_PATH": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.Popen(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=env,
        cwd=project_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _start_dbt_build(db_path: Path, work_dir: Path, dbt_vars: dict) -> subprocess.Popen:
    vars_args = ["--vars", json.dumps(dbt_vars)] if dbt_vars else []
    return _start_dbt(["build", *vars_args], db_path, work_dir)


class Build:
    def __init__(self, db_path: Path, returncode: int, output: str, seconds: float):
        self.db_path, self.returncode, self.output, self.seconds = (
            db_path,
            returncode,
            output,
            seconds,
        )

    def connect(self) -> duckdb.DuckDBPyConnection:
        assert self.returncode == 0, f"dbt build failed:\n{self.output[-6000:]}"
        return duckdb.connect(str(self.db_path), read_only=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Build]:
    """Two raw layers (full scenario; required entities only), built concurrently, once."""
    raw_layers = {
        "full": full_raw_layer(),
        "required_only": {k: v for k, v in full_raw_layer().items() if k in REQUIRED_ONLY},
    }
    running = {}
    for name, frames in raw_layers.items():
        work_dir = tmp_path_factory.mktemp(f"dbt_{name}")
        db_path = work_dir / "warehouse.duckdb"
        write_raw_layer(db_path, frames)
        process = _start_dbt_build(db_path, work_dir, DBT_VARS[name])
        running[name] = (db_path, time.perf_counter(), process)
    results = {}
    for name, (db_path, started, process) in running.items():
        output, _ = process.communicate(timeout=600)
        results[name] = Build(db_path, process.returncode, output, time.perf_counter() - started)
    return results


@pytest.fixture(scope="module")
def con(builds) -> duckdb.DuckDBPyConnection:
    connection = builds["full"].connect()
    yield connection
    connection.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# ---- the build itself ----------------------------------------------------------------------


def test_dbt_build_passes_models_data_tests_and_unit_tests(builds):
    build = builds["full"]
    assert build.returncode == 0, build.output[-6000:]
    assert " ERROR=0 " in build.output and " SKIP=0 " in build.output
    assert "unit_test" in build.output  # the unit tests ran as part of the build
    print(f"\ndbt build (full scenario): {build.seconds:.1f}s wall")


def test_required_entities_only_builds(builds):
    build = builds["required_only"]
    con = build.connect()
    try:
        assert rows(con, "select count(*) from raw.wms__items") == [(0,)]
        assert rows(con, "select count(*) from marts.dim_location") == [(0,)]
        assert rows(con, "select count(*) from marts.fct_order_lines") == [(8,)]
        assert rows(con, "select count(*) from marts.fct_weekly_demand") == [(13,)]
        assert rows(con, "select count(*) from reconcile.product_crosswalk") == [(0,)]
        assert rows(con, "select exception_type, source_key from reconcile.exceptions") == [
            ("duplicate_key", "SKU-00007")
        ]
    finally:
        con.close()
    print(f"\ndbt build (required entities only): {build.seconds:.1f}s wall")


def test_tables_are_named_as_in_architecture(con):
    tables = rows(
        con,
        """
        select table_schema, table_name, table_type from information_schema.tables
        where table_schema in ('staging', 'reconcile', 'marts', 'quarantine')
    """,
    )
    by_schema: dict[str, set[str]] = {}
    for schema, name, kind in tables:
        by_schema.setdefault(schema, set()).add(name)
        assert (kind == "VIEW") == (schema == "staging"), (schema, name, kind)
    assert by_schema["reconcile"] == {
        "product_crosswalk",
        "customer_crosswalk",
        "location_crosswalk",
        "tms_location_crosswalk",
        "golden_product",
        "golden_customer",
        "golden_location",
        "survivorship_rules",
        "exceptions",
        "int_product__matched",
        "int_customer__matched",
        "int_location__matched",
        "int_tms_origin__matched",
        "int_tms_destination__matched",
        "int_order_lines__validated",
    }
    assert by_schema["marts"] == {
        "dim_product",
        "dim_customer",
        "dim_location",
        "fct_order_lines",
        "fct_shipments",
        "fct_freight",
        "fct_weekly_demand",
    }
    assert by_schema["quarantine"] == {"order_lines"}
    assert by_schema["staging"] == {f"stg_{e.table}" for e in ENTITIES}


def test_sources_yaml_matches_the_contract():
    sources = yaml.safe_load((DBT_PROJECT / "models/staging/__sources.yml").read_text())["sources"]
    (raw,) = [s for s in sources if s["name"] == "raw"]
    assert raw["schema"] == "raw"
    tables = {t["name"]: [c["name"] for c in t["columns"]] for t in raw["tables"]}
    metadata = ["_raw_row_id", "_source_file", "_row_number", "_file_modified_at", "_loaded_at"]
    assert tables == {e.table: list(e.column_names) + metadata for e in ENTITIES}
    for e in ENTITIES:
        assert (DBT_PROJECT / f"models/staging/{e.system}/stg_{e.table}.sql").exists()


# ---- staging: newest wins -----------------------------------------------------------------


def test_newest_wins_across_drops_and_within_a_file(con):
    assert rows(
        con,
        """
        select _raw_row_id, order_id, _is_latest, _superseded_reason, _superseded_by
        from staging.stg_erp__order_lines where order_id in ('O-2', 'O-3') order by _raw_row_id
    """,
    ) == [
        (
            "erp/order_lines/2024-01.csv#3",
            "O-2",
            False,
            "superseded_by_newer_drop",
            "erp/order_lines/2024-02.csv#1",
        ),
        (
            "erp/order_lines/2024-01.csv#4",
            "O-3",
            False,
            "duplicate_key_in_file",
            "erp/order_lines/2024-01.csv#5",
        ),
        ("erp/order_lines/2024-01.csv#5", "O-3", True, None, None),
        ("erp/order_lines/2024-02.csv#1", "O-2", True, None, None),
    ]
    # ERP keys are normalised before newest-wins: ' sku-00007 ' is the same key as SKU-00007
    assert rows(
        con,
        """
        select sku, description from staging.stg_erp__products
        where _is_latest and sku = 'SKU-00007'
    """,
    ) == [("SKU-00007", "Seven")]
    # the newer row of W1 in the same file wins
    assert rows(con, "select unit_weight_kg from marts.dim_product where sku = 'SKU-00001'") == [
        (1.5,)
    ]


# ---- reconcile: crosswalks ------------------------------------------------------------------


def test_product_crosswalk_matches_every_spelling(con):
    assert dict(
        (r[0], r[1:])
        for r in rows(con, "select item_code, sku, match_method from reconcile.product_crosswalk")
    ) == {
        "W1": ("SKU-00001", "exact"),
        "W2": ("SKU-00002", "exact"),  # case + whitespace
        "W3": ("SKU-00003", "normalized"),  # no separator
        "W4": ("SKU-00004", "numeric_core"),  # no prefix, no leading zeros
        "W5": ("SKU-00005", "name"),  # blank crosswalk
        "W6": ("SKU-00006", "name"),  # crosswalk to a missing sku, then name
        "W7": (None, None),  # missing sku, no name match
        "W8": (None, None),  # ambiguous (normalized)
        "W9": (None, None),  # ambiguous (numeric_core)
        "W10": (None, None),  # ambiguous (name)
        "W11": (None, None),  # blank, no name match
        "W12": ("SKU-00001", "numeric_core"),  # other prefix and zero count
    }
    assert rows(
        con,
        "select erp_sku_as_delivered from reconcile.product_crosswalk"
        " where item_code in ('W2', 'W5') order by item_code",
    ) == [("sku-00002",), (None,)]


def test_customer_and_location_crosswalks(con):
    assert dict(
        (r[0], r[1:])
        for r in rows(
            con, "select account_id, customer_id, match_method from reconcile.customer_crosswalk"
        )
    ) == {
        "A-1": ("C-0001", "exact"),
        "A-2": ("C-0002", "normalized"),
        "A-3": ("C-0003", "numeric_core"),
        "A-4": ("C-0004", "exact"),
        "A-5": ("C-0005", "name"),
        "A-6": ("C-0005", "exact"),
        "A-10": ("C-0007", "name"),
        "A-7": ("C-0006", "exact"),
        "A-8": ("C-0006", "exact"),
        "A-9": (None, None),
    }
    assert dict(
        (r[0], r[1:])
        for r in rows(
            con,
            "select warehouse_code, location_id, match_method from reconcile.location_crosswalk",
        )
    ) == {
        "WH-A": ("L-01", "exact"),
        "WH-B": ("L-02", "name"),
        "WH-C": (None, None),
    }


def test_tms_location_crosswalk_resolves_location_ids_and_warehouse_codes(con):
    assert set(
        rows(con, "select code, role, erp_id, match_method from reconcile.tms_location_crosswalk")
    ) == {
        ("L-01", "origin", "L-01", "exact"),
        ("wh-a", "origin", "L-01", "exact"),  # a WMS warehouse code
        ("l02", "origin", "L-02", "normalized"),
        ("ZZZ", "origin", None, None),
        ("C-0001", "destination", "C-0001", "exact"),
        ("c0002", "destination", "C-0002", "normalized"),
        ("0003", "destination", "C-0003", "numeric_core"),
        ("NOWHERE", "destination", None, None),
    }


# ---- reconcile: exceptions and golden records ------------------------------------------------


def test_exceptions_are_exactly_the_planted_findings(con):
    found = set(
        rows(
            con,
            """
        select source_system, source_entity, source_key, exception_type, erp_key
        from reconcile.exceptions
    """,
        )
    )
    assert found == {
        ("wms", "items", "W6", "crosswalk_target_missing", "SKU-00006"),
        ("wms", "items", "W7", "crosswalk_target_missing", None),
        ("wms", "items", "W7", "unmatched", None),
        ("wms", "items", "W11", "unmatched", None),
        ("wms", "items", "W8", "ambiguous_match", None),
        ("wms", "items", "W9", "ambiguous_match", None),
        ("wms", "items", "W10", "ambiguous_match", None),
        ("wms", "items", "W12", "duplicate_record", "SKU-00001"),
        ("wms", "items", "W4", "hierarchy_conflict", "SKU-00004"),
        ("wms", "items", "W1", "duplicate_key", None),
        ("erp", "products", "SKU-00007", "duplicate_key", "SKU-00007"),
        ("crm", "accounts", "A-5", "duplicate_record", "C-0005"),  # A-6 is more complete
        ("crm", "accounts", "A-8", "duplicate_record", "C-0006"),  # tie: lowest id A-7 survives
        ("crm", "accounts", "A-4", "hierarchy_conflict", "C-0004"),
        ("crm", "accounts", "A-9", "crosswalk_target_missing", None),
        ("crm", "accounts", "A-9", "unmatched", None),
        ("wms", "warehouses", "WH-C", "crosswalk_target_missing", None),
        ("wms", "warehouses", "WH-C", "unmatched", None),
        ("tms", "freight", "ZZZ", "unmatched", None),
        ("tms", "freight", "NOWHERE", "unmatched", None),
        ("tms", "freight", "SH-2", "unknown_mode", None),  # 'Truck'; '  LTL ' and 'Ocean' are known
    }
    details = dict(
        ((r[0], r[1]), r[2])
        for r in rows(con, "select source_key, exception_type, detail from reconcile.exceptions")
    )
    assert "XY-7, XY_7" in details[("W8", "ambiguous_match")]
    assert "ITM-0900, PRD-900" in details[("W9", "ambiguous_match")]
    assert "'Widgets' (3 of 4" in details[("W4", "hierarchy_conflict")]
    assert (
        "C-0001" in details[("A-4", "hierarchy_conflict")]
        and "C-0003" in details[("A-4", "hierarchy_conflict")]
    )
    assert "A-6" in details[("A-5", "duplicate_record")]
    assert rows(
        con, "select count(distinct exception_id) = count(*) from reconcile.exceptions"
    ) == [(True,)]


def test_golden_records_pick_sources_and_survivors(con):
    assert rows(
        con,
        """
        select sku, description, description_source, wms_item_code, item_group, item_group_source
        from reconcile.golden_product
        where sku in ('SKU-00001', 'SKU-00003', 'SKU-00007') order by sku
    """,
    ) == [
        ("SKU-00001", "Widget Alpha", "erp", "W1", "G-WIDGET", "wms"),  # W1 survives over W12
        ("SKU-00003", "widget gamma", "wms", "W3", "G-WIDGET", "wms"),  # blank ERP description
        ("SKU-00007", "Seven", "erp", None, None, None),
    ]
    assert rows(
        con,
        """
        select customer_id, crm_account_id, account_manager, account_manager_source,
            parent_customer_id
        from marts.dim_customer where customer_id in ('C-0004', 'C-0005', 'C-0006') order by 1
    """,
    ) == [
        ("C-0004", "A-4", "Bob", "crm", "C-0003"),  # ERP parent wins over the conflicting CRM one
        ("C-0005", "A-6", "Cy", "crm", None),
        ("C-0006", "A-7", "Di", "crm", None),
    ]
    assert rows(
        con,
        "select location_id, location_name, wms_warehouse_code, warehouse_name"
        " from marts.dim_location order by 1",
    ) == [
        ("L-01", "Central DC", "WH-A", "Central Warehouse"),
        ("L-02", "North Plant", "WH-B", "north plant"),
        ("L-03", "South DC", None, None),
    ]
    assert rows(
        con, "select count(*) from reconcile.survivorship_rules where attribute = '_record'"
    ) == [(3,)]


# ---- marts and quarantine -------------------------------------------------------------------


def test_quarantine_rules_first_failing_rule(con):
    assert dict(rows(con, "select _raw_row_id, rule from quarantine.order_lines")) == {
        "erp/order_lines/2024-01.csv#3": "superseded_by_newer_drop",
        "erp/order_lines/2024-01.csv#4": "duplicate_key_in_file",
        "erp/order_lines/2024-01.csv#6": "missing_key",
        "erp/order_lines/2024-01.csv#7": "unknown_product",  # also a negative price
        "erp/order_lines/2024-01.csv#8": "unknown_customer",
        "erp/order_lines/2024-01.csv#9": "negative_price",
        "erp/order_lines/2024-01.csv#10": "order_date_in_future",
        "erp/order_lines/2024-01.csv#11": "zero_quantity",
    }
    # raw values as delivered, and a detail for humans
    assert rows(
        con, "select order_id, detail from quarantine.order_lines where rule = 'missing_key'"
    ) == [("  ", "required value missing: order_id")]


def test_row_count_identity(con):
    assert rows(
        con,
        """
        select (select count(*) from raw.erp__order_lines),
               (select count(*) from marts.fct_order_lines),
               (select count(*) from quarantine.order_lines)
    """,
    ) == [(16, 8, 8)]


def test_fct_order_lines(con):
    assert rows(
        con,
        """
        select order_id, line_number, customer_id, sku, line_revenue, is_return, is_cancelled,
            _raw_row_id
        from marts.fct_order_lines order by order_id, line_number
    """,
    ) == [
        (
            "O-1",
            1,
            "C-0001",
            "SKU-00001",
            pytest.approx(25),
            False,
            False,
            "erp/order_lines/2024-01.csv#1",
        ),
        (
            "O-1",
            2,
            "C-0001",
            "SKU-00002",
            pytest.approx(5),
            False,
            False,
            "erp/order_lines/2024-01.csv#2",
        ),
        (
            "O-10",
            1,
            "C-0001",
            "SKU-00001",
            pytest.approx(250),
            False,
            True,
            "erp/order_lines/2024-01.csv#13",
        ),
        (
            "O-11",
            1,
            "C-0003",
            "SKU-00003",
            pytest.approx(7),
            False,
            False,
            "erp/order_lines/2024-02.csv#2",
        ),
        (
            "O-12",
            1,
            "C-0001",
            "SKU-00002",
            pytest.approx(4),
            False,
            False,
            "erp/order_lines/2024-01.csv#14",
        ),
        (
            "O-2",
            1,
            "C-0002",
            "SKU-00001",
            pytest.approx(8),
            False,
            False,
            "erp/order_lines/2024-02.csv#1",
        ),
        (
            "O-3",
            1,
            "C-0002",
            "SKU-00001",
            pytest.approx(4),
            False,
            False,
            "erp/order_lines/2024-01.csv#5",
        ),
        (
            "O-9",
            1,
            "C-0001",
            "SKU-00001",
            pytest.approx(-5),
            True,
            False,
            "erp/order_lines/2024-01.csv#12",
        ),
    ]
    assert rows(
        con,
        """
        select data_type from information_schema.columns
        where table_schema = 'marts' and table_name = 'fct_order_lines'
            and column_name = 'line_revenue'
    """,
    ) == [("DECIMAL(18,2)",)]


def test_weekly_demand_is_zero_filled(con):
    w = lambda d: date.fromisoformat(d)  # noqa: E731
    assert rows(
        con,
        """
        select sku, week_start, units, returned_units, order_lines, cast(revenue as double)
        from marts.fct_weekly_demand order by sku, week_start
    """,
    ) == [
        ("SKU-00001", w("2024-01-01"), 16, 0, 3, 37),
        ("SKU-00001", w("2024-01-08"), 0, 0, 0, 0),
        ("SKU-00001", w("2024-01-15"), 0, 0, 0, 0),  # only a cancelled line
        ("SKU-00001", w("2024-01-22"), 0, 2, 1, -5),  # a return
        ("SKU-00001", w("2024-01-29"), 0, 0, 0, 0),
        ("SKU-00001", w("2024-02-05"), 0, 0, 0, 0),
        ("SKU-00002", w("2024-01-01"), 5, 0, 1, 5),  # ordered on Sunday 2024-01-07
        ("SKU-00002", w("2024-01-08"), 0, 0, 0, 0),
        ("SKU-00002", w("2024-01-15"), 3, 0, 1, 4),
        ("SKU-00002", w("2024-01-22"), 0, 0, 0, 0),
        ("SKU-00002", w("2024-01-29"), 0, 0, 0, 0),
        ("SKU-00002", w("2024-02-05"), 0, 0, 0, 0),
        ("SKU-00003", w("2024-02-05"), 7, 0, 1, 7),  # first demand week is the last week
    ]


def test_fct_freight_and_shipments(con):
    assert rows(
        con,
        """
        select shipment_id, mode, is_known_mode, origin_location_id, destination_customer_id,
            transit_days
        from marts.fct_freight order by shipment_id
    """,
    ) == [
        ("SH-1", "ltl", True, "L-01", "C-0001", 2),
        ("SH-2", "truck", False, "L-01", "C-0002", 1),
        ("SH-3", "parcel", True, "L-02", "C-0003", 2),
        ("SH-4", "ocean", True, None, None, 20),
    ]
    assert rows(
        con,
        """
        select shipment_id, order_id, sku, location_id, sku_match_method
        from marts.fct_shipments order by 1
    """,
    ) == [
        ("SH-1", "O-1", "SKU-00001", "L-01", "exact"),
        ("SH-2", "O-1", None, "L-02", None),
    ]


def test_dbt_freight_modes_are_the_contracts():
    from segmentation_assets.sources.contract import FREIGHT_MODES

    project = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text())
    assert tuple(project["vars"]["known_freight_modes"]) == FREIGHT_MODES


# ---- default currency ------------------------------------------------------------------------


def test_blank_currency_takes_the_default_currency_var(builds, con):
    # the full build ran with --vars '{"default_currency": "USD"}': blank (NULL or spaces)
    # becomes USD, an explicit currency keeps its own, upper-cased
    assert dict(
        ((r[0], r[1]), r[2])
        for r in rows(con, "select order_id, line_number, currency from marts.fct_order_lines")
    ) == {
        ("O-1", 1): "EUR",  # 'eur' as delivered
        ("O-1", 2): "USD",  # '  '
        ("O-10", 1): "USD",
        ("O-11", 1): "GBP",  # ' GBP '
        ("O-12", 1): "USD",
        ("O-2", 1): "USD",
        ("O-3", 1): "USD",
        ("O-9", 1): "USD",
    }
    assert rows(con, "select shipment_id, currency from marts.fct_freight order by 1") == [
        ("SH-1", "EUR"),  # 'eur'
        ("SH-2", "EUR"),
        ("SH-3", "USD"),  # '  '
        ("SH-4", "USD"),  # NULL
    ]
    # without --vars, dbt_project.yml's default applies
    default = builds["required_only"].connect()
    try:
        assert rows(
            default,
            "select order_id, currency from marts.fct_order_lines where line_number = 1"
            " and order_id in ('O-1', 'O-10', 'O-11') order by 1",
        ) == [("O-1", "EUR"), ("O-10", "EUR"), ("O-11", "GBP")]
    finally:
        default.close()
    project = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text())
    assert project["vars"]["default_currency"] == "EUR"


# ---- enforced contracts on the marts -----------------------------------------------------------


# One drift per kind, each in another mart: (model, text in its SQL, replacement, column).
CONTRACT_DRIFTS = [
    ("fct_freight", "f.carrier,", "f.carrier as carrier_name,", "carrier_name"),  # renamed
    (
        "fct_shipments",
        "s.shipped_qty,",
        "cast(s.shipped_qty as integer) as shipped_qty,",  # double -> integer
        "shipped_qty",
    ),
    (
        "fct_order_lines",
        "as is_cancelled,",
        "as is_cancelled,\n        0 as unplanned_column,",  # added
        "unplanned_column",
    ),
]


def test_mart_contracts_fail_the_build_when_columns_drift(builds, tmp_path):
    """A copy of the project with three drifted marts, run on a copy of the built warehouse.

    Only the marts run (their parents are already in the copied warehouse), so the test
    costs one dbt parse and four models. An untouched mart in the same run still builds.
    """
    assert builds["full"].returncode == 0, builds["full"].output[-6000:]
    project = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    for model, old, new, _ in CONTRACT_DRIFTS:
        sql_path = project / "models" / "marts" / f"{model}.sql"
        sql = sql_path.read_text()
        assert sql.count(old) == 1, (model, old)
        sql_path.write_text(sql.replace(old, new))
    db_path = tmp_path / "warehouse.duckdb"
    shutil.copy(builds["full"].db_path, db_path)

    models = [model for model, *_ in CONTRACT_DRIFTS] + ["dim_location"]
    process = _start_dbt(["run", "--select", *models], db_path, tmp_path, project_dir=project)
    output, _ = process.communicate(timeout=300)

    assert process.returncode != 0, output[-6000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    by_model = {r["unique_id"].rsplit(".", 1)[-1]: r for r in results}
    assert by_model["dim_location"]["status"] == "success", output[-6000:]
    for model, _, _, column in CONTRACT_DRIFTS:
        result = by_model[model]
        assert result["status"] == "error", (model, output[-6000:])
        assert "enforced contract that failed" in result["message"], result["message"]
        assert column in result["message"], result["message"]
    assert "data type mismatch" in by_model["fct_shipments"]["message"]
    assert "missing in contract" in by_model["fct_order_lines"]["message"]
    assert "missing in definition" in by_model["fct_freight"]["message"]  # carrier


def test_every_mart_column_has_a_contract_type_and_description():
    project = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text())
    assert project["models"]["segmentation"]["marts"]["+contract"] == {"enforced": True}
    marts = yaml.safe_load((DBT_PROJECT / "models/marts/_marts__models.yml").read_text())
    models = {m["name"]: m for m in marts["models"]}
    assert set(models) == {p.stem for p in (DBT_PROJECT / "models/marts").glob("*.sql")}
    for name, model in models.items():
        for column in model["columns"]:
            assert column.get("data_type") and column.get("description"), (name, column)
