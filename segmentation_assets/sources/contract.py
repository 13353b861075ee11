"""The landing-zone source contract as data (see docs/CONTRACT.md).

Every other module (loader, sample-data generator, pandera schemas, dbt sources)
reads entity definitions from here, so the contract is stated exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ColumnType(str, Enum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    BOOL = "bool"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Entity:
    system: str
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = False
    description: str = ""

    @property
    def table(self) -> str:
        """Raw table name, `<system>__<entity>`, in schema `raw`."""
        return f"{self.system}__{self.name}"

    @property
    def path(self) -> str:
        return f"{self.system}/{self.name}"

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.path} has no column {name!r}")


T, I, D, DT, B = (
    ColumnType.TEXT,
    ColumnType.INT,
    ColumnType.DECIMAL,
    ColumnType.DATE,
    ColumnType.BOOL,
)


def _c(name: str, type_: ColumnType, required: bool = True, description: str = "") -> Column:
    return Column(name, type_, required, description)


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "erp",
        "order_lines",
        ("order_id", "line_number"),
        required=True,
        description="Sales order lines from the ERP; negative quantity is a return or credit.",
        columns=(
            _c("order_id", T),
            _c("line_number", I),
            _c("order_date", DT),
            _c("customer_id", T, description="ERP sold-to customer"),
            _c("sku", T),
            _c("quantity", D),
            _c("unit_price", D),
            _c("requested_delivery_date", DT, False),
            _c("promised_delivery_date", DT, False),
            _c("ship_from_location_id", T, False),
            _c("currency", T, False),
            _c("order_status", T, False, "open, shipped or cancelled"),
        ),
    ),
    Entity(
        "erp",
        "products",
        ("sku",),
        required=True,
        description="ERP item master.",
        columns=(
            _c("sku", T),
            _c("description", T),
            _c("product_family", T),
            _c("category", T),
            _c("brand", T, False),
            _c("uom", T, False),
            _c("unit_cost", D, False),
            _c("list_price", D, False),
            _c("lifecycle_status", T, False, "new, active, phase_out or discontinued"),
            _c("launch_date", DT, False),
            _c("supplier_id", T, False),
        ),
    ),
    Entity(
        "erp",
        "customers",
        ("customer_id",),
        required=True,
        description="ERP customer master with the account hierarchy.",
        columns=(
            _c("customer_id", T),
            _c("customer_name", T),
            _c("parent_customer_id", T, False),
            _c("channel", T, False),
            _c("region", T, False),
            _c("country", T, False),
        ),
    ),
    Entity(
        "erp",
        "locations",
        ("location_id",),
        description="Plants, distribution centres and stores.",
        columns=(
            _c("location_id", T),
            _c("location_name", T, False),
            _c("location_type", T, False),
            _c("region", T, False),
            _c("country", T, False),
        ),
    ),
    Entity(
        "erp",
        "inventory_snapshots",
        ("snapshot_date", "location_id", "sku"),
        description="On-hand and on-order stock per SKU and location at a date.",
        columns=(
            _c("snapshot_date", DT),
            _c("location_id", T),
            _c("sku", T),
            _c("on_hand_qty", D),
            _c("on_order_qty", D, False),
        ),
    ),
    Entity(
        "erp",
        "supply",
        ("supplier_id", "sku"),
        description="Supplier lead times and minimum order quantities.",
        columns=(
            _c("supplier_id", T),
            _c("sku", T),
            _c("lead_time_days", D),
            _c("lead_time_std_days", D, False),
            _c("moq", D, False),
        ),
    ),
    Entity(
        "wms",
        "items",
        ("item_code",),
        description="WMS item master; erp_sku is the WMS's spelling of the ERP SKU and may be blank.",
        columns=(
            _c("item_code", T),
            _c("erp_sku", T, False),
            _c("item_description", T, False),
            _c("item_group", T, False),
            _c("unit_weight_kg", D, False),
            _c("unit_volume_m3", D, False),
        ),
    ),
    Entity(
        "wms",
        "warehouses",
        ("warehouse_code",),
        description="WMS warehouses and their ERP location.",
        columns=(
            _c("warehouse_code", T),
            _c("erp_location_id", T, False),
            _c("warehouse_name", T, False),
        ),
    ),
    Entity(
        "wms",
        "shipments",
        ("shipment_id", "order_id", "line_number"),
        description="Shipped order lines as the WMS saw them.",
        columns=(
            _c("shipment_id", T),
            _c("order_id", T),
            _c("line_number", I),
            _c("warehouse_code", T),
            _c("item_code", T),
            _c("ship_date", DT, False),
            _c("shipped_qty", D),
            _c("handling_cost", D, False),
        ),
    ),
    Entity(
        "tms",
        "freight",
        ("shipment_id",),
        description="Freight movements; origin is a location code, destination a customer code, in the TMS's spelling.",
        columns=(
            _c("shipment_id", T),
            _c("carrier", T, False),
            _c("mode", T),
            _c("origin_code", T, False),
            _c("destination_code", T, False),
            _c("freight_cost", D),
            _c("currency", T, False),
            _c("pickup_date", DT, False),
            _c("delivery_date", DT, False),
        ),
    ),
    Entity(
        "crm",
        "accounts",
        ("account_id",),
        description="CRM accounts; erp_customer_id is the CRM's spelling of the ERP customer and may be blank.",
        columns=(
            _c("account_id", T),
            _c("erp_customer_id", T, False),
            _c("account_name", T),
            _c("parent_account_id", T, False),
            _c("account_manager", T, False),
            _c("service_tier", T, False),
            _c("contracted_lead_time_days", D, False),
            _c("target_fill_rate", D, False),
            _c("strategic_account", B, False),
        ),
    ),
    Entity(
        "external",
        "supplier_risk",
        ("supplier_id", "as_of_date"),
        description="Third-party supplier risk scores, 0 to 100.",
        columns=(_c("supplier_id", T), _c("as_of_date", DT), _c("risk_score", D)),
    ),
    Entity(
        "external",
        "market_index",
        ("index_date", "category"),
        description="Market volatility index per product category.",
        columns=(_c("index_date", DT), _c("category", T), _c("volatility_index", D)),
    ),
)

# tms/freight `mode` values the contract knows (compared trimmed, lower-case); any other
# value is kept and listed as an `unknown_mode` exception. dbt reads the same list from
# the `known_freight_modes` var in dbt_project.yml (a test keeps the two equal).
FREIGHT_MODES: tuple[str, ...] = ("parcel", "ltl", "ftl", "air", "expedite", "ocean", "rail")

ENTITIES_BY_PATH: dict[str, Entity] = {e.path: e for e in ENTITIES}
REQUIRED_ENTITIES: tuple[Entity, ...] = tuple(e for e in ENTITIES if e.required)


def entity(path: str) -> Entity:
    """Look up an entity by `<system>/<entity>`."""
    try:
        return ENTITIES_BY_PATH[path]
    except KeyError:
        raise KeyError(f"unknown entity {path!r}; known: {sorted(ENTITIES_BY_PATH)}") from None
