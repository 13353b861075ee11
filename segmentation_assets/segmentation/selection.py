"""Scoring the candidate segmentations and choosing one (or honouring the planner's pin).

Each candidate gets four components in [0, 1], higher is better:

- silhouette: (s + 1) / 2, with s the mean silhouette (how much closer entities are to their own
  segment than to the next); computed on at most `SILHOUETTE_SAMPLE_ROWS` seeded sampled rows;
- Davies-Bouldin: 1 / (1 + DB) (DB = average ratio of within-segment spread to the distance between
  segments; lower DB is better);
- stability: the mean adjusted Rand index between the candidate and refits of the same algorithm
  and k on seeded 80% subsamples (`subsample_stability`), clipped to [0, 1];
- interpretability: 1 - (k - 2) / (max_segments - 1), clipped to [0, 1]; fewer segments are easier
  to run as planning policies.

score = weighted sum of the components / sum of the weights (equal weights if all are 0).
The frame keeps silhouette and Davies-Bouldin as the raw metrics planners know (s in [-1, 1],
DB >= 0); stability and interpretability are the components themselves.

Ineligible: k < 2 (not a segmentation, e.g. HDBSCAN found one cluster) and k > max_segments + 4
(the constraint step can merge a few segments, not many).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from sklearn.metrics import adjusted_rand_score, davies_bouldin_score, silhouette_score

from segmentation_assets.config import PinConfig, SelectionWeights
from segmentation_assets.segmentation.candidates import (
    ALGORITHMS,
    FittedSegmentation,
    fit_candidate,
)

SILHOUETTE_SAMPLE_ROWS = 5_000
MERGE_ALLOWANCE = 4  # candidates may exceed max_segments by this many; constraints merge the rest


@dataclass(frozen=True)
class CandidateScore:
    algorithm: str
    k: int
    silhouette: float  # raw mean silhouette in [-1, 1]
    davies_bouldin: float  # raw Davies-Bouldin index, >= 0
    stability: float  # subsample ARI clipped to [0, 1]
    interpretability: float  # 1 - (k - 2) / (max_segments - 1) clipped to [0, 1]
    score: float  # weighted mean of the four components in [0, 1]
    eligible: bool
    reason: str  # "" when eligible, else why not


SCORE_SCHEMA = {
    "algorithm": pl.String,
    "k": pl.Int64,
    "silhouette": pl.Float64,
    "davies_bouldin": pl.Float64,
    "stability": pl.Float64,
    "interpretability": pl.Float64,
    "score": pl.Float64,
    "eligible": pl.Boolean,
    "reason": pl.String,
}


def subsample_stability(
    values: np.ndarray,
    candidate: FittedSegmentation,
    seed: int,
    rounds: int = 3,
    fraction: float = 0.8,
) -> float:
    """Mean ARI between the candidate's labels and refits on seeded subsamples predicting all rows.

    A segmentation that changes when a fifth of the entities is left out is not one to plan on.
    A k=1 candidate scores 0 (it is ineligible anyway); a refit that cannot be made scores 0.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    if candidate.k < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    size = max(2, int(round(fraction * n)))
    scores: list[float] = []
    for r in range(rounds):
        rows = np.sort(rng.choice(n, size=size, replace=False))
        try:
            refit = fit_candidate(
                candidate.algorithm,
                values[rows],
                candidate.k if candidate.algorithm != "hdbscan" else None,
                seed + r,
                float(candidate.params.get("min_cluster_share", 0.0)),
                min_cluster_size=candidate.params.get("min_cluster_size"),
            )
        except ValueError:
            scores.append(0.0)
            continue
        predicted, _ = refit.predict(values)
        scores.append(float(adjusted_rand_score(candidate.labels, predicted)))
    return float(np.clip(np.mean(scores), 0.0, 1.0)) if scores else 0.0


def _interpretability(k: int, max_segments: int) -> float:
    if max_segments <= 1:
        return 1.0 if k <= 2 else 0.0
    return float(np.clip(1.0 - (k - 2) / (max_segments - 1), 0.0, 1.0))


def separation(values: np.ndarray, labels: np.ndarray, seed: int) -> tuple[float, float]:
    """(silhouette, Davies-Bouldin) of a partition with at least two segments; NaN silhouette when
    the seeded sample (at most SILHOUETTE_SAMPLE_ROWS rows) drew a single segment."""
    n = values.shape[0]
    sample = SILHOUETTE_SAMPLE_ROWS if n > SILHOUETTE_SAMPLE_ROWS else None
    try:
        sil = float(silhouette_score(values, labels, sample_size=sample, random_state=seed))
    except ValueError:
        sil = float("nan")
    return sil, float(davies_bouldin_score(values, labels))


def score_candidate(
    values: np.ndarray,
    candidate: FittedSegmentation,
    stability: float,
    weights: SelectionWeights,
    max_segments: int,
    seed: int,
) -> CandidateScore:
    """The score of one candidate (see the module docstring)."""
    n = values.shape[0]
    k = candidate.k
    stab = float(np.clip(stability, 0.0, 1.0)) if not math.isnan(stability) else 0.0
    interp = _interpretability(k, max_segments)
    nan = float("nan")
    if k < 2:
        reason = candidate.params.get("note") or f"{k} segment: not a segmentation"
        return CandidateScore(candidate.algorithm, k, nan, nan, stab, interp, nan, False, reason)
    if k >= n:
        return CandidateScore(
            candidate.algorithm,
            k,
            nan,
            nan,
            stab,
            interp,
            nan,
            False,
            f"{k} segments for {n} entities: every entity alone",
        )
    sil, db = separation(values, candidate.labels, seed)  # a NaN silhouette gets no credit
    parts = {
        "silhouette": (sil + 1.0) / 2.0 if not math.isnan(sil) else 0.0,
        "davies_bouldin": 1.0 / (1.0 + db),
        "stability": stab,
        "interpretability": interp,
    }
    weight = {name: float(getattr(weights, name)) for name in parts}
    total = sum(weight.values())
    if total <= 0:
        weight = dict.fromkeys(parts, 1.0)
        total = float(len(parts))
    score = sum(parts[name] * weight[name] for name in parts) / total
    eligible, reason = True, ""
    if k > max_segments + MERGE_ALLOWANCE:
        eligible = False
        reason = (
            f"{k} segments is more than max_segments ({max_segments}) + {MERGE_ALLOWANCE}: "
            "too many to merge down"
        )
    return CandidateScore(
        candidate.algorithm, k, sil, db, stab, interp, float(score), eligible, reason
    )


def score_candidates(
    values: np.ndarray,
    candidates: list[FittedSegmentation],
    stability: list[float],
    weights: SelectionWeights,
    max_segments: int,
    seed: int,
) -> pl.DataFrame:
    """One row per candidate (CandidateScore fields), in the order given; undefined metrics null."""
    if len(stability) != len(candidates):
        raise ValueError(f"{len(candidates)} candidates but {len(stability)} stability values")
    values = np.asarray(values, dtype=np.float64)
    rows = [
        asdict(score_candidate(values, c, s, weights, max_segments, seed))
        for c, s in zip(candidates, stability, strict=True)
    ]
    frame = (
        pl.DataFrame(rows, schema=SCORE_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=SCORE_SCHEMA)
    )
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None))


def _best(scores: pl.DataFrame, rows: list[int]) -> int:
    """Highest score, then fewer segments, algorithm order (kmeans, ward, hdbscan), position."""

    def key(i: int) -> tuple:
        row = scores.row(i, named=True)
        score = row["score"] if row["score"] is not None else -math.inf
        order = (
            ALGORITHMS.index(row["algorithm"])
            if row["algorithm"] in ALGORITHMS
            else len(ALGORITHMS)
        )
        return (-score, row["k"], order, i)

    return min(rows, key=key)


def choose_candidate(scores: pl.DataFrame, pin: PinConfig) -> int:
    """Index (row of `scores`) of the chosen candidate.

    No pin: best eligible. Algorithm only: best eligible of that algorithm. Algorithm and k: that
    exact candidate (the planner's explicit choice, taken even if ineligible on k). k only: best
    eligible with that k. Raises ValueError when nothing matches.
    """
    algorithms = scores.get_column("algorithm").to_list()
    ks = scores.get_column("k").to_list()
    eligible = scores.get_column("eligible").to_list()
    if pin.algorithm is not None and pin.k is not None:
        exact = [
            i for i in range(scores.height) if algorithms[i] == pin.algorithm and ks[i] == pin.k
        ]
        if not exact:
            fitted = sorted({k for a, k in zip(algorithms, ks, strict=True) if a == pin.algorithm})
            raise ValueError(
                f"pinned {pin.algorithm} with k={pin.k} was not fitted; "
                f"{pin.algorithm} candidates have k in {fitted or 'none'}"
            )
        return _best(scores, exact)
    rows = [i for i in range(scores.height) if eligible[i]]
    wanted = "eligible candidate"
    if pin.algorithm is not None:
        rows = [i for i in rows if algorithms[i] == pin.algorithm]
        wanted = f"eligible {pin.algorithm} candidate"
    if pin.k is not None:
        rows = [i for i in rows if ks[i] == pin.k]
        wanted = f"eligible candidate with k={pin.k}"
    if not rows:
        reasons = "; ".join(
            f"{a} k={k}: {r}"
            for a, k, r in zip(algorithms, ks, scores.get_column("reason").to_list(), strict=True)
            if r
        )
        raise ValueError(f"no {wanted}" + (f" ({reasons})" if reasons else ""))
    return _best(scores, rows)
