"""Shared helpers of the real-extract mapping scripts (see docs/REAL_EXTRACTS.md).

Each mapping script turns one public dataset into a landing zone that follows
docs/CONTRACT.md: `<out>/landing/erp/order_lines.csv`, `erp/products.csv` and
`erp/customers.csv` (UTF-8, comma, ISO dates). The mapping itself is a pure function over
Polars frames (tested in tests/test_real_extracts.py); this module holds what the scripts
share: the result type, the contract check, the writer, the mapping report, a streaming
reader for .xlsx files (the venv has no Excel reader) and date helpers.

Nothing here works around the platform: values the platform should judge (a missing
customer, a negative price) are passed through for it to quarantine, and the report says
so.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import polars as pl

# The contract as the platform states it (segmentation_assets/sources/contract.py).
try:
    from segmentation_assets.sources.contract import ENTITIES
except ImportError:  # pragma: no cover - only when run outside the project's venv
    ENTITIES = ()

LANDING_FILES = {
    "order_lines": "erp/order_lines.csv",
    "products": "erp/products.csv",
    "customers": "erp/customers.csv",
}

# The placeholder used for a required text column the source has no value for.
UNKNOWN = "unknown"


@dataclass
class MappedExtract:
    """The three required entities, plus counts and notes on what the mapping did."""

    order_lines: pl.DataFrame
    products: pl.DataFrame
    customers: pl.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


def required_columns(entity: str) -> tuple[str, ...]:
    """Required column names of `erp/<entity>` per the platform's contract module."""
    for e in ENTITIES:
        if e.system == "erp" and e.name == entity:
            return e.required_columns
    raise KeyError(f"erp/{entity} is not in the contract (is the project's venv active?)")


def check_contract(extract: MappedExtract) -> None:
    """Fail loudly when a mapped frame lacks a required contract column."""
    for entity in LANDING_FILES:
        frame: pl.DataFrame = getattr(extract, entity)
        missing = [c for c in required_columns(entity) if c not in frame.columns]
        if missing:
            raise ValueError(f"erp/{entity}: required contract column(s) missing: {missing}")


def write_landing(extract: MappedExtract, out: Path) -> dict[str, Path]:
    """Write the landing zone under `out/landing` and the report to `out/mapping_report.json`.

    Dates are written as ISO `YYYY-MM-DD`, decimals with `.` and no scientific notation.
    """
    check_contract(extract)
    written: dict[str, Path] = {}
    for entity, rel in LANDING_FILES.items():
        path = out / "landing" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame: pl.DataFrame = getattr(extract, entity)
        frame.write_csv(path, date_format="%Y-%m-%d", float_scientific=False)
        written[entity] = path
    report = dict(extract.report)
    report["rows_written"] = {entity: getattr(extract, entity).height for entity in LANDING_FILES}
    (out / "mapping_report.json").write_text(
        json.dumps(report, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return written


def base_parser(description: str) -> argparse.ArgumentParser:
    """The arguments every mapping script takes."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source", type=Path, required=True, help="the downloaded or fetched source file"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="output folder: <out>/landing/erp/*.csv"
    )
    parser.add_argument(
        "--start", type=date.fromisoformat, help="keep order lines on or after this ISO date"
    )
    parser.add_argument(
        "--end", type=date.fromisoformat, help="keep order lines on or before this ISO date"
    )
    parser.add_argument(
        "--max-lines",
        type=int,
        help="keep only the first N order lines (by order date, then source order): "
        "a smoke-test extract, not a representative sample",
    )
    return parser


def apply_extract_window(extract: MappedExtract, args: argparse.Namespace) -> MappedExtract:
    """Cut the order lines to --start/--end/--max-lines and the masters to what remains."""
    lines = extract.order_lines
    before = lines.height
    if args.start is not None:
        lines = lines.filter(pl.col("order_date") >= args.start)
    if args.end is not None:
        lines = lines.filter(pl.col("order_date") <= args.end)
    if args.max_lines is not None:
        lines = lines.with_row_index("_pos").sort(["order_date", "_pos"]).head(args.max_lines)
        lines = lines.sort("_pos").drop("_pos")
    if lines.height == before:
        return extract
    skus = lines.select("sku").unique()
    customers = lines.select("customer_id").drop_nulls().unique()
    report = dict(extract.report)
    report["extract_window"] = {
        "start": args.start,
        "end": args.end,
        "max_lines": args.max_lines,
        "order_lines_before": before,
        "order_lines_after": lines.height,
    }
    return MappedExtract(
        order_lines=lines,
        products=extract.products.join(skus, on="sku", how="semi"),
        customers=extract.customers.join(customers, on="customer_id", how="semi"),
        report=report,
    )


def finish(extract: MappedExtract, args: argparse.Namespace) -> None:
    """Apply the extract window, write the landing zone and print what was written."""
    extract = apply_extract_window(extract, args)
    written = write_landing(extract, args.out)
    for entity, path in written.items():
        print(f"{path}  {getattr(extract, entity).height:>9,} rows  (erp/{entity})")
    print(f"{args.out / 'mapping_report.json'}  what was mapped, dropped or passed through")


def most_frequent(frame: pl.DataFrame, key: str, value: str, alias: str) -> pl.DataFrame:
    """Per `key`, the most frequent non-blank `value` (ties: the one seen last in the file)."""
    return (
        frame.with_row_index("_pos")
        .filter(pl.col(value).is_not_null() & (pl.col(value).str.strip_chars() != ""))
        .group_by(key, value)
        .agg(pl.len().alias("_n"), pl.col("_pos").max().alias("_last"))
        .sort([key, "_n", "_last"], descending=[False, True, True])
        .group_by(key, maintain_order=True)
        .first()
        .select(key, pl.col(value).alias(alias))
    )


# --- dates -------------------------------------------------------------------------------

EXCEL_EPOCH = datetime(1899, 12, 30)  # Excel's 1900 date system (with its leap-year bug)


def excel_serial_to_datetime(serial: float) -> datetime:
    """An Excel serial day number (1900 system) as a datetime."""
    return EXCEL_EPOCH + timedelta(days=float(serial))


def parse_dates(values: pl.Series, formats: tuple[str, ...], column: str) -> pl.Series:
    """Parse text dates trying each format in turn; fail naming the first unparsed value.

    An Excel serial number (e.g. `40153.4375`, as an .xlsx cell holds a date) is also read.
    """
    text = values.cast(pl.String).str.strip_chars()
    parsed = pl.Series(column, [None] * len(text), dtype=pl.Date)
    for fmt in formats:
        attempt = text.str.strptime(pl.Datetime, fmt, strict=False).dt.date()
        parsed = parsed.fill_null(attempt)
    serial = text.cast(pl.Float64, strict=False)
    is_serial = serial.is_not_null() & (serial > 1000) & (serial < 80000)
    if is_serial.any():
        from_serial = pl.Series(
            [
                excel_serial_to_datetime(s).date() if ok else None
                for s, ok in zip(serial, is_serial, strict=True)
            ],
            dtype=pl.Date,
        )
        parsed = parsed.fill_null(from_serial)
    unparsed = text.is_not_null() & (text != "") & parsed.is_null()
    if unparsed.any():
        first = text.filter(unparsed)[0]
        raise ValueError(
            f"{column}: {unparsed.sum()} value(s) match none of {formats} nor an Excel "
            f"serial date, e.g. {first!r}"
        )
    return parsed.alias(column)


# --- a streaming .xlsx reader (standard library only) -------------------------------------

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_COLUMN = re.compile(r"[A-Z]+")


def _column_index(ref: str) -> int:
    letters = _COLUMN.match(ref)
    if letters is None:
        raise ValueError(f"bad cell reference {ref!r}")
    index = 0
    for ch in letters.group():
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def xlsx_sheet_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("xl/workbook.xml"))
    return [s.get("name", "") for s in root.iter(f"{_NS}sheet")]


def iter_xlsx_rows(path: Path, sheet_index: int) -> Iterator[list[str | None]]:
    """Yield the rows of one worksheet as lists of cell text (shared strings resolved).

    Numbers come back as their stored text (a date cell is its Excel serial number), so the
    caller decides the type. Streams the sheet, so the 45 MB Online Retail II workbook fits
    in memory.
    """
    with zipfile.ZipFile(path) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            with z.open("xl/sharedStrings.xml") as fh:
                for _, el in ElementTree.iterparse(fh):
                    if el.tag == f"{_NS}si":
                        shared.append("".join(t.text or "" for t in el.iter(f"{_NS}t")))
                        el.clear()
        workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        sheets = list(workbook.iter(f"{_NS}sheet"))
        target = targets[sheets[sheet_index].get(f"{_REL_NS}id")]
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        with z.open(member) as fh:
            for _, el in ElementTree.iterparse(fh):
                if el.tag != f"{_NS}row":
                    continue
                cells: dict[int, str | None] = {}
                for c in el.iter(f"{_NS}c"):
                    kind = c.get("t")
                    v = c.find(f"{_NS}v")
                    if kind == "inlineStr":
                        text: str | None = "".join(t.text or "" for t in c.iter(f"{_NS}t"))
                    elif v is None:
                        text = None
                    elif kind == "s":
                        text = shared[int(v.text or 0)]
                    else:
                        text = v.text
                    cells[_column_index(c.get("r", "A1"))] = text
                el.clear()
                if cells:
                    yield [cells.get(i) for i in range(max(cells) + 1)]


def read_xlsx(path: Path, sheets: list[int] | None = None) -> pl.DataFrame:
    """All (or the given) sheets of a workbook stacked, header from each sheet's first row."""
    frames = []
    indices = sheets if sheets is not None else list(range(len(xlsx_sheet_names(path))))
    for index in indices:
        rows = iter_xlsx_rows(path, index)
        header = [
            str(h).strip() if h is not None else f"column_{i}" for i, h in enumerate(next(rows))
        ]
        columns: list[list[str | None]] = [[] for _ in header]
        for row in rows:
            for i, values in enumerate(columns):
                values.append(row[i] if i < len(row) else None)
        frames.append(
            pl.DataFrame(
                dict(zip(header, columns, strict=True)),
                schema_overrides={h: pl.String for h in header},
            )
        )
    return pl.concat(frames, how="diagonal") if frames else pl.DataFrame()


def die(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
