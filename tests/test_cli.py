"""`segmentation run` reports failure through its exit code and prints where to look."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

SEGMENTATION = Path(sys.executable).parent / "segmentation"


@pytest.mark.pipeline  # starts the whole job in a subprocess (about 20 s)
def test_failed_run_exits_non_zero_and_keeps_the_last_good_tables(tmp_path):
    """The ingest fails on a raw table name taken by a view; its transaction leaves raw
    untouched."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw")
        connection.execute("create table raw.erp__products as select 'SKU-LAST-GOOD' as sku")
        connection.execute("create view raw.file_loads as select 1 as blocked")
    landing = tmp_path / "landing" / "erp"
    landing.mkdir(parents=True)
    (landing / "products.csv").write_text(
        "sku,description,product_family,category\nSKU-NEW,Bolt,F,C\n"
    )
    env = os.environ | {"DAGSTER_HOME": str(tmp_path / "home")}
    completed = subprocess.run(
        [
            str(SEGMENTATION),
            "run",
            "--landing",
            str(tmp_path / "landing"),
            "--duckdb",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "FAILED steps: ingest_landing_zone" in completed.stderr
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select sku from raw.erp__products").fetchall() == [
            ("SKU-LAST-GOOD",)
        ]


def test_sample_data_command_writes_landing_and_ground_truth(tmp_path):
    completed = subprocess.run(
        [
            str(SEGMENTATION),
            "sample-data",
            "--out",
            str(tmp_path),
            "--only-required",
            "--seed",
            "7",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    systems = sorted(p.name for p in (tmp_path / "landing").iterdir())
    assert systems == ["erp"]
    assert (tmp_path / "ground_truth" / "manifest.json").exists()


@pytest.mark.pipeline  # runs every stage of the pipeline on the small sample
def test_bench_prints_time_and_memory_for_every_stage(tmp_path):
    completed = subprocess.run(
        [str(SEGMENTATION), "bench", "--scale", "small", "--workdir", str(tmp_path / "bench")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    table = completed.stdout[completed.stdout.index("Benchmark: scale=small") :].splitlines()
    stages = {line.split("  ")[0].strip(): line.split() for line in table[2:]}
    for stage in (
        "generate sample data",
        "ingest (landing -> raw)",
        "dbt (staging, reconcile, marts, quarantine)",
        "quality (outliers, scorecard)",
        "features (SKU, customer, SKU x customer, windows)",
        "segments (baseline, clustering, stability, explanations)",
    ):
        assert stage in stages, table
        *_, seconds, peak_mib, ok = stages[stage]
        assert float(seconds) > 0 and float(peak_mib) > 50 and ok == "yes", stages[stage]
    recovery = completed.stdout[
        completed.stdout.index("demand archetypes (adjusted Rand index)") :
    ].splitlines()[1:3]
    model, baseline = (float(line.split()[-1]) for line in recovery)
    assert "chosen segmentation" in recovery[0] and "ABC x XYZ baseline" in recovery[1]
    assert -1 <= baseline <= 1 and -1 <= model <= 1
