"""USAID SCMS delivery history -> landing zone (erp/order_lines, erp/products, erp/customers).

Source: "Supply Chain Shipment Pricing Data" (SCMS_Delivery_History_Dataset.csv), published
by USAID: 10,324 real delivery lines of HIV/AIDS and malaria health commodities (ARV drugs,
HIV test kits, ...) that the PEPFAR Supply Chain Management System delivered to 43 country
programmes, 2006-2015. A B2B delivery history: one row per delivered order line. UTF-8 with
a byte-order mark and old-Mac `\\r` line ends. See docs/REAL_EXTRACTS.md.

    .venv/bin/python scripts/real_extracts/scms_deliveries.py \\
        --source SCMS_Delivery_History_Dataset.csv --out data/real/scms

Mapping (source column -> contract column):

  erp/order_lines
    PO / SO #                  -> order_id        (purchase order or, from a regional
                                                   distribution centre, sales order)
    ID                         -> line_number     (the source's unique row id, an integer:
                                                   keeps every line traceable to its source
                                                   row; the source has no line number)
    Delivered to Client Date   -> order_date      (the source has no reliable order date:
                                                   'PQ First Sent to Client Date' is
                                                   'Pre-PQ Process' or 'Date Not Captured' on
                                                   26% of lines and 'PO Sent to Vendor Date'
                                                   on 56%; demand is dated when delivered)
    Country                    -> customer_id     (the country programme is the ship-to)
    Item Description           -> sku             (the source has no item code; the
                                                   description names molecule, strength, form
                                                   and pack, e.g. 'Efavirenz 600mg, tablets,
                                                   30 Tabs')
    Line Item Quantity         -> quantity        (packs)
    Pack Price                 -> unit_price      (USD per pack: the commodity value, not a
                                                   sales price; SCMS does not sell)
    Scheduled Delivery Date    -> promised_delivery_date
    (constant) USD             -> currency        (the source's money columns are in USD)
    (constant) shipped         -> order_status    (every row is a delivered line)
    extra columns, kept in raw and ignored downstream: asn_dn (shipment), shipment_mode,
    fulfill_via (Direct Drop / From RDC), vendor, line_item_value_usd, freight_cost_usd
    (text as delivered: a number, 'Freight Included in Commodity Cost', 'Invoiced
    Separately' or 'See ASN-... (ID#:...)'), weight_kg (text likewise).

  erp/products (one row per Item Description)
    Item Description -> sku, description; Product Group (ARV, HRDT, ANTM, ACT, MRDT) ->
    category; Sub Classification (Adult, Pediatric, HIV test, ...) -> product_family;
    Brand -> brand; (constant) pack -> uom (quantities are packs); extra: molecule, dosage,
    dosage_form, units_per_pack. Where one description has several values over time (brand,
    group), the most frequent is taken (ties: the later row).

  erp/customers (one row per Country)
    Country -> customer_id, customer_name, country.

Left out (the source does not have them): requested_delivery_date, ship_from_location_id
(the origin is a vendor's plant or a regional distribution centre, not an ERP location),
unit_cost / list_price (no sales price exists), lifecycle_status, launch_date, supplier_id
(a product has several vendors over time; the vendor is kept per line instead),
parent_customer_id, channel, region.

Dropped: nothing. Zero pack prices (18 lines, donated or free-of-charge items) are passed
through: the contract allows a zero price.

Not mapped although the source has it (possible follow-up): the shipments (ASN/DN #), their
mode, weight and freight cost could feed the optional wms/shipments and tms/freight
entities and so the cost-to-serve features.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
from _common import UNKNOWN, MappedExtract, base_parser, finish, most_frequent, parse_dates

SOURCE_COLUMNS = (
    "ID",
    "PO / SO #",
    "ASN/DN #",
    "Country",
    "Fulfill Via",
    "Shipment Mode",
    "Scheduled Delivery Date",
    "Delivered to Client Date",
    "Product Group",
    "Sub Classification",
    "Vendor",
    "Item Description",
    "Molecule/Test Type",
    "Brand",
    "Dosage",
    "Dosage Form",
    "Unit of Measure (Per Pack)",
    "Line Item Quantity",
    "Line Item Value",
    "Pack Price",
    "Weight (Kilograms)",
    "Freight Cost (USD)",
)

# Dates look like '2-Jun-06'.
DATE_FORMATS = ("%d-%b-%y", "%Y-%m-%d")


def read_source(path: Path) -> pl.DataFrame:
    """Read the CSV as text. Python's csv module handles the BOM and the `\\r` line ends."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{path}: no rows")
    missing = [c for c in SOURCE_COLUMNS if c not in rows[0]]
    if missing:
        raise ValueError(f"{path}: not the SCMS delivery history, missing columns {missing}")
    return pl.DataFrame(rows, schema={c: pl.String for c in rows[0]})


def map_scms(source: pl.DataFrame) -> MappedExtract:
    """Map the SCMS delivery history (all columns text, as read) to the contract."""
    src = source.with_columns(pl.col(pl.String).str.strip_chars())
    lines = src.select(
        pl.col("PO / SO #").alias("order_id"),
        pl.col("ID").cast(pl.Int64).alias("line_number"),
        parse_dates(src["Delivered to Client Date"], DATE_FORMATS, "order_date"),
        pl.col("Country").alias("customer_id"),
        pl.col("Item Description").alias("sku"),
        pl.col("Line Item Quantity").cast(pl.Float64).alias("quantity"),
        pl.col("Pack Price").cast(pl.Float64).alias("unit_price"),
        parse_dates(src["Scheduled Delivery Date"], DATE_FORMATS, "promised_delivery_date"),
        pl.lit("USD").alias("currency"),
        pl.lit("shipped").alias("order_status"),
        pl.col("ASN/DN #").alias("asn_dn"),
        pl.col("Shipment Mode").alias("shipment_mode"),
        pl.col("Fulfill Via").alias("fulfill_via"),
        pl.col("Vendor").alias("vendor"),
        pl.col("Line Item Value").cast(pl.Float64).alias("line_item_value_usd"),
        pl.col("Freight Cost (USD)").alias("freight_cost_usd"),
        pl.col("Weight (Kilograms)").alias("weight_kg"),
    )

    key = "Item Description"
    products = (
        src.select(key)
        .unique(maintain_order=True)
        .join(most_frequent(src, key, "Product Group", "category"), on=key, how="left")
        .join(most_frequent(src, key, "Sub Classification", "product_family"), on=key, how="left")
        .join(most_frequent(src, key, "Brand", "brand"), on=key, how="left")
        .join(most_frequent(src, key, "Molecule/Test Type", "molecule"), on=key, how="left")
        .join(most_frequent(src, key, "Dosage", "dosage"), on=key, how="left")
        .join(most_frequent(src, key, "Dosage Form", "dosage_form"), on=key, how="left")
        .join(
            most_frequent(src, key, "Unit of Measure (Per Pack)", "units_per_pack"),
            on=key,
            how="left",
        )
        .select(
            pl.col(key).alias("sku"),
            pl.col(key).alias("description"),
            pl.col("product_family").fill_null(UNKNOWN),
            pl.col("category").fill_null(UNKNOWN),
            "brand",
            pl.lit("pack").alias("uom"),
            "molecule",
            "dosage",
            "dosage_form",
            "units_per_pack",
        )
    )
    customers = (
        src.select("Country")
        .unique(maintain_order=True)
        .select(
            pl.col("Country").alias("customer_id"),
            pl.col("Country").alias("customer_name"),
            pl.col("Country").alias("country"),
        )
    )
    report = {
        "dataset": "USAID SCMS delivery history (Supply Chain Shipment Pricing Data)",
        "source_rows": source.height,
        "order_lines": lines.height,
        "dropped_rows": 0,
        "zero_price_lines_passed_through": int((lines["unit_price"] == 0).sum()),
        "order_date_from": "Delivered to Client Date",
        "date_range": [lines["order_date"].min(), lines["order_date"].max()],
        "products": products.height,
        "customers": customers.height,
        "descriptions_with_several_groups": int(
            src.group_by(key)
            .agg(pl.col("Product Group").n_unique())
            .filter(pl.col("Product Group") > 1)
            .height
        ),
    }
    return MappedExtract(lines, products, customers, report)


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    args = parser.parse_args()
    finish(map_scms(read_source(args.source)), args)


if __name__ == "__main__":
    main()
