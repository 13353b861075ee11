"""Migration matrices: how many entities moved from each segment to each other one.

One pivot for both places that show moves: the stability check's window-to-window
migration (drawn by `plots.migration_heatmap`) and the comparison of two registered
versions (`registry_queries.compare_versions`).
"""

from __future__ import annotations

import polars as pl


def segment_label(segment_id: str, name: str) -> pl.Expr:
    """`<id>: <name>`, or the bare id when the segment has no name (null or blank)."""
    named = pl.col(name).fill_null("") != ""
    return (
        pl.when(named)
        .then(pl.concat_str([pl.col(segment_id).cast(pl.String), pl.lit(": "), pl.col(name)]))
        .otherwise(pl.col(segment_id).cast(pl.String))
    )


def migration_matrix(moves: pl.DataFrame, row_header: str) -> pl.DataFrame:
    """Moves (`from_id`, `from_name`, `to_id`, `to_name`, `entities`) as a labelled matrix.

    First column `row_header`: the segments moved from; then one column per segment
    moved to. Both are ordered by id and labelled by `segment_label`; cells sum
    `entities` over repeated pairs and are 0 where nothing moved. No moves gives the
    `row_header` column alone.
    """
    if moves.is_empty():
        return pl.DataFrame(schema={row_header: pl.String})
    labelled = moves.select(
        "from_id",
        "to_id",
        segment_label("from_id", "from_name").alias(row_header),
        segment_label("to_id", "to_name").alias("_to"),
        pl.col("entities").cast(pl.Int64),
    )
    rows = labelled.sort("from_id").select(row_header).unique(maintain_order=True)
    columns = labelled.sort("to_id")["_to"].unique(maintain_order=True).to_list()
    wide = labelled.pivot(on="_to", index=row_header, values="entities", aggregate_function="sum")
    return (
        rows.join(wide, on=row_header, how="left", maintain_order="left")
        .select(row_header, *columns)
        .with_columns(pl.exclude(row_header).fill_null(0))
    )
