"""The rule baseline: ABC x XYZ for products, profitability x cost to serve for customers.

Always computed. It is the fallback when a model fails or is not approved, and the benchmark
every model is compared against. The classes themselves come from the feature tables (ABC on
rounded revenue, XYZ on demand CoV, profitability and cost-to-serve classes), so the
baseline only combines them into nine cells with a name a planner recognises.
"""

from __future__ import annotations

import polars as pl

from segmentation_assets.features.catalog import EntityType

ABC_WORDS = {"A": "top revenue", "B": "mid revenue", "C": "tail revenue"}
XYZ_WORDS = {"X": "steady demand", "Y": "variable demand", "Z": "erratic demand"}
PROFIT_WORDS = {"A": "most profitable", "B": "mid profitable", "C": "least profitable"}
COST_WORDS = {"low": "cheap to serve", "medium": "average cost to serve", "high": "costly to serve"}
UNCLASSIFIED = "unclassified"

# (first class column, its words, second class column, its words, volume column for the matrix)
_RULES: dict[str, tuple[str, dict[str, str], str, dict[str, str], str]] = {
    "product": ("abc_class", ABC_WORDS, "xyz_class", XYZ_WORDS, "total_revenue"),
    "customer": (
        "profitability_class",
        PROFIT_WORDS,
        "cost_to_serve_class",
        COST_WORDS,
        "total_revenue",
    ),
}


def baseline_segments(
    features: pl.DataFrame, entity_type: EntityType, id_column: str
) -> pl.DataFrame:
    """One row per entity: its two classes, the nine-cell `baseline_segment` code and a name.

    An entity missing either class (e.g. no cost data) is `unclassified`, never guessed.
    """
    first, first_words, second, second_words, _ = _RULES[entity_type]
    code = (
        pl.when(pl.col(first).is_null() | pl.col(second).is_null())
        .then(pl.lit(UNCLASSIFIED))
        .otherwise(
            pl.concat_str(
                [pl.col(first), pl.col(second).str.slice(0, 1).str.to_uppercase()], separator="-"
            )
        )
    )
    name = (
        pl.when(pl.col(first).is_null() | pl.col(second).is_null())
        .then(pl.lit(UNCLASSIFIED))
        .otherwise(
            pl.concat_str(
                [
                    pl.col(first).replace_strict(first_words, default=pl.col(first)),
                    pl.col(second).replace_strict(second_words, default=pl.col(second)),
                ],
                separator=", ",
            )
        )
    )
    return (
        features.select(
            pl.col(id_column).cast(pl.Utf8).alias("entity_id"), pl.col(first), pl.col(second)
        )
        .with_columns(code.alias("baseline_segment"), name.alias("baseline_name"))
        .with_columns(pl.lit(entity_type).alias("entity_type"))
        .select("entity_type", "entity_id", first, second, "baseline_segment", "baseline_name")
        .sort("entity_id")
    )


def baseline_matrix(features: pl.DataFrame, entity_type: EntityType) -> pl.DataFrame:
    """The 3x3 matrix as a planner reads it: entities and share of revenue per cell."""
    first, _, second, _, value = _RULES[entity_type]
    total = features[value].cast(pl.Float64).fill_null(0).sum() or 1.0
    cells = (
        features.group_by(first, second)
        .agg(
            pl.len().alias("entities"),
            (pl.col(value).cast(pl.Float64).fill_null(0).sum() / total).alias("revenue_share"),
        )
        .with_columns(
            pl.format(
                "{} ({})", pl.col("entities"), (pl.col("revenue_share") * 100).round(1)
            ).alias("cell")
        )
    )
    return (
        cells.pivot(on=second, index=first, values="cell", sort_columns=True)
        .sort(first, nulls_last=True)
        .fill_null("0")
    )
