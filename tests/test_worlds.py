"""The family of generated worlds keeps its promises on several drawn specs, the platform's
loader accepts what it writes, and the world bench measures a world end to end."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from segmentation_assets.features.history import week_of
from segmentation_assets.sources.raw_layer import write_raw_layer
from segmentation_assets.sources.sample_data.worlds import (
    CUSTOMER_TYPES,
    PATTERNS,
    World,
    WorldSpec,
    draw_world_spec,
    generate_world,
    write_world_landing,
)
from segmentation_assets.sources.sample_data.worlds.demand import END_WEEK
from segmentation_assets.sources.sample_data.worlds.landing import LANDING_FILES
from segmentation_assets.sources.sample_data.worlds.spec import (
    HISTORY_RANGE,
    PATTERN_COUNT_RANGE,
    SKEW_RANGE,
    SKU_RANGE,
)
from segmentation_assets.warehouse import connect, read_table

SEEDS = (2, 3, 4, 8, 11, 14)  # short and long histories, 2 to 4 customer types


def small(seed: int) -> WorldSpec:
    """The drawn spec of `seed` with at most 400 SKUs and 200 customers, to keep tests fast."""
    spec = draw_world_spec(seed)
    return replace(spec, skus=min(spec.skus, 400), customers=min(spec.customers, 200))


def sold(world: World) -> pl.DataFrame:
    """Units sold per SKU (positive, not cancelled lines) with the SKU's planted pattern."""
    return (
        world.order_lines.filter(
            (pl.col("quantity") > 0) & pl.col("order_status").ne_missing("cancelled")
        )
        .group_by("sku")
        .agg(pl.col("quantity").sum().alias("units"))
        .join(world.product_truth, on="sku")
    )


def top_share(world: World, share: float = 0.05) -> float:
    units = sold(world)["units"].sort(descending=True)
    return units.head(math.ceil(share * world.spec.skus)).sum() / units.sum()


@pytest.fixture(scope="module")
def worlds() -> dict[int, World]:
    return {seed: generate_world(small(seed)) for seed in SEEDS}


def test_drawn_specs_span_the_ranges_and_obey_the_rules():
    specs = [draw_world_spec(seed) for seed in range(200)]
    for spec in specs:
        assert SKU_RANGE[0] <= spec.skus <= SKU_RANGE[1]
        assert HISTORY_RANGE[0] <= spec.history_weeks <= HISTORY_RANGE[1]
        assert PATTERN_COUNT_RANGE[0] <= len(spec.patterns) <= PATTERN_COUNT_RANGE[1]
        assert set(spec.patterns) <= set(PATTERNS) and "long_tail" in spec.customer_types
        if spec.history_weeks <= 52:
            assert "seasonal" not in spec.patterns, spec
    assert min(s.skus for s in specs) < 100 and max(s.skus for s in specs) > 2000
    assert min(s.history_weeks for s in specs) <= 30 and max(s.history_weeks for s in specs) >= 150
    assert {len(s.patterns) for s in specs} == set(range(3, 9))
    assert min(s.unit_skew for s in specs) < 0.6 and max(s.unit_skew for s in specs) > 2.4
    assert {len(s.customer_types) for s in specs} == {2, 3, 4}
    assert any(s.history_weeks <= 52 for s in specs) and any(
        "seasonal" in s.patterns for s in specs
    )


def test_a_spec_cannot_plant_seasonality_in_a_year_or_less():
    spec = next(s for s in map(draw_world_spec, range(100)) if "seasonal" in s.patterns)
    with pytest.raises(ValueError, match="seasonal needs more than 52 weeks"):
        replace(spec, history_weeks=52)


def test_same_seed_same_world_and_other_seeds_differ(worlds):
    again = generate_world(small(SEEDS[0]))
    first = worlds[SEEDS[0]]
    for name in ("order_lines", "products", "customers", "shipments", "freight", "product_truth"):
        assert getattr(again, name).equals(getattr(first, name)), name
    assert draw_world_spec(SEEDS[0]) == draw_world_spec(SEEDS[0])
    assert len({draw_world_spec(seed) for seed in SEEDS}) == len(SEEDS)
    other = worlds[SEEDS[1]]
    assert not first.order_lines.head(1000).equals(other.order_lines.head(1000))


@pytest.mark.parametrize("seed", SEEDS)
def test_catalogue_history_and_truth_are_as_specified(worlds, seed):
    world, spec = worlds[seed], worlds[seed].spec
    assert world.products.height == spec.skus == world.product_truth.height
    assert world.customers.height == spec.customers == world.customer_truth.height
    weeks = world.order_lines.select(week_of(pl.col("order_date")).alias("w"))["w"]
    assert weeks.max() == END_WEEK
    assert weeks.min() == END_WEEK - timedelta(weeks=spec.history_weeks - 1)
    patterns = world.product_truth["pattern"].value_counts()
    assert set(patterns["pattern"]) == set(spec.patterns)
    expected = dict(zip(spec.patterns, spec.counts(spec.skus, spec.pattern_shares), strict=True))
    assert dict(patterns.iter_rows()) == expected
    assert set(world.customer_truth["customer_type"]) == set(spec.customer_types)
    assert set(sold(world)["pattern"]) == set(spec.patterns), "every pattern sells something"
    if spec.history_weeks <= 52:
        assert "seasonal" not in set(world.product_truth["pattern"])


def test_volume_concentration_rises_with_the_skew():
    for seed in SEEDS[:4]:
        spec = small(seed)
        shares = [
            top_share(generate_world(replace(spec, unit_skew=skew)))
            for skew in (SKEW_RANGE[0], 1.5, SKEW_RANGE[1])
        ]
        assert shares[0] < shares[1] < shares[2], (seed, shares)
        assert shares[2] >= 0.6, (seed, shares)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_intermittent_tail_holds_under_two_percent_of_units(worlds, seed):
    units = sold(worlds[seed])
    tail = units.filter(pl.col("pattern") == "intermittent")
    if "intermittent" in worlds[seed].spec.patterns:
        assert tail.height > 0
    assert tail["units"].sum() / units["units"].sum() < 0.02
    lines = worlds[seed].order_lines.join(worlds[seed].product_truth, on="sku")
    biggest = lines.filter(pl.col("pattern") == "intermittent")["quantity"].max()
    assert (biggest or 0) <= 24, "spare parts sell singly or by the case (at most two of 12)"


def test_customer_types_show_in_how_customers_buy():
    spec = replace(
        small(12), customer_types=CUSTOMER_TYPES, customer_type_shares=(0.1, 0.15, 0.25, 0.5)
    )
    world = generate_world(spec)
    list_price = world.products.select("sku", "list_price")
    per_customer = (
        world.order_lines.filter(pl.col("quantity") > 0)
        .join(list_price, on="sku")
        .group_by("customer_id")
        .agg(
            pl.col("order_id").n_unique().alias("orders"),
            (pl.col("quantity").sum() / pl.col("order_id").n_unique()).alias("units_per_order"),
            (1 - pl.col("unit_price") / pl.col("list_price")).mean().alias("discount"),
            (pl.col("requested_delivery_date") - pl.col("order_date"))
            .dt.total_days()
            .median()
            .alias("lead_days"),
        )
        .join(world.customer_truth, on="customer_id")
        .group_by("customer_type")
        .agg(pl.exclude("customer_id", "customer_type").median())
    )
    by_type = {row["customer_type"]: row for row in per_customer.iter_rows(named=True)}
    assert max(by_type, key=lambda t: by_type[t]["discount"]) == "price_sensitive"
    assert min(by_type, key=lambda t: by_type[t]["lead_days"]) == "expensive_to_serve"
    assert min(by_type, key=lambda t: by_type[t]["orders"]) == "long_tail"
    assert (
        by_type["key_account"]["units_per_order"] > by_type["expensive_to_serve"]["units_per_order"]
    )
    urgent = (
        world.freight.filter(pl.col("mode").is_in(["expedite", "air"]))
        .join(world.customer_truth, left_on="destination_code", right_on="customer_id")
        .group_by("customer_type")
        .len()
    )
    assert urgent.sort("len")["customer_type"][-1] == "expensive_to_serve"


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_the_platform_loads_every_landing_file(worlds, seed, tmp_path):
    world = worlds[seed]
    rows = write_world_landing(world, tmp_path / "world")
    assert (tmp_path / "world" / "ground_truth" / "product_truth.csv").exists()
    with connect(tmp_path / "w.duckdb") as connection:
        log = write_raw_layer(
            connection, tmp_path / "world" / "landing", datetime(2026, 1, 5, tzinfo=UTC)
        )
        raw_lines = read_table(connection, "raw", "erp__order_lines")
    assert log.height == len(LANDING_FILES)
    assert log["status"].to_list() == ["loaded"] * log.height, log.select("source_file", "message")
    assert dict(zip(log["source_file"], log["rows"], strict=True)) == rows
    assert raw_lines.schema["order_date"] == pl.Date
    assert raw_lines["quantity"].sum() == pytest.approx(world.order_lines["quantity"].sum())


def test_evaluate_world_measures_products_and_customers():
    from segmentation_assets.world_bench import bench_config, evaluate_world

    row = evaluate_world(small(2), bench_config())
    assert row["error"] is None, row["error"]
    for entity in ("product", "customer"):
        assert row[f"{entity}_segments"] >= 1
        for column in (f"{entity}_ari", f"{entity}_baseline_ari"):
            assert -1.0 <= row[column] <= 1.0, (column, row[column])
    assert row["product_entities"] <= row["skus"] and row["customer_entities"] <= row["customers"]
    assert row["seconds"] > 0
