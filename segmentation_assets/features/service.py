"""What service each customer asks for: how soon they want goods, and what the contract says.

The requested lead time comes from the ERP order lines; the contract terms (service
tier, contracted lead time, target fill rate, strategic account) from the CRM through
`dim_customer`, so they are null when no CRM extract was delivered.
"""

from __future__ import annotations

import polars as pl

from segmentation_assets.features.history import DemandWindow, lines_in_window

#: CRM attributes of dim_customer taken as they are, with the feature's dtype.
CONTRACT_TERMS: dict[str, pl.DataType] = {
    "service_tier": pl.String(),
    "contracted_lead_time_days": pl.Float64(),
    "target_fill_rate": pl.Float64(),
    "strategic_account": pl.String(),
}


def requested_lead_time(order_lines: pl.DataFrame, window: DemandWindow) -> pl.DataFrame:
    """`customer_id`, `requested_lead_time_days`: median days from order to requested delivery.

    Over the customer's ordered (not cancelled, not returned) lines in the window. Lines
    without either date, or asking for delivery before the order date (a data error),
    are left out.
    """
    if "requested_delivery_date" not in order_lines.columns:
        return pl.DataFrame(
            schema={"customer_id": pl.String, "requested_lead_time_days": pl.Float64}
        )
    days = (
        pl.col("requested_delivery_date").cast(pl.Date) - pl.col("order_date").cast(pl.Date)
    ).dt.total_days()
    return (
        lines_in_window(order_lines, window)
        .filter(
            ~pl.col("is_cancelled").fill_null(False)
            & ~pl.col("is_return").fill_null(False)
            & pl.col("customer_id").is_not_null()
        )
        .select(pl.col("customer_id").cast(pl.String), days.alias("_days"))
        .filter(pl.col("_days") >= 0)
        .group_by("customer_id")
        .agg(pl.col("_days").cast(pl.Float64).median().alias("requested_lead_time_days"))
    )


def contract_terms(customers: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """`customer_id` and the CRM contract terms, with a note for each term nobody has.

    `strategic_account` becomes "yes"/"no" so it reads as a class.
    """
    notes: dict[str, str] = {}
    columns = [pl.col("customer_id").cast(pl.String)]
    for name, dtype in CONTRACT_TERMS.items():
        if (
            name not in customers.columns
            or customers.get_column(name).null_count() == customers.height
        ):
            notes[name] = (
                "no CRM contract data in dim_customer (CRM extract absent or without this field)"
            )
            columns.append(pl.lit(None, dtype=dtype).alias(name))
        elif name == "strategic_account":
            flag = pl.col(name).cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes", "y"])
            yes_no = pl.when(flag).then(pl.lit("yes")).otherwise(pl.lit("no"))
            columns.append(pl.when(pl.col(name).is_not_null()).then(yes_no).alias(name))
        else:
            columns.append(pl.col(name).cast(dtype).alias(name))
    return customers.select(columns).unique("customer_id", keep="first", maintain_order=True), notes
