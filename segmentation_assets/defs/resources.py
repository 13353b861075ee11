"""Resources shared by every layer: the warehouse, the landing zone, the config file and dbt."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from segmentation_assets.config import SegmentationConfig, load_config
from segmentation_assets.orchestration.dbt_project import dbt_cli
from segmentation_assets.warehouse import duckdb_memory_limit, duckdb_path, landing_dir


class LandingZone(dg.ConfigurableResource):
    """Where source systems drop their extracts (SEGMENTATION_LANDING_DIR)."""

    path: str

    @property
    def directory(self) -> Path:
        return Path(self.path)


class SegmentationSettings(dg.ConfigurableResource):
    """The validated business configuration (SEGMENTATION_CONFIG or the packaged default)."""

    config_path: str | None = None

    def load(self) -> SegmentationConfig:
        return load_config(self.config_path)


def warehouse_resources() -> dict[str, object]:
    memory_limit = duckdb_memory_limit()
    os.environ["SEGMENTATION_DUCKDB_MEMORY_LIMIT"] = memory_limit  # read by dbt's profiles.yml
    return {
        "warehouse": DuckDBResource(
            database=str(duckdb_path()), connection_config={"memory_limit": memory_limit}
        ),
        "landing_zone": LandingZone(path=str(landing_dir())),
        "settings": SegmentationSettings(config_path=os.environ.get("SEGMENTATION_CONFIG")),
        "dbt": dbt_cli(),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=warehouse_resources())
