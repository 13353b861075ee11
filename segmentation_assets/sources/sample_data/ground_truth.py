"""Ground truth: what the generator planted, written outside the landing zone.

`planted_defects.csv` names every planted record with the exception or quarantine rule
from docs/ARCHITECTURE.md that should catch it; the crosswalk files say which ERP record
each foreign record really is and whether the reconcile rules can find it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

DEFECT_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "defect": pl.String,
    "system": pl.String,
    "entity": pl.String,
    "key": pl.String,
    "detail": pl.String,
    "erp_key": pl.String,
    "source_file": pl.String,
    "row_number": pl.Int64,
}
# Defects whose order line must end up in quarantine.order_lines (the others stay in the marts).
QUARANTINE_RULES = (
    "superseded_by_newer_drop",
    "duplicate_key_in_file",
    "missing_key",
    "unknown_product",
    "unknown_customer",
    "negative_price",
    "order_date_in_future",
    "zero_quantity",
)


def defect(
    defect: str,
    system: str,
    entity: str,
    key: str,
    detail: str,
    erp_key: str | None = None,
    source_file: str | None = None,
    row_number: int | None = None,
) -> dict[str, Any]:
    """One planted item."""
    return {
        "defect": defect,
        "system": system,
        "entity": entity,
        "key": key,
        "detail": detail,
        "erp_key": erp_key,
        "source_file": source_file,
        "row_number": row_number,
    }


def defects_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=DEFECT_SCHEMA)


def write_ground_truth(
    out: Path, frames: dict[str, pl.DataFrame], manifest: dict[str, Any]
) -> list[str]:
    """Write the ground-truth CSVs and manifest.json; returns the file names written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        frame.write_csv(out / name, float_scientific=False)
        written.append(name)
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    written.append("manifest.json")
    return written


def quarantine_expectation(defects: pl.DataFrame) -> dict[str, int]:
    """Rows per quarantine rule that quarantine.order_lines should hold."""
    ol = defects.filter(
        (pl.col("entity") == "order_lines") & pl.col("defect").is_in(QUARANTINE_RULES)
    )
    counts = dict(ol.group_by("defect").len().iter_rows())
    return {rule: int(counts.get(rule, 0)) for rule in QUARANTINE_RULES}
