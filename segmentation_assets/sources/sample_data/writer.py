"""Writes landing files in contract column order with deterministic modification times."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..contract import ColumnType, Entity, entity

# Decimal places written to CSV per decimal column (Parquet keeps full doubles).
CSV_DECIMALS: dict[str, int] = {
    "quantity": 0,
    "unit_price": 2,
    "unit_cost": 2,
    "list_price": 2,
    "on_hand_qty": 0,
    "on_order_qty": 0,
    "lead_time_days": 0,
    "lead_time_std_days": 1,
    "moq": 0,
    "unit_weight_kg": 3,
    "unit_volume_m3": 6,
    "shipped_qty": 0,
    "handling_cost": 2,
    "freight_cost": 2,
    "contracted_lead_time_days": 0,
    "target_fill_rate": 3,
    "risk_score": 1,
    "volatility_index": 2,
}
POLARS_TYPE = {
    ColumnType.TEXT: pl.String,
    ColumnType.INT: pl.Int64,
    ColumnType.DECIMAL: pl.Float64,
    ColumnType.DATE: pl.Date,
    ColumnType.BOOL: pl.Boolean,
}


def conform(frame: pl.DataFrame, ent: Entity) -> pl.DataFrame:
    """Exactly the contract columns, in contract order, with contract types."""
    missing = [c for c in ent.column_names if c not in frame.columns]
    if missing:
        raise KeyError(f"{ent.path} frame lacks contract columns {missing}")
    return frame.select(pl.col(c.name).cast(POLARS_TYPE[c.type]) for c in ent.columns)


@dataclass
class LandingWriter:
    """Writes files under `<root>/landing` and remembers what it wrote."""

    root: Path
    files: list[dict[str, object]] = field(default_factory=list)

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    def write(self, path: str, frame: pl.DataFrame, mtime: int, *, bom_crlf: bool = False) -> Path:
        """Write one file; `path` is relative to the landing dir, e.g.
        `erp/order_lines/2024H2.csv`."""
        system, name = path.split("/")[:2]
        ent = entity(f"{system}/{name.split('.')[0]}")
        out = conform(frame, ent)
        target = self.landing / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.endswith(".parquet"):
            out.write_parquet(target, compression="zstd", statistics=True)
        else:
            out = out.with_columns(
                pl.col(c).round(d) for c, d in CSV_DECIMALS.items() if c in out.columns
            )
            out.write_csv(
                target,
                include_bom=bom_crlf,
                line_terminator="\r\n" if bom_crlf else "\n",
                float_scientific=False,
            )
        self._record(path, ent, out.height, target, mtime)
        return target

    def write_text(
        self, path: str, text: str, rows: int, mtime: int, *, rejected: bool = True
    ) -> Path:
        """Write a hand-made file verbatim (the malformed upload a loader must reject)."""
        system, name = path.split("/")[:2]
        target = self.landing / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        self._record(path, entity(f"{system}/{name.split('.')[0]}"), rows, target, mtime, rejected)
        return target

    def _record(
        self, path: str, ent: Entity, rows: int, target: Path, mtime: int, rejected: bool = False
    ) -> None:
        os.utime(target, (mtime, mtime))
        self.files.append(
            {
                "path": f"landing/{path}",
                "entity": ent.path,
                "rows": rows,
                "mtime": mtime,
                "bytes": target.stat().st_size,
                "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                "expect_rejected": rejected,
            }
        )

    def rows_per_entity(self) -> dict[str, int]:
        """Rows per entity a loader should load (files it must reject are not counted)."""
        counts: dict[str, int] = {}
        for f in self.files:
            if not f["expect_rejected"]:
                counts[str(f["entity"])] = counts.get(str(f["entity"]), 0) + int(f["rows"])  # type: ignore[call-overload]
        return counts
