"""Provenance of a run: package version, git commit, input file hashes and the run record.

Every report says where its numbers came from. The runner writes these facts into each run's
``manifest.json``; notebooks end with :func:`run_record`, a small table of the same facts.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from lscb_analysis import __version__
from lscb_analysis.core import io, paths


def git_commit() -> str | None:
    """Return the project's git commit (with ``-dirty`` if files changed), or None outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=paths.project_dir(),
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=paths.project_dir(),
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit


def input_hashes(relative_paths: list[str]) -> dict[str, str | None]:
    """Return ``{relative path: sha256}`` for input files and folders.

    A folder's hash covers the names and contents of every file in it (recursively), so
    adding, removing or changing a return changes it. A missing input gives None.
    """
    hashes: dict[str, str | None] = {}
    for relative in relative_paths:
        path = paths.project_dir() / relative
        if path.is_file():
            hashes[relative] = io.sha256_of(path)
        elif path.is_dir():
            digest = hashlib.sha256()
            for member in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(
                    f"{member.relative_to(path).as_posix()}\0{io.sha256_of(member)}\n".encode()
                )
            hashes[relative] = digest.hexdigest()
        else:
            hashes[relative] = None
    return hashes


def now_iso() -> str:
    """Return the current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def publication_text() -> dict[str, str]:
    """Return the attribution and "as at" wording from ``data/reference/publication.yaml``."""
    return io.read_reference_yaml("publication.yaml")


def source_footer(period: int) -> str:
    """Return the provenance footer printed at the end of a report (markdown)."""
    text = publication_text()
    built = paths.processed_dir() / "public_indicators.parquet"
    stamp = (
        datetime.fromtimestamp(built.stat().st_mtime, UTC).strftime("%d %B %Y")
        if built.is_file()
        else "not built"
    )
    return (
        f"**Data as at:** 31 March {period} (reporting year {period - 1}-{period % 100:02d}). "
        f"{text['as_at_rule']}\n\n**{text['attribution']}**\n\n"
        f"Published files and their provenance: `data/external/README.md`. "
        f"Tidy table built {stamp}."
    )


def run_record(parameters: dict, inputs: list[str] | None = None) -> pd.DataFrame:
    """Return the facts that identify this run, as a two-column table for the notebook's end.

    Args:
        parameters: the notebook's parameters as used.
        inputs: project-relative input files to fingerprint (first 12 hex digits shown).

    Returns:
        Columns ``item, value``: run time, workbench version, git commit, Python, each
        parameter and each input's short hash.
    """
    rows = [
        ("run at (UTC)", now_iso()),
        ("workbench version", __version__),
        ("git commit", git_commit() or "not a git checkout"),
        ("python", platform.python_version()),
    ]
    rows += [(f"parameter: {name}", repr(value)) for name, value in parameters.items()]
    for relative, digest in input_hashes(inputs or []).items():
        rows.append((f"input: {Path(relative).name}", digest[:12] if digest else "missing"))
    return pd.DataFrame(rows, columns=["item", "value"])


RUN_DIR_VARIABLE = "LSCB_RUN_DIR"


def run_output_dir(notebook: str, slug: str) -> Path:
    """The folder where the current run keeps its files (workbooks beside report.html).

    The runner sets ``LSCB_RUN_DIR`` for each run (its temporary folder, renamed into place
    when the run succeeds); outside the runner (a notebook opened in JupyterLab) the folder is
    ``reports/<notebook>/<slug>/``. The folder is created if needed.

    Raises:
        RawDataWriteError: the folder would be under ``data/raw/``.
    """
    configured = os.environ.get(RUN_DIR_VARIABLE)
    folder = Path(configured) if configured else paths.reports_dir() / notebook / slug
    io.ensure_writable(folder).mkdir(exist_ok=True)
    return folder
