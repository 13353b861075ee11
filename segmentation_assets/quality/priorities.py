"""Cleansing priorities: the scorecard and exceptions turned into a ranked to-do list.

Data owners have limited time; the list puts first the issues that touch the most
revenue (the SKUs, customers and locations the business actually sells through),
then the most records.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from segmentation_assets.quality._common import fmt_number, has_rows, is_filled, or_empty
from segmentation_assets.quality.scorecard import DIM_ATTRIBUTES, ENTITY_KEYS

PRIORITIES_SCHEMA: pl.Schema = pl.Schema(
    {
        "rank": pl.Int64,
        "entity_type": pl.String,
        "issue": pl.String,
        "affected_records": pl.Int64,
        "affected_revenue": pl.Float64,
        "recommendation": pl.String,
    }
)
# Order-line column that carries each master entity's ERP key (revenue at stake).
REVENUE_KEYS: dict[str, str] = {
    "product": "sku",
    "customer": "customer_id",
    "location": "ship_from_location_id",
}


EXCEPTION_RECOMMENDATIONS: dict[str, str] = {
    "unmatched": "Enter the ERP key on these foreign records (or create the missing ERP record) "
    "so they join the golden record.",
    "crosswalk_target_missing": "The foreign system points at an ERP key that does not exist: "
    "correct the reference there, or create the ERP record if it is genuinely new.",
    "ambiguous_match": "Several ERP records fit: replace the loose code in the foreign system with "
    "the exact ERP key.",
    "duplicate_record": "Merge the duplicate foreign records into one and retire the copies.",
    "duplicate_key": "Fix the extract so each key appears once per file "
    "(same key delivered twice).",
    "hierarchy_conflict": "Agree the parent or group with the account/product owners and align "
    "the other systems to the ERP hierarchy.",
    "attribute_conflict": "Decide the correct value with the data owner and correct the system "
    "that survivorship overrules.",
    "unknown_mode": "Map the TMS mode to a contract transport mode (or extend the contract list).",
}
ATTRIBUTE_RECOMMENDATIONS: dict[str, str] = {
    "unit_weight_kg": "Capture unit weights in the WMS item master; "
    "freight cost allocation needs them.",
    "unit_volume_m3": "Capture unit volumes in the WMS item master; "
    "cube-based cost allocation needs them.",
    "unit_cost": "Load standard unit costs in the ERP; margin and cost-to-serve need them.",
    "list_price": "Load list prices in the ERP; discount analysis needs them.",
    "product_family": "Assign a product family in the ERP; segmentation groups by it.",
    "category": "Assign a category in the ERP; segmentation and market indices group by it.",
    "lifecycle_status": "Set the lifecycle status in the ERP; "
    "new and phase-out items are segmented apart.",
    "parent_customer_id": "Set the parent account for customers that belong to a group "
    "(top-level customers legitimately have none).",
    "channel": "Assign the sales channel in the ERP; customer segmentation splits by it.",
    "service_tier": "Record the service tier in the CRM; service policies are set per tier.",
    "target_fill_rate": "Record the contracted fill-rate target in the CRM.",
    "contracted_lead_time_days": "Record the contracted lead time in the CRM.",
}
# Foreign systems of the scorecard's `match_rate` rows (subject) and where their records
# are in reconcile.exceptions: (source_system, source_entity), with the row's entity_type.
# A crosswalk row without an ERP key is exactly an `unmatched` or `ambiguous_match` finding.
MATCH_RATE_SOURCES: dict[str, tuple[str, str]] = {
    "wms_items": ("wms", "items"),
    "crm_accounts": ("crm", "accounts"),
    "wms_warehouses": ("wms", "warehouses"),
    "tms_origins": ("tms", "freight"),
    "tms_destinations": ("tms", "freight"),
}
UNMATCHED_TYPES: tuple[str, ...] = ("unmatched", "ambiguous_match")
MATCH_RATE_RECOMMENDATIONS: dict[str, str] = {
    "wms_items": "Maintain the ERP key in the WMS item master: enter the exact ERP sku as "
    "erp_sku on the items the unmatched / ambiguous_match findings list.",
    "crm_accounts": "Maintain the ERP key in the CRM: enter the exact ERP customer id as "
    "erp_customer_id on the accounts the unmatched / ambiguous_match findings list.",
    "wms_warehouses": "Maintain the ERP key in the WMS warehouse master: enter the exact ERP "
    "location id as erp_location_id on the warehouses the findings list.",
    "tms_origins": "Maintain the ERP key in the TMS: send ERP location ids (or WMS warehouse "
    "codes) as origin codes; the unmatched / ambiguous_match findings list the codes to fix.",
    "tms_destinations": "Maintain the ERP key in the TMS: send ERP customer ids as destination "
    "codes; the unmatched / ambiguous_match findings list the codes to fix.",
}
_ISSUE_SCHEMA = {
    "entity_type": pl.String,
    "issue": pl.String,
    "affected_records": pl.Int64,
    "_revenue": pl.Float64,
    "recommendation": pl.String,
}
ISSUE_ORDER: tuple[str, ...] = ("affected_revenue", "affected_records", "entity_type", "issue")


_REVENUE_SCHEMA = {"entity_type": pl.String, "_key": pl.String, "_revenue": pl.Float64}


def _revenue_by_key(order_lines: pl.DataFrame | None) -> pl.DataFrame:
    """Net revenue per (entity_type, ERP key): returns net off, cancelled lines excluded.

    Only entity types that can be priced appear (order lines present and carrying
    the entity's key column); the others have unknown revenue, not zero.
    """
    lines = or_empty(order_lines)
    priced = {e: c for e, c in REVENUE_KEYS.items() if c in lines.columns}
    if not has_rows(lines) or "line_revenue" not in lines.columns or not priced:
        return pl.DataFrame(schema=_REVENUE_SCHEMA)
    if "is_cancelled" in lines.columns:
        lines = lines.filter(~pl.col("is_cancelled").fill_null(False))
    long = pl.concat(
        [
            lines.select(
                pl.lit(entity).alias("entity_type"),
                pl.col(column).cast(pl.String).alias("_key"),
                pl.col("line_revenue").cast(pl.Float64).alias("_revenue"),
            )
            for entity, column in priced.items()
        ]
    )
    # Every priced entity keeps a row even if all its lines were cancelled (revenue 0, not unknown).
    placeholders = pl.DataFrame(
        {"entity_type": list(priced), "_key": None, "_revenue": 0.0}, schema=_REVENUE_SCHEMA
    )
    return (
        pl.concat([long, placeholders])
        .group_by("entity_type", "_key")
        .agg(pl.col("_revenue").sum())
    )


def _revenue_at_stake(touched: pl.DataFrame, revenue: pl.DataFrame) -> pl.DataFrame:
    """Revenue of the distinct keys each (entity_type, issue) touches; null where unpriceable."""
    priced = revenue["entity_type"].unique().implode()
    return (
        touched.unique()
        .join(revenue, on=["entity_type", "_key"], how="left")
        .group_by("entity_type", "issue")
        .agg(pl.col("_revenue").sum())
        .with_columns(
            pl.when(pl.col("entity_type").is_in(priced)).then(pl.col("_revenue")).alias("_revenue")
        )
    )


def _named_key() -> pl.Expr:
    """The ERP key an exception names: `erp_key`, else `source_key` (trimmed, upper case)."""
    return pl.coalesce("erp_key", "source_key").str.strip_chars().str.to_uppercase()


def _exception_issues(exceptions: pl.DataFrame | None, revenue: pl.DataFrame) -> pl.DataFrame:
    ex = or_empty(exceptions)
    if not has_rows(ex):
        return pl.DataFrame(schema=_ISSUE_SCHEMA)
    ex = ex.with_columns(pl.col("exception_type").alias("issue"), _named_key().alias("_key"))
    issues = ex.group_by("entity_type", "issue").agg(
        pl.struct("source_system", "source_entity", "source_key")
        .n_unique()
        .cast(pl.Int64)
        .alias("affected_records")
    )
    at_stake = _revenue_at_stake(ex.select("entity_type", "issue", "_key"), revenue)
    return issues.join(at_stake, on=["entity_type", "issue"], how="left").with_columns(
        pl.col("issue")
        .replace_strict(
            EXCEPTION_RECOMMENDATIONS, default="Review the findings with the data owner."
        )
        .alias("recommendation")
    )


def _missing_keys(entity_type: str, dim: pl.DataFrame | None) -> pl.DataFrame:
    """(entity_type, _attribute, _key) for every golden record lacking an attribute.

    An attribute the dimension does not carry at all counts as missing everywhere,
    matching the scorecard, which reports it at 0 of n.
    """
    key = ENTITY_KEYS[entity_type]
    dim = or_empty(dim)
    schema = {"entity_type": pl.String, "_attribute": pl.String, "_key": pl.String}
    present = [
        c for c in dim.columns if c != key and not c.endswith("_source") and not c.startswith("_")
    ]
    absent = [c for c in DIM_ATTRIBUTES[entity_type] if c != key and c not in dim.columns]
    if key not in dim.columns or not (present or absent):
        return pl.DataFrame(schema=schema)
    return (
        dim.select(
            pl.col(key).cast(pl.String).alias("_key"),
            *((~is_filled(dim, c)).alias(c) for c in present),
            *(pl.lit(True).alias(c) for c in absent),
        )
        .unpivot(index="_key", variable_name="_attribute", value_name="_missing")
        .filter(pl.col("_missing"))
        .select(pl.lit(entity_type).alias("entity_type"), "_attribute", "_key")
    )


def _completeness_issues(
    scorecard: pl.DataFrame,
    dims: Mapping[str, pl.DataFrame | None],
    revenue: pl.DataFrame,
    target: float,
) -> pl.DataFrame:
    gaps = scorecard.filter(
        (pl.col("metric") == "completeness")
        & (pl.col("denominator") > 0)
        & (pl.col("value") < target)
        & ~pl.col("subject").is_in(list(ENTITY_KEYS.values()))
    ).select(
        "entity_type",
        pl.col("subject").alias("_attribute"),
        pl.concat_str([pl.lit("missing "), pl.col("subject")]).alias("issue"),
        (pl.col("denominator") - pl.col("numerator")).alias("affected_records"),
    )
    missing = [_missing_keys(entity, dim) for entity, dim in dims.items() if has_rows(dim)]
    touched = (
        gaps.join(pl.concat(missing), on=["entity_type", "_attribute"], how="inner").select(
            "entity_type", "issue", "_key"
        )
        if missing
        else pl.DataFrame(schema={"entity_type": pl.String, "issue": pl.String, "_key": pl.String})
    )
    gaps = gaps.join(_revenue_at_stake(touched, revenue), on=["entity_type", "issue"], how="left")
    generic = pl.concat_str(
        [
            pl.lit("Fill "),
            pl.col("_attribute"),
            pl.lit(" on the "),
            pl.col("entity_type"),
            pl.lit(" records missing it."),
        ]
    )
    return gaps.with_columns(
        pl.col("_attribute")
        .replace_strict(ATTRIBUTE_RECOMMENDATIONS, default=None, return_dtype=pl.String)
        .fill_null(generic)
        .alias("recommendation")
    ).drop("_attribute")


def _match_rate_issues(
    scorecard: pl.DataFrame,
    exceptions: pl.DataFrame | None,
    revenue: pl.DataFrame,
    target: float,
) -> pl.DataFrame:
    """One row per foreign system whose match rate to the ERP is below `target`.

    The records are the system's crosswalk rows without an ERP key; they are priced
    like the exception issues, by the keys its `unmatched` / `ambiguous_match`
    findings name (null when `exceptions` does not list them).
    """
    # Percent with 2 decimals, floored in integers: a rate just under the target never
    # prints as the target.
    rate = fmt_number(pl.col("numerator") * 10_000 // pl.col("denominator") / 100)
    low = scorecard.filter(
        (pl.col("metric") == "match_rate")
        & (pl.col("denominator") > 0)
        & (pl.col("value") < target)
    ).select(
        "entity_type",
        pl.col("subject").alias("_system"),
        pl.concat_str(
            [
                pl.lit("match rate below target: "),
                pl.col("subject"),
                pl.lit(" at "),
                rate,
                pl.lit("% (target "),
                fmt_number(pl.lit(target * 100)),
                pl.lit("%)"),
            ]
        ).alias("issue"),
        (pl.col("denominator") - pl.col("numerator")).alias("affected_records"),
    )
    sources = pl.DataFrame(
        {
            "_system": list(MATCH_RATE_SOURCES),
            "source_system": [s for s, _ in MATCH_RATE_SOURCES.values()],
            "source_entity": [e for _, e in MATCH_RATE_SOURCES.values()],
        }
    )
    ex = or_empty(exceptions)
    touched = (
        low.join(sources, on="_system")
        .join(
            ex.filter(pl.col("exception_type").is_in(UNMATCHED_TYPES)),
            on=["entity_type", "source_system", "source_entity"],
            how="inner",
        )
        .select("entity_type", "issue", _named_key().alias("_key"))
        if has_rows(ex)
        else pl.DataFrame(schema={"entity_type": pl.String, "issue": pl.String, "_key": pl.String})
    )
    generic = pl.concat_str(
        [
            pl.lit("Maintain the ERP key in "),
            pl.col("_system"),
            pl.lit(" on the unmatched records."),
        ]
    )
    return (
        low.join(_revenue_at_stake(touched, revenue), on=["entity_type", "issue"], how="left")
        .with_columns(
            pl.col("_system")
            .replace_strict(MATCH_RATE_RECOMMENDATIONS, default=None, return_dtype=pl.String)
            .fill_null(generic)
            .alias("recommendation")
        )
        .drop("_system")
    )


def cleansing_priorities(
    scorecard: pl.DataFrame,
    exceptions: pl.DataFrame | None,
    order_lines: pl.DataFrame | None,
    *,
    completeness_target: float = 0.95,
    match_rate_target: float = 0.99,
    dim_product: pl.DataFrame | None = None,
    dim_customer: pl.DataFrame | None = None,
    dim_location: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """What to cleanse first: one row per (entity_type, issue), ranked by revenue at stake.

    Issues are the reconcile exception types per entity, every attribute whose
    completeness is below `completeness_target`, and every foreign system whose
    match rate (scorecard `match_rate`, defined only for a non-empty system) is below
    `match_rate_target`. `affected_revenue` is the net order revenue of the distinct
    SKUs / customers / ship-from locations touched (an exception names them by
    `erp_key`, else `source_key`; a missing attribute by the dimension rows lacking it,
    so pass the `dim_*` frames to price those; without them it is null). Rank:
    revenue (unknown last), then affected records, then entity type and issue name,
    so equal issues always come out in the same order.

    A system's row ("match rate below target: <system> ...") is a summary with its own
    issue name: its records are the ones its entity's `unmatched` / `ambiguous_match`
    rows count per finding type, seen per system against the target, not new ones.
    Rows overlap anyway (a record missing two attributes is in two rows), so
    `affected_records` and `affected_revenue` are not to be summed down the list.
    """
    dims = {"product": dim_product, "customer": dim_customer, "location": dim_location}
    revenue = _revenue_by_key(order_lines)
    columns = list(_ISSUE_SCHEMA)
    issues = pl.concat(
        [
            _exception_issues(exceptions, revenue).select(columns),
            _completeness_issues(scorecard, dims, revenue, completeness_target).select(columns),
            _match_rate_issues(scorecard, exceptions, revenue, match_rate_target).select(columns),
        ],
        how="vertical_relaxed",
    ).filter(pl.col("affected_records") > 0)
    return (
        issues.with_columns(pl.col("_revenue").round(2).alias("affected_revenue"))
        .sort(ISSUE_ORDER, descending=[True, True, False, False], nulls_last=True)
        .with_row_index("rank", offset=1)
        .select(pl.col(n).cast(t) for n, t in PRIORITIES_SCHEMA.items())
    )
