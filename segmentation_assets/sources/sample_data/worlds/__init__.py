"""A family of generated worlds: many randomly drawn distributors, not one sample.

Every claim about segment quality is meant to hold on many worlds the engine was not
tuned on. `draw_world_spec(seed)` draws a world's parameters (catalogue size, demand
patterns and their shares, volume concentration, history length, noise, customer mix);
`generate_world(spec)` turns a spec into frames in the landing contract's columns plus
the planted truth (each SKU's demand pattern, each customer's type); and
`write_world_landing(world, out_dir)` writes them as a landing zone the whole pipeline
runs on. The data are made to look like a distributor's history (a long intermittent
tail holding little volume, a few SKUs holding most of it, customers whose type shows
only in how they buy), not to suit any feature or rule of the engine. The shipped sample
world (`generate_sample_data`, `make demo`) is separate and unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from ..catalogue import CATEGORIES, allocate_families, sample_descriptions
from ..settings import stream
from .customers import build_assortment, build_customers
from .demand import END_WEEK, plan_demand, week_starts
from .landing import write_world_landing
from .logistics import home_dc, locations_and_warehouses, shipments_and_freight
from .orders import order_lines
from .spec import CUSTOMER_TYPES, PATTERNS, WorldSpec, draw_world_spec

__all__ = [
    "CUSTOMER_TYPES",
    "PATTERNS",
    "World",
    "WorldSpec",
    "draw_world_spec",
    "generate_world",
    "write_world_landing",
]

ORDER_LINE_COLUMNS = (
    "order_id",
    "line_number",
    "order_date",
    "customer_id",
    "sku",
    "quantity",
    "unit_price",
    "requested_delivery_date",
    "promised_delivery_date",
    "ship_from_location_id",
    "currency",
    "order_status",
)


@dataclass(frozen=True)
class World:
    """One generated world: landing-contract frames and the planted truth."""

    spec: WorldSpec
    order_lines: pl.DataFrame  # erp/order_lines
    products: pl.DataFrame  # erp/products
    customers: pl.DataFrame  # erp/customers
    locations: pl.DataFrame  # erp/locations
    items: pl.DataFrame  # wms/items
    warehouses: pl.DataFrame  # wms/warehouses
    shipments: pl.DataFrame  # wms/shipments
    freight: pl.DataFrame  # tms/freight
    product_truth: pl.DataFrame  # sku, pattern
    customer_truth: pl.DataFrame  # customer_id, customer_type


def _catalogue(n: int, rng: np.random.Generator) -> tuple[np.ndarray, list, list[str]]:
    """Category index, family and a unique description per SKU, from the sample catalogue."""
    cats, fams, descriptions = [], [], []
    for ci, fi, count in allocate_families(n, rng):
        family = CATEGORIES[ci].families[fi]
        for text in sample_descriptions(family, count, rng):
            cats.append(ci)
            fams.append(family)
            descriptions.append(text)
    order = rng.permutation(n)
    return (
        np.array(cats)[order],
        [fams[i] for i in order],
        [descriptions[i] for i in order],
    )


def _products(
    spec: WorldSpec,
    category: np.ndarray,
    families: list,
    descriptions: list[str],
    pattern: np.ndarray,
    units: np.ndarray,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """ERP item master. Lifecycle follows what happened, as an ERP would record it, with
    the usual staleness: some new items already 'active', some phased-out ones still
    'active'; long-standing items were launched years before the history starts."""
    n = spec.skus
    weeks = np.array(week_starts(spec.history_weeks), dtype="datetime64[D]")
    sold = units > 0
    first = np.argmax(sold, axis=1)
    last = units.shape[1] - 1 - np.argmax(sold[:, ::-1], axis=1)
    stale = rng.random(n)
    status = np.full(n, "active", dtype=object)
    new = pattern == "new_launch"
    status[new & (stale < 0.85)] = "new"
    out = pattern == "phase_out"
    stopped = last < units.shape[1] - 8
    status[out & (stale < 0.9)] = np.where(
        stopped[out & (stale < 0.9)], "discontinued", "phase_out"
    )
    old = weeks[0] - rng.integers(30, 3650, n)
    launch = np.where(new, weeks[first] - rng.integers(7, 29, n), old)
    launch_date = pl.Series(launch).to_list()
    for i in np.flatnonzero(~new & (rng.random(n) < 0.1)):  # not every old item has a date
        launch_date[i] = None
    list_price = np.round(
        np.maximum(0.5, np.array([f.list_price for f in families]) * rng.lognormal(0, 0.35, n)), 2
    )
    return pl.DataFrame(
        {
            "sku": [f"SKU-{i:05d}" for i in range(1, n + 1)],
            "description": descriptions,
            "product_family": [f.name for f in families],
            "category": [CATEGORIES[c].name for c in category],
            "brand": [CATEGORIES[c].brands[0] for c in category],
            "uom": [f.uom for f in families],
            "unit_cost": np.round(list_price * rng.uniform(0.5, 0.75, n), 2),
            "list_price": list_price,
            "lifecycle_status": status.astype(str),
            "launch_date": pl.Series(launch_date, dtype=pl.Date),
        }
    )


def generate_world(spec: WorldSpec) -> World:
    """The world a spec describes; the same spec gives identical frames."""
    category, families, descriptions = _catalogue(spec.skus, stream(spec.seed, "world-catalogue"))
    demand = plan_demand(spec, category, stream(spec.seed, "world-demand"))
    products = _products(
        spec,
        category,
        families,
        descriptions,
        demand.pattern,
        demand.units,
        stream(spec.seed, "world-products"),
    )
    book = build_customers(spec, spec.history_weeks, stream(spec.seed, "world-customers"))
    popularity = demand.units.mean(axis=1)
    assortment = build_assortment(
        book, popularity, demand.pattern == "lumpy", stream(spec.seed, "world-assortment")
    )
    list_price = products["list_price"].to_numpy()
    lines = order_lines(demand, book, assortment, list_price, stream(spec.seed, "world-orders"))
    locations, warehouses = locations_and_warehouses(spec.skus)
    dc_of_customer = home_dc(book.region, spec.skus)
    sku_ids = products["sku"]
    item_codes = sku_ids.str.replace("SKU-", "IT-")
    lines = lines.with_columns(
        sku=sku_ids.gather(lines["_sku_idx"]),
        item_code=item_codes.gather(lines["_sku_idx"]),
        customer_id=book.master["customer_id"].gather(lines["_cust_idx"]),
        ship_from_location_id=locations["location_id"].gather(dc_of_customer[lines["_cust_idx"]]),
    )
    weight = np.round(
        np.array([f.weight_kg for f in families])
        * stream(spec.seed, "world-weights").lognormal(0, 0.3, spec.skus),
        3,
    )
    end = np.datetime64(END_WEEK + timedelta(days=6), "D")
    shipments, freight = shipments_and_freight(
        lines, weight, dc_of_customer, book.region, end, stream(spec.seed, "world-logistics")
    )
    items = pl.DataFrame(
        {
            "item_code": item_codes,
            "erp_sku": sku_ids,
            "item_description": products["description"].str.to_uppercase(),
            "item_group": products["category"],
            "unit_weight_kg": weight,
        }
    )
    return World(
        spec=spec,
        order_lines=lines.select(ORDER_LINE_COLUMNS),
        products=products,
        customers=book.master,
        locations=locations,
        items=items,
        warehouses=warehouses,
        shipments=shipments,
        freight=freight,
        product_truth=pl.DataFrame({"sku": sku_ids, "pattern": demand.pattern.astype(str)}),
        customer_truth=pl.DataFrame(
            {"customer_id": book.master["customer_id"], "customer_type": book.ctype.astype(str)}
        ),
    )
