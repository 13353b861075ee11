"""Order lines, shipments and freight, generated and written drop by drop.

Weeks are generated a month at a time; a drop (half-year, or month at large scale) is
numbered, dirtied and written as soon as all its months are complete, so memory stays
at one drop's worth of lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from .demand import DemandPlan
from .dirt import (
    ORDER_LINE_DEFECTS,
    apply_freight_dirt,
    apply_order_line_dirt,
    choose_order_line_dirt,
    malformed_upload,
    shipping_plan,
    spread,
    tms_only_freight,
)
from .foreign_systems import ForeignSystems
from .ground_truth import defect
from .logistics import LogisticsContext, shipments_and_freight
from .settings import (
    N_MONTHS,
    N_WEEKS,
    WINDOW_END,
    ScaleSpec,
    drop_last_day,
    drop_name,
    epoch_seconds,
    stream,
)
from .transactions import (
    CANCELLED,
    RETURN,
    SALE,
    LineContext,
    assign_orders,
    blocks_by_month,
    lines_for_weeks,
    month_key,
)
from .writer import LandingWriter

CORRECTIONS_STEM = "zz_corrections"
MALFORMED_FILE = "erp/order_lines/zz_manual_upload.csv"


@dataclass
class FlowResult:
    defects: list[dict[str, Any]] = field(default_factory=list)
    tms_codes: set[tuple[str, str]] = field(default_factory=set)  # (code, role)
    line_stats: dict[str, int] = field(
        default_factory=lambda: {"returns": 0, "cancelled": 0, "open": 0}
    )


def drop_mtime(name: str, minute: int = 0) -> int:
    """A drop arrives at 02:00 the day after the period it covers."""
    return epoch_seconds(drop_last_day(name) + timedelta(days=1), 2, minute)


def write_order_flow(
    writer: LandingWriter,
    spec: ScaleSpec,
    seed: int,
    plan: DemandPlan,
    products: pl.DataFrame,
    customers: pl.DataFrame,
    locations: pl.DataFrame,
    foreign: ForeignSystems | None,
) -> FlowResult:
    """Write erp/order_lines drops (plus the correction and malformed drops) and, with
    foreign systems, the matching wms/shipments and tms/freight drops."""
    ext = spec.file_format
    loc_ids = locations["location_id"].to_list()
    ctx = LineContext.build(plan, products, customers, loc_ids)
    months_of: dict[str, list[int]] = {}
    for m in range(N_MONTHS):
        months_of.setdefault(drop_name(m, spec.drop_period), []).append(m)
    drops = list(months_of)
    plan_rng = stream(seed, "dirt_plan")
    counts = {d: spread(spec.dirt, len(drops), plan_rng) for d in ORDER_LINE_DEFECTS}
    n_corr = spread(spec.corrections, len(drops), plan_rng)
    freight_counts = {
        d: spread(spec.foreign_dirt, len(drops), plan_rng)
        for d in ("unknown_mode", "freight_cost_outlier")
    }
    logistics = (
        None
        if foreign is None
        else LogisticsContext(
            item_code_by_sku=foreign.item_code_by_sku,
            warehouse_code_by_loc=foreign.warehouse_code_by_loc,
            origin_codes=foreign.origin_codes,
            destination_code_by_cust=foreign.destination_code_by_cust,
            unit_weight=products["unit_weight_kg"].to_numpy(),
            loc_country=locations["country"].to_numpy(),
            loc_region=locations["region"].to_numpy(),
            cust_country=customers["country"].to_numpy(),
            cust_region=customers["region"].to_numpy(),
        )
    )
    result = FlowResult()
    corrections: list[pl.DataFrame] = []
    buffers: dict[int, list[pl.DataFrame]] = {}
    next_order, next_shipment, done = 1, 1, 0
    corrections_file = f"erp/order_lines/{CORRECTIONS_STEM}.{ext}"
    last_lines = pl.DataFrame()

    for block_month, weeks in blocks_by_month(N_WEEKS):
        block = lines_for_weeks(ctx, weeks, stream(seed, "lines", block_month))
        month = month_key(block["order_date"])
        for m in np.unique(month):
            buffers.setdefault(int(m), []).append(block.filter(pl.Series(month == m)))
        while done < len(drops) and max(months_of[drops[done]]) <= block_month:  # drop complete
            name, d = drops[done], done
            lines = pl.concat([f for m in months_of[name] for f in buffers.pop(m, [])])
            lines, next_order = assign_orders(
                lines,
                next_order,
                stream(seed, "orders", d),
                products["sku"],
                customers["customer_id"],
                locations["location_id"],
                customers["currency"],
            )
            dirt = choose_order_line_dirt(
                lines,
                {k: int(v[d]) for k, v in counts.items()},
                int(n_corr[d]),
                plan.archetype == "fast_stable",
                stream(seed, "dirt", d),
            )
            source = f"erp/order_lines/{name}.{ext}"
            if logistics is not None:
                next_shipment = _write_logistics(
                    writer,
                    shipping_plan(lines, dirt),
                    logistics,
                    seed,
                    d,
                    name,
                    ext,
                    {k: int(v[d]) for k, v in freight_counts.items()},
                    d == len(drops) - 1,
                    foreign,
                    result,
                    next_shipment,
                    2 + spec.foreign_dirt // 6,
                )
            out, log, corrected = apply_order_line_dirt(
                lines, dirt, source, corrections_file, stream(seed, "dirt_apply", d)
            )
            writer.write(source, out, drop_mtime(name))
            result.defects.extend(log)
            corrections.append(corrected)
            kinds = lines["kind"]
            result.line_stats["returns"] += int((kinds == RETURN).sum())
            result.line_stats["cancelled"] += int((kinds == CANCELLED).sum())
            result.line_stats["open"] += int((lines["order_status"] == "open").sum())
            last_lines = lines
            done += 1

    assert done == len(drops), "every drop is written once its last month is complete"
    end = WINDOW_END + timedelta(days=1)
    if spec.malformed_file:
        text, rows, detail = malformed_upload(
            last_lines.filter(pl.col("kind") == SALE), next_order + 5_000_000
        )
        writer.write_text(MALFORMED_FILE, text, rows, epoch_seconds(end + timedelta(days=1), 9))
        result.defects.append(
            defect(
                "rejected_file",
                "erp",
                "order_lines",
                MALFORMED_FILE,
                detail,
                None,
                MALFORMED_FILE,
                3,
            )
        )
    writer.write(
        corrections_file, pl.concat(corrections), epoch_seconds(end + timedelta(days=2), 9)
    )
    return result


def _write_logistics(
    writer: LandingWriter,
    lines: pl.DataFrame,
    ctx: LogisticsContext,
    seed: int,
    d: int,
    name: str,
    ext: str,
    freight_counts: dict[str, int],
    last_drop: bool,
    foreign: ForeignSystems,
    result: FlowResult,
    next_shipment: int,
    n_tms_only: int,
) -> int:
    shipments, freight, next_shipment = shipments_and_freight(
        lines, ctx, stream(seed, "shipments", d), next_shipment
    )
    freight_file = f"tms/freight/{name}.{ext}"
    units = (
        freight.select("shipment_id")
        .join(
            shipments.group_by("shipment_id").agg(pl.col("shipped_qty").sum()),
            on="shipment_id",
            how="left",
            maintain_order="left",
        )["shipped_qty"]
        .fill_null(0)
        .to_numpy()
    )
    freight, log = apply_freight_dirt(
        freight, units, freight_counts, freight_file, stream(seed, "freight_dirt", d)
    )
    if last_drop:
        rng = stream(seed, "tms_only")
        extra = tms_only_freight(
            n_tms_only,
            [codes[0] for codes in foreign.origin_codes],
            WINDOW_END - timedelta(days=3),
            rng,
        )
        for j, row in enumerate(
            extra.iter_rows(named=True)
        ):  # keyed by code, like the TMS crosswalk
            log.append(
                defect(
                    "unmatched",
                    "tms",
                    "freight",
                    row["destination_code"],
                    f"destination_code of {row['shipment_id']} is no ERP customer in any spelling",
                    None,
                    freight_file,
                    freight.height + j + 1,
                )
            )
        freight = pl.concat([freight, extra.cast(freight.schema)])  # type: ignore[arg-type]
    writer.write(f"wms/shipments/{name}.{ext}", shipments, drop_mtime(name, 5))
    writer.write(freight_file, freight, drop_mtime(name, 10))
    result.defects.extend(log)
    result.tms_codes |= {(c, "origin") for c in freight["origin_code"].unique().to_list()}
    result.tms_codes |= {(c, "destination") for c in freight["destination_code"].unique().to_list()}
    return next_shipment
