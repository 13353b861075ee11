"""Hyndman's car parts monthly demand -> landing zone (erp/*.csv). DEMAND ONLY.

Source: `carparts`, monthly sales of 2,674 slow-moving car spare parts of a US car company,
January 1998 to March 2002 (51 months), from Hyndman, Koehler, Ord & Snyder (2008)
"Forecasting with exponential smoothing: the state space approach" (R package `expsmooth`,
GPL-3; also in the Monash time series forecasting archive, CC BY 4.0). The CSV form
(`carparts.csv`: a `Part` column, then one column per month named like `Jan-98`, blank =
not recorded) is the one the book's data archive ships. See docs/REAL_EXTRACTS.md.

    .venv/bin/python scripts/real_extracts/carparts.py \\
        --source carparts.csv --out data/real/carparts

The source has one number per part and month and nothing else: no customer, no price, no
order. The mapping says so instead of inventing them:

  erp/order_lines: one line per part and month with demand > 0
    Part                 -> sku
    the month            -> order_date   (the first day of the month, or --day: the source
                                          is monthly, the platform weekly, so each month's
                                          demand lands in one week and the 3-4 weeks between
                                          are zeros: every part looks intermittent at weekly
                                          grain. That is the bucket, not the business)
    the month's value    -> quantity
    '<Part>-<YYYY-MM>'   -> order_id, line_number 1 (a synthetic key, one per bucket)
    PLACEHOLDER customer -> customer_id 'ALL-CUSTOMERS' (the source has no customers: ONE
                            placeholder customer, so customer segmentation is meaningless)
    PLACEHOLDER price    -> unit_price --unit-price (default 1.0: the source has no prices;
                            1.0 makes revenue equal units, so the revenue-based ABC ranks by
                            units, the usual fallback. 0 is allowed but makes ABC a tie)
    Months with 0 demand become no line (the platform zero-fills weeks between a part's
    first sale and the last week in the data).

  erp/products: Part -> sku; description, product_family, category -> 'unknown'.
  erp/customers: the one placeholder, customer_name 'placeholder: source has no customers'.

Incomplete parts: 165 parts are recorded for the first 12-14 months only (blank after). The
platform would zero-fill the unrecorded months as no demand, so by default they are left out
(counted in mapping_report.json); --keep-incomplete keeps their recorded months.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
from _common import UNKNOWN, MappedExtract, base_parser, finish

PLACEHOLDER_CUSTOMER = "ALL-CUSTOMERS"


def read_source(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _month(column: str, day: int) -> date:
    parsed = datetime.strptime(column.strip(), "%b-%y")
    return date(parsed.year, parsed.month, day)


def map_carparts(
    source: pl.DataFrame,
    unit_price: float = 1.0,
    keep_incomplete: bool = False,
    day: int = 1,
) -> MappedExtract:
    """Map the wide monthly table (a `Part` column, one text column per month)."""
    if "Part" not in source.columns:
        raise ValueError(f"no 'Part' column: {source.columns[:5]}")
    months = [c for c in source.columns if c != "Part"]
    month_dates = {c: _month(c, day) for c in months}
    wide = source.with_columns(pl.col(months).cast(pl.String).str.strip_chars().replace("", None))
    incomplete = wide.filter(pl.any_horizontal(pl.col(months).is_null()))
    if not keep_incomplete:
        wide = wide.filter(pl.all_horizontal(pl.col(months).is_not_null()))
    long = (
        wide.unpivot(index="Part", on=months, variable_name="month", value_name="value")
        .drop_nulls("value")
        .with_columns(
            pl.col("Part").str.strip_chars(),
            pl.col("value").cast(pl.Float64),
            pl.col("month").replace_strict(month_dates, return_dtype=pl.Date).alias("order_date"),
        )
    )
    negative = long.filter(pl.col("value") < 0)
    lines = (
        long.filter(pl.col("value") > 0)
        .sort("Part", "order_date")
        .select(
            pl.format("{}-{}", "Part", pl.col("order_date").dt.strftime("%Y-%m")).alias("order_id"),
            pl.lit(1, dtype=pl.Int64).alias("line_number"),
            "order_date",
            pl.lit(PLACEHOLDER_CUSTOMER).alias("customer_id"),
            pl.col("Part").alias("sku"),
            pl.col("value").alias("quantity"),
            pl.lit(float(unit_price)).alias("unit_price"),
        )
    )
    products = (
        wide.select(pl.col("Part").str.strip_chars().alias("sku"))
        .unique(maintain_order=True)
        .join(lines.select("sku").unique(), on="sku", how="semi")
        .with_columns(
            pl.lit(UNKNOWN).alias("description"),
            pl.lit(UNKNOWN).alias("product_family"),
            pl.lit(UNKNOWN).alias("category"),
        )
    )
    customers = pl.DataFrame(
        {
            "customer_id": [PLACEHOLDER_CUSTOMER],
            "customer_name": ["placeholder: source has no customers"],
        }
    )
    report = {
        "dataset": "carparts (Hyndman et al. 2008), monthly demand only",
        "source_parts": source.height,
        "source_months": len(months),
        "incomplete_parts": incomplete.height,
        "incomplete_parts_handling": "kept" if keep_incomplete else "dropped",
        "parts_without_any_demand": wide.height - products.height,
        "negative_values_dropped": negative.height,
        "order_lines": lines.height,
        "units": float(lines["quantity"].sum()),
        "placeholder_customer": PLACEHOLDER_CUSTOMER,
        "placeholder_unit_price": unit_price,
        "order_date": f"day {day} of each month (monthly buckets)",
        "date_range": [lines["order_date"].min(), lines["order_date"].max()],
        "products": products.height,
        "customers": 1,
    }
    return MappedExtract(lines, products, customers, report)


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--unit-price",
        type=float,
        default=1.0,
        help="placeholder price for every line (the source has none); default 1.0",
    )
    parser.add_argument(
        "--keep-incomplete",
        action="store_true",
        help="keep the parts whose later months are not recorded",
    )
    parser.add_argument("--day", type=int, default=1, help="day of month for the order date")
    args = parser.parse_args()
    extract = map_carparts(
        read_source(args.source), args.unit_price, args.keep_incomplete, args.day
    )
    finish(extract, args)


if __name__ == "__main__":
    main()
