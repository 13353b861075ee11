"""Features recomputed on the rolling history windows that the stability check refits on.

The windows are stacked in one table with a `window` label, so an auditor can query the very
features each refit saw.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from segmentation_assets.config import SegmentationConfig
from segmentation_assets.features.build import FeatureInputs, FeatureTable
from segmentation_assets.features.history import DemandWindow, feature_window, stability_windows

FeatureBuilder = Callable[..., FeatureTable]


def window_features(
    inputs: FeatureInputs, config: SegmentationConfig, builder: FeatureBuilder
) -> tuple[pl.DataFrame, str]:
    """Each rolling window's features stacked with a `window` label (oldest first), and a note.

    The frame is empty (a `window` column only) when the history is too short even for
    shortened windows; the note then says why.
    """
    stability = config.segmentation.stability
    full = feature_window(inputs.weekly_demand, config.features.history_weeks)
    windows, note = stability_windows(
        full, stability.window_weeks, stability.step_weeks, stability.windows
    )
    if not windows:
        return pl.DataFrame(schema={"window": pl.Utf8}), note
    frames = [_labelled(builder(inputs, config.features, w).frame, w) for w in windows]
    return pl.concat(frames, how="diagonal_relaxed").select("window", pl.exclude("window")), note


def _labelled(frame: pl.DataFrame, window: DemandWindow) -> pl.DataFrame:
    return frame.with_columns(pl.lit(f"{window.start}..{window.end}").alias("window"))
