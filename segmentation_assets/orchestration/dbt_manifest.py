"""Which landing entities each dbt model is built from, read off the dbt manifest.

Used to tell a person why a model is empty: "source absent: tms/freight".
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any


def upstream_sources(manifest: Mapping[str, Any]) -> dict[tuple[str, str], frozenset[str]]:
    """(schema, table) of every model and seed -> names of the raw source tables it depends on."""
    parents: Mapping[str, list[str]] = manifest["parent_map"]
    sources = {uid: node["name"] for uid, node in manifest["sources"].items()}

    @cache
    def sources_of(unique_id: str) -> frozenset[str]:
        if unique_id in sources:
            return frozenset([sources[unique_id]])
        found: frozenset[str] = frozenset()
        for parent in parents.get(unique_id, []):
            found |= sources_of(parent)
        return found

    return {
        (node["schema"], node.get("alias") or node["name"]): sources_of(uid)
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    }


def absent_source_note(model_sources: frozenset[str], empty_raw_tables: set[str]) -> str | None:
    """A note naming the missing landing entities (`erp__locations` -> `erp/locations`), if any."""
    missing = sorted(t.replace("__", "/", 1) for t in model_sources & empty_raw_tables)
    if not missing:
        return None
    return (
        f"source absent or empty: {', '.join(missing)}; "
        "what this table takes from it (rows or columns) is empty"
    )
