"""WMS shipments and TMS freight derived from shipped order lines.

One shipment per sales order (all its shipped lines leave together from the order's
ship-from location); one freight record per shipment, its mode chosen by weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from segmentation_assets.sources.contract import FREIGHT_MODES

from .settings import WINDOW_END

KNOWN_MODES = FREIGHT_MODES  # the contract's list; the TMS spells them in several ways below
MODE_SPELLINGS: dict[str, tuple[str, ...]] = {  # how the TMS actually spells the modes it uses
    "parcel": ("parcel", " parcel", "Parcel", "PARCEL"),
    "ltl": ("LTL", "ltl", "LTL ", "Ltl"),
    "ftl": ("FTL", "Ftl", "ftl"),
    "rail": ("Rail", "RAIL", "rail "),
}
UNKNOWN_MODES = ("drone", "courier")
CARRIERS: dict[str, tuple[str, ...]] = {
    "parcel": ("SwiftParcel", "EuroPost Express"),
    "ltl": ("NordCargo", "Alpine Freight", "Euroline Logistics"),
    "ftl": ("TransRhein", "NordCargo", "Baltic Haulage"),
    "rail": ("RailCargo Europa", "TransRhein"),
}
ALT_ORIGIN_SHARE = 0.15  # freight records that use a location's second TMS spelling
PARTIAL_SHIPMENT_RATE = 0.03
_END = np.datetime64(WINDOW_END, "D")


@dataclass(frozen=True)
class LogisticsContext:
    item_code_by_sku: pl.Series
    warehouse_code_by_loc: pl.Series
    origin_codes: list[tuple[str, str]]
    destination_code_by_cust: pl.Series
    unit_weight: np.ndarray  # per SKU
    loc_country: np.ndarray
    loc_region: np.ndarray
    cust_country: np.ndarray
    cust_region: np.ndarray


def shipments_and_freight(
    lines: pl.DataFrame, ctx: LogisticsContext, rng: np.random.Generator, next_shipment_no: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Shipments for lines flagged `_ships` (quantity `_ship_qty`), and their freight."""
    lines = lines.filter(pl.col("_ships"))
    if lines.height == 0:
        return lines.clear(), pl.DataFrame(), next_shipment_no
    order_ids = lines["order_id"].to_numpy()
    new = np.ones(len(order_ids), dtype=bool)
    new[1:] = order_ids[1:] != order_ids[:-1]
    ship_no = np.cumsum(new) - 1  # lines arrive sorted by order id
    n_ship = int(ship_no[-1]) + 1
    first = np.flatnonzero(new)
    order_date = lines["order_date"].to_numpy()
    lag = rng.choice(3, n_ship, p=[0.5, 0.35, 0.15]).astype("timedelta64[D]")
    ship_date = np.minimum(
        np.minimum(order_date[first] + lag, lines["promised_delivery_date"].to_numpy()[first]), _END
    )
    qty = lines["_ship_qty"].to_numpy().astype(np.float64)
    partial = (rng.random(len(qty)) < PARTIAL_SHIPMENT_RATE) & (qty >= 2)
    qty = np.where(partial, np.maximum(1, np.floor(qty * rng.uniform(0.5, 0.95, len(qty)))), qty)
    sku = lines["sku_idx"].to_numpy()
    weight = qty * ctx.unit_weight[sku]
    ids = pl.lit("SH-") + pl.Series(next_shipment_no + ship_no).cast(pl.String).str.zfill(7)
    shipments = (
        pl.DataFrame(
            {
                "order_id": lines["order_id"],
                "line_number": lines["line_number"],
                "warehouse_code": ctx.warehouse_code_by_loc.gather(lines["loc_idx"]),
                "item_code": ctx.item_code_by_sku.gather(lines["sku_idx"]),
                "ship_date": ship_date[ship_no],
                "shipped_qty": qty,
                "handling_cost": np.round(
                    0.45 + 0.06 * qty**0.8 * np.sqrt(0.5 + ctx.unit_weight[sku]), 2
                ),
            }
        )
        .with_columns(shipment_id=ids)
        .select("shipment_id", pl.exclude("shipment_id"))
    )
    loc = lines["loc_idx"].to_numpy()[first]
    cust = lines["cust_idx"].to_numpy()[first]
    freight = _freight(
        rng,
        shipments["shipment_id"].gather(first),
        ship_date,
        loc,
        cust,
        np.bincount(ship_no, weight, minlength=n_ship),
        ctx,
    )
    return shipments, freight, next_shipment_no + n_ship


def _freight(
    rng: np.random.Generator,
    shipment_id: pl.Series,
    pickup: np.ndarray,
    loc: np.ndarray,
    cust: np.ndarray,
    weight: np.ndarray,
    ctx: LogisticsContext,
) -> pl.DataFrame:
    """Mode by weight (parcel < 30 kg < LTL < 2.5 t < FTL, cross-region FTL sometimes by rail),
    cost and transit time growing with distance (same country < same region < cross-region)."""
    n = len(loc)
    same_country = ctx.loc_country[loc] == ctx.cust_country[cust]
    same_region = ctx.loc_region[loc] == ctx.cust_region[cust]
    distance = np.where(same_country, 1.0, np.where(same_region, 1.5, 2.3))
    mode = np.where(weight < 30, "parcel", np.where(weight < 2500, "ltl", "ftl")).astype(object)
    mode[(mode == "ftl") & ~same_region & (rng.random(n) < 0.35)] = "rail"
    noise = rng.uniform(0.9, 1.1, n)
    cost = (
        np.select(
            [mode == "parcel", mode == "ltl", mode == "ftl"],
            [
                5.5 + 0.42 * weight,
                (38 + 0.085 * weight) * distance,
                (520 + 0.004 * weight) * distance,
            ],
            (430 + 0.003 * weight) * distance + 120,
        )
        * noise
    )
    base_transit = np.select([mode == "parcel", mode == "ltl", mode == "ftl"], [1, 2, 1], 4)
    transit = base_transit + (distance > 1) + rng.integers(0, 2, n)
    spelled = np.empty(n, dtype=object)
    carrier = np.empty(n, dtype=object)
    pick = rng.random(n)
    for m in MODE_SPELLINGS:
        sel = mode == m
        spelled[sel] = np.array(MODE_SPELLINGS[m], dtype=object)[
            (pick[sel] * len(MODE_SPELLINGS[m])).astype(int)
        ]
        carrier[sel] = np.array(CARRIERS[m], dtype=object)[
            rng.integers(0, len(CARRIERS[m]), sel.sum())
        ]
    alt = rng.random(n) < ALT_ORIGIN_SHARE
    origin = np.array(ctx.origin_codes, dtype=object)[loc, alt.astype(np.int64)]
    return pl.DataFrame(
        {
            "shipment_id": shipment_id,
            "carrier": pl.Series(carrier, dtype=pl.String),
            "mode": pl.Series(spelled, dtype=pl.String),
            "origin_code": pl.Series(origin, dtype=pl.String),
            "destination_code": ctx.destination_code_by_cust.gather(cust),
            "freight_cost": np.round(cost, 2),
            "currency": pl.repeat("EUR", n, eager=True),
            "pickup_date": pickup,
            "delivery_date": pickup + transit.astype("timedelta64[D]"),
        }
    )
