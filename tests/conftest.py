"""Shared fixtures: a landing-zone builder for hand-made files."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

ORDER_HEADER = "order_id,line_number,order_date,customer_id,sku,quantity,unit_price"


class Landing:
    """Writes files into a temporary landing zone with controlled modification times."""

    def __init__(self, root: Path):
        self.root = root
        self._clock = 1_700_000_000

    def write(self, relative: str, content: str | bytes, mtime: int | None = None) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        self._clock += 60
        stamp = mtime if mtime is not None else self._clock
        os.utime(path, (stamp, stamp))
        return path


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    return Landing(tmp_path / "landing")


LOADED_AT = datetime(2026, 1, 5, 12, 0, 0)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The whole graph materialized once on the small sample (all entities)."""
    from tests.pipeline_fixtures import run_on_sample

    with pytest.MonkeyPatch.context() as patch:
        for variable in ("SEGMENTATION_LANDING_DIR", "SEGMENTATION_DUCKDB_PATH"):
            patch.setenv(variable, "")
        yield run_on_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def required_only_run(tmp_path_factory):
    """The whole graph on the three required entities alone."""
    from tests.pipeline_fixtures import run_on_sample

    with pytest.MonkeyPatch.context() as patch:
        for variable in ("SEGMENTATION_LANDING_DIR", "SEGMENTATION_DUCKDB_PATH"):
            patch.setenv(variable, "")
        yield run_on_sample(tmp_path_factory.mktemp("required"), only_required=True)
