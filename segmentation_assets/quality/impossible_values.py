"""Impossible values: facts and master data that cannot be true, whatever the context.

Unlike outliers (unusual but possible), these rows contradict physics, calendars
or definitions: a delivery before its pickup, a negative freight bill, a fill-rate
target of 120 %. Each rule is declared once in `RULES` as a name, the mart table it
applies to and a Polars condition that is true on an impossible row; a missing value
never fires a rule (that is a completeness question, see the scorecard).

Rules on fact rows set `excluded_from_segmentation` (the row's metric is wrong, so it
must not feed the segmentation); rules on master-data attributes do not (the product
or customer stays in, the bad attribute is for the data owner to fix).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import polars as pl
import polars.selectors as cs

from segmentation_assets.quality._common import FLAG_SCHEMA, concat_flags, fmt_text, has_rows

AS_OF = "_as_of"
"""Column holding the run's as-of date; rules refer to it as `pl.col(AS_OF)`."""

MAX_UNIT_WEIGHT_KG = 50_000.0
MAX_COST_TO_LIST_PRICE = 10.0


def _days(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_days().cast(pl.Float64)


@dataclass(frozen=True)
class Lookup:
    """Columns brought in from another table before the condition is evaluated."""

    table: str
    on: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class ImpossibleValueRule:
    """One impossible-value rule.

    `condition` is true on an impossible row (null = not judged); `value` is the
    number reported (the bad amount, or a gap in days for date rules); the columns
    the condition reads are quoted in the detail text.
    """

    name: str
    table: str
    entity_type: str
    key: tuple[str, ...]
    description: str
    condition: pl.Expr
    value: pl.Expr
    lookup: Lookup | None = None
    excluded_from_segmentation: bool = True

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.table,) if self.lookup is None else (self.table, self.lookup.table)

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """Columns the condition reads, in order of appearance (quoted in `detail`)."""
        return tuple(dict.fromkeys(self.condition.meta.root_names()))

    def required_columns(self) -> dict[str, tuple[str, ...]]:
        """Columns each source table must have for the rule to run."""
        looked_up = set(self.lookup.columns) if self.lookup else set()
        used = self.condition.meta.root_names() + self.value.meta.root_names()
        primary = [c for c in (*self.key, *used) if c not in looked_up and c != AS_OF]
        required = {
            self.table: tuple(dict.fromkeys([*primary, *(self.lookup.on if self.lookup else ())]))
        }
        if self.lookup:
            required[self.lookup.table] = tuple(
                dict.fromkeys([*self.lookup.on, *self.lookup.columns])
            )
        return required


_shipment_rule = partial(
    ImpossibleValueRule, table="fct_freight", entity_type="shipment", key=("shipment_id",)
)
_shipment_line_rule = partial(
    ImpossibleValueRule,
    table="fct_shipments",
    entity_type="shipment_line",
    key=("shipment_id", "order_id", "line_number"),
)
_order_line_rule = partial(
    ImpossibleValueRule,
    table="fct_order_lines",
    entity_type="order_line",
    key=("order_id", "line_number"),
)
_product_rule = partial(
    ImpossibleValueRule,
    table="dim_product",
    entity_type="product",
    key=("sku",),
    excluded_from_segmentation=False,
)
_customer_rule = partial(
    ImpossibleValueRule,
    table="dim_customer",
    entity_type="customer",
    key=("customer_id",),
    excluded_from_segmentation=False,
)

RULES: tuple[ImpossibleValueRule, ...] = (
    _shipment_rule(
        "delivery_before_pickup",
        description="delivered before it was picked up",
        condition=pl.col("delivery_date") < pl.col("pickup_date"),
        value=_days("delivery_date", "pickup_date"),
    ),
    _shipment_rule(
        "negative_freight_cost",
        description="negative freight cost",
        condition=pl.col("freight_cost") < 0,
        value=pl.col("freight_cost"),
    ),
    _shipment_line_rule(
        "negative_handling_cost",
        description="negative handling cost",
        condition=pl.col("handling_cost") < 0,
        value=pl.col("handling_cost"),
    ),
    _shipment_line_rule(
        "non_positive_shipped_qty",
        description="shipped quantity is zero or negative",
        condition=pl.col("shipped_qty") <= 0,
        value=pl.col("shipped_qty"),
    ),
    _shipment_line_rule(
        "ship_before_order",
        description="shipped before the order was placed",
        condition=pl.col("ship_date") < pl.col("order_date"),
        value=_days("ship_date", "order_date"),
        lookup=Lookup("fct_order_lines", ("order_id", "line_number"), ("order_date",)),
    ),
    _order_line_rule(
        "promised_before_order",
        description="delivery promised before the order date",
        condition=pl.col("promised_delivery_date") < pl.col("order_date"),
        value=_days("promised_delivery_date", "order_date"),
    ),
    _order_line_rule(
        "requested_before_order",
        description="delivery requested before the order date",
        condition=pl.col("requested_delivery_date") < pl.col("order_date"),
        value=_days("requested_delivery_date", "order_date"),
    ),
    _product_rule(
        "unit_weight_out_of_range",
        description=f"unit weight not in (0, {MAX_UNIT_WEIGHT_KG:,.0f}] kg",
        condition=(pl.col("unit_weight_kg") <= 0) | (pl.col("unit_weight_kg") > MAX_UNIT_WEIGHT_KG),
        value=pl.col("unit_weight_kg"),
    ),
    _product_rule(
        "non_positive_unit_volume",
        description="unit volume is zero or negative",
        condition=pl.col("unit_volume_m3") <= 0,
        value=pl.col("unit_volume_m3"),
    ),
    _product_rule(
        "negative_unit_cost",
        description="negative unit cost",
        condition=pl.col("unit_cost") < 0,
        value=pl.col("unit_cost"),
    ),
    _product_rule(
        "negative_list_price",
        description="negative list price",
        condition=pl.col("list_price") < 0,
        value=pl.col("list_price"),
    ),
    _product_rule(
        "unit_cost_above_list_price",
        description=f"unit cost more than {MAX_COST_TO_LIST_PRICE:g}x the list price",
        condition=pl.col("unit_cost") > pl.col("list_price") * MAX_COST_TO_LIST_PRICE,
        value=pl.col("unit_cost"),
    ),
    _product_rule(
        "launch_date_in_future",
        description="launch date after the as-of date",
        condition=pl.col("launch_date") > pl.col(AS_OF),
        value=_days("launch_date", AS_OF),
    ),
    _customer_rule(
        "target_fill_rate_out_of_range",
        description="target fill rate outside [0, 1]",
        condition=(pl.col("target_fill_rate") < 0) | (pl.col("target_fill_rate") > 1),
        value=pl.col("target_fill_rate"),
    ),
    _customer_rule(
        "negative_contracted_lead_time",
        description="negative contracted lead time",
        condition=pl.col("contracted_lead_time_days") < 0,
        value=pl.col("contracted_lead_time_days"),
    ),
)


@dataclass(frozen=True)
class SkippedRule:
    rule: str
    reason: str


@dataclass(frozen=True)
class ImpossibleValuesResult:
    """Flagged rows plus the rules that could not run (their source was absent or empty)."""

    flags: pl.DataFrame
    skipped: tuple[SkippedRule, ...] = field(default_factory=tuple)

    def skipped_frame(self) -> pl.DataFrame:
        """The skipped rules as a frame (`rule`, `reason`), for logging or asset metadata."""
        return pl.DataFrame(
            {"rule": [s.rule for s in self.skipped], "reason": [s.reason for s in self.skipped]},
            schema={"rule": pl.String, "reason": pl.String},
        )


def _skip_reason(
    rule: ImpossibleValueRule, tables: Mapping[str, pl.DataFrame | None]
) -> str | None:
    for source in rule.sources:
        frame = tables.get(source)
        if frame is None:
            return f"source {source} absent"
        if not has_rows(frame):
            return f"source {source} empty"
    for source, columns in rule.required_columns().items():
        missing = [c for c in columns if c not in tables[source].columns]  # type: ignore[union-attr]
        if missing:
            return f"source {source} lacks column(s) {', '.join(missing)}"
    return None


def _apply(
    rule: ImpossibleValueRule, tables: Mapping[str, pl.DataFrame | None], as_of: date
) -> pl.DataFrame:
    required = rule.required_columns()
    frame = tables[rule.table]
    assert frame is not None
    columns = [*required[rule.table], *(["sku"] if "sku" in frame.columns else [])]
    rows = frame.select(list(dict.fromkeys(columns))).with_columns(cs.decimal().cast(pl.Float64))
    if rule.lookup is not None:
        other = tables[rule.lookup.table]
        assert other is not None
        lookup = other.select(required[rule.lookup.table]).unique(
            subset=list(rule.lookup.on), keep="first"
        )
        rows = rows.join(
            lookup.with_columns(cs.decimal().cast(pl.Float64)), on=list(rule.lookup.on), how="left"
        )
    rows = rows.with_columns(pl.lit(as_of, dtype=pl.Date).alias(AS_OF))
    shown = [
        pl.concat_str([pl.lit(("as_of" if c == AS_OF else c) + "="), fmt_text(pl.col(c))])
        for c in rule.shown_columns
    ]
    detail = pl.concat_str([pl.lit(rule.description + ": "), pl.concat_str(shown, separator=", ")])
    return rows.filter(rule.condition.fill_null(False)).select(
        pl.lit(rule.name).alias("rule"),
        pl.lit(rule.entity_type).alias("entity_type"),
        pl.concat_str([fmt_text(pl.col(k)) for k in rule.key], separator="|").alias("entity_id"),
        (pl.col("sku") if "sku" in rows.columns else pl.lit(None, dtype=pl.String)).alias("sku"),
        rule.value.cast(pl.Float64).alias("value"),
        *(
            pl.lit(None, dtype=FLAG_SCHEMA[c]).alias(c)
            for c in ("median", "mad", "mads_from_median", "threshold")
        ),
        detail.alias("detail"),
        pl.lit(rule.excluded_from_segmentation).alias("excluded_from_segmentation"),
    )


def columns_read(rules: tuple[ImpossibleValueRule, ...] = RULES) -> dict[str, tuple[str, ...]]:
    """Per table, the columns the rules read (plus `sku`), so callers load no more than that."""
    needed: dict[str, dict[str, None]] = {}
    for rule in rules:
        for table, columns in rule.required_columns().items():
            needed.setdefault(table, {}).update(dict.fromkeys([*columns, "sku"]))
    return {table: tuple(columns) for table, columns in needed.items()}


def impossible_values(
    tables: Mapping[str, pl.DataFrame | None],
    as_of: date,
    rules: tuple[ImpossibleValueRule, ...] = RULES,
) -> ImpossibleValuesResult:
    """Flag rows that break an impossible-value rule, across the marts in `tables`.

    `tables` maps mart names (`fct_freight`, `fct_shipments`, `fct_order_lines`,
    `dim_product`, `dim_customer`) to frames; a rule whose source is missing, empty
    or lacks a column it reads is skipped and listed in `skipped`, so optional
    sources never break the run. `as_of` is the run date for future-date rules.
    """
    skipped: list[SkippedRule] = []
    flagged: list[pl.DataFrame] = []
    for rule in rules:
        reason = _skip_reason(rule, tables)
        if reason is not None:
            skipped.append(SkippedRule(rule.name, reason))
            continue
        flagged.append(_apply(rule, tables, as_of))
    return ImpossibleValuesResult(concat_flags(flagged), tuple(skipped))
