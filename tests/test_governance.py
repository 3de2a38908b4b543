"""Data protection: no local data, outputs or keys in git; no command changes data/raw/."""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def tracked_files() -> list[str]:
    return subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()


def test_no_local_returns_outputs_or_keys_are_tracked():
    allowed = {
        "data/raw/README.md",
        "data/raw/.gitkeep",
        "data/processed/.gitkeep",
        "data/processed/README.md",
        "reports/.gitkeep",
        "reports/README.md",
    }
    for name in tracked_files():
        if name in allowed:
            continue
        assert not name.startswith(("data/raw/", "data/processed/", "reports/")), name
        assert not fnmatch.fnmatch(name, "*.key"), name
        assert not name.endswith(".ipynb"), name


@pytest.mark.slow
def test_gitignore_keeps_local_data_and_keys_out():
    ignored = (REPO / ".gitignore").read_text().splitlines()
    for pattern in ("data/raw/*", "data/processed/*", "reports/*", "*.key"):
        assert pattern in ignored
    probe = subprocess.run(
        [
            "git",
            "check-ignore",
            "data/raw/survey/return.xlsx",
            "data/processed/x.parquet",
            "reports/x/report.html",
            "pseudonym.key",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert len(probe.stdout.split()) == 4


@pytest.mark.slow
def test_every_command_that_reads_raw_data_leaves_it_untouched(demo_pack):
    # Every command ran (an ingest that lists a rejected return exits 1 by design).
    assert all(code in (0, 1) for code in demo_pack["codes"].values()), demo_pack["codes"]
    assert demo_pack["codes"]["pack --boroughs Barnet -q"] == 0
    assert demo_pack["codes"]["check reports"] == 0
    before, after = demo_pack["before"], demo_pack["after"]
    assert len(before) > 20 and any(name.startswith("audit/") for name in before)
    assert sorted(after) == sorted(before)  # nothing added or removed
    assert [name for name in before if after[name] != before[name]] == []  # nothing changed
