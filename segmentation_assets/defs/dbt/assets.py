"""dbt models (staging, reconcile, marts, quarantine) as Dagster assets.

Each model is keyed `[schema, table]` and grouped by its layer, so Python assets find
the right table and the lineage graph reads like the warehouse.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from segmentation_assets.defs.dbt.project import dbt_project, ensure_manifest
from segmentation_assets.defs.resources import OWNER, WAREHOUSE_POOL

LAYER_OF_FOLDER = {"staging": "staging", "intermediate": "reconcile", "marts": "marts", "quarantine": "quarantine"}


class WarehouseTranslator(DagsterDbtTranslator):
    """Key dbt nodes as [schema, table] and group them by layer; sources map to raw tables."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", props["name"]]))
        table = props.get("alias") or props["name"]
        folder = props["fqn"][1] if len(props["fqn"]) > 2 else "reconcile"
        layer = "reconcile" if props["resource_type"] == "seed" else LAYER_OF_FOLDER.get(folder, folder)
        return spec.replace_attributes(
            key=dg.AssetKey([props["schema"], table]),
            group_name=layer,
            owners=[OWNER],
        )


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
    name="warehouse_dbt_models",
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` (models, seeds and their tests) with this run's artifacts in a throwaway target dir."""
    with tempfile.TemporaryDirectory(prefix="dbt-target-") as target:
        invocation = dbt.cli(["build"], context=context, target_path=Path(target))
        yield from invocation.stream().fetch_row_counts().fetch_column_metadata()
