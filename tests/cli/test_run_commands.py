"""``lscb run``/``pack``/``resolve``: running notebooks and resolving names. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations

import pytest


def test_resolve_prints_the_council(lscb):
    done = lscb("resolve", "LBHF, Richmond")
    assert done.stdout.splitlines() == [
        "Hammersmith and Fulham: DfE 205, ONS E09000013, London (inner)",
        "Richmond upon Thames: DfE 318, ONS E09000027, London (outer)",
    ]


def test_resolve_unknown_name_exits_2_with_suggestions(lscb):
    done = lscb("resolve", "Hammersmith and Fullham")
    assert done.returncode == 2
    assert "Closest matches: Hammersmith and Fulham" in done.stderr


@pytest.mark.slow
def test_analyst_is_only_for_notebooks_with_a_tier(built_project, use_project, capsys):
    from lscb_analysis.cli import main as cli

    use_project(built_project)
    assert cli.main(["run", "borough_profile", "--borough", "Barnet", "--analyst"]) == 2
    assert "--analyst: notebook 'borough_profile' has no analyst tier" in capsys.readouterr().err
    assert cli.main(["run", "scorecard", "--borough", "Barnet", "-p", "tier=analyst"]) == 2
    assert "Choose the tier with --analyst" in capsys.readouterr().err
    assert cli.build_parser().parse_args(["pack", "--analyst"]).analyst
