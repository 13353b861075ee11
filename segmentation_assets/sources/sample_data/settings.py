"""Fixed history window, scale presets and random streams of the sample world.

Everything the generator draws comes from `stream(seed, name, ...)`, so one entity's
draws never shift another's: the order lines of an `only_required` run are the same
bytes as those of a full run with the same seed.
"""

from __future__ import annotations

import calendar
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

Scale = Literal["small", "medium", "large"]

WINDOW_START = date(2024, 7, 1)  # a Monday
WINDOW_END = date(2026, 9, 27)  # a Sunday
N_WEEKS = ((WINDOW_END - WINDOW_START).days + 1) // 7  # 117
FUTURE_YEAR = 2031  # year stamped on order lines planted as order_date_in_future


@dataclass(frozen=True)
class ScaleSpec:
    """Size of the world and how much dirt is planted at one scale."""

    name: Scale
    n_skus: int
    n_customers: int
    n_dcs: int
    n_suppliers: int
    target_order_lines: int  # base lines before returns, cancellations and dirt
    volume_factor: float  # multiplies weekly unit volumes
    drop_period: Literal["half_year", "month"]
    file_format: Literal["csv", "parquet"]  # for the dropped entities
    dirt: int  # rows planted per order-line defect type
    corrections: int  # order lines restated in the correction drop
    malformed_file: bool
    foreign_dirt: int  # WMS/CRM/TMS records planted per defect type
    max_customers_per_sku: int


SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(
        "small", 150, 100, 3, 10, 27_000, 1.0, "half_year", "csv", 4, 8, True, 3, 60
    ),
    "medium": ScaleSpec(
        "medium", 1_000, 500, 5, 30, 960_000, 4.0, "half_year", "csv", 8, 40, True, 6, 200
    ),
    "large": ScaleSpec(
        "large", 5_000, 2_000, 5, 100, 10_150_000, 10.0, "month", "parquet", 15, 200, False, 12, 400
    ),
}


def stream(seed: int, name: str, *keys: int) -> np.random.Generator:
    """An independent random generator for one named part of the world."""
    return np.random.default_rng([seed, zlib.crc32(name.encode()), *keys])


def week_start(week: int) -> date:
    """Monday of week index `week` (0 = the window's first week)."""
    return WINDOW_START + timedelta(weeks=week)


def epoch_seconds(day: date, hour: int = 0, minute: int = 0) -> int:
    """UTC epoch seconds of a wall-clock time, for deterministic file mtimes."""
    return calendar.timegm((day.year, day.month, day.day, hour, minute, 0, 0, 0, 0))


def month_index(d: date) -> int:
    """Months since the window's first month (2024-07 = 0)."""
    return (d.year - WINDOW_START.year) * 12 + d.month - WINDOW_START.month


def month_of_index(idx: int) -> tuple[int, int]:
    """(year, month) of a month index."""
    y, m = divmod(WINDOW_START.month - 1 + idx, 12)
    return WINDOW_START.year + y, m + 1


N_MONTHS = month_index(WINDOW_END) + 1  # 27


def drop_name(month_idx: int, period: str) -> str:
    """File stem of the drop a month's order lines belong to (`2024-07` or `2024H2`)."""
    year, month = month_of_index(month_idx)
    if period == "month":
        return f"{year}-{month:02d}"
    return f"{year}H{1 if month <= 6 else 2}"


def drop_last_day(name: str) -> date:
    """Last calendar day a drop covers, capped at the window end."""
    if "H" in name:
        year, half = int(name[:4]), int(name[-1])
        last = date(year, 6, 30) if half == 1 else date(year, 12, 31)
    else:
        year, month = int(name[:4]), int(name[5:7])
        last = date(year, month, calendar.monthrange(year, month)[1])
    return min(last, WINDOW_END)
