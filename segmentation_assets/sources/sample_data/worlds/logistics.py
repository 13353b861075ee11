"""Warehouses, WMS shipments and TMS freight of a world: where cost to serve comes from.

Each shipped order leaves as one shipment from the DC of the customer's region (or the
main DC). Handling is a pick fee per line growing slowly with quantity and weight, with a
rush surcharge on urgent orders. Freight is one record per shipment, its mode chosen the
way a dispatcher would: urgent light orders by courier (expedite) or air, the rest by
weight (parcel, LTL, FTL, sometimes rail across regions); cost grows with weight and
distance, so a big consolidated order costs little per unit and a courier parcel a lot.
"""

from __future__ import annotations

import numpy as np
import polars as pl

# (location_id, name, region, country, WMS warehouse code); big worlds run more DCs.
DCS: tuple[tuple[str, str, str, str, str], ...] = (
    ("DC-01", "DC Hamburg", "Central", "DE", "WH-HAM"),
    ("DC-02", "DC Lyon", "West", "FR", "WH-LYO"),
    ("DC-03", "DC Milano", "South", "IT", "WH-MIL"),
    ("DC-04", "DC Poznan", "East", "PL", "WH-POZ"),
)
CARRIERS = {
    "parcel": ("SwiftParcel", "EuroPost Express"),
    "expedite": ("CityCourier", "NightRider Express"),
    "air": ("SkyCargo", "EuroAir Freight"),
    "ltl": ("NordCargo", "Alpine Freight"),
    "ftl": ("TransRhein", "Baltic Haulage"),
    "rail": ("RailCargo Europa",),
}
TRANSIT_DAYS = {"parcel": 2, "expedite": 0, "air": 1, "ltl": 2, "ftl": 1, "rail": 4}
PARTIAL_SHARE = 0.02


def dc_count(skus: int) -> int:
    return 1 if skus < 300 else 2 if skus < 1500 else len(DCS)


def locations_and_warehouses(skus: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """ERP locations and the WMS warehouses that are the same places."""
    dcs = DCS[: dc_count(skus)]
    locations = pl.DataFrame(
        {
            "location_id": [d[0] for d in dcs],
            "location_name": [d[1] for d in dcs],
            "location_type": ["dc"] * len(dcs),
            "region": [d[2] for d in dcs],
            "country": [d[3] for d in dcs],
        }
    )
    warehouses = pl.DataFrame(
        {
            "warehouse_code": [d[4] for d in dcs],
            "erp_location_id": [d[0] for d in dcs],
            "warehouse_name": [d[1] for d in dcs],
        }
    )
    return locations, warehouses


def home_dc(customer_region: np.ndarray, skus: int) -> np.ndarray:
    """Index of the DC serving each customer: its region's DC when the world runs one."""
    regions = [d[2] for d in DCS[: dc_count(skus)]]
    return np.array([regions.index(r) if r in regions else 0 for r in customer_region])


def shipments_and_freight(
    lines: pl.DataFrame,
    unit_weight: np.ndarray,
    customer_dc: np.ndarray,
    customer_region: np.ndarray,
    end: np.datetime64,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """WMS shipment lines and TMS freight for the shipped lines of `lines` (which carry
    `_sku_idx`, `_cust_idx`, `_urgent`, `item_code`)."""
    shipped = lines.filter((pl.col("order_status") == "shipped") & (pl.col("quantity") > 0)).sort(
        "order_id", "line_number"
    )
    orders = shipped.select("order_id", "order_date", "customer_id", "_cust_idx", "_urgent").unique(
        "order_id", keep="first", maintain_order=True
    )
    n = orders.height
    urgent = orders["_urgent"].to_numpy()
    cust = orders["_cust_idx"].to_numpy()
    lag = np.where(urgent, 0, rng.choice(3, n, p=[0.4, 0.4, 0.2]))
    ship_date = np.minimum(orders["order_date"].to_numpy().astype("datetime64[D]") + lag, end)
    n_dcs = int(customer_dc.max()) + 1 if len(customer_dc) else 1
    other = rng.integers(0, n_dcs, n)  # now and then an order ships from another DC
    dc = np.where(rng.random(n) < 0.1, other, customer_dc[cust])
    codes = np.array([d[4] for d in DCS])
    orders = orders.with_columns(
        shipment_id=pl.Series([f"SH-{i:07d}" for i in range(1, n + 1)]),
        ship_date=ship_date,
        warehouse_code=codes[dc],
        _dc=dc,
    )
    qty = shipped["quantity"].to_numpy()
    partial = (rng.random(len(qty)) < PARTIAL_SHARE) & (qty >= 2)
    qty = np.where(partial, np.maximum(1, np.floor(qty * rng.uniform(0.5, 0.95, len(qty)))), qty)
    weight = unit_weight[shipped["_sku_idx"].to_numpy()]
    line_urgent = shipped["_urgent"].to_numpy()
    handling = (0.8 + 0.05 * qty**0.8 * np.sqrt(0.5 + weight)) * np.where(line_urgent, 1.6, 1.0)
    handling = handling + np.where(line_urgent, 1.5, 0.0)
    shipments = shipped.join(
        orders.select("order_id", "shipment_id", "ship_date", "warehouse_code"), on="order_id"
    ).select(
        "shipment_id",
        "order_id",
        "line_number",
        "warehouse_code",
        "item_code",
        "ship_date",
        pl.Series("shipped_qty", qty),
        pl.Series("handling_cost", np.round(handling, 2)),
    )
    per_order = np.bincount(
        orders["order_id"].search_sorted(shipped["order_id"]).to_numpy(), qty * weight, n
    )
    freight = _freight(orders, per_order, customer_region[cust], rng)
    return shipments, freight


def _freight(
    orders: pl.DataFrame, weight: np.ndarray, region: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    n = orders.height
    urgent = orders["_urgent"].to_numpy()
    dc_region = np.array([d[2] for d in DCS])[orders["_dc"].to_numpy()]
    distance = np.where(dc_region == region, 1.0, 1.8)
    mode = np.where(weight < 30, "parcel", np.where(weight < 2500, "ltl", "ftl")).astype(object)
    mode[(mode == "ftl") & (distance > 1) & (rng.random(n) < 0.3)] = "rail"
    light = urgent & (weight < 150)
    mode[light] = np.where(
        (distance[light] > 1) & (rng.random(light.sum()) < 0.5), "air", "expedite"
    )
    cost = np.select(
        [mode == "parcel", mode == "ltl", mode == "ftl", mode == "rail", mode == "expedite"],
        [
            5.5 + 0.42 * weight,
            (38 + 0.085 * weight) * distance,
            (520 + 0.004 * weight) * distance,
            (430 + 0.003 * weight) * distance + 120,
            (25 + 1.2 * weight) * distance,
        ],
        60 + 2.4 * weight * distance,  # air
    ) * rng.uniform(0.9, 1.1, n)
    cost = np.where(urgent & (mode == "ltl"), cost * 1.5, cost)  # heavy rush orders: express LTL
    transit = np.array([TRANSIT_DAYS[m] for m in mode]) + (distance > 1) + rng.integers(0, 2, n)
    carrier = [CARRIERS[m][int(rng.integers(len(CARRIERS[m])))] for m in mode]
    pickup = orders["ship_date"].to_numpy().astype("datetime64[D]")
    return pl.DataFrame(
        {
            "shipment_id": orders["shipment_id"],
            "carrier": carrier,
            "mode": mode.astype(str),
            "origin_code": np.array([d[0] for d in DCS])[orders["_dc"].to_numpy()],
            "destination_code": orders["customer_id"],
            "freight_cost": np.round(cost, 2),
            "currency": ["EUR"] * n,
            "pickup_date": pickup,
            "delivery_date": pickup + transit,
        }
    )
