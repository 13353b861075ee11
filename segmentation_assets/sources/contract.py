"""The landing-zone source contract as data (see docs/CONTRACT.md).

Every other module (loader, sample-data generator, pandera schemas, dbt sources)
reads entity definitions from here, so the contract is stated exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
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


# Short names for the column types, to keep the entity tables below readable.
TEXT, INT, DECIMAL, DATE, BOOL = (
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
            _c("order_id", TEXT),
            _c("line_number", INT),
            _c("order_date", DATE),
            _c("customer_id", TEXT, description="ERP sold-to customer"),
            _c("sku", TEXT),
            _c("quantity", DECIMAL),
            _c("unit_price", DECIMAL),
            _c("requested_delivery_date", DATE, False),
            _c("promised_delivery_date", DATE, False),
            _c("ship_from_location_id", TEXT, False),
            _c("currency", TEXT, False),
            _c("order_status", TEXT, False, "open, shipped or cancelled"),
        ),
    ),
    Entity(
        "erp",
        "products",
        ("sku",),
        required=True,
        description="ERP item master.",
        columns=(
            _c("sku", TEXT),
            _c("description", TEXT),
            _c("product_family", TEXT),
            _c("category", TEXT),
            _c("brand", TEXT, False),
            _c("uom", TEXT, False),
            _c("unit_cost", DECIMAL, False),
            _c("list_price", DECIMAL, False),
            _c("lifecycle_status", TEXT, False, "new, active, phase_out or discontinued"),
            _c("launch_date", DATE, False),
            _c("supplier_id", TEXT, False),
        ),
    ),
    Entity(
        "erp",
        "customers",
        ("customer_id",),
        required=True,
        description="ERP customer master with the account hierarchy.",
        columns=(
            _c("customer_id", TEXT),
            _c("customer_name", TEXT),
            _c("parent_customer_id", TEXT, False),
            _c("channel", TEXT, False),
            _c("region", TEXT, False),
            _c("country", TEXT, False),
        ),
    ),
    Entity(
        "erp",
        "locations",
        ("location_id",),
        description="Plants, distribution centres and stores.",
        columns=(
            _c("location_id", TEXT),
            _c("location_name", TEXT, False),
            _c("location_type", TEXT, False),
            _c("region", TEXT, False),
            _c("country", TEXT, False),
        ),
    ),
    Entity(
        "erp",
        "inventory_snapshots",
        ("snapshot_date", "location_id", "sku"),
        description="On-hand and on-order stock per SKU and location at a date.",
        columns=(
            _c("snapshot_date", DATE),
            _c("location_id", TEXT),
            _c("sku", TEXT),
            _c("on_hand_qty", DECIMAL),
            _c("on_order_qty", DECIMAL, False),
        ),
    ),
    Entity(
        "erp",
        "supply",
        ("supplier_id", "sku"),
        description="Supplier lead times and minimum order quantities.",
        columns=(
            _c("supplier_id", TEXT),
            _c("sku", TEXT),
            _c("lead_time_days", DECIMAL),
            _c("lead_time_std_days", DECIMAL, False),
            _c("moq", DECIMAL, False),
        ),
    ),
    Entity(
        "wms",
        "items",
        ("item_code",),
        description=(
            "WMS item master; erp_sku is the WMS's spelling of the ERP SKU and may be blank."
        ),
        columns=(
            _c("item_code", TEXT),
            _c("erp_sku", TEXT, False),
            _c("item_description", TEXT, False),
            _c("item_group", TEXT, False),
            _c("unit_weight_kg", DECIMAL, False),
            _c("unit_volume_m3", DECIMAL, False),
        ),
    ),
    Entity(
        "wms",
        "warehouses",
        ("warehouse_code",),
        description="WMS warehouses and their ERP location.",
        columns=(
            _c("warehouse_code", TEXT),
            _c("erp_location_id", TEXT, False),
            _c("warehouse_name", TEXT, False),
        ),
    ),
    Entity(
        "wms",
        "shipments",
        ("shipment_id", "order_id", "line_number"),
        description="Shipped order lines as the WMS saw them.",
        columns=(
            _c("shipment_id", TEXT),
            _c("order_id", TEXT),
            _c("line_number", INT),
            _c("warehouse_code", TEXT),
            _c("item_code", TEXT),
            _c("ship_date", DATE, False),
            _c("shipped_qty", DECIMAL),
            _c("handling_cost", DECIMAL, False),
        ),
    ),
    Entity(
        "tms",
        "freight",
        ("shipment_id",),
        description=(
            "Freight movements; origin is a location code, destination a customer code, "
            "in the TMS's spelling."
        ),
        columns=(
            _c("shipment_id", TEXT),
            _c("carrier", TEXT, False),
            _c("mode", TEXT),
            _c("origin_code", TEXT, False),
            _c("destination_code", TEXT, False),
            _c("freight_cost", DECIMAL),
            _c("currency", TEXT, False),
            _c("pickup_date", DATE, False),
            _c("delivery_date", DATE, False),
        ),
    ),
    Entity(
        "crm",
        "accounts",
        ("account_id",),
        description=(
            "CRM accounts; erp_customer_id is the CRM's spelling of the ERP customer "
            "and may be blank."
        ),
        columns=(
            _c("account_id", TEXT),
            _c("erp_customer_id", TEXT, False),
            _c("account_name", TEXT),
            _c("parent_account_id", TEXT, False),
            _c("account_manager", TEXT, False),
            _c("service_tier", TEXT, False),
            _c("contracted_lead_time_days", DECIMAL, False),
            _c("target_fill_rate", DECIMAL, False),
            _c("strategic_account", BOOL, False),
        ),
    ),
    Entity(
        "external",
        "supplier_risk",
        ("supplier_id", "as_of_date"),
        description="Third-party supplier risk scores, 0 to 100.",
        columns=(_c("supplier_id", TEXT), _c("as_of_date", DATE), _c("risk_score", DECIMAL)),
    ),
    Entity(
        "external",
        "market_index",
        ("index_date", "category"),
        description="Market volatility index per product category.",
        columns=(_c("index_date", DATE), _c("category", TEXT), _c("volatility_index", DECIMAL)),
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
