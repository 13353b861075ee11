"""`segmentation models ...`: list, inspect, compare and roll back segmentation model versions.

Reading commands open the warehouse read-only (safe next to a running pipeline); only
`rollback` opens it for writing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from segmentation_assets.segmentation.registry import GateFailed, UnknownVersion, rollback
from segmentation_assets.segmentation.registry_queries import (
    compare_versions,
    list_versions,
    show_version,
)
from segmentation_assets.warehouse import connect, duckdb_path


def _table(frame: pl.DataFrame) -> str:
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        fmt_str_lengths=80,
        tbl_width_chars=200,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
    ):
        return str(frame)


def _warehouse(args: argparse.Namespace) -> Path:
    return Path(args.duckdb).resolve() if args.duckdb else duckdb_path()


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_list(args: argparse.Namespace) -> int:
    with connect(_warehouse(args), read_only=True) as connection:
        versions = list_versions(connection, args.entity)
    if versions.is_empty():
        print("No model versions registered yet.")
        return 0
    print(
        _table(
            versions.with_columns(
                pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
                pl.when(pl.col("is_current"))
                .then(pl.lit("*"))
                .otherwise(pl.lit(""))
                .alias("is_current"),
            ).rename({"is_current": "current"})
        )
    )
    return 0


def _mapping_lines(title: str, values: dict | None) -> list[str]:
    if not values:
        return [f"{title}: (none)"]
    return [f"{title}:"] + [f"  {key}: {value}" for key, value in sorted(values.items())]


def cmd_show(args: argparse.Namespace) -> int:
    with connect(_warehouse(args), read_only=True) as connection:
        record = show_version(connection, args.version)
    lines = [
        f"Model version: {record['model_version']}{'  (current)' if record['is_current'] else ''}",
        f"Entity type:   {record['entity_type']}",
        f"Created at:    {record['created_at']:%Y-%m-%d %H:%M:%S} UTC",
        f"Algorithm:     {record['algorithm']} (k = {record['k']})",
        f"Features:      {', '.join(record['features'] or [])}",
        f"Data snapshot: {record['data_snapshot']}",
        f"Code version:  {record['code_version']}",
        *_mapping_lines("Parameters", record["params"]),
        *_mapping_lines("Metrics", record["metrics"]),
        "Segments:",
        _table(record["segments"]),
    ]
    if not record["artifacts"].is_empty():
        lines += ["Artifacts:", _table(record["artifacts"])]
    print("\n".join(lines))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    with connect(_warehouse(args), read_only=True) as connection:
        result = compare_versions(connection, args.a, args.b)
    ari = (
        "n/a (no common entities)"
        if result["adjusted_rand"] is None
        else f"{result['adjusted_rand']:.3f}"
    )
    lines = [
        f"Comparing {result['a']} (A) with {result['b']} (B)",
        f"Common entities: {result['common_entities']:,} (only in A: {result['only_in_a']:,}, "
        f"only in B: {result['only_in_b']:,})",
        f"Adjusted Rand index: {ari}  (1 = same grouping, 0 = no better than chance)",
        f"Data changed: {'yes' if result['data_changed'] else 'no'}; "
        f"code changed: {'yes' if result['code_changed'] else 'no'}",
        "Migration (rows: segment in A, columns: segment in B):",
        _table(result["migration"]),
        f"Segments added:   {', '.join(result['segments_added']) or '(none)'}",
        f"Segments removed: {', '.join(result['segments_removed']) or '(none)'}",
        f"Features added:   {', '.join(result['features_added']) or '(none)'}",
        f"Features removed: {', '.join(result['features_removed']) or '(none)'}",
        *_mapping_lines(
            "Parameter differences",
            {k: f"{v['a']} -> {v['b']}" for k, v in result["params"].items()},
        ),
    ]
    if not result["metrics"].is_empty():
        lines += ["Metrics:", _table(result["metrics"])]
    print("\n".join(lines))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    with connect(_warehouse(args), read_only=False) as connection:
        print(rollback(connection, args.version))
    return 0


def _guarded(command):
    """Unknown versions, refused rollbacks and missing warehouses end with one line and exit
    code 2, no traceback."""

    def run(args: argparse.Namespace) -> int:
        path = _warehouse(args)
        if not path.exists():
            return _fail(f"no warehouse at {path} (run `segmentation run` first or pass --duckdb)")
        try:
            return command(args)
        except (UnknownVersion, GateFailed) as error:
            return _fail(str(error))

    return run


def add_models_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `models list|show|compare|rollback` on the main CLI's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--duckdb",
        help="warehouse file (default $SEGMENTATION_DUCKDB_PATH or data/warehouse.duckdb)",
    )

    models = subparsers.add_parser(
        "models", help="list, show, compare and roll back segmentation model versions"
    )
    commands = models.add_subparsers(dest="models_command", required=True)

    listing = commands.add_parser(
        "list", parents=[common], help="all versions, newest first (* = current)"
    )
    listing.add_argument("--entity", choices=["product", "customer", "product_customer"])
    listing.set_defaults(func=_guarded(cmd_list))

    show = commands.add_parser(
        "show", parents=[common], help="one version: parameters, metrics, segment sizes"
    )
    show.add_argument("version")
    show.set_defaults(func=_guarded(cmd_show))

    compare = commands.add_parser(
        "compare", parents=[common], help="agreement and migration between two versions"
    )
    compare.add_argument("a")
    compare.add_argument("b")
    compare.set_defaults(func=_guarded(cmd_compare))

    back = commands.add_parser(
        "rollback", parents=[common], help="make an earlier version current again"
    )
    back.add_argument("version")
    back.set_defaults(func=_guarded(cmd_rollback))
    return models
