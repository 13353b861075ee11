"""Order-line and freight dirt planted into each drop, each item logged for the ground truth.

Planted rows are disjoint: a line carries at most one defect, so it lands in exactly one
quarantine rule (or stays in the marts, for outliers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from ..contract import entity
from .ground_truth import defect
from .logistics import UNKNOWN_MODES
from .settings import FUTURE_YEAR
from .transactions import SALE

ORDER_LINE_DEFECTS = (
    "demand_outlier",
    "negative_price",
    "order_date_in_future",
    "unknown_product",
    "unknown_customer",
    "missing_key",
    "zero_quantity",
    "duplicate_key_in_file",
)
NOT_SHIPPED = (
    "order_date_in_future",
    "unknown_product",
    "unknown_customer",
    "missing_key",
    "zero_quantity",
)
OUTLIER_FACTOR = 50
OUTLIER_MIN_MADS = 75  # order_quantity_mad flags lines 50 MADs off the SKU median
FREIGHT_OUTLIER_FACTOR = 30


@dataclass(frozen=True)
class DropDirt:
    """Row indices (into one drop) chosen for each defect, and the restated lines."""

    rows: dict[str, np.ndarray]
    corrections: np.ndarray
    corrected_qty: np.ndarray


def spread(total: int, n_drops: int, rng: np.random.Generator) -> np.ndarray:
    """How many of `total` planted items fall into each drop."""
    return rng.multinomial(total, np.full(n_drops, 1.0 / n_drops))


def choose_order_line_dirt(
    lines: pl.DataFrame,
    counts: dict[str, int],
    n_corrections: int,
    stable_sku: np.ndarray,
    rng: np.random.Generator,
) -> DropDirt:
    """Pick disjoint shipped sale lines for each defect. Outliers only on SKUs with stable
    demand and on lines large enough that x50 lands well over 50 MADs from the SKU's
    median line (75 MADs against this drop's lines, a margin for the full history)."""
    eligible = (
        (lines["kind"] == SALE) & (lines["order_status"] == "shipped") & (lines["quantity"] >= 2)
    ).to_numpy()
    sales = pl.when((pl.col("kind") == SALE) & (pl.col("quantity") > 0)).then(pl.col("quantity"))
    stats = lines.select(
        med=sales.median().over("sku_idx"),
        mad=(sales - sales.median().over("sku_idx")).abs().median().over("sku_idx"),
    )
    qty, med = lines["quantity"].to_numpy(), stats["med"].to_numpy()
    far_enough = (OUTLIER_FACTOR * qty - med >= OUTLIER_MIN_MADS * stats["mad"].to_numpy()) & (
        qty >= med
    )
    candidates = eligible & stable_sku[lines["sku_idx"].to_numpy()] & far_enough
    outliers = np.sort(rng.permutation(np.flatnonzero(candidates))[: counts["demand_outlier"]])
    pool = rng.permutation(np.flatnonzero(eligible))
    pool = pool[~np.isin(pool, outliers)]
    rows, start = {"demand_outlier": outliers}, 0
    for name in ORDER_LINE_DEFECTS[1:]:
        rows[name] = np.sort(pool[start : start + counts[name]])
        start += counts[name]
    corrections = np.sort(pool[start : start + n_corrections])
    before = qty[corrections]
    corrected = before - np.maximum(1, np.rint(before * rng.uniform(0.1, 0.4, len(before))))
    return DropDirt(rows, corrections, corrected)


def shipping_plan(lines: pl.DataFrame, dirt: DropDirt) -> pl.DataFrame:
    """Adds `_ships` (the WMS shipped this line) and `_ship_qty` (restated quantity if corrected,
    the outlier quantity if it is one). Lines planted with identity defects never shipped."""
    ships = (
        (lines["kind"] == SALE) & (lines["order_status"] == "shipped") & (lines["quantity"] > 0)
    ).to_numpy()
    for name in NOT_SHIPPED:
        ships[dirt.rows[name]] = False
    qty = lines["quantity"].to_numpy().copy()
    qty[dirt.corrections] = dirt.corrected_qty
    qty[dirt.rows["demand_outlier"]] *= OUTLIER_FACTOR
    return lines.with_columns(_ships=pl.Series(ships), _ship_qty=pl.Series(qty))


def apply_order_line_dirt(
    lines: pl.DataFrame,
    dirt: DropDirt,
    source_file: str,
    corrections_file: str,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, list[dict[str, Any]], pl.DataFrame]:
    """Mutate the chosen lines, append in-file duplicates, and log every planted row.

    Returns the drop as written, its defect rows, and the restated lines for the correction drop.
    """
    cols = list(entity("erp/order_lines").column_names)
    out = lines.select(cols)
    before = out.clone()
    r = dirt.rows
    n = out.height

    def scatter(col: str, idx: np.ndarray, values: list[Any] | pl.Series) -> None:
        if len(idx):
            s = out[col].clone()
            s.scatter(idx, values)
            out.replace_column(out.get_column_index(col), s)

    q = out["quantity"].to_numpy()
    scatter("quantity", r["demand_outlier"], (q[r["demand_outlier"]] * OUTLIER_FACTOR).tolist())
    scatter("quantity", r["zero_quantity"], [0.0] * len(r["zero_quantity"]))
    scatter(
        "unit_price",
        r["negative_price"],
        (-out["unit_price"].to_numpy()[r["negative_price"]]).tolist(),
    )
    fut = r["order_date_in_future"]
    old = out["order_date"].gather(fut).to_list()
    new = [d.replace(year=FUTURE_YEAR) for d in old]
    scatter("order_date", fut, new)
    for col in ("requested_delivery_date", "promised_delivery_date"):
        shifted = zip(out[col].gather(fut).to_list(), new, old, strict=True)
        scatter(col, fut, [d + (nd - od) for d, nd, od in shifted])
    unknown_skus = [
        f"SKU-98{x:03d}" for x in rng.choice(1000, len(r["unknown_product"]), replace=False)
    ]
    scatter("sku", r["unknown_product"], unknown_skus)
    unknown_customers = [
        f"C-98{x:03d}" for x in rng.choice(1000, len(r["unknown_customer"]), replace=False)
    ]
    scatter("customer_id", r["unknown_customer"], unknown_customers)
    scatter(
        "order_id", r["missing_key"], pl.Series([None] * len(r["missing_key"]), dtype=pl.String)
    )
    dups = r["duplicate_key_in_file"]
    out = pl.concat([out, out.gather(dups)])

    log: list[dict[str, Any]] = []
    details = {
        "demand_outlier": lambda i: (
            f"quantity {q[i]:g} x{OUTLIER_FACTOR} = {q[i] * OUTLIER_FACTOR:g}"
        ),
        "negative_price": lambda i: f"unit_price {out['unit_price'][int(i)]:g}",
        "order_date_in_future": lambda i: (
            f"order_date {out['order_date'][int(i)]} (was {before['order_date'][int(i)]})"
        ),
        "unknown_product": lambda i: (
            f"sku {out['sku'][int(i)]} is not in erp/products (was {before['sku'][int(i)]})"
        ),
        "unknown_customer": lambda i: (
            f"customer_id {out['customer_id'][int(i)]} is not in erp/customers"
        ),
        "missing_key": lambda i: f"order_id blank (was {before['order_id'][int(i)]})",
        "zero_quantity": lambda i: f"quantity 0 (was {q[i]:g})",
        "duplicate_key_in_file": lambda i: (
            f"same key again as row {n + 1 + int(np.searchsorted(dups, i))}"
        ),
    }
    for name in ORDER_LINE_DEFECTS:
        for i in r[name]:
            key = f"{out['order_id'][int(i)] or ''}|{out['line_number'][int(i)]}"
            erp_key = (
                before["sku"][int(i)] if name in ("demand_outlier", "unknown_product") else None
            )
            log.append(
                defect(
                    name,
                    "erp",
                    "order_lines",
                    key,
                    details[name](i),
                    erp_key,
                    source_file,
                    int(i) + 1,
                )
            )
    corrections = before.gather(dirt.corrections).with_columns(
        quantity=pl.Series(dirt.corrected_qty)
    )
    for i, new_q in zip(dirt.corrections, dirt.corrected_qty, strict=True):
        key = f"{before['order_id'][int(i)]}|{before['line_number'][int(i)]}"
        log.append(
            defect(
                "superseded_by_newer_drop",
                "erp",
                "order_lines",
                key,
                f"quantity {q[i]:g} restated as {new_q:g} in {corrections_file}",
                None,
                source_file,
                int(i) + 1,
            )
        )
    return out, log, corrections


def apply_freight_dirt(
    freight: pl.DataFrame,
    units: np.ndarray,
    counts: dict[str, int],
    source_file: str,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Unknown transport modes and freight costs x30 on disjoint freight records. Cost
    outliers go on shipments already at or above their peers' median cost per shipped unit
    (same mode and origin), so x30 is far out whether judged per unit or per shipment."""
    per_unit = pl.Series(freight["freight_cost"].to_numpy() / np.maximum(units, 1))
    peers = freight.select(
        pl.col("mode").str.strip_chars().str.to_lowercase(), "origin_code"
    ).with_columns(per_unit=per_unit, cost=freight["freight_cost"])
    above = peers.select(
        (pl.col("per_unit") >= pl.col("per_unit").median().over("mode", "origin_code"))
        & (pl.col("cost") >= pl.col("cost").median().over("mode", "origin_code"))
    )
    pool = rng.permutation(freight.height)
    modes = pool[: counts["unknown_mode"]]
    rest = pool[counts["unknown_mode"] :]
    costly = np.sort(rest[above.to_series().to_numpy()[rest]][: counts["freight_cost_outlier"]])
    log = []
    if len(modes):
        new_modes = [UNKNOWN_MODES[j % len(UNKNOWN_MODES)] for j in rng.integers(0, 2, len(modes))]
        s = freight["mode"].clone()
        s.scatter(modes, new_modes)
        freight = freight.with_columns(mode=s)
        for i, m in zip(modes, new_modes, strict=True):
            log.append(
                defect(
                    "unknown_mode",
                    "tms",
                    "freight",
                    freight["shipment_id"][int(i)],
                    f"mode {m!r} is not a known mode",
                    None,
                    source_file,
                    int(i) + 1,
                )
            )
    if len(costly):
        cost = freight["freight_cost"].to_numpy().copy()
        old = cost[costly].copy()
        cost[costly] = np.round(old * FREIGHT_OUTLIER_FACTOR, 2)
        freight = freight.with_columns(freight_cost=pl.Series(cost))
        for i, o in zip(costly, old, strict=True):
            log.append(
                defect(
                    "freight_cost_outlier",
                    "tms",
                    "freight",
                    freight["shipment_id"][int(i)],
                    f"freight_cost {o:.2f} x{FREIGHT_OUTLIER_FACTOR} "
                    f"= {o * FREIGHT_OUTLIER_FACTOR:.2f}",
                    None,
                    source_file,
                    int(i) + 1,
                )
            )
    return freight, log


def malformed_upload(sample: pl.DataFrame, first_order_no: int) -> tuple[str, int, str]:
    """A hand-made order-line upload a loader must reject: 'twelve' in the decimal quantity
    column. Returns the CSV text, its row count and the offending row's description."""
    cols = list(entity("erp/order_lines").column_names)
    rows = (
        sample.select(cols)
        .head(6)
        .with_columns(
            order_id=pl.Series(
                [f"SO-{first_order_no + i // 3:07d}" for i in range(min(6, sample.height))]
            ),
            line_number=pl.Series(
                [i % 3 + 1 for i in range(min(6, sample.height))], dtype=pl.Int64
            ),
            quantity=pl.col("quantity").cast(pl.Int64).cast(pl.String),
        )
    )
    qty = rows["quantity"].clone()
    qty.scatter([2], ["twelve"])
    rows = rows.with_columns(quantity=qty)
    return (
        rows.write_csv(float_scientific=False),
        rows.height,
        "row 3: quantity 'twelve' is not a decimal",
    )


def tms_only_freight(
    n: int, origin: list[str], pickup: date, rng: np.random.Generator
) -> pl.DataFrame:
    """Freight the TMS booked for consignees the ERP does not know (trade-fair deliveries)."""
    fairs = (
        "TRADEFAIR-MUC",
        "TRADEFAIR-KOELN",
        "TRADEFAIR-PARIS",
        "TRADEFAIR-MILANO",
        "TRADEFAIR-UTRECHT",
    )
    return pl.DataFrame(
        {
            "shipment_id": [f"SH-T{i + 1:06d}" for i in range(n)],
            "carrier": ["NordCargo"] * n,
            "mode": ["LTL"] * n,
            "origin_code": [origin[int(j)] for j in rng.integers(0, len(origin), n)],
            "destination_code": [fairs[i % len(fairs)] for i in range(n)],
            "freight_cost": np.round(rng.uniform(150, 600, n), 2),
            "currency": ["EUR"] * n,
            "pickup_date": [pickup] * n,
            "delivery_date": [pickup + timedelta(days=1)] * n,
        }
    )
