"""The features each entity type has, in plain words, and the objective presets.

One list shared by the feature builders (which columns to produce), the config validator
(criteria must name a known numeric feature), the clustering transform (which features are
skewed volumes that get a log) and the explanations (how a feature is said in a sentence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EntityType = Literal["product", "customer", "product_customer"]


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # how a planner says it: "weekly units", "demand CoV"
    # non-negative with a long right tail (volumes, intervals, ages, CoV): log before scaling
    skewed: bool = False
    numeric: bool = True
    decimals: int = 2


def _f(name: str, label: str, skewed: bool = False, decimals: int = 2) -> Feature:
    return Feature(name, label, skewed, True, decimals)


def _class(name: str, label: str) -> Feature:
    return Feature(name, label, numeric=False)


PRODUCT_FEATURES: tuple[Feature, ...] = (
    _f("weeks_observed", "weeks of history", decimals=0),
    _f("total_units", "units sold", skewed=True, decimals=0),
    _f("total_revenue", "revenue", skewed=True, decimals=0),
    _f("total_order_lines", "order lines", skewed=True, decimals=0),
    _f("weekly_units", "weekly units", skewed=True),
    _f("weekly_order_lines", "weekly order lines", skewed=True),
    _f("weekly_revenue", "weekly revenue", skewed=True, decimals=0),
    _f("demand_cov", "demand CoV", skewed=True),
    _f("adi", "average demand interval (weeks)", skewed=True),
    _f("cv2", "order-size CV²", skewed=True),
    _class("sbc_class", "demand pattern"),
    _class("abc_class", "ABC class"),
    _class("xyz_class", "XYZ class"),
    _class("fmr_class", "pick frequency class"),
    _f("gross_margin", "gross margin", decimals=0),
    _f("gross_margin_pct", "gross margin %"),
    _f("trend", "log growth per year"),
    _f("seasonality_strength", "seasonality strength"),
    _f("age_weeks", "age (weeks)", skewed=True, decimals=0),
    _f("weeks_since_last_sale", "weeks since last sale", skewed=True, decimals=0),
    _class("lifecycle_status", "lifecycle status"),
    _f("customer_count", "buying customers", skewed=True, decimals=0),
    _f("forecast_weekly_units", "forecast weekly units", skewed=True),
    _f("forecast_wape", "forecast error (WAPE)", skewed=True),
    _class("forecast_model", "best backtest model"),
    _f("cost_to_serve_per_unit", "cost to serve per unit"),
    _f("supplier_lead_time_days", "supplier lead time (days)", decimals=0),
    _f("supplier_risk_score", "supplier risk score", decimals=0),
    _f("market_volatility", "market volatility index", decimals=1),
)

CUSTOMER_FEATURES: tuple[Feature, ...] = (
    _f("weeks_observed", "weeks of history", decimals=0),
    _f("total_units", "units bought", skewed=True, decimals=0),
    _f("total_revenue", "revenue", skewed=True, decimals=0),
    _f("total_order_lines", "order lines", skewed=True, decimals=0),
    _f("orders", "orders", skewed=True, decimals=0),
    _f("orders_per_week", "orders per week", skewed=True),
    _f("lines_per_order", "lines per order"),
    _f("average_order_value", "average order value", skewed=True, decimals=0),
    _f("sku_count", "SKUs bought", skewed=True, decimals=0),
    _f("demand_cov", "weekly revenue CoV", skewed=True),
    _f("gross_margin", "gross margin", decimals=0),
    _f("gross_margin_pct", "gross margin %"),
    _f("cost_to_serve", "cost to serve", skewed=True, decimals=0),
    _f("cost_to_serve_per_order", "cost to serve per order"),
    _f("cost_to_serve_per_unit", "cost to serve per unit"),
    _f("net_profit", "profit after cost to serve", decimals=0),
    _f("profitability_pct", "profit after cost to serve %"),
    _class("profitability_class", "profitability class"),
    _class("cost_to_serve_class", "cost-to-serve class"),
    _f("requested_lead_time_days", "requested lead time (days)", decimals=1),
    _class("service_tier", "contracted service tier"),
    _f("contracted_lead_time_days", "contracted lead time (days)", decimals=0),
    _f("target_fill_rate", "target fill rate"),
    _class("strategic_account", "strategic account"),
)

PRODUCT_CUSTOMER_FEATURES: tuple[Feature, ...] = (
    _f("total_units", "units", skewed=True, decimals=0),
    _f("total_revenue", "revenue", skewed=True, decimals=0),
    _f("total_order_lines", "order lines", skewed=True, decimals=0),
    _f("orders", "orders", skewed=True, decimals=0),
    _f("weekly_units", "weekly units", skewed=True),
    _f("demand_cov", "demand CoV", skewed=True),
    _f("adi", "average demand interval (weeks)", skewed=True),
    _f("share_of_product_units", "share of the product's units"),
    _f("share_of_customer_revenue", "share of the customer's revenue"),
    _f("weeks_since_last_order", "weeks since last order", decimals=0),
)

FEATURES: dict[EntityType, tuple[Feature, ...]] = {
    "product": PRODUCT_FEATURES,
    "customer": CUSTOMER_FEATURES,
    "product_customer": PRODUCT_CUSTOMER_FEATURES,
}

ID_COLUMNS: dict[EntityType, tuple[str, ...]] = {
    "product": ("sku",),
    "customer": ("customer_id",),
    "product_customer": ("sku", "customer_id"),
}

# Objective presets: which features cluster each entity type, with weights. Working capital
# looks at what drives stock (volume, variability, intermittency, lifecycle, forecast error);
# on-time delivery adds what makes delivery hard (lead times, order patterns); margin puts
# revenue and margin first. A config's `criteria` replaces the preset for that entity type.
_DEMAND_SHAPE = {
    "weekly_units": 1.0,
    "demand_cov": 1.0,
    "adi": 1.0,
    "cv2": 1.0,
    "trend": 1.0,
    "seasonality_strength": 1.0,
    "age_weeks": 1.0,
    "weeks_since_last_sale": 1.0,
}
PRESETS: dict[str, dict[EntityType, dict[str, float]]] = {
    "working_capital": {
        "product": _DEMAND_SHAPE | {"forecast_wape": 0.5},
        "customer": {
            "total_revenue": 1.0,
            "orders_per_week": 1.0,
            "lines_per_order": 1.0,
            "demand_cov": 1.0,
            "sku_count": 0.5,
        },
    },
    "on_time_delivery": {
        "product": _DEMAND_SHAPE | {"weekly_order_lines": 0.5, "supplier_lead_time_days": 0.5},
        "customer": {
            "orders_per_week": 1.0,
            "requested_lead_time_days": 1.0,
            "target_fill_rate": 1.0,
            "lines_per_order": 0.5,
            "total_revenue": 0.5,
        },
    },
    "margin": {
        "product": _DEMAND_SHAPE | {"weekly_revenue": 1.0, "gross_margin_pct": 1.0},
        "customer": {
            "total_revenue": 1.0,
            "profitability_pct": 1.0,
            "cost_to_serve_per_order": 1.0,
            "gross_margin_pct": 0.5,
        },
    },
}


def feature(entity_type: EntityType, name: str) -> Feature:
    """Look up one feature of an entity type."""
    for item in FEATURES[entity_type]:
        if item.name == name:
            return item
    raise KeyError(f"{entity_type} has no feature {name!r}")


def labels(entity_type: EntityType) -> dict[str, str]:
    """Feature name -> how a planner says it, for column descriptions."""
    return {f.name: f.label for f in FEATURES[entity_type]}


def numeric_feature_names(entity_type: EntityType) -> list[str]:
    return [f.name for f in FEATURES[entity_type] if f.numeric]
