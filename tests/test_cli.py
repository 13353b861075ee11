"""`segmentation run` reports failure through its exit code and prints where to look."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SEGMENTATION = Path(sys.executable).parent / "segmentation"


def test_run_exits_non_zero_when_a_step_fails(tmp_path):
    unwritable = tmp_path / "warehouse_is_a_directory"
    unwritable.mkdir()
    (tmp_path / "landing" / "erp").mkdir(parents=True)
    env = os.environ | {"DAGSTER_HOME": str(tmp_path / "home")}
    completed = subprocess.run(
        [str(SEGMENTATION), "run", "--landing", str(tmp_path / "landing"), "--duckdb", str(unwritable)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "FAILED steps: ingest_landing_zone" in completed.stderr


def test_sample_data_command_writes_landing_and_ground_truth(tmp_path):
    completed = subprocess.run(
        [str(SEGMENTATION), "sample-data", "--out", str(tmp_path), "--only-required", "--seed", "7"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    systems = sorted(p.name for p in (tmp_path / "landing").iterdir())
    assert systems == ["erp"]
    assert (tmp_path / "ground_truth" / "manifest.json").exists()
