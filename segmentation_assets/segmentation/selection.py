"""Choosing the segmentation among the candidates (or honouring the planner's pin).

Criterion: stability-validated separation. Every candidate is first put through the business
constraints (`constraints.py`), so what is judged is what would be served. Then:

1. eligible: at least two segments after the constraints, no constraint unmet, and at most
   `max_segments + MERGE_ALLOWANCE` segments before them;
2. stable: the adjusted Rand index between the candidate and refits of the same algorithm and
   k on seeded 80% subsamples is at least `candidates.min_stability` (Lange, Roth, Braun and
   Buhmann 2004, "Stability-based validation of clustering solutions"; Ben-Hur, Elisseeff and
   Guyon 2002): a segmentation that changes when a fifth of the entities is left out is noise;
3. among the eligible, stable candidates with at least `constraints.min_segments` segments
   the highest mean silhouette of the constrained segments wins (Rousseeuw 1987: how much
   closer entities are to their own segment than to the next); ties go to fewer segments,
   then kmeans, ward, hdbscan. Fewer segments only when no such candidate exists: the data
   does not support more (and the quality gate then says so).

No eligible candidate is stable: the most stable eligible one is taken (the stability check
and the quality gate then say so). No eligible candidate at all: the one with the fewest unmet
constraints, so the gate can name them. Why not a weighted score: averaging silhouette,
Davies-Bouldin, stability and "fewer segments" let the last term decide whenever separations
were close (k=3 beat k=7 on a world with 8 planted patterns); stability as a threshold and
separation as the objective keeps each in its role. The evidence on many generated worlds is
printed by `segmentation bench --worlds N`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from sklearn.metrics import adjusted_rand_score, davies_bouldin_score, silhouette_score

from segmentation_assets.config import ConstraintsConfig, PinConfig
from segmentation_assets.segmentation.candidates import (
    ALGORITHMS,
    FittedSegmentation,
    fit_candidate,
)
from segmentation_assets.segmentation.constraints import ConstraintOutcome, enforce_constraints

SILHOUETTE_SAMPLE_ROWS = 5_000
MERGE_ALLOWANCE = 4  # candidates may exceed max_segments by this many; constraints merge the rest


@dataclass(frozen=True)
class CandidateScore:
    algorithm: str
    k: int  # segments the algorithm made
    segments: int  # segments after the constraints
    silhouette: float  # mean silhouette of the constrained segments, in [-1, 1]
    davies_bouldin: float  # Davies-Bouldin index of the constrained segments, >= 0
    stability: float  # subsample adjusted Rand index, clipped to [0, 1]
    unmet: int  # constraints the candidate leaves unmet
    stable: bool  # stability >= min_stability
    enough: bool  # at least min_segments segments after the constraints
    eligible: bool
    reason: str  # "" when eligible, else why not


SCORE_SCHEMA = {
    "algorithm": pl.String,
    "k": pl.Int64,
    "segments": pl.Int64,
    "silhouette": pl.Float64,
    "davies_bouldin": pl.Float64,
    "stability": pl.Float64,
    "unmet": pl.Int64,
    "stable": pl.Boolean,
    "enough": pl.Boolean,
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
    outcome: ConstraintOutcome,
    stability: float,
    min_stability: float,
    rules: ConstraintsConfig,
    seed: int,
) -> CandidateScore:
    """One candidate judged after its constraints (see the module docstring)."""
    n, k, max_segments = values.shape[0], candidate.k, rules.max_segments
    segments = len(np.unique(outcome.labels))
    stab = float(np.clip(stability, 0.0, 1.0)) if not math.isnan(stability) else 0.0
    nan = float("nan")
    sil, db = separation(values, outcome.labels, seed) if 2 <= segments < n else (nan, nan)
    reason = ""
    if k < 2:
        reason = candidate.params.get("note") or f"{k} segment: not a segmentation"
    elif k >= n:
        reason = f"{k} segments for {n} entities: every entity alone"
    elif k > max_segments + MERGE_ALLOWANCE:
        reason = (
            f"{k} segments is more than max_segments ({max_segments}) + {MERGE_ALLOWANCE}: "
            "too many to merge down"
        )
    elif segments < 2:
        reason = "one segment left after the constraints"
    elif outcome.unmet:
        reason = f"{len(outcome.unmet)} constraint(s) unmet after merging"
    return CandidateScore(
        candidate.algorithm,
        k,
        segments,
        sil,
        db,
        stab,
        len(outcome.unmet),
        stab >= min_stability,
        segments >= rules.min_segments,
        not reason,
        reason,
    )


def constrain_candidates(
    values: np.ndarray,
    candidates: list[FittedSegmentation],
    volumes: np.ndarray,
    rules: ConstraintsConfig,
) -> list[ConstraintOutcome]:
    """Each candidate's segmentation after the business constraints."""
    return [enforce_constraints(c.labels, values, volumes, rules) for c in candidates]


def score_candidates(
    values: np.ndarray,
    candidates: list[FittedSegmentation],
    outcomes: list[ConstraintOutcome],
    stability: list[float],
    min_stability: float,
    rules: ConstraintsConfig,
    seed: int,
) -> pl.DataFrame:
    """One row per candidate (CandidateScore fields), in the order given; undefined metrics null."""
    if not len(stability) == len(outcomes) == len(candidates):
        raise ValueError(
            f"{len(candidates)} candidates, {len(outcomes)} outcomes, {len(stability)} stabilities"
        )
    values = np.asarray(values, dtype=np.float64)
    rows = [
        asdict(score_candidate(values, c, o, s, min_stability, rules, seed))
        for c, o, s in zip(candidates, outcomes, stability, strict=True)
    ]
    frame = (
        pl.DataFrame(rows, schema=SCORE_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=SCORE_SCHEMA)
    )
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None))


def _order(row: dict) -> int:
    return ALGORITHMS.index(row["algorithm"]) if row["algorithm"] in ALGORITHMS else len(ALGORITHMS)


def _value(value: float | None) -> float:
    return value if value is not None else -math.inf


def _best(scores: pl.DataFrame, rows: list[int]) -> int:
    """The best of `rows`: stable with enough segments, then stable, then enough segments, then
    the rest; within the stable tiers the highest silhouette, below them the highest stability;
    then fewer segments, algorithm order, position."""

    def key(i: int) -> tuple:
        row = scores.row(i, named=True)
        tier = (not row["stable"], not row["enough"])
        silhouette, stability = -_value(row["silhouette"]), -_value(row["stability"])
        merit = (silhouette,) if row["stable"] else (stability, silhouette)
        return (*tier, *merit, row["segments"], _order(row), i)

    return min(rows, key=key)


def choose_candidate(scores: pl.DataFrame, pin: PinConfig) -> int:
    """Index (row of `scores`) of the chosen candidate.

    No pin: the criterion of the module docstring. Algorithm only: the same among that
    algorithm's candidates. Algorithm and k: that exact candidate (the planner's explicit
    choice, taken even if ineligible). k only: the same among candidates with that k. Raises
    ValueError when nothing matches.
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
    rows = list(range(scores.height))
    wanted = "candidate"
    if pin.algorithm is not None:
        rows = [i for i in rows if algorithms[i] == pin.algorithm]
        wanted = f"{pin.algorithm} candidate"
    if pin.k is not None:
        rows = [i for i in rows if ks[i] == pin.k]
        wanted = f"candidate with k={pin.k}"
    if not rows:
        raise ValueError(f"no {wanted} was fitted")
    chosen = [i for i in rows if eligible[i]]
    if chosen:
        return _best(scores, chosen)
    segmentations = [i for i in rows if ks[i] >= 2 and scores.row(i, named=True)["segments"] >= 2]
    fewest = min((scores.row(i, named=True)["unmet"] for i in segmentations), default=0)
    usable = [i for i in segmentations if scores.row(i, named=True)["unmet"] == fewest]
    if not usable:
        reasons = "; ".join(
            f"{a} k={k}: {r}"
            for a, k, r in zip(algorithms, ks, scores.get_column("reason").to_list(), strict=True)
            if r
        )
        raise ValueError(f"no eligible {wanted}" + (f" ({reasons})" if reasons else ""))
    return _best(scores, usable)
