"""The attributes every warehouse asset shares, set in one place.

Every table is owned by the data-engineering team, keyed `[schema, table]` and grouped by its
layer (= its DuckDB schema). Every step that writes the warehouse runs in one pool of size 1
(`dagster_instance.yaml`), so dbt and Python steps never hold DuckDB's single write lock at
the same time; every run that writes it carries a tag the instance queues one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import dagster as dg

OWNER = "team:data-engineering"
WAREHOUSE_POOL = "duckdb_warehouse"
WAREHOUSE_RUN_TAGS = {"duckdb": "warehouse"}
PYTHON_TABLE_KINDS = frozenset({"polars", "duckdb"})


def table_spec(
    schema: str,
    table: str,
    description: str,
    deps: Iterable[Sequence[str]] = (),
    kinds: Iterable[str] = PYTHON_TABLE_KINDS,
    **attributes: Any,
) -> dg.AssetSpec:
    """A warehouse table `schema.table` as an asset: keyed and grouped by its layer, owned."""
    return dg.AssetSpec(
        key=[schema, table],
        deps=[list(dep) for dep in deps],
        group_name=schema,
        owners=[OWNER],
        kinds=set(kinds),
        description=description,
        **attributes,
    )


def warehouse_assets(
    specs: Sequence[dg.AssetSpec], name: str | None = None, **options: Any
) -> Callable[..., dg.AssetsDefinition]:
    """`dg.multi_asset` for a step that writes the warehouse: in the one-writer pool."""
    return dg.multi_asset(specs=specs, name=name, pool=WAREHOUSE_POOL, **options)
