"""Data-quality rules over the marts: outliers, impossible values, master-data scorecard.

Plain Polars functions (no Dagster); the assets in `segmentation_assets.defs.quality`
read the marts from DuckDB, call these and write `quarantine.*` / `quality.*`.
"""

from segmentation_assets.quality._common import FLAG_COLUMNS, FLAG_SCHEMA
from segmentation_assets.quality.impossible_values import (
    RULES as IMPOSSIBLE_VALUE_RULES,
)
from segmentation_assets.quality.impossible_values import (
    ImpossibleValueRule,
    ImpossibleValuesResult,
    SkippedRule,
    columns_read,
    impossible_values,
)
from segmentation_assets.quality.outliers import (
    cost_to_serve_outliers,
    demand_outlier_flags,
    demand_outliers,
    weekly_demand_outliers,
)
from segmentation_assets.quality.priorities import PRIORITIES_SCHEMA, cleansing_priorities
from segmentation_assets.quality.scorecard import SCORECARD_SCHEMA, master_data_scorecard

__all__ = [
    "FLAG_COLUMNS",
    "FLAG_SCHEMA",
    "IMPOSSIBLE_VALUE_RULES",
    "PRIORITIES_SCHEMA",
    "SCORECARD_SCHEMA",
    "ImpossibleValueRule",
    "ImpossibleValuesResult",
    "SkippedRule",
    "cleansing_priorities",
    "columns_read",
    "cost_to_serve_outliers",
    "demand_outlier_flags",
    "demand_outliers",
    "impossible_values",
    "master_data_scorecard",
    "weekly_demand_outliers",
]
