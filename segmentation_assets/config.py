"""The one validated configuration file for business choices (DESIGN principle 4).

Loaded from `SEGMENTATION_CONFIG` or the documented default shipped in the package.
A wrong key or value fails before any computation, naming the path of the bad key.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


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


class SegmentationConfig(_Strict):
    version: int = Field(1, ge=1, le=1)
    default_currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    quality: QualityConfig = QualityConfig()
    scorecard: ScorecardConfig = ScorecardConfig()


def default_config_text() -> str:
    return resources.files("segmentation_assets").joinpath("default_config.yaml").read_text(encoding="utf-8")


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
