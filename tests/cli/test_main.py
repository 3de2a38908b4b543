"""The ``lscb`` parser as a whole: help lists every command group. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations


def test_help_lists_the_commands(lscb):
    done = lscb("--help")
    assert done.returncode == 0
    for command in ("data", "run", "survey", "check", "index", "resolve", "notebooks"):
        assert command in done.stdout
