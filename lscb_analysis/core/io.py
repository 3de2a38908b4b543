"""The I/O layer: the only module that reads and writes files for the analysis code.

Readers check what they read and raise errors that name the file and column at fault.
Writers refuse to write anywhere under ``data/raw/``, which holds local returns exactly as
received and is read-only to the workbench.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from lscb_analysis.core import paths
from lscb_analysis.core.errors import (
    DataFileError,
    DataLayoutError,
    MissingDataFileError,
    RawDataWriteError,
    ReferenceDataError,
)

RESTORE_EXTERNAL_HINT = (
    "Restore it from the repository (git checkout -- data/external/) or copy it again from "
    "the published source listed in data/external/README.md."
)


def sha256_of(path: Path | str) -> str:
    """Return the SHA-256 hex digest of a file's bytes.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_of(p)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def external_file(name: str) -> Path:
    """Return the path of a published file in ``data/external/``.

    Raises:
        MissingDataFileError: the file is not there; the message says how to restore it.
    """
    path = paths.external_dir() / name
    if not path.is_file():
        raise MissingDataFileError(f"Published file {path} is missing. {RESTORE_EXTERNAL_HINT}")
    return path


def read_published_csv(name: str, required_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Read a published CSV from ``data/external/`` with every column as text.

    Everything is read as text so that suppression symbols (``c``, ``x``, ...) survive until
    they are turned into a status; numbers are parsed later, column by column.

    Args:
        name: file name inside ``data/external/``.
        required_columns: columns the caller needs; each must be present.

    Returns:
        The file as a DataFrame of strings (missing cells as ``<NA>``), plus a ``source_line``
        column holding the line number in the file (header = line 1), for error messages.

    Raises:
        MissingDataFileError: the file is missing.
        DataFileError: the file cannot be read as CSV.
        DataLayoutError: a required column is missing (the message names it).
    """
    path = external_file(name)
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataFileError(
            f"Published file {path} cannot be read as CSV ({error}). {RESTORE_EXTERNAL_HINT}"
        ) from error
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in required_columns if column not in frame.columns]
    if missing:
        raise DataLayoutError(
            f"Published file {path} has no column {', '.join(repr(c) for c in missing)}. "
            "The publisher may have renamed it: update the column names in "
            "data/reference/indicators.csv (or restore the file). "
            f"Columns found: {', '.join(frame.columns)}."
        )
    frame["source_line"] = range(2, len(frame) + 2)
    return frame


def read_published_excel(name: str, required_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Read the first sheet of a published workbook in ``data/external/`` as text.

    Raises:
        MissingDataFileError, DataFileError, DataLayoutError: as :func:`read_published_csv`.
    """
    path = external_file(name)
    try:
        frame = pd.read_excel(path, dtype=str, engine="openpyxl")
    except (ValueError, OSError, KeyError) as error:
        raise DataFileError(
            f"Published workbook {path} cannot be read ({error}). {RESTORE_EXTERNAL_HINT}"
        ) from error
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in required_columns if column not in frame.columns]
    if missing:
        raise DataLayoutError(
            f"Published workbook {path} has no column {', '.join(repr(c) for c in missing)}. "
            f"Columns found: {', '.join(frame.columns)}. {RESTORE_EXTERNAL_HINT}"
        )
    return frame


def reference_file(name: str) -> Path:
    """Return the path of a reference table in ``data/reference/``.

    Raises:
        ReferenceDataError: the file is missing.
    """
    path = paths.reference_dir() / name
    if not path.is_file():
        raise ReferenceDataError(
            f"Reference table {path} is missing. Restore it with "
            f"`git checkout -- data/reference/{name}`."
        )
    return path


_REFERENCE_CSVS: dict[tuple[str, int, int], pd.DataFrame] = {}


def read_reference_csv(name: str, required_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Read a reference CSV from ``data/reference/`` as text (empty cells as empty strings).

    Raises:
        ReferenceDataError: the file is missing or lacks a required column.
    """
    path = reference_file(name)
    # Reference tables are read many times per run (a unit's suffix per figure shown): the
    # parsed table is kept while the file stays the same (same path, size and change time).
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _REFERENCE_CSVS:
        _REFERENCE_CSVS[key] = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    frame = _REFERENCE_CSVS[key].copy()
    missing = [column for column in required_columns if column not in frame.columns]
    if missing:
        raise ReferenceDataError(
            f"Reference table {path} has no column {', '.join(repr(c) for c in missing)}. "
            "Add the column back (see the README in data/reference/)."
        )
    return frame


# libyaml's loader when it is installed: the same safe loading, several times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_mapping(path: Path | str, what: str = "Reference file") -> dict:
    """Read a YAML file whose top level is a mapping (a reference or settings file).

    Args:
        path: the file.
        what: how to name the file in messages, e.g. "Disclosure rules file".

    Raises:
        ReferenceDataError: the file is missing, is not UTF-8 or valid YAML, or is not a
        mapping; the message says how to fix it.
    """
    path = Path(path)
    if not path.is_file():
        raise ReferenceDataError(
            f"{what} {path} is missing. Restore it from git (git checkout -- {path.name} in "
            "its folder) or point to the right file."
        )
    try:
        content = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except yaml.YAMLError as error:
        raise ReferenceDataError(
            f"{what} {path} is not valid YAML ({error}). Fix the layout at the line shown: "
            "usually an indentation slip or a colon inside unquoted text (put such text in "
            "quotes)."
        ) from error
    except UnicodeDecodeError as error:
        raise ReferenceDataError(f"{what} {path} is not UTF-8 text; save it as UTF-8.") from error
    if not isinstance(content, dict):
        raise ReferenceDataError(
            f"{what} {path} must hold a YAML mapping at the top (key: value lines)."
        )
    return content


def read_reference_yaml(name: str, required_keys: Iterable[str] = ()) -> dict:
    """Read a YAML reference file from ``data/reference/``.

    ``required_keys``: top-level keys the file must hold.

    Raises:
        ReferenceDataError: the file is missing, is not valid YAML, is not a mapping, or
            lacks a required key (the message names the file and the keys).
    """
    path = reference_file(name)
    content = read_yaml_mapping(path)
    missing = [key for key in required_keys if key not in content]
    if missing:
        raise ReferenceDataError(
            f"Reference file {path} has no {', '.join(repr(k) for k in missing)}. Add "
            "it back (see the README in data/reference/)."
        )
    return content


def ensure_writable(path: Path | str) -> Path:
    """Return ``path`` as a Path after checking it is not under ``data/raw/``.

    Raises:
        RawDataWriteError: the path is inside ``data/raw/``.
    """
    target = Path(path).resolve()
    raw = paths.raw_dir().resolve()
    if target == raw or raw in target.parents:
        raise RawDataWriteError(
            f"Refusing to write {target}: data/raw/ holds returns exactly as received and is "
            "read-only to the workbench. Write to data/processed/ or reports/ instead."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def write_table(frame: pd.DataFrame, stem: Path | str) -> tuple[Path, Path]:
    """Write a tidy table as ``<stem>.parquet`` and ``<stem>.csv``.

    Returns:
        The two paths written.

    Raises:
        RawDataWriteError: the stem is under ``data/raw/``.
    """
    stem = Path(stem)
    parquet_path = ensure_writable(stem.with_suffix(".parquet"))
    csv_path = ensure_writable(stem.with_suffix(".csv"))
    frame.to_parquet(parquet_path, index=False)
    frame.to_csv(csv_path, index=False)
    return parquet_path, csv_path


def read_latest_processed(prefix: str) -> pd.DataFrame:
    """The latest of ``data/processed/<prefix><period>.parquet`` by name (the latest period,
    e.g. the score card table ``scorecard_2025Q4``); an empty table when none was built."""
    built = sorted(paths.processed_dir().glob(f"{prefix}*.parquet"))
    return pd.read_parquet(built[-1]) if built else pd.DataFrame()


def read_processed_table(name: str, rebuild_hint: str) -> pd.DataFrame:
    """Read ``data/processed/<name>.parquet``.

    Args:
        name: the table's stem, e.g. ``public_indicators``.
        rebuild_hint: the command that rebuilds it, quoted in the error.

    Raises:
        MissingDataFileError: the table has not been built yet.
    """
    path = paths.processed_dir() / f"{name}.parquet"
    if not path.is_file():
        raise MissingDataFileError(f"{path} has not been built yet. Run `{rebuild_hint}` first.")
    return pd.read_parquet(path)


def write_json(content: dict, path: Path | str) -> Path:
    """Write a JSON document (UTF-8, indented) and return its path.

    Raises:
        RawDataWriteError: the path is under ``data/raw/``.
    """
    target = ensure_writable(path)
    target.write_text(json.dumps(content, indent=2, default=str), encoding="utf-8")
    return target


def write_text(text: str, path: Path | str) -> Path:
    """Write a UTF-8 text file (HTML, markdown, ...) and return its path.

    Raises:
        RawDataWriteError: the path is under ``data/raw/``.
    """
    target = ensure_writable(path)
    target.write_text(text, encoding="utf-8")
    return target


def holds_returns(folder: Path | str) -> bool:
    """True when a raw folder holds a file other than a README or ``.gitkeep``.

    The demo generator writes its synthetic set only into a folder for which this is False,
    so it never mixes with (or replaces) returns already there.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "README.md").write_text("what goes here")
    ...     holds_returns(folder)
    False
    """
    folder = Path(folder)
    return folder.is_dir() and any(
        p.is_file() and not p.name.lower().startswith("readme") and p.name != ".gitkeep"
        for p in folder.iterdir()
    )


def create_raw_file(path: Path | str, content: bytes, *, modified: float | None = None) -> Path:
    """Create a NEW synthetic file under ``data/raw/``: the demo generator's only way in.

    Nothing else in the workbench writes under ``data/raw/``. This function only creates
    files that do not exist yet (it never overwrites, moves or changes a return), only inside
    ``data/raw/``, and only synthetic ones: the file name starts with ``SYNTHETIC`` or the
    content says ``SYNTHETIC``.

    Args:
        path: the file to create, inside ``data/raw/`` (folders are created).
        content: the bytes to write.
        modified: optional modification time (seconds since 1970, UTC) to give the file, so
            a demo set is the same every time it is written.

    Returns:
        The path written (resolved).

    Raises:
        RawDataWriteError: the path is outside ``data/raw/``, the file already exists, or
        neither its name nor its content is marked SYNTHETIC.
    """
    import os

    target = Path(path).resolve()
    raw = paths.raw_dir().resolve()
    if raw not in target.parents:
        raise RawDataWriteError(
            f"Refusing to create {target}: only synthetic demo files inside {raw} can be "
            "created this way. Write outputs to data/processed/ or reports/ instead."
        )
    if not (target.name.upper().startswith("SYNTHETIC") or b"SYNTHETIC" in content):
        raise RawDataWriteError(
            f"Refusing to create {target}: only synthetic files (named SYNTHETIC_... or "
            "marked SYNTHETIC inside) may be written under data/raw/; real returns are copied "
            "there by hand, exactly as received."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "xb") as handle:
            handle.write(content)
    except FileExistsError as error:
        raise RawDataWriteError(
            f"Refusing to overwrite {target}: files under data/raw/ are never changed. Move "
            "the folder's contents elsewhere first if you want a fresh demo set."
        ) from error
    if modified is not None:
        os.utime(target, (modified, modified))
    return target


SYNTHETIC_MARKER = "SYNTHETIC"


def data_are_synthetic(project_dir: str | Path | None = None) -> bool:
    """Say whether a project's local data are synthetic (the demo's), decided once per run.

    Input: the project folder (default :func:`lscb_analysis.core.paths.project_dir`). Output: True
    when anything in ``data/raw/`` or in one of its folders (two levels) is named
    ``SYNTHETIC...`` (the demo generator's files and its ``SYNTHETIC.md`` markers, see
    :mod:`lscb_analysis.demo.demo_data`), else False. The reports' banner and the workbooks'
    title rows both ask here. Raises nothing (a missing folder is False).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> data_are_synthetic(folder)
    False
    >>> (folder / "data" / "raw" / "audit").mkdir(parents=True)
    >>> _ = (folder / "data" / "raw" / "audit" / "SYNTHETIC.md").write_text("demo")
    >>> data_are_synthetic(folder)
    True
    """
    if project_dir is None:
        project_dir = paths.project_dir()
    raw = Path(project_dir) / "data" / "raw"
    if not raw.is_dir():
        return False
    for entry in raw.iterdir():
        if entry.name.upper().startswith(SYNTHETIC_MARKER):
            return True
        if entry.is_dir() and any(
            child.name.upper().startswith(SYNTHETIC_MARKER) for child in entry.iterdir()
        ):
            return True
    return False
