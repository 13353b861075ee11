"""`segmentation bench`: wall time and peak memory of each pipeline stage on generated data.

Each stage runs in a child process of its own (dbt in a grandchild), so a stage's
figure is its own and not what earlier stages left behind; a sampler thread records
the resident memory of all those processes every 50 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import psutil

# Stage name -> asset groups it materializes, in pipeline order.
STAGES: dict[str, list[str]] = {
    "ingest (landing -> raw)": ["raw"],
    "dbt (staging, reconcile, marts, quarantine)": ["staging", "reconcile", "marts", "quarantine"],
    "quality (outliers, scorecard)": ["quality"],
    "features (SKU, customer, SKU x customer, windows)": ["features"],
    "segments (baseline, clustering, stability, explanations)": ["segments"],
}


@dataclass
class StageFigures:
    stage: str
    seconds: float
    peak_rss_mib: float
    success: bool


class PeakMemory:
    """Peak resident set size of this process's descendants (and itself, unless children_only)."""

    def __init__(self, interval: float = 0.05, children_only: bool = False):
        self.interval = interval
        self.children_only = children_only
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in ([] if self.children_only else [me]) + me.children(recursive=True):
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _generate_once(scale: str, seed: int, workdir: Path) -> float:
    from segmentation_assets.sources.sample_data import generate_sample_data

    manifest = workdir / "ground_truth" / "manifest.json"
    if manifest.exists():
        known = json.loads(manifest.read_text())
        if known.get("scale") == scale and known.get("seed") == seed:
            print(f"Using existing {scale} sample data in {workdir} (delete it to regenerate)")
            return 0.0
    started = time.perf_counter()
    generate_sample_data(workdir, scale=scale, seed=seed)
    return time.perf_counter() - started


def run_stage(groups: list[str]) -> bool:
    """Materialize the asset groups of one stage in this process (called in the child)."""
    from segmentation_assets.runner import load_definitions

    definitions = load_definitions()
    job = definitions.resolve_job_def("segmentation_pipeline")
    selection = dg.AssetSelection.groups(*groups).resolve(definitions.resolve_asset_graph())
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        asset_selection=list(selection),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
    )
    return result.success


def run_benchmark(scale: str, seed: int, workdir: Path) -> int:
    from segmentation_assets.runner import load_definitions

    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    with PeakMemory() as memory:
        generated = _generate_once(scale, seed, workdir)
    figures = (
        [StageFigures("generate sample data", generated, memory.peak / 2**20, True)]
        if generated
        else []
    )

    os.environ["SEGMENTATION_LANDING_DIR"] = str(workdir / "landing")
    os.environ["SEGMENTATION_DUCKDB_PATH"] = str(workdir / "warehouse.duckdb")
    load_definitions(reparse_dbt=True)  # parse dbt once, before the stages are timed
    for stage, groups in STAGES.items():
        with PeakMemory(children_only=True) as memory:
            started = time.perf_counter()
            child = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import sys; from segmentation_assets.benchmark import run_stage; "
                    f"sys.exit(0 if run_stage({groups!r}) else 1)",
                ],
                stdout=subprocess.DEVNULL,
            )
            seconds = time.perf_counter() - started
        figures.append(StageFigures(stage, seconds, memory.peak / 2**20, child.returncode == 0))

    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as connection:
        lines = connection.execute("select count(*) from raw.erp__order_lines").fetchone()[0]
    limit = os.environ.get("SEGMENTATION_DUCKDB_MEMORY_LIMIT", "default (75% of RAM)")
    print(
        f"\nBenchmark: scale={scale} seed={seed} order lines in raw={lines:,} "
        f"cores={os.cpu_count()} DuckDB memory limit={limit}"
    )
    print(f"{'stage':<48} {'wall s':>9} {'peak RSS MiB':>13}  ok")
    for f in figures:
        ok = "yes" if f.success else "NO"
        print(f"{f.stage:<48} {f.seconds:>9.1f} {f.peak_rss_mib:>13.0f}  {ok}")
    total = sum(f.seconds for f in figures)
    print(f"{'total':<48} {total:>9.1f} {max(f.peak_rss_mib for f in figures):>13.0f}")
    recovery = archetype_recovery(
        workdir / "warehouse.duckdb", workdir / "ground_truth" / "archetypes.csv"
    )
    if recovery:
        print("\nProduct segments against the generator's demand archetypes (adjusted Rand index):")
        for name, value in recovery.items():
            print(f"  {name:<40} {value:.3f}")
    return 0 if all(f.success for f in figures) else 1


def archetype_recovery(warehouse: Path, archetypes: Path) -> dict[str, float]:
    """Adjusted Rand index of the current product segmentation and of the ABC x XYZ baseline
    against the true archetypes; empty when either is missing."""
    import polars as pl
    from sklearn.metrics import adjusted_rand_score

    if not archetypes.exists():
        return {}
    truth = pl.read_csv(archetypes, infer_schema=False)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        try:
            model = connection.execute(
                "select entity_id as sku, segment_id from segments.current_assignments "
                "where entity_type = 'product'"
            ).pl()
            baseline = connection.execute(
                "select entity_id as sku, baseline_segment from segments.product_baseline"
            ).pl()
        except duckdb.Error:
            return {}
    joined = truth.join(model, on="sku").join(baseline, on="sku")
    if joined.height == 0:
        return {}
    return {
        f"chosen segmentation ({joined.height} SKUs)": adjusted_rand_score(
            joined["archetype"], joined["segment_id"]
        ),
        "ABC x XYZ baseline": adjusted_rand_score(joined["archetype"], joined["baseline_segment"]),
    }
