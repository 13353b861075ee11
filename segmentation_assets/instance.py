"""Dagster's local instance for `segmentation run` and `make ui`, so CLI runs show in the UI."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

DEFAULT_DAGSTER_HOME = "data/dagster_home"


def ensure_dagster_home() -> Path:
    """Point DAGSTER_HOME at a folder holding our instance settings (run queue, pools)."""
    home = Path(os.environ.get("DAGSTER_HOME", DEFAULT_DAGSTER_HOME)).resolve()
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        settings.write_text(
            resources.files("segmentation_assets").joinpath("dagster_instance.yaml").read_text()
        )
    os.environ["DAGSTER_HOME"] = str(home)
    return home
