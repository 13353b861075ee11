"""Candidate segmentations: k-means and Ward for every k in the configured range, plus one HDBSCAN.

Every candidate ends with a label for every row (HDBSCAN's noise goes to the nearest segment
centroid and stays flagged) and canonical segment numbers (`relabel`: largest segment is 0), so
the same partition always gets the same ids whatever the algorithm's internal numbering.

Ward's agglomerative clustering needs O(n^2) memory (measured: 5,000 rows ~0.4 GB and 0.9 s,
10,000 rows ~1 GB and 4 s); above `WARD_MAX_ROWS` rows it is fitted on a seeded subsample of
`WARD_SAMPLE_ROWS` rows and the other rows go to the nearest Ward centroid. The Ward tree does
not depend on k, so it is built once per distinct matrix (a small cache keyed by a digest of the
rows) and cut at each k: the k range and the subsample refits of stability reuse it. The cut
replays the first n - k merges, which is the partition AgglomerativeClustering(n_clusters=k,
linkage="ward") returns (it cuts the same scipy tree).

HDBSCAN's min_samples (how dense a neighbourhood must be to count as core) defaults to
min_cluster_size, which at 3% of 30,000 rows means 900-neighbour core distances (~23 s per fit);
it is capped at `HDBSCAN_MAX_MIN_SAMPLES` (~3.5 s), which also calls fewer points noise.

k-means runs single-threaded (`KMEANS_THREADS`): its OpenMP threads spin-wait badly when the
machine is busy (measured on 2 busy cores: 3 subsample refits x 6 k at 5,000 rows took 18.6 s
with the default threads, 0.85 s with one), and the fits here are small.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import hdbscan
import numpy as np
from scipy.cluster.hierarchy import ward as ward_linkage
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from segmentation_assets.config import CandidatesConfig

ALGORITHMS: tuple[str, ...] = ("kmeans", "ward", "hdbscan")
WARD_MAX_ROWS = 5_000
WARD_SAMPLE_ROWS = 5_000
HDBSCAN_MIN_CLUSTER_SIZE = 5
HDBSCAN_MAX_MIN_SAMPLES = 25
KMEANS_THREADS = 1
_WARD_TREES: OrderedDict[str, np.ndarray] = OrderedDict()
_WARD_CACHE_SIZE = 8
_WARD_LOCK = threading.Lock()


def ward_tree(values: np.ndarray) -> np.ndarray:
    """The scipy Ward linkage of `values` ((n - 1, 4)), cached by a digest of the rows."""
    digest = hashlib.blake2b(np.ascontiguousarray(values).tobytes(), digest_size=16)
    digest.update(str(values.shape).encode())
    key = digest.hexdigest()
    with _WARD_LOCK:
        if key in _WARD_TREES:
            _WARD_TREES.move_to_end(key)
            return _WARD_TREES[key]
    tree = ward_linkage(values)
    with _WARD_LOCK:
        _WARD_TREES[key] = tree
        while len(_WARD_TREES) > _WARD_CACHE_SIZE:
            _WARD_TREES.popitem(last=False)
    return tree


def cut_tree(tree: np.ndarray, n: int, k: int) -> np.ndarray:
    """Cluster of each of the n leaves after the first n - k merges of a linkage (k clusters)."""
    parent = np.arange(2 * n - 1)

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for step in range(n - k):
        a, b = int(tree[step, 0]), int(tree[step, 1])
        parent[root(a)] = n + step
        parent[root(b)] = n + step
    roots = np.array([root(leaf) for leaf in range(n)])
    return np.unique(roots, return_inverse=True)[1].astype(np.int64)


def segment_centroids(labels: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """(k, f) mean of each segment 0..k-1 in `values`' space (NaN row for an empty segment)."""
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.zeros((k, values.shape[1]))
    np.add.at(sums, labels, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def nearest_centroid(values: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid (Euclidean) per row; ties go to the lower index."""
    distances = (
        np.einsum("ij,ij->i", values, values)[:, None]
        - 2.0 * values @ centroids.T
        + np.einsum("ij,ij->i", centroids, centroids)[None, :]
    )
    return np.argmin(distances, axis=1)


def relabel_map(labels: np.ndarray, values: np.ndarray) -> dict[int, int]:
    """Old label -> canonical label: segments by descending size, ties by centroid coordinates.

    Negative labels (noise) are not segments and are left out of the map.
    """
    labels = np.asarray(labels)
    present = sorted(int(label) for label in np.unique(labels) if label >= 0)

    def key(label: int) -> tuple:
        members = labels == label
        return (-int(members.sum()), *np.round(values[members].mean(axis=0), 12).tolist(), label)

    return {old: new for new, old in enumerate(sorted(present, key=key))}


def relabel(labels: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Canonical numbering 0..m-1 so identical partitions get identical ids; noise (-1) stays -1."""
    labels = np.asarray(labels)
    mapping = relabel_map(labels, values)
    out = np.full(labels.shape, -1, dtype=np.int64)
    for old, new in mapping.items():
        out[labels == old] = new
    return out


@dataclass(eq=False)
class FittedSegmentation:
    """One fitted candidate: labels for every row, centroids, the estimator to assign new rows."""

    algorithm: str  # "kmeans" | "ward" | "hdbscan"
    k: int  # segments found (after noise handling)
    labels: np.ndarray  # int 0..k-1 for every row, noise already assigned to the nearest segment
    is_noise: np.ndarray  # bool, True where HDBSCAN called the point noise
    centroids: np.ndarray  # (k, f) means in transformed space
    params: dict  # JSON-serialisable parameters
    model: object  # KMeans / hdbscan.HDBSCAN (None if not fitted); Ward: the scipy linkage matrix
    label_map: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False)
    # estimator's own label -> canonical label (-1: none; the row goes to the nearest centroid)

    def predict(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labels, is_noise) for new rows in the same transformed space.

        k-means: the estimator's predict; Ward: nearest centroid; HDBSCAN: approximate_predict,
        with noise (-1) sent to the nearest centroid, flagged. A k=1 candidate puts every row in 0.
        """
        values = np.asarray(values, dtype=np.float64)
        n = values.shape[0]
        noise = np.zeros(n, dtype=bool)
        if n == 0:
            return np.zeros(0, dtype=np.int64), noise
        if self.k == 1:
            return np.zeros(n, dtype=np.int64), noise
        if self.algorithm == "ward":
            return nearest_centroid(values, self.centroids).astype(np.int64), noise
        if self.algorithm == "kmeans":
            with threadpool_limits(limits=KMEANS_THREADS, user_api="openmp"):
                raw = self.model.predict(values)
        elif self.algorithm == "hdbscan":
            raw, _ = hdbscan.approximate_predict(self.model, values)
            raw = np.asarray(raw)
            noise = raw < 0
        else:
            raise ValueError(f"unknown algorithm {self.algorithm!r}")
        known = (raw >= 0) & (raw < len(self.label_map))
        labels = np.where(
            known, self.label_map[np.clip(raw, 0, max(len(self.label_map) - 1, 0))], -1
        )
        unassigned = labels < 0
        if unassigned.any():
            labels[unassigned] = nearest_centroid(values[unassigned], self.centroids)
        return labels.astype(np.int64), noise


def _finish(
    algorithm: str,
    raw: np.ndarray,
    values: np.ndarray,
    params: dict,
    model: object,
    noise: np.ndarray,
) -> FittedSegmentation:
    """Canonical labels, centroids and the raw -> canonical map from the estimator's labels."""
    mapping = relabel_map(raw, values)
    size = int(raw.max()) + 1 if raw.size and raw.max() >= 0 else 0
    label_map = np.full(size, -1, dtype=np.int64)
    for old, new in mapping.items():
        label_map[old] = new
    labels = relabel(raw, values)
    k = len(mapping)
    centroids = segment_centroids(labels[labels >= 0], values[labels >= 0], k)
    if (labels < 0).any():  # HDBSCAN noise: nearest centroid of the clusters, then canonical again
        labels[labels < 0] = nearest_centroid(values[labels < 0], centroids)
        remap = relabel_map(labels, values)
        final = np.array([remap[label] for label in range(k)], dtype=np.int64)
        label_map = np.where(label_map >= 0, final[np.clip(label_map, 0, None)], -1)
        labels = final[labels]
        centroids = segment_centroids(labels, values, k)
    return FittedSegmentation(algorithm, k, labels, noise, centroids, params, model, label_map)


def _single(
    values: np.ndarray, params: dict, model: object, noise: np.ndarray, note: str
) -> FittedSegmentation:
    """A k=1 candidate: selection treats it as ineligible (k < 2) instead of failing the run."""
    n = values.shape[0]
    labels = np.zeros(n, dtype=np.int64)
    return FittedSegmentation(
        "hdbscan",
        1,
        labels,
        noise,
        values.mean(axis=0, keepdims=True),
        params | {"note": note},
        model,
        np.zeros(0, dtype=np.int64),
    )


def fit_candidate(
    algorithm: str,
    values: np.ndarray,
    k: int | None,
    seed: int,
    min_cluster_share: float,
    min_cluster_size: int | None = None,
) -> FittedSegmentation:
    """Fit one algorithm on `values`; `k` for k-means / Ward, `min_cluster_share` for HDBSCAN.

    HDBSCAN's min_cluster_size is max(5, round(min_cluster_share * n)) unless `min_cluster_size`
    is given (subsample refits pass the original size so they cluster at the same grain).
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    if algorithm in ("kmeans", "ward"):
        if k is None or not 2 <= k < n:
            raise ValueError(f"{algorithm} needs 2 <= k < n rows; got k={k}, n={n}")
        noise = np.zeros(n, dtype=bool)
        if algorithm == "kmeans":
            with threadpool_limits(limits=KMEANS_THREADS, user_api="openmp"):
                model = KMeans(n_clusters=k, random_state=seed, n_init=10).fit(values)
            params = {"algorithm": "kmeans", "k": k, "seed": seed, "n_init": 10}
            return _finish("kmeans", model.labels_.astype(np.int64), values, params, model, noise)
        params = {"algorithm": "ward", "k": k, "seed": seed, "subsample_rows": None}
        if n <= WARD_MAX_ROWS:
            tree = ward_tree(values)
            return _finish("ward", cut_tree(tree, n, k), values, params, tree, noise)
        sample = np.sort(
            np.random.default_rng(seed).choice(n, size=WARD_SAMPLE_ROWS, replace=False)
        )
        tree = ward_tree(values[sample])
        sample_labels = cut_tree(tree, WARD_SAMPLE_ROWS, k)
        raw = nearest_centroid(values, segment_centroids(sample_labels, values[sample], k)).astype(
            np.int64
        )
        raw[sample] = sample_labels
        params["subsample_rows"] = WARD_SAMPLE_ROWS
        return _finish("ward", raw, values, params, tree, noise)
    if algorithm != "hdbscan":
        raise ValueError(f"unknown algorithm {algorithm!r}; known: {', '.join(ALGORITHMS)}")

    size = min_cluster_size or max(HDBSCAN_MIN_CLUSTER_SIZE, round(min_cluster_share * n))
    min_samples = min(int(size), HDBSCAN_MAX_MIN_SAMPLES)
    params = {
        "algorithm": "hdbscan",
        "min_cluster_size": int(size),
        "min_samples": min_samples,
        "min_cluster_share": min_cluster_share,
        "seed": seed,
    }
    if n < max(size, 2) * 2:
        return _single(
            values,
            params,
            None,
            np.zeros(n, dtype=bool),
            f"{n} rows are too few for clusters of at least {size}",
        )
    model = hdbscan.HDBSCAN(
        min_cluster_size=int(size), min_samples=min_samples, prediction_data=True
    ).fit(values)
    raw = model.labels_.astype(np.int64)
    noise = raw < 0
    clusters = len(set(raw[raw >= 0].tolist()))
    if clusters < 2:
        return _single(
            values, params, model, noise, f"HDBSCAN found {clusters} cluster(s); not a segmentation"
        )
    return _finish("hdbscan", raw, values, params, model, noise)


def fit_candidates(
    values: np.ndarray, config: CandidatesConfig, seed: int
) -> list[FittedSegmentation]:
    """Every configured candidate, in config algorithm order then k.

    k-means / Ward for each k < n, one HDBSCAN.
    """
    n = np.asarray(values).shape[0]
    low, high = config.k_range
    out: list[FittedSegmentation] = []
    for algorithm in config.algorithms:
        if algorithm == "hdbscan":
            out.append(
                fit_candidate("hdbscan", values, None, seed, config.hdbscan_min_cluster_share)
            )
            continue
        for k in range(low, min(high, n - 1) + 1):
            out.append(fit_candidate(algorithm, values, k, seed, config.hdbscan_min_cluster_share))
    return out
