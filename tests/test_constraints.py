"""Segment constraints: big enough by volume OR entities, at least N entities, between the
minimum and maximum count, never collapsed; by example and by property."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation_assets.config import ConstraintsConfig, SegmentationConfig
from segmentation_assets.segmentation.constraints import enforce_constraints
from segmentation_assets.segmentation.engine import fit_model, volume, with_entity_id


def rules(**values) -> ConstraintsConfig:
    defaults = {"min_entity_share": None, "min_entities": 1, "min_segments": 1}
    return ConstraintsConfig(**(defaults | values))


def _shares(labels: np.ndarray, weight: np.ndarray) -> dict[int, float]:
    """Share of the weight per segment; with no weight at all, share of the entities."""
    weight = weight if weight.sum() > 0 else np.ones(len(labels))
    return {int(s): float(weight[labels == s].sum() / weight.sum()) for s in np.unique(labels)}


def _big_enough(labels: np.ndarray, volume: np.ndarray, config: ConstraintsConfig) -> bool:
    """The rule as the config states it, written independently of the module."""
    by_volume = _shares(labels, volume)
    by_entities = _shares(labels, np.ones(len(labels)))
    rules = [
        (shares, minimum)
        for shares, minimum in (
            (by_volume, config.min_volume_share),
            (by_entities, config.min_entity_share),
        )
        if minimum is not None
    ]
    return all(
        (labels == s).sum() >= config.min_entities
        and (not rules or any(shares[s] >= minimum - 1e-12 for shares, minimum in rules))
        for s in by_volume
    )


def test_small_segments_dissolve_into_the_nearest_segment_smallest_first():
    # 1-D positions: segment 0 around 0, segment 1 around 10, segment 2 at 1 (near 0),
    # segment 3 at 9 (near 1).
    labels = np.array([0] * 5 + [1] * 4 + [2] * 2 + [3] * 1)
    values = np.array([[0.0]] * 5 + [[10.0]] * 4 + [[1.0]] * 2 + [[9.0]] * 1)
    volume = np.array([10.0] * 5 + [10.0] * 4 + [4.0] * 2 + [2.0])  # shares 50%, 40%, 8%, 2%
    out = enforce_constraints(labels, values, volume, rules(min_volume_share=0.10))

    # segment 3 (2%) goes first into segment 1, then segment 2 (8%) into segment 0
    assert out.actions[0].startswith("segment 3 (2.0% of volume, 1 entity) dissolved")
    assert "1 to segment 1" in out.actions[0]
    assert out.actions[1].startswith("segment 2 (8.0% of volume, 2 entities) dissolved")
    assert "2 to segment 0" in out.actions[1]
    # canonical numbering: the 7-entity segment (0 + 2) is 0, the 5-entity one (1 + 3) is 1
    assert out.labels.tolist() == [0] * 5 + [1] * 4 + [0] * 2 + [1]
    assert out.before.get_column("volume_share").to_list() == [0.5, 0.4, 0.08, 0.02]
    assert out.after.select("segment_id", "entities", "volume", "volume_share").to_dicts() == [
        {"segment_id": 0, "entities": 7, "volume": 58.0, "volume_share": 0.58},
        {"segment_id": 1, "entities": 5, "volume": 42.0, "volume_share": 0.42},
    ]
    assert out.unmet == []


def test_a_long_tail_with_little_volume_keeps_its_segment_by_its_entity_share():
    """The collapse seen on a real delivery history: 59% of the products, 1.1% of the units."""
    tail, heads = 59, [20, 21]
    labels = np.array([0] * tail + [1] * heads[0] + [2] * heads[1])
    values = np.array([[0.0]] * tail + [[5.0]] * heads[0] + [[9.0]] * heads[1])
    volume = np.array([0.011 / tail] * tail + [0.5 / heads[0]] * heads[0] + [0.489 / 21] * 21)
    volume_only = enforce_constraints(
        labels, values, volume, rules(min_volume_share=0.05, min_entity_share=None)
    )
    assert "dissolved" in volume_only.actions[0] and len(np.unique(volume_only.labels)) == 2
    either = enforce_constraints(
        labels, values, volume, rules(min_volume_share=0.05, min_entity_share=0.05)
    )
    assert not any("dissolved" in action for action in either.actions)
    assert len(np.unique(either.labels)) == 3


def test_a_segment_under_the_minimum_entity_count_goes_whatever_its_volume():
    labels = np.array([0] * 10 + [1] * 10 + [2] * 3)
    values = np.array([[0.0]] * 10 + [[10.0]] * 10 + [[9.0]] * 3)
    volume = np.array([1.0] * 20 + [100.0] * 3)  # the three entities hold 94% of the volume
    config = rules(min_volume_share=0.05, min_entity_share=0.2, min_entities=5)
    out = enforce_constraints(labels, values, volume, config)
    assert "below the minimum of 5 entities" in out.actions[0]
    assert len(np.unique(out.labels)) == 2


def test_the_minimum_segment_count_stops_dissolving_and_says_what_is_unmet():
    labels = np.array([0] * 30 + [1] * 3 + [2] * 3)
    values = np.array([[0.0]] * 30 + [[5.0]] * 3 + [[9.0]] * 3)
    volume = np.ones(36)
    out = enforce_constraints(
        labels, values, volume, rules(min_volume_share=0.2, min_entities=5, min_segments=2)
    )
    assert len(np.unique(out.labels)) == 2, "one small segment dissolved, then the floor holds"
    assert len(out.unmet) == 1
    assert "kept because dissolving it would leave fewer than 2 segments" in out.unmet[0]
    assert out.unmet[0] in out.actions


def test_too_many_segments_are_merged_down_to_the_maximum():
    labels = np.repeat(np.arange(5), 4)
    values = np.repeat(np.arange(5, dtype=float) * 10, 4)[:, None]
    volume = np.repeat([30.0, 25.0, 20.0, 15.0, 10.0], 4)
    out = enforce_constraints(labels, values, volume, rules(min_volume_share=0.0, max_segments=3))
    assert len(np.unique(out.labels)) == 3
    assert sum("exceed the maximum of 3" in action for action in out.actions) == 2
    # segment 4 (10%, at 40) joins segment 3 (at 30), which then holds 25%; so segment 2
    # (20%, at 20) is the smallest next and joins segment 1 (at 10; segment 3's centroid is
    # now at 35)
    assert set(out.kept) == {0, 1, 3}
    assert "4 to segment 3" in out.actions[0] and "4 to segment 1" in out.actions[1]


def test_zero_total_volume_judges_segments_by_entity_share_and_says_so():
    labels = np.array([0] * 19 + [1])
    values = np.array([[0.0]] * 19 + [[5.0]])
    out = enforce_constraints(
        labels, values, np.zeros(20), rules(min_volume_share=0.1, min_entity_share=0.1)
    )
    assert "shares of entities" in out.actions[0]
    assert out.labels.tolist() == [0] * 20


def test_a_valid_segmentation_is_left_alone():
    labels = np.array([0, 0, 1, 1])
    values = np.array([[0.0], [0.1], [5.0], [5.1]])
    out = enforce_constraints(labels, values, np.ones(4), rules(min_volume_share=0.2))
    assert out.actions == [] and out.unmet == []
    assert out.labels.tolist() == [0, 0, 1, 1]


volumes = st.one_of(
    st.lists(st.just(0.0), min_size=40, max_size=40),
    st.lists(st.floats(0, 1000, allow_nan=False), min_size=40, max_size=40),
    st.integers(0, 39).map(
        lambda i: [1e9 if j == i else 1.0 for j in range(40)]
    ),  # one dominant entity
)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 40),
    raw_labels=st.lists(st.integers(0, 12), min_size=40, max_size=40),
    raw_values=st.lists(st.floats(-100, 100, allow_nan=False), min_size=80, max_size=80),
    raw_volume=volumes,
    min_volume_share=st.one_of(st.none(), st.floats(0.0, 0.49)),
    min_entity_share=st.one_of(st.none(), st.floats(0.0, 0.49)),
    min_entities=st.integers(1, 8),
    min_segments=st.integers(1, 4),
    extra_segments=st.integers(0, 4),
)
def test_constraints_always_hold_or_say_why_not(
    n,
    raw_labels,
    raw_values,
    raw_volume,
    min_volume_share,
    min_entity_share,
    min_entities,
    min_segments,
    extra_segments,
):
    config = ConstraintsConfig(
        min_volume_share=min_volume_share,
        min_entity_share=min_entity_share,
        min_entities=min_entities,
        min_segments=min_segments,
        max_segments=min_segments + extra_segments,
    )
    labels = np.array(raw_labels[:n])
    values = np.array(raw_values[: 2 * n]).reshape(n, 2)
    volume = np.array(raw_volume[:n])
    out = enforce_constraints(labels, values, volume, config)
    result = out.labels

    assert result.shape == (n,) and (result >= 0).all()  # every entity keeps a label
    m = len(np.unique(result))
    assert sorted(np.unique(result).tolist()) == list(range(m))  # labels are 0..m-1
    assert m <= config.max_segments
    assert m >= min(config.min_segments, len(np.unique(labels))), "never collapsed below"
    if out.unmet:
        assert m <= config.min_segments and not _big_enough(result, volume, config)
    else:
        assert _big_enough(result, volume, config)

    # segments that were not dissolved stay together, one per output segment
    assert sorted(out.kept.values()) == list(range(m))
    for before, after in out.kept.items():
        assert (result[labels == before] == after).all()
    assert out.after.get_column("entities").sum() == n
    again = enforce_constraints(labels, values, volume, config)
    assert (again.labels == result).all() and again.actions == out.actions


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(12, 60),
    seed=st.integers(0, 10_000),
    min_share=st.floats(0.0, 0.3),
    max_segments=st.integers(3, 8),
    measure=st.sampled_from(["units", "revenue", "entities"]),
)
def test_the_engine_honours_the_constraints_on_any_features(
    n, seed, min_share, max_segments, measure
):
    """The whole fit (candidates, selection, constraints), not just the constraint step."""
    rng = np.random.default_rng(seed)
    features = with_entity_id(
        pl.DataFrame(
            {
                "sku": [f"S{i:03d}" for i in range(n)],
                "weekly_units": rng.lognormal(2, 1.5, n),
                "demand_cov": rng.gamma(1, 0.8, n),
                "trend": rng.normal(0, 1, n),
                "total_units": rng.lognormal(6, 2, n),
                "total_revenue": rng.lognormal(8, 2, n),
            }
        ),
        "product",
    )
    config = SegmentationConfig.model_validate(
        {
            "segmentation": {
                "products": {"criteria": {"weekly_units": 1, "demand_cov": 1, "trend": 1}},
                "constraints": {
                    "min_volume_share": min_share,
                    "max_segments": max_segments,
                    "volume_measure": measure,
                },
            }
        }
    ).segmentation
    model = fit_model(features, "product", config)
    assert len(np.unique(model.labels)) <= max_segments
    if not model.constraints.unmet:
        assert _big_enough(model.labels, volume(features, measure), config.constraints)
