"""The Dagster UI as a person meets it: `make ui` started for real, queried and looked at.

One webserver (through `python -m segmentation_assets.ui`, exactly what `make ui` runs)
serves these tests on small sample data, with its own DAGSTER_HOME, landing zone and
warehouse in a temporary folder. The tests ask its GraphQL API for the lineage, launch
the pipeline twice to see the instance queue the second run, and open the asset's
lineage page in Debian's headless Chromium (`make test` installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import psutil
import pytest

from segmentation_assets.sources.sample_data import generate_sample_data

pytestmark = pytest.mark.ui

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOCATION = "segmentation"
JOB = "segmentation_pipeline"
LAYERS = [
    "landing",
    "raw",
    "staging",
    "reconcile",
    "marts",
    "quarantine",
    "quality",
    "features",
    "segments",
]
STARTUP_TIMEOUT = 120.0
RUNS_TIMEOUT = 360.0
BROWSER_TIMEOUT = 90.0
STOP_GRACE = 10.0


# --------------------------------------------------------------------------- the server


@dataclass
class UiServer:
    url: str
    root: Path
    log: Path
    process: subprocess.Popen

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30.0) -> dict:
        payload = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=payload, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.load(response)
        assert not body.get("errors"), f"GraphQL errors: {body['errors']}"
        return body["data"]

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])


WORKSPACE_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name jobs { name } } }
          ... on PythonError { message stack }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_loaded(server: UiServer) -> None:
    """Until GraphQL answers and the `segmentation` location is loaded (or fails to)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"`make ui` exited with {server.process.returncode} while starting:\n"
                f"{server.log_tail()}"
            )
        try:
            workspace = server.graphql(WORKSPACE_QUERY, timeout=10)["workspaceOrError"]
        except (
            urllib.error.URLError,
            ConnectionError,
            TimeoutError,
            OSError,
            json.JSONDecodeError,
        ) as error:
            last = repr(error)
        else:
            entries = {e["name"]: e for e in workspace.get("locationEntries", [])}
            entry = entries.get(LOCATION)
            last = json.dumps(workspace)[:500]
            if entry and entry["loadStatus"] == "LOADED":
                location = entry["locationOrLoadError"] or {}
                if location.get("__typename") == "PythonError":
                    pytest.fail(
                        f"code location {LOCATION!r} failed to load: {location['message']}\n"
                        f"{location['stack']}"
                    )
                if location.get("__typename") == "RepositoryLocation":
                    jobs = {j["name"] for r in location["repositories"] for j in r["jobs"]}
                    assert JOB in jobs, f"{JOB} not in the loaded location: {sorted(jobs)}"
                    return
        time.sleep(1.0)
    pytest.fail(f"UI not ready after {STARTUP_TIMEOUT:.0f}s (last: {last})\n{server.log_tail()}")


def _group_members(pgid: int) -> list[psutil.Process]:
    """Live (non-zombie) processes in a process group."""
    members = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def _alive(processes: list[psutil.Process]) -> list[str]:
    left = []
    for proc in processes:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{proc.pid} {' '.join(proc.cmdline())[:160]}")
        except psutil.Error:
            continue
    return left


def _stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group, SIGKILL what is left after `grace` seconds."""
    pgid = process.pid  # start_new_session: the child leads its own group
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if signum == signal.SIGKILL:
            print(
                f"\nUI did not stop within {grace:.0f}s of SIGTERM; sending SIGKILL to group {pgid}"
            )
        try:
            os.killpg(pgid, signum)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_members(pgid):
                return
            time.sleep(0.2)
    process.wait(timeout=5)


@pytest.fixture(scope="module")
def ui(tmp_path_factory) -> Iterator[UiServer]:
    root = tmp_path_factory.mktemp("ui")
    generate_sample_data(root / "data", scale="small", seed=42)
    home = root / "dagster_home"
    env = dict(os.environ)
    env.pop("SEGMENTATION_CONFIG", None)  # the packaged default thresholds
    env.update(
        DAGSTER_HOME=str(home),
        SEGMENTATION_LANDING_DIR=str(root / "data" / "landing"),
        SEGMENTATION_DUCKDB_PATH=str(root / "warehouse.duckdb"),
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    log = root / "ui.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "segmentation_assets.ui",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = UiServer(url=f"http://127.0.0.1:{port}", root=root, log=log, process=process)
    descendants: list[psutil.Process] = []
    try:
        _wait_until_loaded(server)
        settings = (home / "dagster.yaml").read_text()
        assert "tag_concurrency_limits" in settings, (
            f"our instance settings were not installed:\n{settings}"
        )
        yield server
        descendants = psutil.Process(process.pid).children(recursive=True)
    finally:
        _stop_group(process, STOP_GRACE)
        left = _alive(descendants) + [
            f"{p.pid} (group member)" for p in _group_members(process.pid)
        ]
        assert not left, f"processes left after stopping the UI: {left}\n{server.log_tail(20)}"


# --------------------------------------------------------------------------- lineage over GraphQL


ASSET_NODES_QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    dependencyKeys { path }
  }
}
"""


def _asset_graph(ui: UiServer) -> tuple[dict[str, list[str]], dict[str, str]]:
    nodes = ui.graphql(ASSET_NODES_QUERY)["assetNodes"]
    parents = {
        "/".join(n["assetKey"]["path"]): ["/".join(d["path"]) for d in n["dependencyKeys"]]
        for n in nodes
    }
    groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    return parents, groups


def _upstream_path(parents: dict[str, list[str]], start: str, goal: str) -> list[str] | None:
    """Shortest chain goal -> ... -> start following dependencies upstream (breadth first)."""
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        key = queue.popleft()
        if key == goal:
            chain = [key]
            while came_from[chain[-1]] is not None:
                chain.append(came_from[chain[-1]])
            return chain  # goal first, start last
        for parent in parents.get(key, []):
            if parent not in came_from:
                came_from[parent] = key
                queue.append(parent)
    return None


def test_graphql_lineage_runs_unbroken_from_landing_file_to_mart(ui):
    parents, groups = _asset_graph(ui)

    dangling = sorted(
        {f"{child} <- {p}" for child, ps in parents.items() for p in ps if p not in parents}
    )
    assert dangling == [], f"dependencies on assets the UI does not know: {dangling}"

    chain = _upstream_path(parents, "marts/fct_order_lines", "landing/erp__order_lines")
    assert chain is not None, (
        "no upstream path from marts/fct_order_lines to landing/erp__order_lines; "
        f"fct_order_lines depends on {parents.get('marts/fct_order_lines')}"
    )
    assert chain[0] == "landing/erp__order_lines" and chain[-1] == "marts/fct_order_lines"
    for expected in ("raw/erp__order_lines", "staging/stg_erp__order_lines"):
        assert expected in chain, f"{expected} missing from the chain {chain}"
    for upstream, downstream in zip(chain, chain[1:], strict=False):  # consecutive pairs
        assert upstream in parents[downstream], f"{downstream} does not depend on {upstream}"
    layer_order = [LAYERS.index(groups[key]) for key in chain]
    assert layer_order == sorted(layer_order), (
        f"the chain goes back a layer: {[(k, groups[k]) for k in chain]}"
    )

    assert set(groups.values()) == set(LAYERS), (
        f"groups {sorted(set(groups.values()))} are not the layers {LAYERS}"
    )

    audit = _upstream_path(parents, "segments/assignments", "landing/erp__order_lines")
    assert audit is not None, "a segment assignment cannot be traced back to the order-line files"
    assert any(key.startswith("features/") for key in audit), audit
    audit_order = [LAYERS.index(groups[key]) for key in audit]
    assert audit_order == sorted(audit_order), f"the audit trail goes back a layer: {audit}"


def test_every_asset_is_grouped_under_its_own_layer(ui):
    """Dagster group = DuckDB schema (README): the UI's group boxes show each layer's tables."""
    _, groups = _asset_graph(ui)
    misplaced = sorted(
        f"{key} in group {group!r}" for key, group in groups.items() if key.split("/")[0] != group
    )
    assert misplaced == [], f"assets whose group is not their schema: {misplaced}"


# --------------------------------------------------------------------------- lineage in a browser

# The asset's lineage tab, upstream only, as deep as the graph goes (the UI clamps the depth).
LINEAGE_PATH = "/assets/marts/fct_order_lines?view=lineage&lineageScope=upstream&lineageDepth=20"
# Wide enough that the five-layer chain renders as full nodes with whole names; narrower, the UI
# zooms out to name-only nodes and middle-truncates long names ("stg_…__order_lines").
WINDOW = (2000, 1200)


def _chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if not found:
        pytest.fail(
            "Debian's chromium is missing: the UI test needs it. `make test` installs it "
            "(its `browser` target), or run `apt-get update && apt-get install -y chromium`."
        )
    return found


def _run_chromium(args: list[str], profile: Path, stderr: Path) -> bytes:
    command = [
        _chromium(),
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--virtual-time-budget=20000",
        *args,
    ]
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err, start_new_session=True
        )
        try:
            out, _ = process.communicate(timeout=BROWSER_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"chromium did not finish in {BROWSER_TIMEOUT:.0f}s: {' '.join(command)}")
    try:  # the browser's helpers (zygote, GPU, renderer) share its group
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    assert process.returncode == 0, (
        f"chromium exited {process.returncode}:\n{stderr.read_text(errors='replace')[-3000:]}"
    )
    return out


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "noscript"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "noscript"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and a grid of RGB samples (every 5th pixel of every 5th row) of an 8-bit RGB(A)
    PNG, decoded with the standard library (no imaging dependency)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, bytearray(), None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    assert header is not None, "PNG without IHDR"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(bytes(idat))
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    samples = [row[x : x + 3] for row in rows[::5] for x in range(0, stride, bpp * 5)]
    return width, height, samples


def _times_shown(texts: Counter, name: str) -> int:
    """How often `name` is shown whole, or middle-truncated by the UI ("stg_…__order_lines")."""
    count = texts[name]
    for text, n in texts.items():
        if "…" in text and text != name:
            head, _, tail = text.partition("…")
            if (
                head
                and tail
                and name.startswith(head)
                and name.endswith(tail)
                and len(head) + len(tail) < len(name)
            ):
                count += n
    return count


def _ancestors(parents: dict[str, list[str]], key: str) -> set[str]:
    seen, frontier = set(), list(parents[key])
    while frontier:
        parent = frontier.pop()
        if parent not in seen:
            seen.add(parent)
            frontier.extend(parents.get(parent, []))
    return seen


def test_lineage_page_shows_the_upstream_chain_in_a_real_browser(ui):
    target = "marts/fct_order_lines"
    parents, groups = _asset_graph(ui)
    upstream = _ancestors(parents, target)
    assert {
        "landing/erp__order_lines",
        "raw/erp__order_lines",
        "staging/stg_erp__order_lines",
    } <= upstream
    shown_keys = upstream | {target}
    downstream = {k for k, ps in parents.items() if target in ps}

    url = ui.url + LINEAGE_PATH
    shots = ui.root / "browser"
    shots.mkdir(exist_ok=True)
    screenshot = shots / "fct_order_lines_lineage.png"
    dom = _run_chromium(["--dump-dom", url], shots / "profile-dom", shots / "dom.stderr").decode(
        "utf-8", "replace"
    )
    (shots / "lineage.html").write_text(dom)
    _run_chromium(
        [f"--screenshot={screenshot}", url], shots / "profile-shot", shots / "shot.stderr"
    )
    print(f"\nlineage page {url}\nscreenshot {screenshot}")

    parser = _VisibleText()
    parser.feed(dom)
    texts = Counter(parser.texts)
    where = f"(page saved as {shots / 'lineage.html'}, screenshot {screenshot})"
    # Every upstream asset the API reports is drawn, e.g. erp__order_lines twice (landing file,
    # raw table).
    expected = Counter(key.split("/")[-1] for key in shown_keys)
    missing = {
        name: (_times_shown(texts, name), n)
        for name, n in expected.items()
        if _times_shown(texts, name) < n
    }
    assert not missing, f"assets not drawn (name: (shown, expected)): {missing} {where}"
    for group in sorted({groups[key] for key in shown_keys}):
        assert texts[group] >= 1, f"group {group!r} not drawn on the lineage page {where}"
    drawn_downstream = [k for k in downstream if _times_shown(texts, k.split("/")[-1])]
    assert not drawn_downstream, (
        f"the upstream view draws downstream assets {drawn_downstream} {where}"
    )

    data = screenshot.read_bytes()
    assert len(data) > 20_000, f"screenshot {screenshot} is only {len(data)} bytes"
    width, height, samples = _png_pixels(data)
    assert (width, height) == WINDOW, f"screenshot {screenshot} is {width}x{height}, not {WINDOW}"
    colours = Counter(samples)
    commonest = colours.most_common(1)[0][1] / len(samples)
    assert len(colours) >= 16 and commonest < 0.95, (
        f"screenshot {screenshot} looks blank: {len(colours)} colours, "
        f"commonest covers {commonest:.0%}"
    )


# --------------------------------------------------------------------------- queued runs

LAUNCH_MUTATION = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { stack }
    ... on Error { message }
  }
}
"""

RUNS_QUERY = """
query Runs($ids: [String!]) {
  runsOrError(filter: {runIds: $ids}) {
    __typename
    ... on Runs { results { runId status startTime endTime tags { key value } } }
    ... on PythonError { message }
  }
}
"""

FAILURES_QUERY = """
query Failures($id: ID!) {
  runOrError(runId: $id) {
    ... on Run {
      eventConnection(limit: 5000) {
        events {
          __typename
          ... on ExecutionStepFailureEvent { stepKey error { message } }
          ... on RunFailureEvent { message }
        }
      }
    }
  }
}
"""

FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _failure_messages(ui: UiServer, run_id: str) -> list[str]:
    events = ui.graphql(FAILURES_QUERY, {"id": run_id})["runOrError"]["eventConnection"]["events"]
    messages = []
    for event in events:
        if event["__typename"] == "ExecutionStepFailureEvent":
            messages.append(
                f"step {event['stepKey']}: {(event.get('error') or {}).get('message', '').strip()}"
            )
        elif event["__typename"] == "RunFailureEvent":
            messages.append(event["message"])
    return messages


def _launch(ui: UiServer) -> str:
    params = {
        "selector": {
            "repositoryLocationName": LOCATION,
            "repositoryName": "__repository__",
            "jobName": JOB,
        },
        "runConfigData": {},
    }
    result = ui.graphql(LAUNCH_MUTATION, {"params": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", f"launchRun failed: {result}"
    return result["run"]["runId"]


def test_two_pipeline_runs_are_queued_one_after_the_other_not_failed(ui):
    run_ids = [_launch(ui), _launch(ui)]
    history: list[tuple[float, dict[str, str]]] = []
    deadline = time.monotonic() + RUNS_TIMEOUT
    while True:
        answer = ui.graphql(RUNS_QUERY, {"ids": run_ids})["runsOrError"]
        assert answer["__typename"] == "Runs", answer
        runs = {r["runId"]: r for r in answer["results"]}
        history.append((time.monotonic(), {i: runs[i]["status"] for i in run_ids if i in runs}))
        if len(runs) == 2 and all(r["status"] in FINISHED for r in runs.values()):
            break
        if time.monotonic() > deadline:
            pytest.fail(
                f"runs not finished after {RUNS_TIMEOUT:.0f}s: {history[-1][1]}\n{ui.log_tail()}"
            )
        time.sleep(0.5)

    statuses = {i: runs[i]["status"] for i in run_ids}
    failures = {
        i: _failure_messages(ui, i) for i, status in statuses.items() if status != "SUCCESS"
    }
    assert not failures, (
        f"runs did not both succeed: {statuses}\n{json.dumps(failures, indent=2)}\n"
        f"(full log: {ui.log}; DAGSTER_HOME {ui.root / 'dagster_home'})"
    )
    for run in runs.values():
        assert {"key": "duckdb", "value": "warehouse"} in run["tags"], (
            f"run {run['runId']} lacks the duckdb tag"
        )

    first, second = sorted(runs.values(), key=lambda r: r["startTime"])
    assert first["endTime"] <= second["startTime"], (
        f"runs overlapped: {first['runId']} ran {first['startTime']:.1f}-{first['endTime']:.1f}, "
        f"{second['runId']} started {second['startTime']:.1f}"
    )
    queued_while_other_ran = [
        snapshot for _, snapshot in history if sorted(snapshot.values()) == ["QUEUED", "STARTED"]
    ]
    transitions = [
        s for k, s in enumerate(h for _, h in history) if k == 0 or s != history[k - 1][1]
    ]
    assert queued_while_other_ran, (
        f"never saw one run QUEUED while the other ran; statuses seen: {transitions}"
    )
    print(
        f"\nruns {first['runId'][:8]} {first['endTime'] - first['startTime']:.0f}s, "
        f"{second['runId'][:8]} {second['endTime'] - second['startTime']:.0f}s; "
        f"queued-while-running seen in {len(queued_while_other_ran)} of {len(history)} polls"
    )
