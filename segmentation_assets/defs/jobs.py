"""The warehouse job: every materializable asset, in one process, one writer at a time."""

import dagster as dg

from segmentation_assets.orchestration.asset_attributes import WAREHOUSE_RUN_TAGS

# In-process: DuckDB has one writer anyway, and a process per step cost ~8x the wall time.
segmentation_pipeline = dg.define_asset_job(
    name="segmentation_pipeline",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_RUN_TAGS,
    description="Landing zone to segments: the whole warehouse, in dependency order.",
)
