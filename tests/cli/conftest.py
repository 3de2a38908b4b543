"""Shared fixtures for the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def lscb():
    """Return ``lscb(*args, project=None, check=False)``: run `python -m lscb_analysis` with
    ``args`` in a subprocess (LSCB_PROJECT_DIR set to ``project`` if given) and return the
    :class:`subprocess.CompletedProcess` (text stdout/stderr, 300 s timeout)."""

    def lscb(*args, project=None, check=False):
        env = dict(os.environ)
        if project is not None:
            env["LSCB_PROJECT_DIR"] = str(project)
        return subprocess.run(
            [sys.executable, "-m", "lscb_analysis", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=check,
        )

    return lscb
