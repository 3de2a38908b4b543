"""Sub-group score cards have their own folders: the full card and two group cards for the same
borough never replace one another; group names are read the way people write them."""

from __future__ import annotations

import json

import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.model.catalogue import load_catalogue
from lscb_analysis.runs import orchestrate
from lscb_analysis.runs.install import install_run, new_staging
from lscb_analysis.runs.planning import plan_runs
from lscb_analysis.scorecard.rules import load_rules
from lscb_analysis.scorecard.scorecard import check_subgroup

REQUESTS = ({}, {"subgroup": "LADO"}, {"subgroup": "Young & Safe"})


def test_the_full_card_and_two_group_cards_have_their_own_folders(project, tmp_path):
    specs = [plan_runs("scorecard", "Barnet", dict(p), tmp_path)[0] for p in REQUESTS]
    assert [spec.slug for spec in specs] == ["barnet", "barnet--lado", "barnet--young-and-safe"]
    for spec in specs:  # each run installs its own report, as the runner does
        staging = new_staging(spec)
        staging.mkdir(parents=True, exist_ok=True)
        (staging / "report.html").write_text(json.dumps(spec.parameters))
        install_run(staging, spec.run_dir)
    for spec in specs:
        assert json.loads((spec.run_dir / "report.html").read_text()) == spec.parameters
    # "all" and an empty value are the full card, in the borough's own folder.
    assert plan_runs("scorecard", "Barnet", {"subgroup": "all"}, tmp_path)[0].slug == "barnet"
    # Notebooks without folder parameters keep one folder per borough.
    assert plan_runs("borough_profile", "Barnet", {}, tmp_path)[0].slug == "barnet"


@pytest.mark.parametrize(
    ("written", "group"),
    [
        ("young & safe", "young and safe (exploitation and missing)"),
        ("  YOUNG   and safe ", "young and safe (exploitation and missing)"),
        ("CSE and missing", "young and safe (exploitation and missing)"),
        ("CDOP", "child death overview"),
        ("cdop", "child death overview"),
        ("Child Death Overview Panel", "child death overview"),
        ("serious case reviews", "serious case review"),
        ("lado", "LADO"),
        ("Private-Fostering", "private fostering"),
    ],
)
def test_group_names_resolve_the_way_people_write_them(written, group):
    pis = load_catalogue("1.0").current
    synonyms = load_rules()["subgroups"]["synonyms"]
    assert check_subgroup(written, pis, synonyms) == group


def test_an_unknown_group_lists_the_valid_names():
    pis = load_catalogue("1.0").current
    with pytest.raises(ParameterError) as error:
        check_subgroup("young people", pis, load_rules()["subgroups"]["synonyms"])
    message = str(error.value)
    assert "Parameter 'subgroup': 'young people'" in message
    for name in ("child death overview", "LADO", "young and safe (exploitation and missing)"):
        assert name in message


@pytest.mark.slow
def test_the_full_card_and_two_group_cards_run_side_by_side(demo_pack, tmp_path, monkeypatch):
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(demo_pack["root"]))
    out = tmp_path / "reports"
    for parameters in REQUESTS:
        results = orchestrate.run_notebook(
            "scorecard", "Barnet", dict(parameters), jobs=1, out_dir=out, progress=False
        )
        assert [r.status for r in results] == ["ok"], results[0].error
    pages = {
        folder: (out / "scorecard" / folder / "report.html").read_text()
        for folder in ("barnet", "barnet--lado", "barnet--young-and-safe")
    }
    assert "BF-SG-01" in pages["barnet"] and "BF-YS-01" in pages["barnet"]
    assert "BF-SG-01" in pages["barnet--lado"] and "BF-YS-01" not in pages["barnet--lado"]
    assert "BF-YS-01" in pages["barnet--young-and-safe"]
    assert "BF-SG-01" not in pages["barnet--young-and-safe"]
