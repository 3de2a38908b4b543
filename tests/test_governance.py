"""Repository hygiene for data protection: no local data, outputs or keys in git."""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def tracked_files() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.split()


def test_no_local_returns_outputs_or_keys_are_tracked():
    allowed = {"data/raw/README.md", "data/raw/.gitkeep", "data/processed/.gitkeep",
               "data/processed/README.md", "reports/.gitkeep", "reports/README.md"}
    for name in tracked_files():
        if name in allowed:
            continue
        assert not name.startswith(("data/raw/", "data/processed/", "reports/")), name
        assert not fnmatch.fnmatch(name, "*.key"), name
        assert not name.endswith(".ipynb"), name


def test_gitignore_keeps_local_data_and_keys_out():
    ignored = (REPO / ".gitignore").read_text().splitlines()
    for pattern in ("data/raw/*", "data/processed/*", "reports/*", "*.key"):
        assert pattern in ignored
    probe = subprocess.run(
        ["git", "check-ignore", "data/raw/survey/return.xlsx", "data/processed/x.parquet",
         "reports/x/report.html", "pseudonym.key"], cwd=REPO, capture_output=True, text=True)
    assert len(probe.stdout.split()) == 4
