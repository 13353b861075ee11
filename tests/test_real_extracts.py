"""The real-extract mapping scripts (scripts/real_extracts) on tiny hand-made frames.

Each frame is a few rows in the source's own layout, written here: no downloaded data.
What is asserted is the contract's columns and the mapping rules the scripts document
(credit notes, cancellations, dropped non-products, placeholders, incomplete series).
"""

from __future__ import annotations

import sys
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts" / "real_extracts"
sys.path.insert(0, str(SCRIPTS))

import _common  # noqa: E402
import carparts  # noqa: E402
import online_retail_ii  # noqa: E402
import scms_deliveries  # noqa: E402


def assert_contract(extract: _common.MappedExtract) -> None:
    for entity in ("order_lines", "products", "customers"):
        frame = getattr(extract, entity)
        for column in _common.required_columns(entity):
            assert column in frame.columns, f"erp/{entity} lacks {column}"
    lines = extract.order_lines
    assert lines["order_date"].dtype == pl.Date
    assert lines["line_number"].dtype == pl.Int64
    assert lines.select("order_id", "line_number").is_unique().all()
    assert set(lines["sku"]) <= set(extract.products["sku"])
    assert set(lines["customer_id"].drop_nulls()) <= set(extract.customers["customer_id"])


# --- Online Retail II --------------------------------------------------------------------

RETAIL_HEADER = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]
RETAIL_ROWS = [
    ["489434", "85048", "GLASS BALL", "12", "2009-12-01 07:45:00", "6.95", "13085.0", "UK"],
    ["489434", "79323P", "PINK LIGHTS", "12", "2009-12-01 07:45:00", "6.75", "13085.0", "UK"],
    ["489434", "79323P", "PINK LIGHTS", "12", "2009-12-01 07:45:00", "6.75", "13085.0", "UK"],
    ["489434", "POST", "POSTAGE", "1", "2009-12-01 07:45:00", "18.00", "13085.0", "UK"],
    ["C489449", "85048", "GLASS BALL", "-2", "2009-12-03 10:00:00", "6.95", "13085.0", "UK"],
    ["489500", "85048", "", "1", "2009-12-04 11:00:00", "6.95", "", "UK"],
    ["489501", "85048", "glass ball", "3", "40153.4375", "6.95", "12417", "Belgium"],
    ["489502", "gift_0001_10", "VOUCHER", "1", "2009-12-07 09:00:00", "8.50", "12417", "Belgium"],
]


def retail_frame(rows: list[list[str]] = RETAIL_ROWS) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RETAIL_HEADER, orient="row")


def test_online_retail_maps_to_the_contract() -> None:
    extract = online_retail_ii.map_online_retail(retail_frame())
    assert_contract(extract)
    lines = extract.order_lines
    # postage and the gift voucher are not products
    assert "POST" not in lines["sku"].to_list()
    assert "gift_0001_10" not in lines["sku"].to_list()
    assert extract.report["dropped_non_product_lines"] == 2
    # line numbers are positions in the invoice, taken before anything is dropped
    first = lines.filter(pl.col("order_id") == "489434").sort("line_number")
    assert first["line_number"].to_list() == [1, 2, 3]
    assert extract.report["exact_duplicate_source_rows_kept_as_separate_lines"] == 1
    # '13085.0' -> '13085'; currency from the source's statement (sterling)
    assert set(lines["customer_id"].drop_nulls()) == {"13085", "12417"}
    assert set(lines["currency"]) == {"GBP"}
    # an Excel serial date (an .xlsx cell) reads as its date
    assert lines.filter(pl.col("order_id") == "489501")["order_date"][0] == date(2009, 12, 6)


def test_online_retail_credit_notes_default_to_returns() -> None:
    lines = online_retail_ii.map_online_retail(retail_frame()).order_lines
    credit = lines.filter(pl.col("order_id") == "C489449")
    assert credit["quantity"].to_list() == [-2.0]
    assert "order_status" not in lines.columns  # the source has no order status


def test_online_retail_credit_notes_cancelled_or_dropped() -> None:
    cancelled = online_retail_ii.map_online_retail(retail_frame(), credit_notes="cancelled")
    status = dict(cancelled.order_lines.select("order_id", "order_status").unique().iter_rows())
    assert status["C489449"] == "cancelled"
    assert status["489434"] is None
    dropped = online_retail_ii.map_online_retail(retail_frame(), credit_notes="drop")
    assert "C489449" not in dropped.order_lines["order_id"].to_list()
    with pytest.raises(ValueError):
        online_retail_ii.map_online_retail(retail_frame(), credit_notes="ignore")


def test_online_retail_anonymous_lines_pass_through_unless_dropped() -> None:
    extract = online_retail_ii.map_online_retail(retail_frame())
    anonymous = extract.order_lines.filter(pl.col("customer_id").is_null())
    assert anonymous["order_id"].to_list() == ["489500"]  # the platform quarantines it
    assert extract.report["lines_without_customer"] == 1
    dropped = online_retail_ii.map_online_retail(retail_frame(), drop_anonymous=True)
    assert dropped.order_lines["customer_id"].null_count() == 0


def test_online_retail_masters() -> None:
    extract = online_retail_ii.map_online_retail(retail_frame())
    products = dict(extract.products.select("sku", "description").iter_rows())
    assert products["85048"] == "GLASS BALL"  # the most frequent description
    assert set(extract.products["product_family"]) == {_common.UNKNOWN}
    customers = dict(extract.customers.select("customer_id", "country").iter_rows())
    assert customers == {"13085": "UK", "12417": "Belgium"}
    assert set(extract.customers["customer_name"]) == {_common.UNKNOWN}


def test_online_retail_reads_older_column_names_and_latin1_csv(tmp_path: Path) -> None:
    csv_path = tmp_path / "online_retail.csv"
    csv_path.write_bytes(
        (
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
            "536365,85123A,CAF\u00c9 HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
        ).encode("latin-1")
    )
    with pytest.raises(UnicodeDecodeError):
        online_retail_ii.read_source(csv_path)
    source = online_retail_ii.read_source(csv_path, encoding="latin-1")
    extract = online_retail_ii.map_online_retail(source)
    assert extract.order_lines["order_date"].to_list() == [date(2010, 12, 1)]
    assert extract.products["description"].to_list() == ["CAF\u00c9 HOLDER"]


def test_xlsx_reader_reads_shared_strings_and_every_sheet(tmp_path: Path) -> None:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

    def sheet(rows: str) -> str:
        return f"<worksheet {ns}><sheetData>{rows}</sheetData></worksheet>"

    header = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} {rel_ns}><sheets><sheet name="Y1" sheetId="1" r:id="rId1"/>'
            '<sheet name="Y2" sheetId="2" r:id="rId2"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Target="worksheets/sheet2.xml"/></Relationships>',
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f"<sst {ns}><si><t>StockCode</t></si><si><t>InvoiceDate</t></si>"
            "<si><t>85048</t></si></sst>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            sheet(
                header + '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>40148.5</v></c></row>'
            ),
        )
        z.writestr(
            "xl/worksheets/sheet2.xml",
            sheet(header + '<row r="2"><c r="B2"><v>40519</v></c></row>'),
        )
    frame = _common.read_xlsx(path)
    assert frame.columns == ["StockCode", "InvoiceDate"]
    assert frame.rows() == [("85048", "40148.5"), (None, "40519")]
    dates = _common.parse_dates(frame["InvoiceDate"], ("%Y-%m-%d",), "d")
    assert dates.to_list() == [date(2009, 12, 1), date(2010, 12, 7)]


def test_parse_dates_fails_naming_the_value() -> None:
    with pytest.raises(ValueError, match="31.12.2010"):
        _common.parse_dates(pl.Series(["31.12.2010"]), ("%Y-%m-%d",), "d")


# --- SCMS delivery history ---------------------------------------------------------------


def test_scms_reads_bom_and_cr_line_ends_and_maps(tmp_path: Path) -> None:
    header = list(scms_deliveries.SOURCE_COLUMNS) + ["Managed By"]
    base = {c: "" for c in header}
    rows = []
    for i, (po, country, item, group, delivered, qty, price) in enumerate(
        [
            (
                "SCMS-4",
                "C\u00f4te d'Ivoire",
                "HIV, Reveal G3, 30 Tests",
                "HRDT",
                "2-Jun-06",
                "19",
                "29",
            ),
            ("SO-1", "Vietnam", "Nevirapine 10mg/ml, 240 ml", "ARV", "14-Nov-06", "1000", "6.2"),
            ("SO-1", "Vietnam", "Nevirapine 10mg/ml, 240 ml", "ARV", "15-Nov-06", "5", "0"),
        ],
        start=1,
    ):
        row = dict(base)
        row.update(
            {
                "ID": str(i),
                "PO / SO #": po,
                "Country": country,
                "Item Description": item,
                "Product Group": group,
                "Sub Classification": "Adult",
                "Brand": "Generic",
                "Delivered to Client Date": delivered,
                "Scheduled Delivery Date": delivered,
                "Line Item Quantity": qty,
                "Line Item Value": "1",
                "Pack Price": price,
                "Freight Cost (USD)": "Freight Included in Commodity Cost",
            }
        )
        rows.append(row)

    def quote(v: str) -> str:
        return f'"{v}"' if "," in v else v

    text = "\r".join(
        ",".join(quote(r[c]) for c in header)
        for r in [dict(zip(header, header, strict=True)), *rows]
    )
    path = tmp_path / "SCMS_Delivery_History_Dataset.csv"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))

    extract = scms_deliveries.map_scms(scms_deliveries.read_source(path))
    assert_contract(extract)
    lines = extract.order_lines.sort("line_number")
    assert lines["order_id"].to_list() == ["SCMS-4", "SO-1", "SO-1"]
    assert lines["line_number"].to_list() == [1, 2, 3]  # the source's ID
    assert lines["order_date"].to_list() == [
        date(2006, 6, 2),
        date(2006, 11, 14),
        date(2006, 11, 15),
    ]
    assert lines["customer_id"][0] == "C\u00f4te d'Ivoire"
    assert set(lines["currency"]) == {"USD"} and set(lines["order_status"]) == {"shipped"}
    assert extract.report["zero_price_lines_passed_through"] == 1
    products = extract.products.sort("sku")
    assert products["category"].to_list() == ["HRDT", "ARV"]
    assert set(products["product_family"]) == {"Adult"}
    assert extract.customers.height == 2


def test_scms_rejects_another_file(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not the SCMS"):
        scms_deliveries.read_source(path)


# --- car parts (demand only) -------------------------------------------------------------


def carparts_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Part": ["10001", "10002", "10003"],
            "Jan-98": ["0", "4", "1"],
            "Feb-98": ["2", "0", "1"],
            "Mar-98": ["0", "1", ""],  # part 10003 is not recorded after February
        }
    )


def test_carparts_maps_demand_with_placeholders() -> None:
    extract = carparts.map_carparts(carparts_frame())
    assert_contract(extract)
    lines = extract.order_lines.sort("sku", "order_date")
    # one line per part and month with demand; zero months are no line
    assert lines.select("sku", "order_date", "quantity").rows() == [
        ("10001", date(1998, 2, 1), 2.0),
        ("10002", date(1998, 1, 1), 4.0),
        ("10002", date(1998, 3, 1), 1.0),
    ]
    assert set(lines["customer_id"]) == {carparts.PLACEHOLDER_CUSTOMER}
    assert set(lines["unit_price"]) == {1.0}
    assert lines["order_id"].to_list() == ["10001-1998-02", "10002-1998-01", "10002-1998-03"]
    assert extract.customers["customer_id"].to_list() == [carparts.PLACEHOLDER_CUSTOMER]
    # the incomplete part is left out by default
    assert extract.report["incomplete_parts"] == 1
    assert "10003" not in extract.products["sku"].to_list()


def test_carparts_options() -> None:
    extract = carparts.map_carparts(carparts_frame(), unit_price=0.0, keep_incomplete=True, day=15)
    lines = extract.order_lines
    assert "10003" in lines["sku"].to_list()
    assert set(lines["unit_price"]) == {0.0}
    assert {d.day for d in lines["order_date"]} == {15}


# --- writing the landing zone ------------------------------------------------------------


def test_write_landing_writes_the_contract_layout(tmp_path: Path) -> None:
    extract = carparts.map_carparts(carparts_frame())
    written = _common.write_landing(extract, tmp_path)
    assert written["order_lines"] == tmp_path / "landing" / "erp" / "order_lines.csv"
    text = written["order_lines"].read_text(encoding="utf-8").splitlines()
    assert text[0].split(",")[:7] == [
        "order_id",
        "line_number",
        "order_date",
        "customer_id",
        "sku",
        "quantity",
        "unit_price",
    ]
    assert ",1998-02-01," in text[1]
    assert (tmp_path / "mapping_report.json").exists()
    bad = _common.MappedExtract(
        extract.order_lines.drop("unit_price"), extract.products, extract.customers
    )
    with pytest.raises(ValueError, match="unit_price"):
        _common.write_landing(bad, tmp_path / "bad")


def test_extract_window_cuts_lines_and_masters() -> None:
    import argparse

    extract = carparts.map_carparts(carparts_frame())
    args = argparse.Namespace(start=date(1998, 2, 1), end=None, max_lines=None)
    cut = _common.apply_extract_window(extract, args)
    assert cut.order_lines["order_date"].min() == date(1998, 2, 1)
    assert set(cut.products["sku"]) == set(cut.order_lines["sku"])
    args = argparse.Namespace(start=None, end=None, max_lines=1)
    first = _common.apply_extract_window(extract, args)
    assert first.order_lines["order_date"].to_list() == [date(1998, 1, 1)]
