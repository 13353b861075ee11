"""`make ui`: start `dagster dev` on the project's workspace and local instance.

Resets SIGINT/SIGTERM to their defaults first: a shell that starts us in the
background leaves them ignored, and `dagster dev` would then never stop.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from segmentation_assets.instance import ensure_dagster_home

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="3000")
    args = parser.parse_args(argv)
    ensure_dagster_home()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    dagster = str(Path(sys.executable).parent / "dagster")
    os.chdir(PROJECT_ROOT)
    os.execv(
        dagster, [dagster, "dev", "-w", "workspace.yaml", "-h", args.host, "-p", str(args.port)]
    )


if __name__ == "__main__":
    main()
