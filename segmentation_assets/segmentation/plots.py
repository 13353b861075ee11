"""Charts for Dagster metadata and the model registry, as PNG bytes.

Agg backend (no display needed), fixed size and dpi and no software stamp, so the same input
gives the same bytes; every figure is closed after saving.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from segmentation_assets.segmentation.migration import migration_matrix  # noqa: E402

DPI = 100
SIZE = (7.0, 4.5)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    try:
        figure.tight_layout()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(figure)
    return buffer.getvalue()


def png_markdown(png: bytes, alt: str) -> str:
    """Inline image for Dagster's Markdown metadata (no file server needed)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def pareto_curve(values: np.ndarray, thresholds: tuple[float, float], title: str) -> bytes:
    """Cumulative share of the total (e.g. revenue) against share of entities, largest first;
    A/B/C cuts where the cumulative share reaches each threshold."""
    ordered = np.sort(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0))[::-1]
    total = ordered.sum()
    figure, axis = plt.subplots(figsize=SIZE)
    if len(ordered) and total > 0:
        cumulative = np.concatenate([[0.0], np.cumsum(ordered) / total])
        entities = np.linspace(0.0, 1.0, len(ordered) + 1)
        axis.plot(entities, cumulative, color="tab:blue", linewidth=2)
        previous = 0.0
        for threshold, name in zip(thresholds, ("A", "B"), strict=True):
            position = float(entities[int(np.searchsorted(cumulative, threshold - 1e-12))])
            axis.axhline(threshold, color="grey", linestyle=":", linewidth=1)
            axis.axvline(position, color="tab:red", linestyle="--", linewidth=1)
            axis.text(
                (previous + position) / 2, 0.05, name, ha="center", fontsize=12, fontweight="bold"
            )
            previous = position
        axis.text((previous + 1.0) / 2, 0.05, "C", ha="center", fontsize=12, fontweight="bold")
    else:
        axis.text(0.5, 0.5, "no volume", ha="center", va="center")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("share of entities (largest first)")
    axis.set_ylabel("cumulative share")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    return _png(figure)


def _scale(values: np.ndarray) -> str:
    """Log for positive volumes; symlog when zeros or negatives would vanish from a log axis."""
    finite = values[np.isfinite(values)]
    return "log" if len(finite) and (finite > 0).all() else "symlog"


def segment_scatter(
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    segment_names: dict[int, str],
    x_label: str,
    y_label: str,
    log_x: bool,
    log_y: bool,
) -> bytes:
    """Entities on two features, one colour per segment (noise, id -1, in grey)."""
    x, y, labels = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(labels)
    figure, axis = plt.subplots(figsize=SIZE)
    colours = plt.get_cmap("tab10")
    size = 12 if len(x) <= 2_000 else 4
    for position, segment in enumerate(sorted(set(labels.tolist()))):
        mask = labels == segment
        colour = "lightgrey" if segment == -1 else colours(position % 10)
        name = segment_names.get(int(segment), "noise" if segment == -1 else f"segment {segment}")
        axis.scatter(
            x[mask],
            y[mask],
            s=size,
            alpha=0.6,
            color=colour,
            label=f"{name} ({int(mask.sum()):,})",
            rasterized=True,
            linewidths=0,
        )
    if log_x:
        axis.set_xscale(_scale(x))
    if log_y:
        axis.set_yscale(_scale(y))
    axis.set_xlabel(x_label)
    axis.set_ylabel(y_label)
    if len(x):
        axis.legend(fontsize=8, markerscale=2, loc="best")
    axis.grid(alpha=0.3)
    return _png(figure)


def _share_columns(
    frame: pl.DataFrame, segment_names: dict[int, str]
) -> tuple[list[str], list[float]]:
    label = next(c for c in ("segment_name", "segment", "segment_id") if c in frame.columns)
    share = next(c for c in ("volume_share", "share") if c in frame.columns)
    labels = [
        segment_names.get(v, str(v)) if label == "segment_id" else str(v)
        for v in frame[label].to_list()
    ]
    return labels, [float(v or 0.0) for v in frame[share].to_list()]


def segment_sizes(
    before: pl.DataFrame,
    after: pl.DataFrame,
    min_share: float | None = None,
    segment_names: dict[int, str] | None = None,
) -> bytes:
    """Volume share per segment before and after the constraints, with the minimum-share line.

    Each frame has a label column (`segment_name`, `segment` or `segment_id`) and a share column
    (`volume_share` or `share`, 0..1), e.g. the constraints step's before/after summaries;
    `segment_names` labels the `after` ids (segments before the constraints have no names yet).
    """
    before_names, before_shares = _share_columns(before, {})
    after_names, after_shares = _share_columns(after, segment_names or {})
    figure, axes = plt.subplots(1, 2, figsize=(9.0, 4.5), sharex=True)
    for axis, names, shares, title in (
        (axes[0], before_names, before_shares, "before constraints"),
        (axes[1], after_names, after_shares, "after constraints"),
    ):
        positions = np.arange(len(names))
        axis.barh(positions, shares, color="tab:blue")
        axis.set_yticks(positions, names, fontsize=8)
        axis.invert_yaxis()
        if min_share is not None:
            axis.axvline(
                min_share,
                color="tab:red",
                linestyle="--",
                linewidth=1,
                label=f"minimum {min_share:.0%}",
            )
            axis.legend(fontsize=8, loc="lower right")
        axis.set_title(title)
        axis.set_xlabel("volume share")
        axis.grid(axis="x", alpha=0.3)
    return _png(figure)


def importance_bar(global_importance: pl.DataFrame) -> bytes:
    """Mean |SHAP| per feature (from `explain_segments`), most important on top."""
    frame = global_importance.sort("mean_abs_shap", descending=True, maintain_order=True)
    labels = frame["label"].to_list() if "label" in frame.columns else frame["feature"].to_list()
    figure, axis = plt.subplots(figsize=(7.0, max(2.5, 0.35 * len(labels) + 1)))
    positions = np.arange(len(labels))
    axis.barh(positions, frame["mean_abs_shap"].to_list(), color="tab:green")
    axis.set_yticks(positions, labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("mean |SHAP| towards the entity's own segment")
    axis.set_title("What separates the segments")
    axis.grid(axis="x", alpha=0.3)
    return _png(figure)


def _wide_migration(migration: pl.DataFrame, segment_names: dict[int, str] | None) -> pl.DataFrame:
    """Long (from_segment, to_segment, entities) -> the labelled matrix of `migration_matrix`."""
    names = segment_names or {}

    def named(column: str) -> pl.Expr:
        return pl.col(column).replace_strict(names, default=None, return_dtype=pl.String)

    moves = migration.select(
        pl.col("from_segment").alias("from_id"),
        named("from_segment").alias("from_name"),
        pl.col("to_segment").alias("to_id"),
        named("to_segment").alias("to_name"),
        "entities",
    )
    return migration_matrix(moves, "segment before")


def migration_heatmap(
    migration: pl.DataFrame, segment_names: dict[int, str] | None = None
) -> bytes:
    """Entities moving between segments, from a long or a wide frame.

    Long: `from_segment`, `to_segment`, `entities`, as from the stability step;
    `segment_names` labels the ids. Wide: the first column labels the rows (segments
    before), every other column is a segment after, as from `compare_versions`.
    """
    if {"from_segment", "to_segment", "entities"} <= set(migration.columns):
        migration = _wide_migration(migration, segment_names)
    row_labels = [str(v) for v in migration[migration.columns[0]].to_list()]
    column_labels = migration.columns[1:]
    counts = (
        migration.select(column_labels).fill_null(0).to_numpy().astype(float)
        if column_labels
        else np.zeros((len(row_labels), 0))
    )
    figure, axis = plt.subplots(
        figsize=(max(5.0, 1.1 * len(column_labels) + 2.5), max(3.5, 0.5 * len(row_labels) + 2))
    )
    image = axis.imshow(counts, cmap="Blues", aspect="auto")
    peak = counts.max() if counts.size else 0.0
    for (row, column), value in np.ndenumerate(counts):
        axis.text(
            column,
            row,
            f"{int(value):,}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if peak and value > peak / 2 else "black",
        )
    axis.set_xticks(
        np.arange(len(column_labels)), column_labels, rotation=30, ha="right", fontsize=8
    )
    axis.set_yticks(np.arange(len(row_labels)), row_labels, fontsize=8)
    axis.set_xlabel("segment after")
    axis.set_ylabel("segment before")
    figure.colorbar(image, ax=axis, label="entities")
    return _png(figure)
