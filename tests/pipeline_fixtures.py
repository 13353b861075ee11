"""Whole-graph runs on generated sample data, shared by the pipeline tests (one per session)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from segmentation_assets.runner import load_definitions, run_pipeline
from segmentation_assets.sources.sample_data import generate_sample_data


@dataclass
class PipelineRun:
    root: Path
    warehouse: Path
    result: dg.ExecuteInProcessResult
    definitions: dg.Definitions

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    def sql(self, query: str) -> pl.DataFrame:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(query).pl()

    def truth(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.root / "ground_truth" / name, infer_schema=False)

    def materialization_metadata(self, key: list[str]) -> dict:
        for event in self.result.get_asset_materialization_events():
            if event.asset_key == dg.AssetKey(key):
                return event.step_materialization_data.materialization.metadata
        raise KeyError(key)

    def check_results(self, key: list[str]) -> dict[str, bool]:
        """Check name -> passed, for the checks the run evaluated on one asset."""
        return {
            evaluation.check_name: evaluation.passed
            for evaluation in self.result.get_asset_check_evaluations()
            if evaluation.asset_key == dg.AssetKey(key)
        }


def run_on_sample(root: Path, only_required: bool = False) -> PipelineRun:
    generate_sample_data(root, scale="small", seed=42, only_required=only_required)
    os.environ["SEGMENTATION_LANDING_DIR"] = str(root / "landing")
    os.environ["SEGMENTATION_DUCKDB_PATH"] = str(root / "warehouse.duckdb")
    definitions = load_definitions()
    result = run_pipeline(definitions, instance=dg.DagsterInstance.ephemeral())
    return PipelineRun(root, root / "warehouse.duckdb", result, definitions)
