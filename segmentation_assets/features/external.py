"""Supply-side and market features of a SKU from the optional ERP supply and external feeds.

Each is null, with a note, when its source was not delivered. Pass only current rows of
staging views (`_is_latest`); if the column is there, older rows are dropped here too.
Values dated after the as-of week are not used, so a past window sees what was known then.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from segmentation_assets.features.history import DemandWindow

#: Weeks of the category's market index averaged into `market_volatility`.
MARKET_WEEKS = 13


def _current(frame: pl.DataFrame | None) -> pl.DataFrame | None:
    if frame is None or frame.height == 0:
        return None
    if "_is_latest" in frame.columns:
        frame = frame.filter(pl.col("_is_latest").fill_null(False))
    return frame if frame.height else None


def _product_keys(products: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return products.select(
        pl.col("sku").cast(pl.String),
        *(
            (pl.col(c) if c in products.columns else pl.lit(None)).cast(pl.String).alias(c)
            for c in columns
        ),
    ).unique("sku", keep="first", maintain_order=True)


def _not_delivered(keys: pl.DataFrame, column: str, note: str) -> tuple[pl.DataFrame, str]:
    """Every product with a null `column`, and the note saying which feed is missing."""
    return keys.select("sku", pl.lit(None, dtype=pl.Float64).alias(column)), note


def supplier_lead_time(
    products: pl.DataFrame, supply: pl.DataFrame | None
) -> tuple[pl.DataFrame, str | None]:
    """`sku`, `supplier_lead_time_days`: the lead time of the product's own supplier when the
    supply table has it, else the mean over the SKU's suppliers."""
    supply = _current(supply)
    keys = _product_keys(products, "supplier_id")
    if supply is None:
        return _not_delivered(
            keys, "supplier_lead_time_days", "no ERP supply extract (supplier lead times) delivered"
        )
    rows = (
        supply.select(
            pl.col("sku").cast(pl.String),
            pl.col("supplier_id").cast(pl.String),
            pl.col("lead_time_days").cast(pl.Float64),
        )
        .filter(pl.col("lead_time_days").is_not_null() & (pl.col("lead_time_days") >= 0))
        .sort(pl.all())
    )
    own = rows.group_by("sku", "supplier_id").agg(pl.col("lead_time_days").mean().alias("_own"))
    any_supplier = rows.group_by("sku").agg(pl.col("lead_time_days").mean().alias("_mean"))
    frame = (
        keys.join(own, on=["sku", "supplier_id"], how="left")
        .join(any_supplier, on="sku", how="left")
        .select("sku", pl.coalesce("_own", "_mean").alias("supplier_lead_time_days"))
    )
    missing = frame["supplier_lead_time_days"].null_count()
    return frame, (
        f"{missing} SKUs have no supplier lead time in the ERP supply extract" if missing else None
    )


def supplier_risk(
    products: pl.DataFrame, supplier_risk: pl.DataFrame | None, window: DemandWindow
) -> tuple[pl.DataFrame, str | None]:
    """`sku`, `supplier_risk_score`: the product's supplier's latest score up to the as-of week."""
    risk = _current(supplier_risk)
    keys = _product_keys(products, "supplier_id")
    if risk is None:
        return _not_delivered(
            keys, "supplier_risk_score", "no external supplier risk feed delivered"
        )
    as_of = window.end + timedelta(days=6)
    latest = (
        risk.select(
            pl.col("supplier_id").cast(pl.String),
            pl.col("as_of_date").cast(pl.Date),
            pl.col("risk_score").cast(pl.Float64),
        )
        .filter(pl.col("risk_score").is_not_null() & (pl.col("as_of_date") <= as_of))
        .sort("supplier_id", "as_of_date", "risk_score")
        .group_by("supplier_id")
        .agg(pl.col("risk_score").last().alias("supplier_risk_score"))
    )
    frame = keys.join(latest, on="supplier_id", how="left").select("sku", "supplier_risk_score")
    missing = frame["supplier_risk_score"].null_count()
    return frame, (
        f"{missing} SKUs have no supplier or no risk score for it up to {as_of}"
        if missing
        else None
    )


def market_volatility(
    products: pl.DataFrame, market_index: pl.DataFrame | None, window: DemandWindow
) -> tuple[pl.DataFrame, str | None]:
    """`sku`, `market_volatility`: mean volatility index of the product's category over the
    last 13 weeks up to the as-of week."""
    index = _current(market_index)
    keys = _product_keys(products, "category")
    if index is None:
        return _not_delivered(keys, "market_volatility", "no external market index feed delivered")
    last_day = window.end + timedelta(days=6)
    first_day = window.end - timedelta(weeks=MARKET_WEEKS - 1)
    per_category = (
        index.select(
            pl.col("category").cast(pl.String),
            pl.col("index_date").cast(pl.Date),
            pl.col("volatility_index").cast(pl.Float64),
        )
        .filter(pl.col("index_date").is_between(pl.lit(first_day), pl.lit(last_day)))
        .sort(pl.all())
        .group_by("category")
        .agg(pl.col("volatility_index").mean().alias("market_volatility"))
    )
    frame = keys.join(per_category, on="category", how="left").select("sku", "market_volatility")
    missing = frame["market_volatility"].null_count()
    return frame, (
        f"{missing} SKUs have no category or no market index for it from {first_day} to {last_day}"
        if missing
        else None
    )
