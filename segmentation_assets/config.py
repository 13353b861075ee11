"""The one validated configuration file for business choices: config, not code.

Loaded from `SEGMENTATION_CONFIG` or the documented default shipped in the package.
A wrong key or value fails before any computation, naming the path of the bad key.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from segmentation_assets.features.catalog import PRESETS, EntityType, numeric_feature_names


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QualityConfig(_Strict):
    order_quantity_mad_threshold: float = Field(50.0, gt=0)
    weekly_demand_mad_threshold: float = Field(10.0, gt=0)
    cost_to_serve_mad_threshold: float = Field(20.0, gt=0)
    min_history: int = Field(8, ge=2)
    exclude_demand_outliers_from_segmentation: bool = True


class ScorecardConfig(_Strict):
    completeness_target: float = Field(0.95, ge=0, le=1)
    match_rate_target: float = Field(0.99, ge=0, le=1)


def _ascending_shares(values: tuple[float, float], name: str) -> tuple[float, float]:
    low, high = values
    if not 0 < low < high <= 1:
        raise ValueError(f"{name} must be two cumulative shares with 0 < first < second <= 1")
    return values


class ForecastConfig(_Strict):
    horizon_weeks: int = Field(4, ge=1, le=26)
    backtest_windows: int = Field(4, ge=1, le=12)
    season_length: int = Field(52, ge=1)


class FeaturesConfig(_Strict):
    history_weeks: int | None = Field(None, ge=8)
    abc_thresholds: tuple[float, float] = (0.80, 0.95)
    xyz_cov_cutoffs: tuple[float, float] = (0.5, 1.0)
    fmr_thresholds: tuple[float, float] = (0.80, 0.95)
    sbc_adi_cutoff: float = Field(1.32, gt=1)
    sbc_cv2_cutoff: float = Field(0.49, gt=0)
    order_processing_cost_per_order: float = Field(12.0, ge=0)
    profitability_thresholds: tuple[float, float] = (0.80, 0.95)
    forecast: ForecastConfig = ForecastConfig()

    @model_validator(mode="after")
    def _ordered(self) -> FeaturesConfig:
        _ascending_shares(self.abc_thresholds, "abc_thresholds")
        _ascending_shares(self.fmr_thresholds, "fmr_thresholds")
        _ascending_shares(self.profitability_thresholds, "profitability_thresholds")
        low, high = self.xyz_cov_cutoffs
        if not 0 < low < high:
            raise ValueError("xyz_cov_cutoffs must be two increasing coefficients of variation")
        return self


Algorithm = Literal["kmeans", "ward", "hdbscan"]
Objective = Literal["working_capital", "on_time_delivery", "margin"]
VolumeMeasure = Literal["units", "revenue", "order_lines", "entities"]


class CandidatesConfig(_Strict):
    k_range: tuple[int, int] = (2, 8)
    algorithms: tuple[Algorithm, ...] = ("kmeans", "ward", "hdbscan")
    hdbscan_min_cluster_share: float = Field(0.03, gt=0, lt=0.5)
    min_stability: float = Field(0.8, ge=0, le=1)

    @model_validator(mode="after")
    def _valid(self) -> CandidatesConfig:
        if not 2 <= self.k_range[0] <= self.k_range[1]:
            raise ValueError("k_range must be [low, high] with 2 <= low <= high")
        if not self.algorithms:
            raise ValueError("algorithms must name at least one of kmeans, ward, hdbscan")
        return self


class PinConfig(_Strict):
    algorithm: Algorithm | None = None
    k: int | None = Field(None, ge=2)


class ConstraintsConfig(_Strict):
    min_volume_share: float | None = Field(0.05, ge=0, lt=0.5)
    min_entity_share: float | None = Field(0.05, ge=0, lt=0.5)
    volume_measure: VolumeMeasure = "units"
    min_entities: int = Field(5, ge=1)
    min_segments: int = Field(3, ge=1, le=20)
    max_segments: int = Field(8, ge=1, le=20)

    @model_validator(mode="after")
    def _range(self) -> ConstraintsConfig:
        if self.min_segments > self.max_segments:
            raise ValueError(
                f"min_segments ({self.min_segments}) is above max_segments ({self.max_segments})"
            )
        return self


class QualityGateConfig(_Strict):
    max_entity_share: float = Field(0.75, gt=0, le=1)
    require_stability: bool = True


class StabilityConfig(_Strict):
    windows: int = Field(4, ge=4)
    window_weeks: int = Field(78, ge=13)
    step_weeks: int = Field(8, ge=1)
    min_adjusted_rand: float = Field(0.5, ge=-1, le=1)
    bootstrap_samples: int = Field(20, ge=2, le=500)
    min_bootstrap_jaccard: float = Field(0.5, ge=0, le=1)


class ExplanationsConfig(_Strict):
    top_drivers: int = Field(3, ge=1, le=10)
    tree_depth: int = Field(3, ge=1, le=6)


class _EntitySegmentation(_Strict):
    """Which features cluster one entity type, with weights; empty = the objective preset's."""

    entity_type: ClassVar[EntityType]
    criteria: dict[str, float] = Field(default_factory=dict)

    @field_validator("criteria")
    @classmethod
    def _known_features(cls, criteria: dict[str, float]) -> dict[str, float]:
        known = numeric_feature_names(cls.entity_type)
        for name, weight in criteria.items():
            if name not in known:
                raise ValueError(
                    f"unknown {cls.entity_type} feature {name!r}; known: {', '.join(known)}"
                )
            if not weight >= 0:
                raise ValueError(f"weight of {name!r} must be >= 0, got {weight}")
        if criteria and not any(criteria.values()):
            raise ValueError("at least one criterion needs a weight above 0")
        return criteria


class ProductSegmentationConfig(_EntitySegmentation):
    entity_type: ClassVar[EntityType] = "product"


class CustomerSegmentationConfig(_EntitySegmentation):
    entity_type: ClassVar[EntityType] = "customer"


class SegmentationSection(_Strict):
    seed: int = 42
    objective: Objective = "working_capital"
    products: ProductSegmentationConfig = ProductSegmentationConfig()
    customers: CustomerSegmentationConfig = CustomerSegmentationConfig()
    candidates: CandidatesConfig = CandidatesConfig()
    pin: PinConfig = PinConfig()
    constraints: ConstraintsConfig = ConstraintsConfig()
    quality_gate: QualityGateConfig = QualityGateConfig()
    stability: StabilityConfig = StabilityConfig()
    explanations: ExplanationsConfig = ExplanationsConfig()

    @model_validator(mode="after")
    def _pin_is_fitted(self) -> SegmentationSection:
        pin, candidates = self.pin, self.candidates
        if pin.algorithm is not None and pin.algorithm not in candidates.algorithms:
            raise ValueError(f"pin.algorithm {pin.algorithm!r} is not among candidates.algorithms")
        if pin.k is not None:
            if pin.algorithm == "hdbscan":
                raise ValueError(
                    "pin.k cannot be used with hdbscan, which finds its own number of segments"
                )
            low, high = candidates.k_range
            if not low <= pin.k <= high:
                raise ValueError(f"pin.k {pin.k} is outside candidates.k_range [{low}, {high}]")
        return self

    def criteria(self, entity_type: EntityType) -> dict[str, float]:
        """Features with weight > 0 that cluster `entity_type`: the config's own or the preset's."""
        own = {"product": self.products, "customer": self.customers}[entity_type].criteria
        chosen = own or PRESETS[self.objective][entity_type]
        return {name: weight for name, weight in chosen.items() if weight > 0}


class SegmentationConfig(_Strict):
    version: int = Field(1, ge=1, le=1)
    default_currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    quality: QualityConfig = QualityConfig()
    scorecard: ScorecardConfig = ScorecardConfig()
    features: FeaturesConfig = FeaturesConfig()
    segmentation: SegmentationSection = SegmentationSection()


def default_config_text() -> str:
    return (
        resources.files("segmentation_assets")
        .joinpath("default_config.yaml")
        .read_text(encoding="utf-8")
    )


def load_config(path: Path | str | None = None) -> SegmentationConfig:
    """Read and validate the config; `path` overrides `SEGMENTATION_CONFIG`."""
    path = path or os.environ.get("SEGMENTATION_CONFIG")
    source = str(path) if path else "default_config.yaml (packaged default)"
    try:
        text = Path(path).read_text(encoding="utf-8") if path else default_config_text()
    except OSError as error:
        raise ConfigError(f"{source}: cannot read config: {error}") from error
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys")
    try:
        return SegmentationConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '(top level)'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigError(f"{source}: {problems}") from error
