"""The dbt project, prepared (parsed into a manifest) once per process when needed."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_manifest(force: bool = False) -> Path:
    """Parse the dbt project unless a manifest exists; `dagster dev` re-parses on every load."""
    if force or not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)
    dbt_project.prepare_if_dev()
    return dbt_project.manifest_path
