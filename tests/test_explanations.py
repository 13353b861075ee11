"""Explanations name the features that really put an entity in its segment, in plain words."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.cluster import KMeans

from segmentation_assets.segmentation.explanations import explain_rows, explain_segments

# Five blobs: a base blob and one blob shifted along each of the four features only, so moving
# a base entity along feature j alone takes it to blob j+1.
NAMES = ["weekly_units", "demand_cov", "adi", "seasonality_strength"]
SHIFT = 10.0


def _blobs(seed: int = 0, per_blob: int = 80) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = np.vstack([np.zeros(4), SHIFT * np.eye(4)]) + 20.0  # positive, like real volumes
    points = np.vstack([c + rng.normal(scale=0.6, size=(per_blob, 4)) for c in centers])
    blob = np.repeat(np.arange(5), per_blob)
    return points, blob


@pytest.fixture(scope="module")
def fitted():
    raw, _ = _blobs()
    kmeans = KMeans(n_clusters=5, n_init=10, random_state=0).fit(raw)
    labels = kmeans.labels_
    names = {s: f"group {s}" for s in range(5)}
    ids = [f"P{i:03d}" for i in range(len(raw))]
    explanations = explain_segments(ids, raw, NAMES, labels, names, "product", seed=7)
    return raw, kmeans, labels, names, ids, explanations


@pytest.mark.parametrize("j", range(4))
def test_entity_moved_along_one_feature_names_that_feature(fitted, j):
    raw, kmeans, labels, names, ids, explanations = fitted
    entity = 5  # a base-blob entity (rows 0..79 come from the base blob)
    moved = raw[entity].copy()
    moved[j] += SHIFT
    before = kmeans.predict(raw[entity : entity + 1])[0]
    after = kmeans.predict(moved[None, :])[0]
    assert after != before, "construction: the move must change the segment"
    frame = explain_rows(
        explanations,
        [ids[entity]],
        moved[None, :],
        NAMES,
        np.array([after]),
        names,
        "product",
        explanations.population_median,
    )
    assert frame["segment_id"].to_list() == [after]
    assert NAMES[j] in frame["top_drivers"][0].to_list()
    assert NAMES[j] in [frame[f"driver_{k}"][0] for k in (1, 2, 3)]


def test_sentence_names_segment_and_a_formatted_number(fitted):
    raw, _, labels, names, ids, explanations = fitted
    row = explanations.entities.row(
        100, named=True
    )  # an entity of the blob shifted along weekly_units
    assert row["entity_id"] == ids[100]
    assert row["segment_name"] == names[int(labels[100])]
    assert f"in segment '{names[int(labels[100])]}' mainly because" in row["explanation"]
    # weekly units: catalog says 2 decimals; this entity's value is high (~30 against a median ~20)
    assert row["driver_1"] == "weekly_units"
    assert f"weekly units {raw[100, 0]:.2f} are high" in row["explanation"]


def test_only_informative_feature_ranks_first_and_drives_rules():
    rng = np.random.default_rng(3)
    n = 300
    raw = rng.uniform(0, 1, size=(n, 3))
    raw[:, 0] = np.repeat([1.0, 5.0, 9.0], n // 3) + rng.normal(scale=0.2, size=n)
    labels = np.repeat([0, 1, 2], n // 3)  # only feature 0 separates the segments
    names = ["demand_cov", "adi", "cv2"]
    result = explain_segments(
        [str(i) for i in range(n)],
        raw,
        names,
        labels,
        {0: "low", 1: "mid", 2: "high"},
        "product",
        seed=1,
        tree_depth=2,
    )
    assert result.global_importance["feature"][0] == "demand_cov"
    assert result.global_importance["label"][0] == "demand CoV"
    assert (
        result.global_importance["mean_abs_shap"][0]
        > 5 * result.global_importance["mean_abs_shap"][1]
    )
    assert "demand CoV" in result.tree_rules
    assert (
        "average demand interval" not in result.tree_rules and "order-size" not in result.tree_rules
    )
    assert result.tree_accuracy == pytest.approx(1.0)
    assert result.surrogate_accuracy > 0.95
    assert "products)" in result.tree_rules and "'high'" in result.tree_rules


def test_same_seed_same_explanations():
    raw, blob = _blobs(seed=5, per_blob=40)
    ids = [str(i) for i in range(len(raw))]
    names = {s: f"s{s}" for s in range(5)}
    first = explain_segments(ids, raw, NAMES, blob, names, "product", seed=11)
    second = explain_segments(ids, raw, NAMES, blob, names, "product", seed=11)
    assert first.entities.equals(second.entities)
    assert first.global_importance.equals(second.global_importance)
    assert first.tree_rules == second.tree_rules
    assert first.surrogate_accuracy == second.surrogate_accuracy


def test_missing_values_are_said_and_do_not_break_the_fit():
    raw, blob = _blobs(seed=2, per_blob=30)
    raw[0, 0] = np.nan
    result = explain_segments(
        [str(i) for i in range(len(raw))], raw, NAMES, blob, {}, "product", seed=0, top_drivers=4
    )
    assert "segment 0" in result.entities["explanation"][0]
    assert "weekly units are missing" in result.entities["explanation"][0]


def test_plots_are_deterministic_pngs(fitted):
    from segmentation_assets.segmentation import plots

    raw, _, labels, names, _, explanations = fitted
    charts = [
        lambda: plots.importance_bar(explanations.global_importance),
        lambda: plots.pareto_curve(raw[:, 0] ** 3, (0.8, 0.95), "revenue Pareto"),
        lambda: plots.segment_scatter(
            raw[:, 0], raw[:, 1], labels, names, "weekly units", "demand CoV", True, False
        ),
        lambda: plots.segment_sizes(
            pl.DataFrame({"segment_id": [0, 1, 2], "volume_share": [0.02, 0.5, 0.48]}),
            pl.DataFrame({"segment_id": [0, 1], "volume_share": [0.52, 0.48]}),
            min_share=0.05,
            segment_names={0: "fast", 1: "slow"},
        ),
        lambda: plots.migration_heatmap(
            pl.DataFrame(
                {"from_segment": [0, 0, 1], "to_segment": [0, 1, 1], "entities": [5, 2, 7]}
            ),
            {0: "fast", 1: "slow"},
        ),
    ]
    for chart in charts:
        png = chart()
        assert png.startswith(b"\x89PNG") and png == chart()
    assert plots.png_markdown(b"\x89PNG", "x") == "![x](data:image/png;base64,iVBORw==)"


def test_large_populations_use_the_fast_approximation_with_the_same_driver(fitted, monkeypatch):
    from segmentation_assets.segmentation import explanations as module

    raw, kmeans, _, names, ids, explanations = fitted
    monkeypatch.setattr(module, "EXACT_SHAP_MAX_ROWS", 0)
    moved = raw[5].copy()
    moved[2] += SHIFT
    after = kmeans.predict(moved[None, :])
    frame = explain_rows(
        explanations,
        [ids[5]],
        moved[None, :],
        NAMES,
        after,
        names,
        "product",
        explanations.population_median,
    )
    assert frame["driver_1"][0] == "adi"
