"""Where the workbench keeps things: one place that knows the project layout.

The project folder is the one holding ``data/`` and ``notebooks/``. It is found from the
environment variable ``LSCB_PROJECT_DIR`` when set (tests and alternative checkouts use it),
otherwise from the installed package's location (an editable install from the clone).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR_VARIABLE = "LSCB_PROJECT_DIR"


def project_dir() -> Path:
    """Return the project folder (the one holding ``data/``, ``notebooks/``, ``reports/``)."""
    configured = os.environ.get(PROJECT_DIR_VARIABLE)
    if configured:
        return Path(configured).resolve()
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Return ``data/`` under the project folder."""
    return project_dir() / "data"


def raw_dir() -> Path:
    """Return ``data/raw/``: local returns exactly as received, read-only to the workbench."""
    return data_dir() / "raw"


def external_dir() -> Path:
    """Return ``data/external/``: published statistics with their provenance."""
    return data_dir() / "external"


def reference_dir() -> Path:
    """Return ``data/reference/``: tables the project authors (metadata, register, rules)."""
    return data_dir() / "reference"


def processed_dir() -> Path:
    """Return ``data/processed/``: rebuildable tidy results."""
    return data_dir() / "processed"


def reports_dir() -> Path:
    """Return ``reports/``: rebuildable reports, one folder per notebook."""
    return project_dir() / "reports"


def notebooks_dir() -> Path:
    """Return ``notebooks/``: the thin, parameterised notebooks in Jupytext percent format."""
    return project_dir() / "notebooks"
