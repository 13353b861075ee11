"""Finding landing files and turning their bytes into an untyped frame.

The contract allows one file per entity (`<system>/<entity>.csv`) or a folder of
drops (`<system>/<entity>/*.csv|*.parquet`). Anything else in the landing zone is
reported, never silently skipped, so a mistyped folder name shows up in
`raw.file_loads` instead of as missing data.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from segmentation_assets.sources.contract import ENTITIES_BY_PATH, Entity

IGNORED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")


class FileRejected(Exception):
    """A landing file that cannot be loaded as a whole; names the column, row and rule."""

    def __init__(self, rule: str, message: str, column: str | None = None, row: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.column = column
        self.row = row


def _read_csv(path: Path) -> pl.DataFrame:
    return _read_csv_text(path.read_bytes())


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except Exception as error:  # polars raises several error types for corrupt files
        raise FileRejected(
            "unreadable_parquet", f"not a readable Parquet file: {_first_line(error)}"
        ) from error


# The file formats the contract accepts, by suffix, and how each is read: the one place
# that says which formats are supported (read_untyped rejects any other suffix).
_READERS: dict[str, Callable[[Path], pl.DataFrame]] = {".csv": _read_csv, ".parquet": _read_parquet}
SUPPORTED_SUFFIXES = tuple(_READERS)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    entity: Entity | None
    size_bytes: int
    modified_ns: int

    @property
    def modified_at(self) -> datetime:
        """Modification time as a naive UTC timestamp (microseconds), as raw tables store it."""
        return datetime.fromtimestamp(self.modified_ns / 1e9, tz=UTC).replace(tzinfo=None)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def discover_landing_files(landing_dir: Path) -> list[LandingFile]:
    """Every regular file under the landing dir, matched to its contract entity (or None)."""
    if not landing_dir.exists():
        return []
    files: list[LandingFile] = []
    for path in sorted(p for p in landing_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(landing_dir).as_posix()
        if path.name in IGNORED_NAMES or path.name.startswith((".", "~$")):
            continue
        stat = path.stat()
        files.append(
            LandingFile(
                path=path,
                relative_path=relative,
                entity=_entity_for(relative),
                size_bytes=stat.st_size,
                modified_ns=stat.st_mtime_ns,
            )
        )
    return files


def _entity_for(relative_path: str) -> Entity | None:
    parts = relative_path.split("/")
    if len(parts) == 2:
        system, filename = parts
        entity_name = filename.rsplit(".", 1)[0]
    elif len(parts) == 3:
        system, entity_name, _ = parts
    else:
        return None
    return ENTITIES_BY_PATH.get(f"{system.lower()}/{entity_name.lower()}")


def read_untyped(file: LandingFile) -> pl.DataFrame:
    """Read a CSV as all-text columns, or a Parquet file as stored; header names normalised.

    A suffix outside SUPPORTED_SUFFIXES is rejected as `unsupported_format`."""
    suffix = file.path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise FileRejected(
            "unsupported_format",
            f"unsupported file type {suffix or '(none)'!r}; deliver "
            f"{' or '.join(SUPPORTED_SUFFIXES)} files (CSV: UTF-8, comma-separated)",
        )
    return _normalise_header(reader(file.path))


def _read_csv_text(data: bytes) -> pl.DataFrame:
    text = _decode(data)
    if not text.strip():
        raise FileRejected("empty_file", "file is empty (no header row)", row=0)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header = next(csv.reader(io.StringIO(text.lstrip("\n"))))
    _refuse_duplicate_names(header)
    try:
        return pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            infer_schema=False,
            has_header=True,
            separator=",",
            quote_char='"',
            raise_if_empty=True,
            new_columns=header,  # the csv module's names: polars keeps a quoted '""' doubled
        )
    except Exception as error:
        raise FileRejected(
            "malformed_csv", f"CSV cannot be parsed: {_first_line(error)}"
        ) from error


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is refused, not guessed."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise FileRejected(
                "encoding", f"file has a UTF-16 byte-order mark but is not valid UTF-16: {error}"
            ) from error
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FileRejected(
            "binary_content",
            f"file contains NUL bytes (line {line}): not a text CSV",
            row=max(line - 1, 0),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        bad = data[error.start : error.start + 1].hex()
        raise FileRejected(
            "encoding",
            f"not valid UTF-8 at line {line} (byte 0x{bad}); the contract requires UTF-8, "
            "re-export the file as UTF-8",
            row=max(line - 1, 0),
        ) from error


def _normalise_header(frame: pl.DataFrame) -> pl.DataFrame:
    """Trim and lower-case column names, refusing names that collide after that."""
    names = _refuse_duplicate_names(frame.columns)
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def _refuse_duplicate_names(header: list[str]) -> list[str]:
    names = [str(name).replace("\ufeff", "").strip().lower() for name in header]
    names = [name or f"_unnamed_{index + 1}" for index, name in enumerate(names)]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FileRejected(
                "duplicate_column",
                f"column {name!r} appears twice in the header",
                column=name,
                row=0,
            )
        seen.add(name)
    return names


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
