"""Sample landing zone for a fictional manufacturer-distributor, with its ground truth.

`generate_sample_data(out_dir, scale, seed)` writes `out_dir/landing/<system>/...` in the
contract of `segmentation_assets.sources.contract` and `out_dir/ground_truth/` (what was
planted, which foreign record is which ERP record, each SKU's demand archetype). The same
seed and scale give byte-identical files; nothing depends on today's date.
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .catalogue import CATEGORIES
from .demand import ARCHETYPES, lifecycle, plan_demand
from .foreign_systems import ForeignSystems, build_foreign_systems
from .ground_truth import defects_frame, quarantine_expectation, write_ground_truth
from .logistics import KNOWN_MODES
from .master_data import build_customers, build_locations, build_products, supplier_ids
from .order_flow import FlowResult, write_order_flow
from .reference_data import inventory_snapshots, market_index, supplier_risk, supply
from .settings import N_WEEKS, SCALES, WINDOW_END, WINDOW_START, Scale, epoch_seconds
from .writer import LandingWriter

__all__ = [
    "generate_sample_data",
    "ARCHETYPES",
    "KNOWN_MODES",
    "SCALES",
    "WINDOW_START",
    "WINDOW_END",
]


def generate_sample_data(
    out_dir: Path, scale: Scale = "small", seed: int = 42, only_required: bool = False
) -> dict[str, Any]:
    """Write the landing zone and ground truth; returns counts per entity, files written, seconds.

    Replaces `out_dir/landing` and `out_dir/ground_truth` (the generator owns both). With
    `only_required`, writes only erp/order_lines, erp/products and erp/customers, and the
    order lines are the same bytes as in a full run with the same seed.
    """
    started = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    spec = SCALES[scale]
    out_dir = Path(out_dir)
    for sub in ("landing", "ground_truth"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)

    locations = build_locations(spec)
    dc_ids = [x for x in locations["location_id"] if x.startswith("DC")]
    products = build_products(spec, seed)
    customers = build_customers(spec, seed, dc_ids)
    plan = plan_demand(spec, seed, products, np.array([c.peak_week for c in CATEGORIES]), customers)
    status, launch = lifecycle(plan, seed)
    products = products.with_columns(
        lifecycle_status=pl.Series(status), launch_date=pl.Series(launch)
    )
    foreign = (
        None if only_required else build_foreign_systems(spec, seed, products, customers, locations)
    )

    writer = LandingWriter(out_dir)
    master = [epoch_seconds(WINDOW_END + timedelta(days=1), 3, i) for i in range(10)]
    writer.write("erp/products.csv", products, master[0])
    writer.write("erp/customers.csv", customers, master[1], bom_crlf=True)
    flow = write_order_flow(writer, spec, seed, plan, products, customers, locations, foreign)
    if foreign is not None:
        suppliers = supplier_ids(spec)
        writer.write("erp/locations.csv", locations, master[2])
        writer.write(
            "erp/inventory_snapshots.csv",
            inventory_snapshots(seed, plan, products, dc_ids),
            master[3],
        )
        writer.write("erp/supply.csv", supply(seed, products, suppliers), master[4])
        writer.write("wms/items.csv", foreign.items, master[5])
        writer.write("wms/warehouses.csv", foreign.warehouses, master[6])
        writer.write("crm/accounts.csv", foreign.accounts, master[7])
        writer.write("external/supplier_risk.csv", supplier_risk(seed, suppliers), master[8])
        writer.write("external/market_index.csv", market_index(seed), master[9])

    defects = defects_frame((foreign.defects if foreign else []) + flow.defects).sort(
        ["system", "entity", "source_file", "row_number", "defect"], nulls_last=True
    )
    frames: dict[str, pl.DataFrame] = {
        "archetypes.csv": pl.DataFrame(
            {"sku": products["sku"], "archetype": plan.archetype.tolist()}
        ),
        "planted_defects.csv": defects,
    }
    if foreign is not None:
        frames |= foreign.crosswalks
        frames["tms_location_crosswalk.csv"] = _tms_crosswalk(flow, foreign, locations, customers)
    manifest = _manifest(spec.name, seed, only_required, writer, flow, defects, plan.archetype)
    gt_files = write_ground_truth(out_dir / "ground_truth", frames, manifest)
    return {
        "scale": spec.name,
        "seed": seed,
        "only_required": only_required,
        "out_dir": str(out_dir),
        "counts": writer.rows_per_entity(),
        "files": [str(f["path"]) for f in writer.files] + [f"ground_truth/{f}" for f in gt_files],
        "planted_defects": defects.height,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _tms_crosswalk(
    flow: FlowResult, foreign: ForeignSystems, locations: pl.DataFrame, customers: pl.DataFrame
) -> pl.DataFrame:
    """Every code the TMS used, with the ERP location (origin) or customer (destination) it
    means."""
    origin = {
        code: loc
        for loc, codes in zip(locations["location_id"], foreign.origin_codes, strict=True)
        for code in codes
    }
    destination = dict(zip(foreign.destination_code_by_cust, customers["customer_id"], strict=True))
    dest_method = dict(
        zip(foreign.destination_code_by_cust, foreign.destination_methods, strict=True)
    )
    rows = []
    for code, role in sorted(flow.tms_codes, key=lambda x: (x[1], x[0])):
        if role == "origin":
            rows.append(
                (code, role, origin.get(code), code in origin, foreign.origin_methods.get(code))
            )
        else:
            rows.append(
                (code, role, destination.get(code), code in destination, dest_method.get(code))
            )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "code": pl.String,
            "role": pl.String,
            "true_erp_id": pl.String,
            "matchable": pl.Boolean,
            "expected_match_method": pl.String,
        },
    )


def _manifest(
    scale: str,
    seed: int,
    only_required: bool,
    writer: LandingWriter,
    flow: FlowResult,
    defects: pl.DataFrame,
    archetype: np.ndarray,
) -> dict[str, Any]:
    names, counts = np.unique(archetype, return_counts=True)
    return {
        "generator": "segmentation_assets.sources.sample_data",
        "seed": seed,
        "scale": scale,
        "only_required": only_required,
        "window": {
            "start": WINDOW_START.isoformat(),
            "end": WINDOW_END.isoformat(),
            "weeks": N_WEEKS,
        },
        "counts": writer.rows_per_entity(),
        "order_lines": flow.line_stats,
        "archetypes": {str(n): int(c) for n, c in zip(names, counts, strict=True)},
        "planted_defects": dict(sorted(defects.group_by("defect").len().iter_rows())),
        "expected_quarantine_order_lines": quarantine_expectation(defects),
        "known_tms_modes": list(KNOWN_MODES),
        "files": writer.files,
    }
