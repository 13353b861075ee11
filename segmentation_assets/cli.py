"""`segmentation`: run the pipeline, make sample data, benchmark, print the summary."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from segmentation_assets.config import ConfigError, load_config
from segmentation_assets.models_cli import add_models_parser


def _apply_locations(args: argparse.Namespace) -> None:
    if getattr(args, "landing", None):
        os.environ["SEGMENTATION_LANDING_DIR"] = str(Path(args.landing).resolve())
    if getattr(args, "duckdb", None):
        os.environ["SEGMENTATION_DUCKDB_PATH"] = str(Path(args.duckdb).resolve())
    if getattr(args, "config", None):
        os.environ["SEGMENTATION_CONFIG"] = str(Path(args.config).resolve())


def cmd_run(args: argparse.Namespace) -> int:
    from segmentation_assets.runner import failed_steps, load_definitions, run_pipeline
    from segmentation_assets.summary import warehouse_summary
    from segmentation_assets.warehouse import duckdb_path, landing_dir

    print(f"Landing zone: {landing_dir()}\nWarehouse:    {duckdb_path()}")
    if args.verbose:
        result = run_pipeline(
            load_definitions(reparse_dbt=True), selection=args.select, log_level="DEBUG"
        )
    else:  # dbt's own output goes to a log file next to the warehouse; the summary to the terminal
        log_path = duckdb_path().parent / "last_run.log"
        with log_path.open("w") as log, contextlib.redirect_stdout(log):
            result = run_pipeline(
                load_definitions(reparse_dbt=True), selection=args.select, log_level="ERROR"
            )
        print(f"Full log:     {log_path}")
    print(warehouse_summary(duckdb_path()))
    if not result.success:
        print(
            f"FAILED steps: {', '.join(failed_steps(result)) or '(see the run in the UI)'}",
            file=sys.stderr,
        )
        return 1
    print("Run succeeded. Open the lineage and run history with: make ui  (http://127.0.0.1:3000)")
    return 0


def cmd_sample_data(args: argparse.Namespace) -> int:
    from segmentation_assets.sources.sample_data import generate_sample_data

    summary = generate_sample_data(
        Path(args.out), scale=args.scale, seed=args.seed, only_required=args.only_required
    )
    out = Path(args.out).resolve()
    print(
        f"Sample data ({args.scale}, seed {args.seed}) written to {out}/landing; "
        f"ground truth in {out}/ground_truth"
    )
    for key, value in summary.items():
        if isinstance(value, (int, float, str)):
            print(f"  {key}: {value}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.worlds is not None:
        from segmentation_assets.world_bench import run_world_bench

        return run_world_bench(args.worlds, 1 if args.seed is None else args.seed)
    from segmentation_assets.benchmark import run_benchmark

    seed = 42 if args.seed is None else args.seed
    return run_benchmark(scale=args.scale, seed=seed, workdir=Path(args.workdir))


def cmd_summary(args: argparse.Namespace) -> int:
    from segmentation_assets.summary import warehouse_summary
    from segmentation_assets.warehouse import duckdb_path

    print(warehouse_summary(duckdb_path()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segmentation", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="materialize every asset in-process; exit 1 if any step fails")
    run.add_argument(
        "--landing", help="landing zone (default $SEGMENTATION_LANDING_DIR or data/landing)"
    )
    run.add_argument(
        "--duckdb",
        help="warehouse file (default $SEGMENTATION_DUCKDB_PATH or data/warehouse.duckdb)",
    )
    run.add_argument(
        "--config", help="config YAML (default $SEGMENTATION_CONFIG or the packaged default)"
    )
    run.add_argument(
        "--select", nargs="*", help="asset keys to materialize, e.g. raw/erp__order_lines"
    )
    run.add_argument(
        "--verbose", action="store_true", help="print every Dagster event and dbt log line"
    )
    run.set_defaults(func=cmd_run)

    sample = sub.add_parser(
        "sample-data", help="write a fictional landing zone and its ground truth"
    )
    sample.add_argument("--out", default="data", help="writes OUT/landing and OUT/ground_truth")
    sample.add_argument("--scale", choices=["small", "medium", "large"], default="small")
    sample.add_argument("--seed", type=int, default=42)
    sample.add_argument(
        "--only-required", action="store_true", help="only erp order_lines, products, customers"
    )
    sample.set_defaults(func=cmd_sample_data)

    bench = sub.add_parser(
        "bench",
        help="generate (once) and run the pipeline, printing time and memory per stage; or, "
        "with --worlds, segment quality on generated worlds",
    )
    mode = bench.add_mutually_exclusive_group()
    mode.add_argument("--scale", choices=["small", "medium", "large"], default="large")
    mode.add_argument(
        "--worlds",
        type=int,
        metavar="N",
        help="instead: segment N generated worlds (seeds SEED..SEED+N-1) and print the "
        "adjusted Rand index of engine and baseline against the planted truth",
    )
    bench.add_argument(
        "--seed", type=int, default=None, help="default 42 with --scale, 1 with --worlds"
    )
    bench.add_argument("--workdir", default="data/bench")
    bench.set_defaults(func=cmd_bench)

    summary = sub.add_parser("summary", help="print row counts, rejected files and exceptions")
    summary.add_argument("--duckdb")
    summary.set_defaults(func=cmd_summary)

    add_models_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _apply_locations(args)
    try:
        load_config()
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
