"""Segmentation engine: feature matrix, candidates, selection, naming and stability on
constructed data."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation_assets.config import (
    CandidatesConfig,
    ConstraintsConfig,
    PinConfig,
    SegmentationSection,
    StabilityConfig,
)
from segmentation_assets.segmentation import candidates as candidates_module
from segmentation_assets.segmentation.candidates import fit_candidate, fit_candidates, relabel
from segmentation_assets.segmentation.matrix import build_feature_matrix
from segmentation_assets.segmentation.naming import name_segments, segment_profiles
from segmentation_assets.segmentation.selection import (
    choose_candidate,
    constrain_candidates,
    score_candidates,
    subsample_stability,
)
from segmentation_assets.segmentation.stability import (
    BOOTSTRAP_SCHEMA,
    MIGRATION_SCHEMA,
    WINDOW_SCHEMA,
    Stability,
    bootstrap_stability,
    rolling_stability,
)

CENTRES = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
SIZES = (40, 30, 20)  # distinct sizes: canonical ids are 0, 1, 2 in this order


def blobs(seed: int = 0, spread: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated blobs; the truth is numbered canonically (largest blob = 0)."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(3), SIZES)
    return CENTRES[truth] + rng.normal(0, spread, (len(truth), 2)), truth


# --- feature matrix -------------------------------------------------------------------------------


def test_matrix_logs_skewed_features_scales_robustly_and_drops_unusable_ones():
    frame = pl.DataFrame(
        {
            "sku": ["a", "b", "c", "d", "e"],
            "weekly_units": np.expm1([0.0, 1.0, 2.0, 3.0, 4.0]),  # skewed: log1p gives 0..4
            "trend": [1.0, None, 3.0, 5.0, 7.0],
            "adi": pl.Series([None] * 5, dtype=pl.Float64),
            "forecast_wape": [0.3] * 5,
        }
    )
    criteria = {"weekly_units": 1.0, "trend": 2.0, "adi": 1.0, "forecast_wape": 1.0}
    m = build_feature_matrix(frame, "sku", criteria, "product")
    assert m.ids == ["a", "b", "c", "d", "e"]
    assert m.names == ["weekly_units", "trend"]
    assert "null" in m.dropped["adi"] and "constant" in m.dropped["forecast_wape"]
    assert m.imputed == {"trend": 1}
    assert m.raw[:, 1].tolist() == [
        1.0,
        4.0,
        3.0,
        5.0,
        7.0,
    ]  # the null took the median of 1, 3, 5, 7
    # log1p -> 0..4: median 2; scale max(IQR 2 / 1.349, std sqrt 2) = 2 / 1.349; weight 1
    np.testing.assert_allclose(m.values[:, 0], np.array([-2.0, -1.0, 0.0, 1.0, 2.0]) * 1.349 / 2)
    # trend 1,4,3,5,7 (not skewed): median 4; scale max(IQR 2 / 1.349, std 2) = 2; weight 2 -> x - 4
    np.testing.assert_allclose(m.values[:, 1], [-3.0, 0.0, -1.0, 1.0, 3.0])

    other = pl.DataFrame(
        {"sku": ["x", "y"], "weekly_units": [np.expm1(2.0), None], "trend": [None, 6.0]}
    )
    # nulls take THIS matrix's medians (raw weekly_units median e^2 - 1 -> scaled 0; trend 4 -> 0)
    np.testing.assert_allclose(m.transform_frame(other), [[0.0, 0.0], [0.0, 2.0]], atol=1e-12)


def test_matrix_scale_is_never_below_the_std_so_a_mostly_constant_feature_cannot_dominate():
    frame = pl.DataFrame(
        {"sku": list("abcdefgh"), "seasonality_strength": [0.0, 0.0, 0.0, 0.01, 0.0, 0.0, 0.9, 0.8]}
    )
    m = build_feature_matrix(frame, "sku", {"seasonality_strength": 1.0}, "product")
    column = frame["seasonality_strength"].to_numpy()
    # IQR 0.0025 would put the two seasonal products 300+ units away; the std keeps them at ~2.5
    np.testing.assert_allclose(m.values[:, 0], (column - np.median(column)) / column.std())
    assert m.values[:, 0].max() < 3


def test_matrix_refuses_what_cannot_be_segmented():
    with pytest.raises(ValueError, match="at least 2"):
        build_feature_matrix(
            pl.DataFrame({"sku": ["a"], "demand_cov": [1.0]}), "sku", {"demand_cov": 1.0}, "product"
        )
    with pytest.raises(ValueError, match="no usable product feature.*adi"):
        build_feature_matrix(
            pl.DataFrame({"sku": ["a", "b"], "adi": [None, None]}), "sku", {"adi": 1.0}, "product"
        )


# --- candidates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["kmeans", "ward"])
def test_kmeans_and_ward_recover_separated_blobs_with_canonical_ids(algorithm):
    values, truth = blobs()
    fitted = fit_candidate(algorithm, values, 3, seed=7, min_cluster_share=0.05)
    assert adjusted_rand_score(truth, fitted.labels) == 1.0
    assert fitted.labels.tolist() == truth.tolist()  # largest blob 0, then 1, then 2
    np.testing.assert_allclose(fitted.centroids, CENTRES, atol=0.5)
    new = np.array([[0.2, -0.1], [19.5, 0.3], [0.1, 21.0]])
    labels, noise = fitted.predict(new)
    assert labels.tolist() == [0, 1, 2] and not noise.any()


def test_ward_on_many_rows_fits_a_subsample_and_assigns_the_rest(monkeypatch):
    monkeypatch.setattr(candidates_module, "WARD_MAX_ROWS", 50)
    monkeypatch.setattr(candidates_module, "WARD_SAMPLE_ROWS", 45)
    values, truth = blobs()
    fitted = fit_candidate("ward", values, 3, seed=1, min_cluster_share=0.05)
    assert fitted.params["subsample_rows"] == 45
    assert fitted.labels.tolist() == truth.tolist()


def test_same_seed_gives_identical_labels_and_relabel_is_canonical():
    values, _ = blobs(spread=4.0)  # overlapping: the algorithm has choices to make
    a = fit_candidate("kmeans", values, 5, seed=3, min_cluster_share=0.05)
    b = fit_candidate("kmeans", values, 5, seed=3, min_cluster_share=0.05)
    assert a.labels.tolist() == b.labels.tolist()
    # sizes 3, 2, 1 -> ids 0, 1, 2 whatever the input numbering; noise stays -1
    points = np.array([[0.0], [0.0], [0.0], [1.0], [1.0], [2.0], [9.0]])
    assert relabel(np.array([5, 5, 5, 2, 2, 9, -1]), points).tolist() == [0, 0, 0, 1, 1, 2, -1]
    # equal sizes: the lower centroid comes first
    assert relabel(np.array([1, 1, 0, 0]), np.array([[5.0], [5.0], [1.0], [1.0]])).tolist() == [
        1,
        1,
        0,
        0,
    ]
    permuted = np.array([4, 2, 0, 1, 3])[a.labels]
    assert relabel(permuted, values).tolist() == a.labels.tolist()


def test_hdbscan_flags_noise_and_assigns_it_to_the_nearest_segment():
    values, truth = blobs()
    outliers = np.array([[60.0, 5.0], [-5.0, 60.0]])  # nearest blobs: (20, 0) -> 1 and (0, 20) -> 2
    fitted = fit_candidate(
        "hdbscan", np.vstack([values, outliers]), None, seed=0, min_cluster_share=0.1
    )
    assert fitted.k == 3
    assert fitted.is_noise[-2:].all() and fitted.is_noise.sum() <= 4
    assert fitted.labels[-2:].tolist() == [1, 2]
    assert adjusted_rand_score(truth, fitted.labels[:-2]) == 1.0
    labels, noise = fitted.predict(np.array([[0.1, 0.1], [60.0, 4.0]]))
    assert labels.tolist() == [0, 1] and noise.tolist() == [False, True]


def test_hdbscan_with_one_cluster_is_a_flagged_k1_candidate():
    one = np.random.default_rng(0).normal(0, 1, (60, 2))
    fitted = fit_candidate("hdbscan", one, None, seed=0, min_cluster_share=0.1)
    assert fitted.k == 1 and set(fitted.labels.tolist()) == {0}
    scores = _scores(one, [fitted], [0.0])
    assert scores.row(0, named=True)["eligible"] is False


# --- selection ------------------------------------------------------------------------------------


LOOSE = ConstraintsConfig(
    min_volume_share=0.0, min_entity_share=None, min_entities=1, min_segments=1
)


def _scores(values, fitted, stability, rules=LOOSE, min_stability=0.8):
    outcomes = constrain_candidates(values, fitted, np.ones(values.shape[0]), rules)
    return score_candidates(values, fitted, outcomes, stability, min_stability, rules, seed=11)


@pytest.fixture(scope="module")
def fitted_blobs():
    values, truth = blobs()
    config = CandidatesConfig(
        k_range=(2, 5), algorithms=("kmeans", "ward", "hdbscan"), hdbscan_min_cluster_share=0.1
    )
    fitted = fit_candidates(values, config, seed=11)
    stability = [subsample_stability(values, c, seed=11) for c in fitted]
    return values, truth, fitted, stability


def test_selection_chooses_the_true_number_of_segments(fitted_blobs):
    values, truth, fitted, stability = fitted_blobs
    assert [(c.algorithm, c.k) for c in fitted][:8] == [("kmeans", k) for k in (2, 3, 4, 5)] + [
        ("ward", k) for k in (2, 3, 4, 5)
    ]
    assert fitted[-1].algorithm == "hdbscan"
    scores = _scores(values, fitted, stability)
    assert scores.columns == [
        "algorithm",
        "k",
        "segments",
        "silhouette",
        "davies_bouldin",
        "stability",
        "unmet",
        "stable",
        "enough",
        "eligible",
        "reason",
    ]
    chosen = choose_candidate(scores, PinConfig())
    assert fitted[chosen].k == 3
    assert adjusted_rand_score(truth, fitted[chosen].labels) == 1.0
    # the true partition is stable under subsampling
    assert stability[1] == pytest.approx(1.0)


def test_an_unstable_candidate_loses_to_a_stable_one_with_less_separation(fitted_blobs):
    values, _, fitted, stability = fitted_blobs
    true_k = fitted[1]
    claimed = [0.5 if c is true_k else 1.0 for c in fitted]  # pretend k=3 falls apart
    scores = _scores(values, fitted, claimed)
    assert scores.row(1, named=True)["stable"] is False
    chosen = choose_candidate(scores, PinConfig())
    assert fitted[chosen] is not true_k and scores.row(chosen, named=True)["stable"]
    # nothing stable: the most stable eligible candidate is taken
    none_stable = _scores(values, fitted, [0.1 + 0.01 * i for i in range(len(fitted))])
    index = choose_candidate(none_stable, PinConfig())
    eligible = none_stable.filter(pl.col("eligible"))
    assert none_stable.row(index, named=True)["stability"] == eligible["stability"].max()


def test_candidates_are_judged_after_their_constraints(fitted_blobs):
    values, _, fitted, stability = fitted_blobs
    # a 30-entity minimum: the 20-entity blob cannot stand alone, and with at least 3 segments
    # required every k=3 candidate leaves a constraint unmet; k=2 keeps only the two big blobs
    strict = ConstraintsConfig(
        min_volume_share=None, min_entity_share=None, min_entities=30, min_segments=2
    )
    scores = _scores(values, fitted, stability, rules=strict)
    kmeans3 = scores.row(1, named=True)
    assert kmeans3["k"] == 3 and kmeans3["segments"] == 2 and kmeans3["eligible"]
    floor3 = ConstraintsConfig(
        min_volume_share=None, min_entity_share=None, min_entities=30, min_segments=3
    )
    blocked = _scores(values, fitted, stability, rules=floor3).row(1, named=True)
    assert blocked["unmet"] == 1 and not blocked["eligible"] and "unmet" in blocked["reason"]


def test_enough_segments_come_before_the_best_separated_few(fitted_blobs):
    values, _, fitted, stability = fitted_blobs
    three = LOOSE.model_copy(update={"min_segments": 3})
    scores = _scores(values, fitted[:4], [1.0] * 4, rules=three)  # kmeans k = 2..5, all stable
    assert scores["enough"].to_list() == [False, True, True, True]
    assert fitted[choose_candidate(scores, PinConfig())].k == 3
    only_two = _scores(values, fitted[:1], [1.0], rules=three)
    assert choose_candidate(only_two, PinConfig()) == 0, "fewer only when nothing else is there"


def test_too_many_segments_are_ineligible(fitted_blobs):
    values, _, fitted, stability = fitted_blobs
    seven = fit_candidate("kmeans", values, 7, seed=11, min_cluster_share=0.1)
    # max_segments 2 + 4 allows k <= 6: the constraint step can merge a few segments, not many
    two = LOOSE.model_copy(update={"max_segments": 2})
    scores = _scores(values, [fitted[3], seven], [stability[3], 1.0], rules=two)
    assert fitted[3].k == 5 and scores.get_column("eligible").to_list() == [True, False]
    assert scores["segments"].to_list()[0] == 2, "k=5 merged down to the maximum"
    assert "max_segments" in scores.row(1, named=True)["reason"]


def test_pins_are_honoured(fitted_blobs):
    values, _, fitted, stability = fitted_blobs
    scores = _scores(values, fitted, stability)
    exact = choose_candidate(scores, PinConfig(algorithm="ward", k=5))
    assert (fitted[exact].algorithm, fitted[exact].k) == ("ward", 5)
    by_algorithm = choose_candidate(scores, PinConfig(algorithm="ward"))
    assert fitted[by_algorithm].algorithm == "ward" and fitted[by_algorithm].k == 3
    by_k = choose_candidate(scores, PinConfig(k=4))
    assert fitted[by_k].k == 4
    with pytest.raises(ValueError, match="k=7"):
        choose_candidate(scores, PinConfig(algorithm="kmeans", k=7))


def test_ties_prefer_fewer_segments_then_kmeans_ward_hdbscan():
    def frame(rows):
        return pl.DataFrame(
            [(a, k, k, s, 1.0, 0, True, True, e, r) for a, k, s, e, r in rows],
            schema=[
                "algorithm",
                "k",
                "segments",
                "silhouette",
                "stability",
                "unmet",
                "stable",
                "enough",
                "eligible",
                "reason",
            ],
            orient="row",
        )

    scores = frame(
        [
            ("hdbscan", 3, 0.4, True, ""),
            ("ward", 3, 0.4, True, ""),
            ("kmeans", 4, 0.4, True, ""),
            ("kmeans", 2, 0.9, False, "x"),
        ]
    )
    assert choose_candidate(scores, PinConfig()) == 1
    scores = frame([("ward", 3, 0.4, True, ""), ("kmeans", 3, 0.4, True, "")])
    assert choose_candidate(scores, PinConfig()) == 1


# --- naming ---------------------------------------------------------------------------------------


def test_names_describe_what_stands_out_and_are_unique():
    core = 40
    frame = pl.DataFrame(
        {
            "weekly_units": np.concatenate([[500.0] * 10, [0.2] * 10, np.linspace(5, 20, core)]),
            "demand_cov": np.concatenate([[0.1] * 10, [2.5] * 10, np.linspace(0.5, 0.9, core)]),
            "adi": np.concatenate([[1.0] * 10, [6.0] * 10, np.linspace(1.0, 1.6, core)]),
        }
    )
    labels = np.repeat([0, 1, 2], [10, 10, core])
    profiles = segment_profiles(frame, labels, ["weekly_units", "demand_cov", "adi"])
    assert profiles.get_column("entities").to_list() == [10, 10, core]
    assert profiles.row(0, named=True)["weekly_units"] == 500.0
    names = name_segments(profiles, frame, "product")
    # strongest first: units z ~ +4 (log scale), CoV z ~ -2; adi 1.0 is low but "low adi" has
    # no word
    assert names[0] == "fast, stable"
    # adi z ~ +11, CoV z ~ +6, units z ~ -2.7
    assert names[1] == "intermittent, erratic, slow"
    assert names[2] == "core"
    assert len(set(names.values())) == 3


def test_colliding_names_are_told_apart_by_what_separates_them_and_lumpy_is_said_once():
    population = pl.DataFrame(
        {
            c: [-1.0, -0.5, 0.0, 0.5, 1.0]
            for c in ["adi", "cv2", "trend", "seasonality_strength", "demand_cov"]
        }
    )  # median 0, IQR 1
    profiles = pl.DataFrame(
        {
            "segment_id": [0, 1, 2, 3],
            "adi": [5.0, 5.0, 0.0, 0.0],
            "cv2": [4.0, 4.0, 0.0, 0.0],
            "trend": [3.0, 3.0, -2.0, -2.0],
            "seasonality_strength": [2.0, 0.6, 0.0, 0.0],
            "demand_cov": [0.0, 0.0, 0.0, 0.0],
        }
    )
    names = name_segments(profiles, population, "product")
    # intermittent (z 5) with uneven sizes (z 4) is "lumpy"; both are also seasonal (z 2 and
    # 0.6 > 0.5), and seasonality is what separates them most
    assert names[0] == "lumpy, growing, seasonal (higher seasonality strength)"
    assert names[1] == "lumpy, growing, seasonal (lower seasonality strength)"
    assert names[2] == "declining" and names[3] == "declining 2", (
        "identical profiles: only a number tells them apart"
    )
    # the same words in another order collide too; uneven sizes without intermittency go unsaid
    reordered = name_segments(
        pl.DataFrame(
            {
                "segment_id": [0, 1],
                "trend": [3.0, 2.0],
                "seasonality_strength": [2.0, 2.5],
                "cv2": [4.0, 4.0],
            }
        ),
        population,
        "product",
    )
    assert reordered == {
        0: "growing, seasonal (higher log growth per year)",
        1: "seasonal, growing (lower log growth per year)",
    }
    customers = name_segments(
        pl.DataFrame({"segment_id": [0], "total_revenue": [10.0]}),
        pl.DataFrame({"total_revenue": [1.0, 10.0, 100.0]}),
        "customer",
    )
    assert customers == {0: "typical"}
    with pytest.raises(
        ValueError, match="per-entity"
    ):  # a one-row profile has no spread to measure z with
        name_segments(profiles, profiles.head(1).with_columns(entities=pl.lit(5)), "product")


# --- stability ------------------------------------------------------------------------------------


# Both coordinates split the entities near the middle, so each feature's IQR spans the blob gap
# (with CENTRES, 70 of 90 entities sit at y = 0: y's IQR would be the within-blob noise and
# robust scaling would blow that noise up past the blob separation).
WINDOW_CENTRES = np.array([[0.0, 0.0], [20.0, 20.0], [0.0, 20.0]])


def _window(seed: int, shuffled: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(3), SIZES)
    if shuffled:  # no lasting structure: every entity lands anywhere in the square each window
        points = rng.uniform(-5, 25, (len(truth), 2))
    else:
        points = WINDOW_CENTRES[truth] + rng.normal(0, 0.5, (len(truth), 2))
    return pl.DataFrame(
        {
            "sku": [f"p{i}" for i in range(len(truth))],
            "demand_cov": points[:, 0],
            "adi": points[:, 1],
        }
    )


def _refit(frame: pl.DataFrame):
    matrix = build_feature_matrix(frame, "sku", {"demand_cov": 1.0, "adi": 1.0}, "product")
    return matrix, fit_candidate("kmeans", matrix.values, 3, seed=0, min_cluster_share=0.05)


def test_rolling_stability_is_high_on_lasting_blobs_and_low_on_shuffled_data():
    stable = [(f"w{i}", _window(i, shuffled=False)) for i in range(3)]
    windows, mean, migration = rolling_stability(stable, "sku", _refit)
    assert windows.get_column("assign_window").to_list() == ["w1", "w2"]
    assert windows.get_column("entities_compared").to_list() == [90, 90]
    assert mean == pytest.approx(1.0)
    assert (migration.get_column("from_segment") == migration.get_column("to_segment")).all()
    assert migration.get_column("entities").sum() == 180

    shuffled = [(f"w{i}", _window(i, shuffled=True)) for i in range(3)]
    _, shuffled_mean, moves = rolling_stability(shuffled, "sku", _refit)
    assert shuffled_mean < 0.9  # ~0.73 here: two k-means fits on structureless data disagree
    stayed = (
        moves.filter(pl.col("from_segment") == pl.col("to_segment")).get_column("entities").sum()
    )
    assert stayed / moves.get_column("entities").sum() < 0.6  # ~1/3 by chance when nothing lasts


def test_bootstrap_stability_is_about_one_on_clear_blobs():
    values, truth = blobs()
    result = bootstrap_stability(
        values, truth, lambda v: fit_candidate("kmeans", v, 3, 0, 0.05), samples=5, seed=1
    )
    assert result.get_column("segment_id").to_list() == [0, 1, 2]
    assert result.get_column("samples").to_list() == [5, 5, 5]
    assert all(math.isclose(j, 1.0) for j in result.get_column("mean_jaccard").to_list())


STABILITY_RULES = SegmentationSection(
    stability=StabilityConfig(min_adjusted_rand=0.6, min_bootstrap_jaccard=0.75)
)
NO_WINDOWS = "no rolling windows: the history is too short for the configured windows"


def _stability(mean_adjusted_rand: float | None, jaccards: list[float], note: str = ""):
    return Stability(
        windows=pl.DataFrame(schema=WINDOW_SCHEMA),
        mean_adjusted_rand=mean_adjusted_rand,
        migration=pl.DataFrame(schema=MIGRATION_SCHEMA),
        bootstrap=pl.DataFrame(
            {
                "segment_id": list(range(len(jaccards))),
                "mean_jaccard": jaccards,
                "samples": [20] * len(jaccards),
            },
            schema=BOOTSTRAP_SCHEMA,
        ),
        note=note,
    )


def test_stability_passes_at_or_above_every_threshold():
    assert _stability(0.8, [0.9, 0.76]).failures(STABILITY_RULES) == []
    assert _stability(0.6, [0.75, 0.75]).failures(STABILITY_RULES) == [], "thresholds pass"
    assert _stability(0.8, []).failures(STABILITY_RULES) == [], "no bootstrap rows, no failure"


def test_stability_failure_names_the_adjusted_rand_shortfall():
    assert _stability(0.42, [0.9, 0.8]).failures(STABILITY_RULES) == [
        "mean out-of-sample adjusted Rand index 0.42 is below 0.6"
    ]


def test_stability_failure_names_each_weak_segments_bootstrap_jaccard():
    assert _stability(0.8, [0.9, 0.5, 0.31, 0.75]).failures(STABILITY_RULES) == [
        "segment 1 bootstrap Jaccard 0.50 is below 0.75",
        "segment 2 bootstrap Jaccard 0.31 is below 0.75",
    ]


def test_stability_failure_includes_the_note_first():
    assert _stability(None, [0.9], NO_WINDOWS).failures(STABILITY_RULES) == [NO_WINDOWS]
    assert _stability(0.1, [0.2], NO_WINDOWS).failures(STABILITY_RULES) == [
        NO_WINDOWS,
        "mean out-of-sample adjusted Rand index 0.10 is below 0.6",
        "segment 0 bootstrap Jaccard 0.20 is below 0.75",
    ]


def test_stability_is_still_importable_from_the_engine():
    from segmentation_assets.segmentation import engine

    assert engine.Stability is Stability
