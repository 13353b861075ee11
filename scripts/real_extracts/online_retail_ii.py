"""UCI Online Retail II (or Online Retail) invoices -> landing zone (erp/*.csv).

Source: "Online Retail II" (UCI Machine Learning Repository, dataset 502, CC BY 4.0): every
invoice line of a UK-based, registered non-store online retailer of all-occasion gift-ware
between 2009-12-01 and 2011-12-09; many of its customers are wholesalers. The UCI file is a
workbook with two sheets ('Year 2009-2010', 'Year 2010-2011'); CSV exports of it circulate
too. The older "Online Retail" (dataset 352, 2010-12-01..2011-12-09, columns InvoiceNo /
UnitPrice / CustomerID) has the same layout and maps the same way. See
docs/REAL_EXTRACTS.md.

    .venv/bin/python scripts/real_extracts/online_retail_ii.py \\
        --source online_retail_II.xlsx --out data/real/online_retail_ii

--source may be the .xlsx (both sheets are read, standard library only) or a CSV with the
same columns (UTF-8; `--encoding latin-1` for the common Latin-1 exports: the script writes
UTF-8 either way).

Mapping (source column -> contract column):

  erp/order_lines
    Invoice (InvoiceNo)        -> order_id
    (position in the invoice)  -> line_number   (1, 2, ... in file order: the source has no
                                                 line number. Exact duplicate rows stay two
                                                 lines; the report counts them)
    InvoiceDate                -> order_date    (the date part; an Excel serial in .xlsx)
    Customer ID (CustomerID)   -> customer_id   ('13085.0' -> '13085'; blank stays blank:
                                                 the platform quarantines such a line as
                                                 `missing_key`, see --drop-anonymous)
    StockCode                  -> sku           (as delivered: the platform upper-cases keys)
    Quantity                   -> quantity      (negative on credit notes: a return or
                                                 credit, which the contract supports)
    Price (UnitPrice)          -> unit_price    (GBP)
    (constant) GBP             -> currency      (the source's prices are in sterling)
    credit notes               -> order_status  only with --credit-notes cancelled (then
                                                 'cancelled'; otherwise the column is left
                                                 out: the source has no order status)

  Credit notes: an invoice number starting with 'C' cancels (credits) lines of an earlier
  invoice, with a negative quantity. By default they stay negative-quantity lines, i.e.
  returns/credits netted from demand; `--credit-notes cancelled` marks them cancelled
  instead (the platform then ignores them, and the original sale still counts), `drop`
  leaves them out.

  erp/products (one row per StockCode kept)
    StockCode -> sku; Description -> description (the most frequent non-blank description
    of the code, ties: the later row; 'unknown' when the code never has one);
    product_family, category -> 'unknown' (the source has no product hierarchy).

  erp/customers (one row per Customer ID)
    Customer ID -> customer_id; customer_name -> 'unknown' (anonymised source: no names);
    Country -> country (the most frequent country of the customer's lines).

Dropped (counted in mapping_report.json): lines whose StockCode is not a product --
postage and carriage (POST, DOT, C2, C3), manual entries (M), discounts (D), samples (S),
bad-debt adjustments (B), bank, Amazon and CRUK commission fees, ADJUST*, TEST*, gift
vouchers (gift_*). Postage is real revenue but not a product to segment.

Passed through for the platform to judge (counted): lines without a customer (quarantined as
`missing_key`), zero prices (allowed by the contract), negative quantities that are not on a
credit note (stock adjustments, mostly without a customer).

Left out (not in the source): requested/promised delivery dates, ship-from location,
product brand, uom, cost, list price, lifecycle, supplier, customer name, hierarchy,
channel, region.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from _common import (
    UNKNOWN,
    MappedExtract,
    base_parser,
    die,
    finish,
    most_frequent,
    parse_dates,
    read_xlsx,
)

# Source column names of Online Retail II, then Online Retail.
ALIASES = {
    "invoice": ("Invoice", "InvoiceNo"),
    "stock_code": ("StockCode",),
    "description": ("Description",),
    "quantity": ("Quantity",),
    "invoice_date": ("InvoiceDate",),
    "price": ("Price", "UnitPrice"),
    "customer": ("Customer ID", "CustomerID"),
    "country": ("Country",),
}

# StockCodes that are not products (compared upper-case), and prefixes of such codes.
NON_PRODUCT_CODES = frozenset(
    {"POST", "DOT", "C2", "C3", "M", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK"}
)
NON_PRODUCT_PREFIXES = ("ADJUST", "TEST", "GIFT_")

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y %H:%M",
)


def read_source(path: Path, encoding: str = "utf-8") -> pl.DataFrame:
    """The workbook (both sheets) or a CSV export, every column as text."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    return pl.read_csv(
        path.read_bytes().decode(encoding).encode("utf-8"),
        infer_schema=False,
        truncate_ragged_lines=False,
    )


def _standard_columns(source: pl.DataFrame) -> pl.DataFrame:
    renames = {}
    for name, aliases in ALIASES.items():
        found = [a for a in aliases if a in source.columns]
        if not found:
            raise ValueError(f"source has none of the columns {aliases}: {source.columns}")
        renames[found[0]] = name
    return source.rename(renames).select(list(ALIASES))


def map_online_retail(
    source: pl.DataFrame, credit_notes: str = "return", drop_anonymous: bool = False
) -> MappedExtract:
    """Map Online Retail (II) lines, every column as text in the source's layout."""
    if credit_notes not in ("return", "cancelled", "drop"):
        raise ValueError(f"credit_notes must be return, cancelled or drop, not {credit_notes!r}")
    src = _standard_columns(source).with_columns(pl.all().cast(pl.String).str.strip_chars())
    src = src.with_columns(
        pl.col("customer").str.replace(r"\.0+$", "").replace("", None),
        pl.col("quantity").cast(pl.Float64),
        pl.col("price").cast(pl.Float64),
        pl.col("invoice").str.to_uppercase().str.starts_with("C").alias("is_credit"),
        (
            pl.col("stock_code").str.to_uppercase().is_in(list(NON_PRODUCT_CODES))
            | pl.col("stock_code").str.to_uppercase().str.starts_with(NON_PRODUCT_PREFIXES[0])
            | pl.col("stock_code").str.to_uppercase().str.starts_with(NON_PRODUCT_PREFIXES[1])
            | pl.col("stock_code").str.to_uppercase().str.starts_with(NON_PRODUCT_PREFIXES[2])
        ).alias("is_non_product"),
    )
    # line numbers follow the invoice's lines in file order, before anything is dropped
    src = src.with_columns(
        (pl.int_range(pl.len()).over("invoice") + 1).cast(pl.Int64).alias("line_number"),
        parse_dates(src["invoice_date"], DATE_FORMATS, "order_date"),
    )
    non_product = src.filter(pl.col("is_non_product"))
    kept = src.filter(~pl.col("is_non_product"))
    credits = kept.filter(pl.col("is_credit"))
    if credit_notes == "drop":
        kept = kept.filter(~pl.col("is_credit"))
    anonymous = kept.filter(pl.col("customer").is_null())
    if drop_anonymous:
        kept = kept.filter(pl.col("customer").is_not_null())

    columns = [
        pl.col("invoice").alias("order_id"),
        "line_number",
        "order_date",
        pl.col("customer").alias("customer_id"),
        pl.col("stock_code").alias("sku"),
        "quantity",
        pl.col("price").alias("unit_price"),
        pl.lit("GBP").alias("currency"),
    ]
    if credit_notes == "cancelled":
        columns.append(pl.when(pl.col("is_credit")).then(pl.lit("cancelled")).alias("order_status"))
    lines = kept.select(columns)

    products = (
        kept.select("stock_code")
        .unique(maintain_order=True)
        .join(most_frequent(kept, "stock_code", "description", "desc"), on="stock_code", how="left")
        .select(
            pl.col("stock_code").alias("sku"),
            pl.col("desc").fill_null(UNKNOWN).alias("description"),
            pl.lit(UNKNOWN).alias("product_family"),
            pl.lit(UNKNOWN).alias("category"),
        )
    )
    with_customer = kept.filter(pl.col("customer").is_not_null())
    customers = (
        with_customer.select("customer")
        .unique(maintain_order=True)
        .join(most_frequent(with_customer, "customer", "country", "country"), on="customer")
        .select(
            pl.col("customer").alias("customer_id"),
            pl.lit(UNKNOWN).alias("customer_name"),
            "country",
        )
    )
    upper = products["sku"].str.to_uppercase()
    report = {
        "dataset": "UCI Online Retail II",
        "source_rows": source.height,
        "dropped_non_product_lines": non_product.height,
        "dropped_non_product_codes": dict(
            non_product.group_by(pl.col("stock_code").str.to_uppercase())
            .len()
            .sort("len", descending=True)
            .iter_rows()
        ),
        "credit_note_lines": credits.height,
        "credit_notes_mapped_as": credit_notes,
        "lines_without_customer": anonymous.height,
        "lines_without_customer_handling": "dropped" if drop_anonymous else "passed through",
        "zero_price_lines_passed_through": int((lines["unit_price"] == 0).sum()),
        "negative_price_lines_passed_through": int((lines["unit_price"] < 0).sum()),
        "negative_quantity_not_credit_note": int(
            kept.filter(~pl.col("is_credit") & (pl.col("quantity") < 0)).height
        ),
        "exact_duplicate_source_rows_kept_as_separate_lines": int(
            kept.drop("line_number").height - kept.drop("line_number").unique().height
        ),
        "stock_codes_with_several_descriptions": int(
            kept.group_by("stock_code")
            .agg(pl.col("description").n_unique())
            .filter(pl.col("description") > 1)
            .height
        ),
        "skus_colliding_when_upper_cased": int(upper.len() - upper.n_unique()),
        "customers_with_several_countries": int(
            with_customer.group_by("customer")
            .agg(pl.col("country").n_unique())
            .filter(pl.col("country") > 1)
            .height
        ),
        "order_lines": lines.height,
        "date_range": [lines["order_date"].min(), lines["order_date"].max()],
        "products": products.height,
        "customers": customers.height,
    }
    return MappedExtract(lines, products, customers, report)


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--credit-notes",
        choices=("return", "cancelled", "drop"),
        default="return",
        help="credit-note lines (invoice 'C...'): negative-quantity returns (default), "
        "order_status cancelled, or left out",
    )
    parser.add_argument(
        "--drop-anonymous",
        action="store_true",
        help="leave out lines without a customer instead of letting the platform quarantine them",
    )
    parser.add_argument("--encoding", default="utf-8", help="encoding of a CSV source")
    args = parser.parse_args()
    try:
        source = read_source(args.source, args.encoding)
    except UnicodeDecodeError as exc:
        die(f"{args.source} is not {args.encoding} ({exc}); try --encoding latin-1")
    finish(map_online_retail(source, args.credit_notes, args.drop_anonymous), args)


if __name__ == "__main__":
    main()
