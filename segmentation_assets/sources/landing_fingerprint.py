"""What the landing zone looks like now, to tell a refresh from nothing new."""

from __future__ import annotations

import json
from pathlib import Path

from segmentation_assets.sources.landing_files import discover_landing_files


def landing_fingerprint(landing_dir: Path) -> dict[str, str]:
    """Path -> size and modification time: a changed or replaced file changes its entry."""
    return {
        f.relative_path: f"{f.size_bytes}:{f.modified_ns}"
        for f in discover_landing_files(landing_dir)
    }


def landing_changes(previous: dict[str, str], current: dict[str, str]) -> dict[str, list[str]]:
    """Files added, changed and removed since the previous fingerprint."""
    return {
        "added": sorted(set(current) - set(previous)),
        "changed": sorted(p for p in set(current) & set(previous) if current[p] != previous[p]),
        "removed": sorted(set(previous) - set(current)),
    }


def encode(fingerprint: dict[str, str]) -> str:
    return json.dumps(fingerprint, sort_keys=True, separators=(",", ":"))


def decode(cursor: str | None) -> dict[str, str]:
    return json.loads(cursor) if cursor else {}
