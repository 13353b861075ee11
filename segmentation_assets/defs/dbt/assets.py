"""dbt models (staging, reconcile, marts, quarantine) as Dagster assets.

Each model is keyed `[schema, table]` and grouped by its layer, so Python assets find
the right table and the lineage graph reads like the warehouse.
"""

import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_duckdb import DuckDBResource

from segmentation_assets.defs.resources import SegmentationSettings
from segmentation_assets.orchestration.asset_attributes import OWNER, WAREHOUSE_POOL
from segmentation_assets.orchestration.dbt_manifest import absent_source_note, upstream_sources
from segmentation_assets.orchestration.dbt_project import (
    dbt_project,
    dbt_vars,
    ensure_manifest,
    release_in_process_duckdb,
)
from segmentation_assets.orchestration.metadata import markdown_table
from segmentation_assets.sources.contract import ENTITIES


class WarehouseTranslator(DagsterDbtTranslator):
    """Key dbt nodes as [schema, table] and group them by their schema (= layer), like every
    other warehouse table; sources map to the raw tables the ingest writes."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", props["name"]]))
        table = props.get("alias") or props["name"]
        return spec.replace_attributes(
            key=dg.AssetKey([props["schema"], table]),
            group_name=props["schema"],
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
def warehouse_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: DuckDBResource,
    settings: SegmentationSettings,
):
    """`dbt build` (models, seeds, tests) with the config's vars, artifacts in a throwaway dir.

    Events are held until dbt exits, then each model's materialization gets a preview and,
    where a landing entity it needs is absent, a note naming it.
    """
    events: list[Any] = []
    failure: BaseException | None = None
    with tempfile.TemporaryDirectory(prefix="dbt-target-") as target:
        try:
            variables = json.dumps(dbt_vars(settings.load()))
            invocation = dbt.cli(
                ["build", "--vars", variables], context=context, target_path=Path(target)
            )
            for event in invocation.stream().fetch_row_counts().fetch_column_metadata():
                events.append(event)
        except Exception as error:  # yield what dbt did build before failing the step
            failure = error
        finally:
            release_in_process_duckdb()
    yield from _with_previews_and_notes(context, warehouse, events)
    if failure is not None:
        raise failure


def _with_previews_and_notes(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, events: list[Any]
) -> Iterator[Any]:
    sources = _model_sources()
    with warehouse.get_connection() as connection:
        empty = {
            e.table
            for e in ENTITIES
            if connection.execute(f'select count(*) from raw."{e.table}"').fetchone()[0] == 0
        }
        for event in events:
            if isinstance(event, dg.Output):
                key = context.asset_key_for_output(event.output_name)
                schema, table = key.path
                preview = connection.execute(f'select * from "{schema}"."{table}" limit 5').pl()
                extra: dict[str, Any] = {"preview": markdown_table(preview, 5)}
                note = absent_source_note(sources.get((schema, table), frozenset()), empty)
                if note:
                    extra["note"] = note
                event = event.with_metadata({**event.metadata, **extra})
            yield event


def _model_sources() -> dict[tuple[str, str], frozenset[str]]:
    return upstream_sources(json.loads(dbt_project.manifest_path.read_text()))
