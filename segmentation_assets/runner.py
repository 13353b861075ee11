"""Running the warehouse job in this process, as `segmentation run`, the bench and tests do."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from segmentation_assets.config import load_config
from segmentation_assets.instance import ensure_dagster_home


def load_definitions(reparse_dbt: bool = False) -> dg.Definitions:
    """Load the code location; `reparse_dbt` refreshes the dbt manifest first (dbt edits)."""
    from segmentation_assets.orchestration.dbt_project import ensure_manifest

    ensure_manifest(force=reparse_dbt)
    from segmentation_assets.definitions import defs

    return defs()


def run_pipeline(
    definitions: dg.Definitions | None = None,
    selection: Sequence[str] | None = None,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "INFO",
) -> dg.ExecuteInProcessResult:
    """Materialize the warehouse job (or an asset selection of it); a failed step never raises."""
    load_config()  # a bad config fails here, before any computation
    definitions = definitions or load_definitions()
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    job = definitions.resolve_job_def("segmentation_pipeline")
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        asset_selection=[dg.AssetKey.from_user_string(s) for s in selection] if selection else None,
    )


def failed_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        event.step_key for event in result.all_events if event.is_step_failure and event.step_key
    ]
