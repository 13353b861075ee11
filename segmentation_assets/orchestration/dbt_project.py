"""The dbt project: where it is, how to call the venv's dbt, the vars it takes from the config.

The manifest is parsed once per process when needed (and again under `dagster dev`, which
picks up edits); dbt is called through the venv's own executable so `segmentation run`,
the UI and CI behave alike without an activated venv.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from segmentation_assets.config import SegmentationConfig

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt next to this interpreter, so runs work without an activated venv."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def ensure_manifest(force: bool = False) -> Path:
    """Parse the project if asked, if no manifest exists, or under `dagster dev`."""
    using_dev = dbt_project.preparer.using_dagster_dev()
    if force or using_dev or not dbt_project.manifest_path.exists():
        dbt_cli().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return dbt_project.manifest_path


def dbt_vars(config: SegmentationConfig) -> dict[str, str]:
    """The config's choices that dbt models read as `var(...)`: one source of truth, the config."""
    return {"default_currency": config.default_currency}


def release_in_process_duckdb() -> None:
    """Close the DuckDB handle dbt-duckdb opened in this process for row counts and lineage.

    DuckDB refuses a second in-process connection to the same file with other settings,
    and keeps the file locked, so the next Python step could not open the warehouse.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()
