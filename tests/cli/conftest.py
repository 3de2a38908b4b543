"""Shared fixtures for the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def lscb(tmp_path_factory):
    """Return ``lscb(*args, project=None, check=False)``: run `python -m lscb_analysis` with
    ``args`` in a subprocess (LSCB_PROJECT_DIR set to ``project`` if given) and return the
    :class:`subprocess.CompletedProcess` (text stdout/stderr, 300 s timeout). The session's
    temporary folder is named as an output folder (as a machine's scratch space would be), so
    ``--out`` may point into a test's ``tmp_path``."""

    def lscb(*args, project=None, check=False):
        env = dict(os.environ)
        env["LSCB_OUTPUT_DIRS"] = str(tmp_path_factory.getbasetemp())
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
