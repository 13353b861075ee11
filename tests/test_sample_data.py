"""The sample-data generator: determinism, contract shape, planted dirt and its ground truth."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from segmentation_assets.sources.contract import ENTITIES_BY_PATH, REQUIRED_ENTITIES
from segmentation_assets.sources.sample_data import ARCHETYPES, KNOWN_MODES, generate_sample_data

WINDOW_START, WINDOW_END, N_WEEKS = date(2024, 7, 1), date(2026, 9, 27), 117
ALLOWED_DEFECTS = {
    # reconcile.exceptions types and quarantine.order_lines rules (docs/ARCHITECTURE.md)
    "unmatched",
    "crosswalk_target_missing",
    "duplicate_record",
    "hierarchy_conflict",
    "unknown_mode",
    "superseded_by_newer_drop",
    "duplicate_key_in_file",
    "missing_key",
    "unknown_product",
    "unknown_customer",
    "negative_price",
    "order_date_in_future",
    "zero_quantity",
    # flagged by quality checks, or file-level / name-matchable findings
    "demand_outlier",
    "freight_cost_outlier",
    "rejected_file",
    "missing_crosswalk",
}
KEY_COLUMN = {
    "wms/items": "item_code",
    "wms/warehouses": "warehouse_code",
    "crm/accounts": "account_id",
    "tms/freight": "shipment_id",
}


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small")
    summary = generate_sample_data(out, "small", seed=42)
    print(f"\nsmall generated in {summary['seconds']} s")
    return out, summary


def landing_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "landing").rglob("*") if p.is_file())


def entity_of(root: Path, path: Path) -> str:
    rel = path.relative_to(root / "landing").parts
    return f"{rel[0]}/{rel[1].split('.')[0]}"


def read_text_table(path: Path) -> pl.DataFrame:
    """A landing file with every column as delivered text (Parquet cast to text)."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path).cast(pl.String)
    return pl.read_csv(path, infer_schema=False)


def read_entity(root: Path, ent: str, pattern: str = "*") -> pl.DataFrame:
    single = root / "landing" / f"{ent}.csv"
    if single.exists():
        return read_text_table(single)
    files = [p for p in sorted((root / "landing" / ent).glob(pattern)) if "zz_manual" not in p.name]
    return pl.concat([read_text_table(p) for p in files])


def weekly_demand(root: Path) -> tuple[list[str], np.ndarray]:
    """Units per SKU and week as the marts would count them: non-cancelled sales of known SKUs,
    without the planted defects and outliers."""
    lines = read_entity(root, "erp/order_lines", "2*")
    planted = pl.read_csv(root / "ground_truth/planted_defects.csv", infer_schema=False)
    bad = set(planted.filter(pl.col("entity") == "order_lines")["key"].to_list())
    lines = lines.with_columns(key=pl.col("order_id").fill_null("") + "|" + pl.col("line_number"))
    lines = (
        lines.filter(~pl.col("key").is_in(bad) & (pl.col("order_status") != "cancelled"))
        .with_columns(pl.col("quantity").cast(pl.Float64), pl.col("order_date").str.to_date())
        .filter(pl.col("quantity") > 0)
    )
    skus = pl.read_csv(root / "ground_truth/archetypes.csv")["sku"].to_list()
    index = {s: i for i, s in enumerate(skus)}
    week = ((lines["order_date"] - WINDOW_START).dt.total_days() // 7).to_numpy()
    units = np.zeros((len(skus), N_WEEKS))
    np.add.at(units, ([index[s] for s in lines["sku"]], week), lines["quantity"].to_numpy())
    return skus, units


def adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)
    comb = lambda x: x * (x - 1) / 2  # noqa: E731
    index = comb(table).sum()
    rows, cols, total = comb(table.sum(1)).sum(), comb(table.sum(0)).sum(), comb(len(a))
    expected = rows * cols / total
    return float((index - expected) / ((rows + cols) / 2 - expected))


def classify(units: np.ndarray) -> np.ndarray:
    """A deliberately simple rule set on weekly-demand features; if it recovers the archetypes,
    a clustering step on the same features can too."""
    labels = []
    for series in units:
        first = int(np.argmax(series > 0))
        y = series[first:]
        nonzero = y[y > 0]
        adi = len(y) / len(nonzero)
        cv2 = nonzero.var() / nonzero.mean() ** 2
        weeks_since_sale = N_WEEKS - 1 - int(np.flatnonzero(series > 0)[-1])
        t = np.arange(len(y))
        x = np.c_[np.ones(len(y)), np.cos(2 * np.pi * t / 52.18), np.sin(2 * np.pi * t / 52.18)]
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        seasonality = np.hypot(beta[1], beta[2]) / y.mean()
        yoy = y[-52:].mean() / max(y[-104:-52].mean(), 1e-9) if len(y) >= 104 else 1.0
        if len(y) <= 26:
            labels.append("new_launch")
        elif adi >= 2.5:
            labels.append("lumpy" if cv2 >= 0.49 else "intermittent")
        elif weeks_since_sale >= 8:
            labels.append("phase_out")
        elif yoy > 1.3 or yoy < 0.75:
            labels.append("trending")
        elif seasonality > 0.3:
            labels.append("seasonal")
        else:
            labels.append("fast_stable")
    return np.array(labels)


def resolve(
    delivered: str | None, name: str, erp_ids: list[str], erp_names: list[str]
) -> tuple[str | None, str | None]:
    """The reconcile match rules of docs/ARCHITECTURE.md, as a reference implementation."""

    def alnum(x: str) -> str:
        return re.sub(r"[^0-9A-Z]", "", x.upper())

    def core(x: str) -> str:
        digits = re.sub(r"\D", "", x)
        return digits.lstrip("0") if digits else ""

    if delivered and delivered.strip():
        d = delivered.strip().upper()
        if d in erp_ids:
            return d, "exact"
        hits = [e for e in erp_ids if alnum(e) == alnum(d)]
        if len(hits) == 1:
            return hits[0], "normalized"
        hits = [e for e in erp_ids if core(e) == core(d) and core(d)]
        if len(hits) == 1:
            return hits[0], "numeric_core"
    key = " ".join(name.upper().split())
    hits = [
        e for e, n in zip(erp_ids, erp_names, strict=True) if " ".join(n.upper().split()) == key
    ]
    return (hits[0], "name") if len(hits) == 1 else (None, None)


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes_and_mtimes(
    small: tuple[Path, dict], tmp_path: Path
) -> None:
    first, _ = small
    generate_sample_data(tmp_path, "small", seed=42)
    a = {p.relative_to(first): p for p in first.rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path): p for p in tmp_path.rglob("*") if p.is_file()}
    assert a.keys() == b.keys()
    for rel in a:
        assert a[rel].read_bytes() == b[rel].read_bytes(), rel
        if rel.parts[0] == "landing":
            assert a[rel].stat().st_mtime == b[rel].stat().st_mtime, rel


def test_different_seed_gives_different_data(small: tuple[Path, dict], tmp_path: Path) -> None:
    first, _ = small
    generate_sample_data(tmp_path, "small", seed=7)
    for rel in (
        "landing/erp/order_lines/2025H1.csv",
        "landing/erp/products.csv",
        "ground_truth/archetypes.csv",
    ):
        assert (first / rel).read_bytes() != (tmp_path / rel).read_bytes(), rel


def test_history_window_is_fixed(small: tuple[Path, dict]) -> None:
    root, _ = small
    lines = read_entity(root, "erp/order_lines", "2*").with_columns(
        pl.col("order_date").str.to_date()
    )
    in_window = lines.filter(pl.col("order_date").dt.year() < 2031)["order_date"]
    assert in_window.min() == WINDOW_START and in_window.max() <= WINDOW_END
    manifest = json.loads((root / "ground_truth/manifest.json").read_text())
    assert manifest["window"] == {"start": "2024-07-01", "end": "2026-09-27", "weeks": 117}


# ---------------------------------------------------------------- contract shape


def test_every_file_has_exactly_the_contract_columns(small: tuple[Path, dict]) -> None:
    root, summary = small
    files = landing_files(root)
    assert {entity_of(root, p) for p in files} == set(ENTITIES_BY_PATH)
    for path in files:
        expected = list(ENTITIES_BY_PATH[entity_of(root, path)].column_names)
        if path.suffix == ".parquet":
            assert pl.read_parquet_schema(path).names() == expected, path
        else:
            header = path.read_bytes().decode("utf-8-sig").splitlines()[0]
            assert header.split(",") == expected, path
    assert summary["counts"]["erp/products"] == 150 and summary["counts"]["erp/customers"] == 100
    assert 20_000 <= summary["counts"]["erp/order_lines"] <= 40_000


def test_order_lines_arrive_as_several_drops_with_ordered_mtimes(small: tuple[Path, dict]) -> None:
    root, _ = small
    drops = sorted((root / "landing/erp/order_lines").iterdir(), key=lambda p: p.stat().st_mtime)
    names = [p.name for p in drops]
    assert names == [
        "2024H2.csv",
        "2025H1.csv",
        "2025H2.csv",
        "2026H1.csv",
        "2026H2.csv",
        "zz_manual_upload.csv",
        "zz_corrections.csv",
    ]
    assert len({p.stat().st_mtime for p in drops}) == len(drops)


def test_only_required_writes_just_the_required_entities(
    small: tuple[Path, dict], tmp_path: Path
) -> None:
    full, _ = small
    summary = generate_sample_data(tmp_path, "small", seed=42, only_required=True)
    assert {entity_of(tmp_path, p) for p in landing_files(tmp_path)} == {
        e.path for e in REQUIRED_ENTITIES
    }
    assert set(summary["counts"]) == {e.path for e in REQUIRED_ENTITIES}
    assert {p.name for p in (tmp_path / "ground_truth").iterdir()} == {
        "archetypes.csv",
        "planted_defects.csv",
        "manifest.json",
    }
    planted = pl.read_csv(tmp_path / "ground_truth/planted_defects.csv")
    assert set(planted["entity"]) == {"order_lines"}
    for p in (tmp_path / "landing/erp/order_lines").iterdir():  # same world as the full run
        assert p.read_bytes() == (full / "landing/erp/order_lines" / p.name).read_bytes(), p.name


# ---------------------------------------------------------------- encodings


def test_customers_file_has_bom_crlf_and_accented_utf8_names(small: tuple[Path, dict]) -> None:
    root, _ = small
    raw = (root / "landing/erp/customers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n") == 101
    text = raw.decode("utf-8")  # strict: raises on invalid bytes
    assert "Müller" in text and "Société" in text
    customers = pl.read_csv(root / "landing/erp/customers.csv", infer_schema=False)
    assert customers.columns[0] == "customer_id"
    assert customers["customer_name"].str.contains("ü").any()


# ---------------------------------------------------------------- ground truth consistency


def test_every_planted_defect_points_at_an_existing_record(small: tuple[Path, dict]) -> None:
    root, _ = small
    planted = pl.read_csv(root / "ground_truth/planted_defects.csv", infer_schema=False)
    assert set(planted["defect"]) <= ALLOWED_DEFECTS
    assert {
        "superseded_by_newer_drop",
        "duplicate_key_in_file",
        "missing_key",
        "unknown_product",
        "negative_price",
        "order_date_in_future",
        "demand_outlier",
        "rejected_file",
        "unknown_mode",
        "freight_cost_outlier",
        "crosswalk_target_missing",
        "duplicate_record",
        "hierarchy_conflict",
        "unmatched",
    } <= set(planted["defect"])
    tables: dict[str, pl.DataFrame] = {}
    for d in planted.iter_rows(named=True):
        path = root / "landing" / d["source_file"]
        assert path.exists(), d
        if d["defect"] == "rejected_file":
            assert d["key"] == d["source_file"]
            continue
        table = tables.setdefault(d["source_file"], read_text_table(path))
        row = table.row(int(d["row_number"]) - 1, named=True)
        if d["entity"] == "order_lines":
            assert f"{row['order_id'] or ''}|{row['line_number']}" == d["key"], d
        elif d["system"] == "tms" and d["defect"] == "unmatched":  # keyed by the TMS code
            assert row["destination_code"] == d["key"], d
        else:
            assert row[KEY_COLUMN[f"{d['system']}/{d['entity']}"]] == d["key"], d


def test_order_line_defects_hold_in_the_files(small: tuple[Path, dict]) -> None:
    root, _ = small
    planted = pl.read_csv(root / "ground_truth/planted_defects.csv", infer_schema=False)
    products = set(read_entity(root, "erp/products")["sku"])
    corrections = read_text_table(root / "landing/erp/order_lines/zz_corrections.csv")
    restated = dict(
        zip(
            corrections["order_id"] + "|" + corrections["line_number"],
            corrections["quantity"],
            strict=True,
        )
    )
    for d in planted.filter(pl.col("entity") == "order_lines").iter_rows(named=True):
        if d["defect"] == "rejected_file":
            continue
        table = read_text_table(root / "landing" / d["source_file"])
        row = table.row(int(d["row_number"]) - 1, named=True)
        assert _order_line_defect_holds(d["defect"], d["key"], row, table, products, restated), d
    manifest = json.loads((root / "ground_truth/manifest.json").read_text())
    expected = manifest["expected_quarantine_order_lines"]
    assert expected["superseded_by_newer_drop"] == corrections.height == 8
    assert (
        sum(expected.values())
        == planted.filter(
            pl.col("defect").is_in(list(expected)) & (pl.col("entity") == "order_lines")
        ).height
    )


def _order_line_defect_holds(
    defect: str,
    key: str,
    row: dict,
    table: pl.DataFrame,
    products: set[str],
    restated: dict[str, str],
) -> bool:
    """Whether a planted order-line defect shows in its row (`table` is the row's file)."""
    match defect:
        case "negative_price":
            return float(row["unit_price"]) < 0
        case "order_date_in_future":
            return row["order_date"].startswith("2031-")
        case "unknown_product":
            return row["sku"] not in products
        case "missing_key":
            return row["order_id"] is None
        case "zero_quantity":
            return float(row["quantity"]) == 0
        case "demand_outlier":
            return float(row["quantity"]) >= 50
        case "unknown_customer":
            return row["customer_id"].startswith("C-98")
        case "duplicate_key_in_file":
            same_key = (pl.col("order_id") == row["order_id"]) & (
                pl.col("line_number") == row["line_number"]
            )
            return table.filter(same_key).height == 2
        case "superseded_by_newer_drop":
            return restated[key] != row["quantity"]
    raise KeyError(f"no check for planted order-line defect {defect!r}")


def test_malformed_upload_cannot_be_parsed_as_contract_types(small: tuple[Path, dict]) -> None:
    root, _ = small
    path = root / "landing/erp/order_lines/zz_manual_upload.csv"
    assert "twelve" in path.read_text(encoding="utf-8")
    with pytest.raises(pl.exceptions.ComputeError):
        pl.read_csv(path, schema_overrides={"quantity": pl.Float64})


def test_archetype_file_covers_every_sku(small: tuple[Path, dict]) -> None:
    root, _ = small
    archetypes = pl.read_csv(root / "ground_truth/archetypes.csv")
    products = read_entity(root, "erp/products")
    assert archetypes["sku"].to_list() == products["sku"].to_list()
    assert set(archetypes["archetype"]) == set(ARCHETYPES)
    joined = products.join(archetypes, on="sku")
    status = dict(
        joined.group_by("archetype").agg(pl.col("lifecycle_status").unique().sort()).iter_rows()
    )
    assert status["new_launch"] == ["new"]
    assert set(status["phase_out"]) <= {"phase_out", "discontinued"}
    assert status["fast_stable"] == ["active"]


def test_crosswalk_true_ids_exist_and_cover_every_foreign_record(small: tuple[Path, dict]) -> None:
    root, _ = small
    gt = root / "ground_truth"
    skus = set(read_entity(root, "erp/products")["sku"])
    customers = set(read_entity(root, "erp/customers")["customer_id"])
    locations = set(read_entity(root, "erp/locations")["location_id"])
    cases = [
        ("product_crosswalk.csv", "item_code", "true_sku", "wms/items", skus),
        ("customer_crosswalk.csv", "account_id", "true_customer_id", "crm/accounts", customers),
        (
            "warehouse_crosswalk.csv",
            "warehouse_code",
            "true_location_id",
            "wms/warehouses",
            locations,
        ),
    ]
    for file, key, true_id, ent, erp in cases:
        xw = pl.read_csv(gt / file, infer_schema=False)
        assert sorted(xw[key]) == sorted(read_entity(root, ent)[key]), file
        assert set(xw[true_id].drop_nulls()) <= erp, file
        assert (xw[true_id].is_null() == (xw["matchable"] == "false")).all(), file
    tms = pl.read_csv(gt / "tms_location_crosswalk.csv", infer_schema=False)
    freight = read_entity(root, "tms/freight")
    assert set(tms.filter(pl.col("role") == "origin")["code"]) == set(freight["origin_code"])
    assert set(tms.filter(pl.col("role") == "destination")["code"]) == set(
        freight["destination_code"]
    )
    erp_of = {"origin": locations, "destination": customers}
    for row in tms.filter(pl.col("matchable") == "true").iter_rows(named=True):
        assert row["true_erp_id"] in erp_of[row["role"]], row
    assert tms.filter(pl.col("matchable") == "false").height >= 1


def test_foreign_spellings_resolve_by_the_reconcile_rules(small: tuple[Path, dict]) -> None:
    root, _ = small
    gt = root / "ground_truth"
    products = read_entity(root, "erp/products")
    customers = read_entity(root, "erp/customers")
    locations = read_entity(root, "erp/locations")
    cases = [
        (
            read_entity(root, "wms/items"),
            "item_code",
            "erp_sku",
            "item_description",
            "product_crosswalk.csv",
            "true_sku",
            products["sku"].to_list(),
            products["description"].to_list(),
        ),
        (
            read_entity(root, "crm/accounts"),
            "account_id",
            "erp_customer_id",
            "account_name",
            "customer_crosswalk.csv",
            "true_customer_id",
            customers["customer_id"].to_list(),
            customers["customer_name"].to_list(),
        ),
        (
            read_entity(root, "wms/warehouses"),
            "warehouse_code",
            "erp_location_id",
            "warehouse_name",
            "warehouse_crosswalk.csv",
            "true_location_id",
            locations["location_id"].to_list(),
            locations["location_name"].to_list(),
        ),
    ]
    for records, key, code, name, file, true_id, erp_ids, erp_names in cases:
        truth = pl.read_csv(gt / file, infer_schema=False).rows_by_key(key, named=True, unique=True)
        spellings = set()
        for rec in records.iter_rows(named=True):
            t = truth[rec[key]]
            found, method = resolve(rec[code], rec[name], erp_ids, erp_names)
            assert t[f"{code}_as_delivered"] == rec[code], rec
            if t["matchable"] == "true":
                assert (found, method) == (t[true_id], t["expected_match_method"]), (rec, t)
            else:
                assert found is None, rec
            spellings.add(method)
        assert "name" in spellings, file
    items = read_entity(root, "wms/items")["erp_sku"].drop_nulls()
    assert items.str.starts_with(" ").any() and items.str.starts_with("sku-").any()
    assert items.str.contains(r"^\d+$").any() and items.str.contains(r"^SKU\d+$").any()


def test_duplicate_crm_account_points_at_one_customer_twice(small: tuple[Path, dict]) -> None:
    root, _ = small
    xw = pl.read_csv(root / "ground_truth/customer_crosswalk.csv", infer_schema=False)
    dup = xw.filter(pl.col("planted") == "duplicate_record")
    assert dup.height >= 1
    accounts = read_entity(root, "crm/accounts").rows_by_key("account_id", named=True, unique=True)
    for row in dup.iter_rows(named=True):
        both = xw.filter(pl.col("true_customer_id") == row["true_customer_id"])
        assert both.height == 2
        assert both["erp_customer_id_as_delivered"].n_unique() == 2
        original = both.filter(pl.col("account_id") != row["account_id"])["account_id"][0]
        # survivorship (most complete, then lowest key) keeps the original, flags the duplicate
        assert row["account_id"] > original
        assert accounts[row["account_id"]]["account_manager"] is None
        assert accounts[original]["account_manager"] is not None


def test_planted_outliers_stand_out_by_mads_from_median(small: tuple[Path, dict]) -> None:
    root, _ = small
    planted = pl.read_csv(root / "ground_truth/planted_defects.csv", infer_schema=False)

    def mads_from_median(frame: pl.DataFrame, value: str, by: list[str]) -> pl.DataFrame:
        med = pl.col(value).median().over(by)
        mad = (pl.col(value) - med).abs().median().over(by)
        return frame.with_columns(z=(pl.col(value) - med) / mad)

    lines = (
        read_entity(root, "erp/order_lines", "2*")
        .filter(pl.col("order_status") != "cancelled")
        .with_columns(
            pl.col("quantity").cast(pl.Float64),
            key=pl.col("order_id").fill_null("") + "|" + pl.col("line_number"),
        )
        .filter(pl.col("quantity") > 0)
    )
    outliers = planted.filter(pl.col("defect") == "demand_outlier")["key"]
    assert outliers.len() >= 3
    z = mads_from_median(lines, "quantity", ["sku"]).filter(pl.col("key").is_in(outliers.implode()))
    assert z.height == outliers.len() and (z["z"] > 50).all(), z  # order_quantity_mad: 50 MADs
    freight = read_entity(root, "tms/freight").with_columns(
        pl.col("freight_cost").cast(pl.Float64),
        mode_=pl.col("mode").str.strip_chars().str.to_lowercase(),
    )
    costly = planted.filter(pl.col("defect") == "freight_cost_outlier")["key"]
    assert costly.len() >= 3
    z = mads_from_median(freight, "freight_cost", ["mode_", "origin_code"]).filter(
        pl.col("shipment_id").is_in(costly.implode())
    )
    assert z.height == costly.len() and (z["z"] > 10).all(), z


# ---------------------------------------------------------------- transactions


def test_order_line_mix_returns_cancellations_and_open_orders(small: tuple[Path, dict]) -> None:
    root, _ = small
    lines = read_entity(root, "erp/order_lines", "2*").with_columns(
        pl.col("quantity").cast(pl.Float64), pl.col("order_date").str.to_date()
    )
    assert 0.01 < (lines["quantity"] < 0).mean() < 0.03
    assert 0.02 < (lines["order_status"] == "cancelled").mean() < 0.04
    open_lines = lines.filter(pl.col("order_status") == "open")
    assert open_lines.height > 0 and open_lines["order_date"].min() >= date(2026, 9, 17)
    assert set(lines["currency"].drop_nulls()) == {"EUR"} and lines["currency"].null_count() > 0
    assert lines["order_id"].drop_nulls().str.contains(r"^SO-\d{7}$").all()


def test_shipments_and_freight_reference_their_masters(small: tuple[Path, dict]) -> None:
    root, _ = small
    shipments = read_entity(root, "wms/shipments")
    freight = read_entity(root, "tms/freight")
    lines = read_entity(root, "erp/order_lines", "2*")
    keys = set(lines["order_id"].drop_nulls() + "|" + lines.drop_nulls("order_id")["line_number"])
    assert set(shipments["order_id"] + "|" + shipments["line_number"]) <= keys
    assert set(shipments["item_code"]) <= set(read_entity(root, "wms/items")["item_code"])
    assert set(shipments["warehouse_code"]) <= set(
        read_entity(root, "wms/warehouses")["warehouse_code"]
    )
    assert freight["shipment_id"].is_unique().all()
    assert set(shipments["shipment_id"]) <= set(freight["shipment_id"])
    modes = freight["mode"].str.strip_chars().str.to_lowercase()
    planted = pl.read_csv(root / "ground_truth/planted_defects.csv", infer_schema=False)
    unknown = set(planted.filter(pl.col("defect") == "unknown_mode")["key"])
    assert set(freight.filter(~modes.is_in(KNOWN_MODES))["shipment_id"]) == unknown
    assert (freight["mode"] != modes).any()  # mixed case and stray blanks are delivered as such


def test_archetypes_are_visible_in_weekly_demand(small: tuple[Path, dict]) -> None:
    root, _ = small
    skus, units = weekly_demand(root)
    truth = pl.read_csv(root / "ground_truth/archetypes.csv")["archetype"].to_numpy()
    first = np.argmax(units > 0, axis=1)
    zero_share = np.array([np.mean(u[f:] == 0) for u, f in zip(units, first, strict=True)])
    cov = units.std(axis=1) / units.mean(axis=1)
    assert (zero_share[np.isin(truth, ["intermittent", "lumpy"])] > 0.6).all()
    assert (cov[truth == "fast_stable"] < 0.4).all()
    assert (first[truth == "new_launch"] >= N_WEEKS - 24).all()
    assert (first[truth != "new_launch"] < N_WEEKS - 24).all()
    assert (units[truth == "phase_out"][:, -8:] == 0).all()
    labels = classify(units)
    ari = adjusted_rand(truth, labels)
    print(f"rule-based archetype recovery: ARI {ari:.3f}, accuracy {(labels == truth).mean():.3f}")
    assert ari >= 0.8


def test_revenue_is_concentrated_enough_for_abc(small: tuple[Path, dict]) -> None:
    root, _ = small
    lines = read_entity(root, "erp/order_lines", "2*").with_columns(
        pl.col("quantity").cast(pl.Float64), pl.col("unit_price").cast(pl.Float64)
    )
    revenue = (
        lines.filter(pl.col("quantity") > 0)
        .group_by("sku")
        .agg((pl.col("quantity") * pl.col("unit_price")).sum().alias("revenue"))
        .sort("revenue", descending=True)["revenue"]
    )
    top_fifth = revenue.head(len(revenue) // 5).sum() / revenue.sum()
    assert 0.6 < top_fifth < 0.95


# ---------------------------------------------------------------- medium scale


def test_medium_scale_shape(tmp_path: Path) -> None:
    summary = generate_sample_data(tmp_path, "medium", seed=3)
    print(f"\nmedium generated in {summary['seconds']} s")
    counts = summary["counts"]
    assert counts["erp/products"] == 1000 and counts["erp/customers"] == 500
    assert counts["erp/locations"] == 6
    assert 900_000 <= counts["erp/order_lines"] <= 1_200_000
    assert counts["wms/items"] > 1000 and counts["crm/accounts"] > 500
    drops = sorted(p.name for p in (tmp_path / "landing/erp/order_lines").iterdir())
    assert drops == [
        "2024H2.csv",
        "2025H1.csv",
        "2025H2.csv",
        "2026H1.csv",
        "2026H2.csv",
        "zz_corrections.csv",
        "zz_manual_upload.csv",
    ]
