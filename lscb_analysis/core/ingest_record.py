"""Ingested tables and the record beside them: raw returns are read once, then read back.

An ingest (``lscb survey ingest``, ``lscb pilot ingest``, ``lscb model feedback``) reads a
folder of returns under ``data/raw/`` and writes its tables to ``data/processed/`` as
``<name>_<table>.parquet``, with ``<name>_ingest.json`` beside them: the folder read, a
fingerprint of every file in it, the command that wrote them, the rows of each table and any
row accounting. Every notebook and command after the ingest calls :func:`read_ingested`,
which refuses tables that are missing, that came from another folder, or whose folder has
changed since, naming the command to run. Only the ingest parses ``data/raw/``; the
fingerprint check only hashes its bytes, as run manifests do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from lscb_analysis.core import io, paths, provenance
from lscb_analysis.core.errors import MissingDataFileError, StaleDataError

RECORD_SUFFIX = "_ingest.json"


ISSUE_COLUMNS = ["file", "sheet", "cell", "severity", "code", "message"]
"""The columns of the issues list of the smaller ingests (Section 11, sub-group narratives)."""


def add_issue(
    issues: list, file: str, sheet: str, cell: str, severity: str, code: str, message: str
) -> None:
    """Append one finding (:data:`ISSUE_COLUMNS`) to an ingest's ``issues``: the file, sheet
    and cell it is about, ``error``/``warning``, a code, and the message saying what to do."""
    issues.append(
        dict(zip(ISSUE_COLUMNS, (file, sheet, cell, severity, code, message), strict=True))
    )


def source_label(folder: Path | str) -> str:
    """The returns folder as the record keeps it: relative to the project when inside it.

    >>> source_label("/elsewhere/returns")
    '/elsewhere/returns'
    """
    path = Path(folder)
    full = path if path.is_absolute() else paths.project_dir() / path
    full = full.resolve()
    try:
        return full.relative_to(paths.project_dir().resolve()).as_posix()
    except ValueError:
        return full.as_posix()


def folder_fingerprint(folder: Path | str) -> str | None:
    """sha256 over the names and bytes of every file in ``folder`` (None when it is missing)."""
    label = source_label(folder)
    return provenance.input_hashes([label])[label]


def record_path(name: str, processed_dir: Path | str | None = None) -> Path:
    """``data/processed/<name>_ingest.json`` (or under ``processed_dir``)."""
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    return folder / f"{name}{RECORD_SUFFIX}"


def table_path(name: str, table: str, processed_dir: Path | str | None = None) -> Path:
    """``data/processed/<name>_<table>.parquet`` (or under ``processed_dir``)."""
    return record_path(name, processed_dir).with_name(f"{name}_{table}.parquet")


def write_ingested(
    name: str,
    source: Path | str,
    tables: Mapping[str, pd.DataFrame],
    command: str,
    processed_dir: Path | str | None = None,
    accounting: Mapping[str, int] | None = None,
) -> Path:
    """Write an ingest's tables as parquet and its record beside them.

    Inputs: ``name`` (e.g. ``survey``); ``source``: the folder of returns read; ``tables``:
    ``{table name: frame}``, each written to ``<name>_<table>.parquet``; ``command``: the
    ``lscb`` command that ingests this folder, quoted in errors; ``accounting``: counts to
    keep in the record (files read, rows unaccounted, ...).
    Output: the record's path (``<name>_ingest.json``), whose keys are ``name, source,
    source_sha256, command, written_at, tables`` (rows per table) and ``accounting``.
    Raises: RawDataWriteError when ``processed_dir`` is under ``data/raw/``.
    """
    for table, frame in tables.items():
        frame.to_parquet(io.ensure_writable(table_path(name, table, processed_dir)), index=False)
    record = {
        "name": name,
        "source": source_label(source),
        "source_sha256": folder_fingerprint(source),
        "command": command,
        "written_at": provenance.now_iso(),
        "tables": {table: len(frame) for table, frame in tables.items()},
        "accounting": dict(accounting or {}),
    }
    return io.write_json(record, record_path(name, processed_dir))


def read_record(name: str, processed_dir: Path | str | None = None) -> dict | None:
    """The ingest's record, or None when the ingest has not run (or its record is unreadable)."""
    try:
        record = json.loads(record_path(name, processed_dir).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def stale_reason(
    name: str, source: Path | str, processed_dir: Path | str | None = None
) -> str | None:
    """Why the tables of ``name`` cannot be used for ``source``, or None when they can.

    Output: a sentence saying the tables are missing, came from another folder, or that the
    folder changed since the ingest.
    """
    record = read_record(name, processed_dir)
    where = record_path(name, processed_dir)
    if record is None and where.exists():
        return f"The record of the last {name} ingest, {where}, cannot be read."
    if record is None:
        return f"The {name} returns have not been ingested yet (no {where})."
    if record.get("source") != source_label(source):
        return (
            f"The {name} tables in {where.parent} were ingested from {record.get('source')}, "
            f"not {source_label(source)}."
        )
    if record.get("source_sha256") != folder_fingerprint(source):
        return (
            f"{record.get('source')} has changed since its returns were ingested "
            f"({record.get('written_at')}): a file was added, removed or replaced."
        )
    missing = [
        t for t in record.get("tables", {}) if not table_path(name, t, processed_dir).exists()
    ]
    if missing:
        return f"{table_path(name, missing[0], processed_dir)} is missing."
    return None


def read_ingested(
    name: str,
    tables: Iterable[str],
    source: Path | str,
    command: str,
    processed_dir: Path | str | None = None,
    default_source: Path | str | None = None,
) -> dict[str, pd.DataFrame]:
    """Read back an ingest's tables, refusing ones that do not match ``source`` as it is now.

    Inputs: ``name`` and ``tables`` as written by :func:`write_ingested`; ``source``: the
    folder of returns the caller means; ``command``: the ``lscb`` command that ingests it,
    quoted with ``source`` after it unless ``source`` is the command's ``default_source``.
    Output: ``{table name: frame}``.
    Raises: MissingDataFileError when the ingest has not run; StaleDataError when the tables
    came from another folder or the folder changed since (both say to run ``command``).
    """
    reason = stale_reason(name, source, processed_dir)
    if reason is not None:
        if default_source is None or source_label(source) != source_label(default_source):
            command = f"{command} {source}"
        error = MissingDataFileError if read_record(name, processed_dir) is None else StaleDataError
        raise error(f"{reason} Run `{command}` first (`lscb pack` does it for the pack).")
    frames = {}
    for table in tables:
        path = table_path(name, table, processed_dir)
        try:
            frames[table] = pd.read_parquet(path)
        except (OSError, ValueError) as error:  # missing, truncated or not parquet
            raise StaleDataError(
                f"{path} cannot be read ({type(error).__name__}). Run `{command}` again to "
                "rewrite it."
            ) from error
    return frames
