"""Run the platform on a mapped real extract and print the results as Markdown.

    .venv/bin/python scripts/real_extracts/run_and_report.py --out data/real/scms
    .venv/bin/python scripts/real_extracts/run_and_report.py --out data/real/scms --skip-run

Expects `<out>/landing` (written by a mapping script). Runs, with
SEGMENTATION_LANDING_DIR=<out>/landing, SEGMENTATION_DUCKDB_PATH=<out>/warehouse.duckdb and
DAGSTER_HOME=<out>/dagster_home:

    segmentation run; segmentation summary; segmentation models list

then reads the warehouse (raw.file_loads, quarantine.order_lines, reconcile.exceptions,
features.*, segments.*) and the Dagster instance (the `stable_out_of_sample` asset check)
and writes `<out>/results.md` (also printed): what loaded, was rejected or quarantined and
why, and per entity type the segments in service with their names, sizes (entities and
volume share), the constraint actions and the stability check.

`--code DIR` runs another copy of the platform's code (PYTHONPATH=DIR, run from outside the
repository so the working tree's package is not picked up), e.g. an export of a commit:
`git archive <commit> | tar -x -C /tmp/seg_before`. By default the working tree runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[2]
CONSOLE = Path(sys.executable).parent / "segmentation"


def run_platform(out: Path, code: Path | None) -> str:
    env = dict(os.environ)
    env["SEGMENTATION_LANDING_DIR"] = str(out / "landing")
    env["SEGMENTATION_DUCKDB_PATH"] = str(out / "warehouse.duckdb")
    env["DAGSTER_HOME"] = str(out / "dagster_home")
    (out / "dagster_home").mkdir(parents=True, exist_ok=True)
    cwd = REPO
    if code is not None:
        env["PYTHONPATH"] = str(code)
        cwd = out  # not the repository: its package would shadow PYTHONPATH
    transcript = []
    for args in (["run"], ["summary"], ["models", "list"]):
        proc = subprocess.run(
            [str(CONSOLE), *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
        )
        transcript.append(f"$ segmentation {' '.join(args)}  (exit {proc.returncode})\n")
        transcript.append(proc.stdout + proc.stderr)
    text = "".join(transcript)
    (out / "platform_output.txt").write_text(text, encoding="utf-8")
    return text


def check_results(dagster_home: Path) -> dict[str, dict[str, Any]]:
    """The latest `stable_out_of_sample` evaluation per segments asset, from the instance."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    try:
        from dagster import AssetCheckKey, AssetKey, DagsterInstance
    except ImportError:  # pragma: no cover
        return {}
    instance = DagsterInstance.get()
    out: dict[str, dict[str, Any]] = {}
    for asset in ("product_segments", "customer_segments"):
        key = AssetCheckKey(AssetKey(["segments", asset]), "stable_out_of_sample")
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
        if not history or history[0].event is None or history[0].event.dagster_event is None:
            continue
        data = history[0].event.dagster_event.event_specific_data
        metadata = {k: getattr(v, "value", v) for k, v in data.metadata.items()}
        out[f"segments/{asset}"] = {"passed": data.passed, **metadata}
    return out


def table(rows: list[tuple], header: list[str]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            text = f"{v:,.3f}" if abs(v) < 100 else f"{v:,.1f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        if isinstance(v, int):
            return f"{v:,}"
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    try:
        return con.execute(sql).fetchall()
    except duckdb.Error as exc:  # a table a failed run did not write
        return [(f"query failed: {exc}".splitlines()[0],)]


def report(out: Path) -> str:
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    checks = check_results(out / "dagster_home")
    md: list[str] = [f"## Results: {out.name}", ""]
    mapping = out / "mapping_report.json"
    if mapping.exists():
        md += ["Mapping report:", "", "```json", mapping.read_text(encoding="utf-8"), "```", ""]

    md += ["### Landing files (`raw.file_loads`)", ""]
    md.append(
        table(
            q(
                con,
                "select source_file, status, rows, error_rule, error_column, error_row, "
                "message from raw.file_loads order by source_file",
            ),
            ["file", "status", "rows", "rule", "column", "row", "message"],
        )
    )
    raw_lines = q(con, "select count(*) from raw.erp__order_lines")[0][0]
    mart_lines = q(con, "select count(*) from marts.fct_order_lines")[0][0]
    md += [
        "",
        f"Order lines: raw {raw_lines}, in `marts.fct_order_lines` {mart_lines}.",
        "",
        "### Quarantined order lines (`quarantine.order_lines`)",
        "",
        table(
            q(
                con,
                "select rule, count(*), any_value(detail) from quarantine.order_lines "
                "group by rule order by 2 desc",
            ),
            ["rule", "lines", "example detail"],
        ),
        "",
        "### Reconciliation exceptions (`reconcile.exceptions`)",
        "",
        table(
            q(
                con,
                "select entity_type, exception_type, count(*), any_value(detail) "
                "from reconcile.exceptions group by all order by 3 desc",
            ),
            ["entity", "exception", "count", "example"],
        ),
        "",
        "### Demand outliers (`quarantine.demand_outliers`)",
        "",
        table(
            q(
                con,
                "select rule, excluded_from_segmentation, count(*) "
                "from quarantine.demand_outliers group by all order by 3 desc",
            ),
            ["rule", "excluded from segmentation", "count"],
        ),
        "",
    ]

    products = q(
        con,
        "select count(*), sum(total_units), sum(total_revenue) from features.product_features",
    )[0]
    customers = q(
        con,
        "select count(*), sum(total_units), sum(total_revenue) from features.customer_features",
    )[0]
    md += [
        "### Features",
        "",
        f"Products with features: {products[0]}; customers with features: {customers[0]}.",
        "",
        "Syntetos-Boylan x ABC classes of the products (`features.product_features`):",
        "",
        table(
            q(
                con,
                "select coalesce(sbc_class, '(none)'), abc_class, count(*), "
                "round(100.0 * sum(total_units) / sum(sum(total_units)) over (), 1) "
                "from features.product_features group by all order by 1, 2",
            ),
            ["SBC class", "ABC", "products", "% of units"],
        ),
        "",
    ]

    for entity, feature_table, key in (
        ("product", "features.product_features", "sku"),
        ("customer", "features.customer_features", "customer_id"),
    ):
        model = q(
            con,
            "select model_version, algorithm, k, params, metrics from segments.model_versions "
            f"where entity_type = '{entity}' and is_current",
        )
        md += [f"### {entity.capitalize()} segments in service", ""]
        if not model or len(model[0]) < 5:
            md += ["No current model version.", ""]
            continue
        version, algorithm, k, params, metrics = model[0]
        params = json.loads(params) if isinstance(params, str) else params
        metrics = json.loads(metrics) if isinstance(metrics, str) else metrics
        md += [
            f"Model `{version}`: {algorithm}, k = {k} in service "
            f"(chosen k before constraints: {params.get('k_before_constraints', params.get('k'))}; "
            f"segments before constraints: {metrics.get('segments_before_constraints')}).",
            "",
            table(
                q(
                    con,
                    f"""
                    select a.segment_id, a.segment_name, count(*) as entities,
                        round(100.0 * count(*) / sum(count(*)) over (), 1),
                        round(100.0 * sum(f.total_units) / sum(sum(f.total_units)) over (), 1),
                        round(100.0 * sum(f.total_revenue)
                            / sum(sum(f.total_revenue)) over (), 1),
                        bool_or(a.is_noise)
                    from segments.current_assignments as a
                    left join {feature_table} as f on f.{key} = a.entity_id
                    where a.entity_type = '{entity}'
                    group by all order by 1
                    """,
                ),
                ["segment", "name", "entities", "% entities", "% units", "% revenue", "noise"],
            ),
            "",
        ]
        if entity == "product":
            md += [
                "Segments x Syntetos-Boylan class (products, units share of the total):",
                "",
                table(
                    q(
                        con,
                        """
                        select a.segment_name, coalesce(f.sbc_class, '(none)'), count(*),
                            round(100.0 * sum(f.total_units)
                                / sum(sum(f.total_units)) over (), 2)
                        from segments.current_assignments as a
                        join features.product_features as f on f.sku = a.entity_id
                        where a.entity_type = 'product'
                        group by all order by 1, 2
                        """,
                    ),
                    ["segment", "SBC class", "products", "% of units"],
                ),
                "",
            ]
        actions = metrics.get("constraint_actions") or []
        md += ["Constraint actions:", ""]
        md += [f"- {a}" for a in actions] or ["- none"]
        check = checks.get(f"segments/{entity}_segments", {})
        md += [
            "",
            f"Selection metrics: silhouette {metrics.get('silhouette')}, Davies-Bouldin "
            f"{metrics.get('davies_bouldin')}, adjusted Rand vs rule baseline "
            f"{metrics.get('adjusted_rand_vs_baseline')}.",
            "",
            "Stability check `stable_out_of_sample`: "
            + (
                f"passed = {check.get('passed')}, mean adjusted Rand "
                f"{check.get('mean_adjusted_rand')}, min bootstrap Jaccard "
                f"{check.get('min_bootstrap_jaccard')}"
                if check
                else "no evaluation found in the Dagster instance"
            )
            + f" (registry metrics: mean adjusted Rand {metrics.get('mean_adjusted_rand')}, "
            f"min bootstrap Jaccard {metrics.get('min_bootstrap_jaccard')}).",
            "",
        ]
    return "\n".join(md)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder holding landing/")
    parser.add_argument("--code", type=Path, help="run this copy of the code (PYTHONPATH)")
    parser.add_argument("--skip-run", action="store_true", help="only report")
    args = parser.parse_args()
    out = args.out.resolve()
    if not args.skip_run:
        print(run_platform(out, args.code.resolve() if args.code else None))
    text = report(out)
    (out / "results.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
