"""The numeric matrix the clustering sees, built from one entity type's feature frame.

Business rules: only the configured criteria are used, in criteria order; a feature that is all
null (its source is absent) or constant cannot separate anything and is left out with a reason;
remaining nulls take the column median (counted, so the report can say how many). Volumes are
long-tailed, so `skewed` features get log1p (after clipping at 0) before scaling; every feature is
then robust-scaled (median / IQR, falling back to the standard deviation, then 1, when the IQR is
0) so one huge SKU cannot stretch the scale; the criteria weight multiplies the scaled column.

The fitted parameters (medians for imputation, log flags, centres, scales, weights) are kept so
another window's frame can be put into the same space (`transform_frame`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from segmentation_assets.features.catalog import EntityType, feature


@dataclass(frozen=True, eq=False)  # holds arrays / frames: compare fields explicitly
class FeatureMatrix:
    """Entities x features, raw and transformed, with the parameters of the transform."""

    ids: list[str]  # entity ids in row order
    names: list[str]  # features used, criteria order
    weights: np.ndarray  # criteria weight per used feature
    raw: np.ndarray  # (n, f) float64, untransformed, nulls imputed with the column median
    values: np.ndarray  # log (skewed) -> robust-scaled -> weighted; what the clustering sees
    imputed: dict[str, int]  # feature -> nulls imputed
    dropped: dict[str, str]  # feature -> why it was left out
    medians: np.ndarray = field(
        repr=False, default_factory=lambda: np.empty(0)
    )  # raw medians (imputation)
    logged: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0, dtype=bool))
    centres: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))  # after the log
    scales: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    def transform(self, raw: np.ndarray) -> np.ndarray:
        """Apply this matrix's log, centre, scale and weights to new raw rows (already imputed)."""
        raw = np.asarray(raw, dtype=np.float64)
        if raw.ndim != 2 or raw.shape[1] != len(self.names):
            raise ValueError(
                f"expected rows of {len(self.names)} features ({', '.join(self.names)}), "
                f"got shape {raw.shape}"
            )
        logged = np.where(self.logged, np.log1p(np.clip(raw, 0.0, None)), raw)
        return (logged - self.centres) / self.scales * self.weights

    def transform_frame(self, features: pl.DataFrame) -> np.ndarray:
        """Another window's features in this matrix's space; nulls take THIS matrix's medians."""
        return self.transform(raw_matrix(features, self.names, self.medians))


def _column(features: pl.DataFrame, name: str) -> np.ndarray:
    """One column as float64 with null / NaN / infinite values as NaN."""
    values = (
        features.get_column(name)
        .cast(pl.Float64, strict=False)
        .to_numpy()
        .astype(np.float64, copy=True)
    )
    values[~np.isfinite(values)] = np.nan
    return values


def raw_matrix(features: pl.DataFrame, names: list[str], medians: np.ndarray) -> np.ndarray:
    """The (n, f) raw matrix of `names` from `features`, nulls imputed with the given medians."""
    missing = [name for name in names if name not in features.columns]
    if missing:
        raise ValueError(f"feature frame has no column(s) {', '.join(missing)}")
    out = np.empty((features.height, len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        column = _column(features, name)
        column[np.isnan(column)] = medians[j]
        out[:, j] = column
    return out


def _robust_scale(column: np.ndarray) -> float:
    """The IQR in standard-deviation units (IQR / 1.349), never below the standard deviation.

    Alone, the IQR explodes a feature on which most entities share one value (seasonality 0,
    ADI 1 for every weekly seller): its few distinct entities would sit dozens of units away
    and that one feature would decide the segments. Skewed features are logged before this,
    so the standard deviation is not at the mercy of a few extreme volumes. 1 if both are 0."""
    q1, q3 = np.percentile(column, [25, 75])
    scale = max(float(q3 - q1) / 1.349, float(np.std(column)))
    return scale if scale > 0 else 1.0


def build_feature_matrix(
    features: pl.DataFrame, id_column: str, criteria: dict[str, float], entity_type: EntityType
) -> FeatureMatrix:
    """The clustering matrix for `criteria` (feature -> weight) over the rows of `features`.

    Raises ValueError naming the problem when no usable feature or fewer than 2 entities remain.
    """
    if id_column not in features.columns:
        raise ValueError(f"feature frame has no id column {id_column!r}")
    ids = [str(value) for value in features.get_column(id_column).to_list()]
    if features.height < 2:
        raise ValueError(
            f"{features.height} {entity_type} entities: at least 2 are needed to segment"
        )
    if len(set(ids)) != len(ids):
        raise ValueError(f"id column {id_column!r} has duplicate ids")

    names: list[str] = []
    weights: list[float] = []
    columns: list[np.ndarray] = []
    medians: list[float] = []
    logged: list[bool] = []
    imputed: dict[str, int] = {}
    dropped: dict[str, str] = {}
    for name, weight in criteria.items():
        try:
            skewed = feature(entity_type, name).skewed
        except KeyError as error:
            raise ValueError(f"{entity_type} has no feature {name!r}") from error
        if not weight > 0:
            dropped[name] = f"weight {weight} is not above 0"
            continue
        if name not in features.columns:
            dropped[name] = "not in the feature frame (source absent)"
            continue
        column = _column(features, name)
        nulls = int(np.isnan(column).sum())
        if nulls == len(column):
            dropped[name] = "all values null (source absent)"
            continue
        median = float(np.nanmedian(column))
        column[np.isnan(column)] = median
        transformed = np.log1p(np.clip(column, 0.0, None)) if skewed else column
        if np.ptp(transformed) == 0:
            dropped[name] = (
                f"constant ({column[0]:g} for every entity)"
                if np.ptp(column) == 0
                else "constant once negative volumes are clipped to 0"
            )
            continue
        names.append(name)
        weights.append(float(weight))
        columns.append(column)
        medians.append(median)
        logged.append(skewed)
        if nulls:
            imputed[name] = nulls
    if not names:
        reasons = (
            "; ".join(f"{name}: {why}" for name, why in dropped.items()) or "no criteria given"
        )
        raise ValueError(f"no usable {entity_type} feature to segment on ({reasons})")

    raw = np.column_stack(columns)
    logged_flags = np.array(logged, dtype=bool)
    after_log = np.where(logged_flags, np.log1p(np.clip(raw, 0.0, None)), raw)
    centres = np.median(after_log, axis=0)
    scales = np.array([_robust_scale(after_log[:, j]) for j in range(after_log.shape[1])])
    weight_array = np.array(weights, dtype=np.float64)
    return FeatureMatrix(
        ids=ids,
        names=names,
        weights=weight_array,
        raw=raw,
        values=(after_log - centres) / scales * weight_array,
        imputed=imputed,
        dropped=dropped,
        medians=np.array(medians, dtype=np.float64),
        logged=logged_flags,
        centres=centres,
        scales=scales,
    )
