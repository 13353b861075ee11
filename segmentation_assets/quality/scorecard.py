"""Master-data scorecard: completeness, match rate per system, duplicates and conflicts.

The scorecard measures the reconciled master data (`marts.dim_*`,
`reconcile.*_crosswalk`, `reconcile.exceptions`) in one long table so that a
dashboard can trend it run over run; the priorities turn it into a short,
revenue-ranked to-do list for the data owners.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from segmentation_assets.quality._common import has_rows, is_filled, or_empty

SCORECARD_SCHEMA: pl.Schema = pl.Schema(
    {
        "entity_type": pl.String,
        "metric": pl.String,
        "subject": pl.String,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
        "value": pl.Float64,
    }
)
MASTER_ENTITIES: tuple[str, ...] = ("product", "customer", "location")
ENTITY_KEYS: dict[str, str] = {
    "product": "sku",
    "customer": "customer_id",
    "location": "location_id",
}
# Attribute columns of the golden dimensions (docs/ARCHITECTURE.md, marts); used so
# that an absent or column-less dimension still reports every attribute (at 0/0).
DIM_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "product": (
        "sku",
        "description",
        "product_family",
        "category",
        "brand",
        "uom",
        "unit_cost",
        "list_price",
        "lifecycle_status",
        "launch_date",
        "supplier_id",
        "wms_item_code",
        "item_group",
        "unit_weight_kg",
        "unit_volume_m3",
    ),
    "customer": (
        "customer_id",
        "customer_name",
        "parent_customer_id",
        "channel",
        "region",
        "country",
        "crm_account_id",
        "account_manager",
        "service_tier",
        "contracted_lead_time_days",
        "target_fill_rate",
        "strategic_account",
    ),
    "location": (
        "location_id",
        "location_name",
        "location_type",
        "region",
        "country",
        "wms_warehouse_code",
        "warehouse_name",
    ),
}
DUPLICATE_TYPES: tuple[str, ...] = ("duplicate_key", "duplicate_record")
CONFLICT_TYPES: tuple[str, ...] = (
    "ambiguous_match",
    "attribute_conflict",
    "crosswalk_target_missing",
    "hierarchy_conflict",
)


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Share, null when there is nothing to measure (denominator 0 or unknown)."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def _completeness(entity_type: str, dim: pl.DataFrame | None) -> pl.DataFrame:
    """Share of golden records with a usable value, per attribute (`*_source` excluded)."""
    dim = or_empty(dim)
    present = [c for c in dim.columns if not c.endswith("_source") and not c.startswith("_")]
    attributes = list(dict.fromkeys([*present, *DIM_ATTRIBUTES.get(entity_type, ())]))
    filled = dim.select(
        *(is_filled(dim, c).sum().alias(c) for c in present),
        *(pl.lit(0).alias(c) for c in attributes if c not in present),
    )
    counts = [int(filled[c][0]) if dim.height else 0 for c in attributes]
    return pl.DataFrame(
        {
            "entity_type": entity_type,
            "metric": "completeness",
            "subject": attributes,
            "numerator": counts,
            "denominator": dim.height,
        },
        schema_overrides={"numerator": pl.Int64, "denominator": pl.Int64},
    )


def _match_rate(
    entity_type: str,
    subject: str,
    crosswalk: pl.DataFrame | None,
    erp_column: str,
    role: str | None = None,
) -> pl.DataFrame:
    """Share of a foreign system's records that map to an ERP record."""
    xwalk = or_empty(crosswalk)
    if role is not None and "role" in xwalk.columns:
        xwalk = xwalk.filter(pl.col("role") == role)
    matched = int(xwalk[erp_column].is_not_null().sum()) if erp_column in xwalk.columns else 0
    return pl.DataFrame(
        {
            "entity_type": [entity_type],
            "metric": ["match_rate"],
            "subject": [subject],
            "numerator": [matched],
            "denominator": [xwalk.height],
        },
        schema_overrides={"numerator": pl.Int64, "denominator": pl.Int64},
    )


def _exception_counts(
    exceptions: pl.DataFrame | None, dims: Mapping[str, pl.DataFrame | None]
) -> pl.DataFrame:
    """Duplicate and conflict findings per entity, against the entity's golden record count.

    Master entities always get a row per exception type (0 when clean); other
    entity types (order_line, freight, ...) only when they have findings, with an
    unknown (null) denominator since they have no dimension here.
    """
    ex = or_empty(exceptions)
    types = pl.DataFrame(
        {
            "metric": ["duplicates"] * len(DUPLICATE_TYPES) + ["conflicts"] * len(CONFLICT_TYPES),
            "subject": [*DUPLICATE_TYPES, *CONFLICT_TYPES],
        }
    )
    if has_rows(ex):
        counts = (
            ex.filter(pl.col("exception_type").is_in(types["subject"].implode()))
            .group_by("entity_type", pl.col("exception_type").alias("subject"))
            .agg(pl.len().cast(pl.Int64).alias("numerator"))
        )
    else:
        counts = pl.DataFrame(
            schema={"entity_type": pl.String, "subject": pl.String, "numerator": pl.Int64}
        )
    entities = pl.DataFrame(
        {"entity_type": sorted({*MASTER_ENTITIES, *counts["entity_type"].to_list()})}
    )
    denominators = pl.DataFrame(
        {
            "entity_type": list(MASTER_ENTITIES),
            "denominator": [or_empty(dims.get(e)).height for e in MASTER_ENTITIES],
        },
        schema_overrides={"denominator": pl.Int64},
    )
    return (
        entities.join(types, how="cross")
        .join(counts, on=["entity_type", "subject"], how="left")
        .join(denominators, on="entity_type", how="left")
        .with_columns(pl.col("numerator").fill_null(0))
        .filter(pl.col("entity_type").is_in(list(MASTER_ENTITIES)) | (pl.col("numerator") > 0))
    )


def master_data_scorecard(
    dim_product: pl.DataFrame | None,
    dim_customer: pl.DataFrame | None,
    dim_location: pl.DataFrame | None,
    product_crosswalk: pl.DataFrame | None,
    customer_crosswalk: pl.DataFrame | None,
    location_crosswalk: pl.DataFrame | None,
    tms_location_crosswalk: pl.DataFrame | None,
    exceptions: pl.DataFrame | None,
) -> pl.DataFrame:
    """One row per (entity_type, metric, subject) with numerator, denominator and value.

    Metrics: `completeness` (subject = attribute; records with a non-null, non-blank
    value over golden records), `match_rate` (subject = foreign system: `wms_items`,
    `crm_accounts`, `wms_warehouses`, `tms_origins`, `tms_destinations`; crosswalk rows
    with an ERP key over crosswalk rows), `duplicates` and `conflicts` (subject =
    exception type; findings over golden records). `value` is always numerator /
    denominator and is null when the denominator is 0 (an absent optional source).
    """
    dims = {"product": dim_product, "customer": dim_customer, "location": dim_location}
    parts = [
        *(_completeness(entity, dim) for entity, dim in dims.items()),
        _match_rate("product", "wms_items", product_crosswalk, "sku"),
        _match_rate("customer", "crm_accounts", customer_crosswalk, "customer_id"),
        _match_rate("location", "wms_warehouses", location_crosswalk, "location_id"),
        _match_rate("location", "tms_origins", tms_location_crosswalk, "erp_id", role="origin"),
        _match_rate(
            "customer", "tms_destinations", tms_location_crosswalk, "erp_id", role="destination"
        ),
        _exception_counts(exceptions, dims),
    ]
    return (
        pl.concat([p.select(SCORECARD_SCHEMA.names()[:-1]) for p in parts], how="vertical_relaxed")
        .with_columns(_ratio(pl.col("numerator"), pl.col("denominator")).alias("value"))
        .select(pl.col(n).cast(t) for n, t in SCORECARD_SCHEMA.items())
        .sort("entity_type", "metric", "subject")
    )
