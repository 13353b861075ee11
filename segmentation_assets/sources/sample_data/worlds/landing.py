"""Writing a world as a landing zone (contract CSVs) and its planted truth."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ...contract import entity
from ..settings import epoch_seconds
from ..writer import POLARS_TYPE, LandingWriter
from .demand import END_WEEK

if TYPE_CHECKING:
    from . import World

#: World field -> landing file (relative to `<out>/landing`).
LANDING_FILES: dict[str, str] = {
    "order_lines": "erp/order_lines.csv",
    "products": "erp/products.csv",
    "customers": "erp/customers.csv",
    "locations": "erp/locations.csv",
    "items": "wms/items.csv",
    "warehouses": "wms/warehouses.csv",
    "shipments": "wms/shipments.csv",
    "freight": "tms/freight.csv",
}


def _with_contract_columns(frame: pl.DataFrame, path: str) -> pl.DataFrame:
    """Optional contract columns the world does not fill are written empty."""
    ent = entity(path.removesuffix(".csv"))
    return frame.with_columns(
        pl.lit(None, dtype=POLARS_TYPE[c.type]).alias(c.name)
        for c in ent.columns
        if c.name not in frame.columns
    )


def write_world_landing(world: World, out_dir: Path) -> dict[str, int]:
    """Write `<out>/landing/<system>/<entity>.csv` and `<out>/ground_truth/` (product and
    customer truth, the spec); returns rows per landing file. Replaces both folders."""
    out_dir = Path(out_dir)
    for sub in ("landing", "ground_truth"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    writer = LandingWriter(out_dir)
    mtime = epoch_seconds(END_WEEK + timedelta(days=7), 6)
    rows = {}
    for field, path in LANDING_FILES.items():
        frame = getattr(world, field)
        writer.write(path, _with_contract_columns(frame, path), mtime)
        rows[path] = frame.height
    truth = out_dir / "ground_truth"
    truth.mkdir(parents=True)
    world.product_truth.write_csv(truth / "product_truth.csv")
    world.customer_truth.write_csv(truth / "customer_truth.csv")
    (truth / "world_spec.json").write_text(
        json.dumps({"spec": world.spec.summary(), "files": writer.files}, indent=2)
    )
    return rows
