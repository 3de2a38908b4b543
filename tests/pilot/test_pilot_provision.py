"""Provision, cycles and finding counts of the pilot returns, and the notebook's parameter check."""

from __future__ import annotations

import feasibility_inputs
import pandas as pd
import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.pilot import pilot_provision

# The shared fixtures, bound here by name so pytest finds them (see feasibility_inputs).
model = feasibility_inputs.model
values = feasibility_inputs.values


def test_provision_per_borough_and_pi(values, model):
    table = pilot_provision.provision(values, model)
    assert list(table.columns) == pilot_provision.PROVISION_COLUMNS
    got = table.set_index(["borough", "pi_id"])["provision"]
    assert got[("Barnet", "BF-EH-02")] == "provided"
    # "not yet due" is not asked: 2 of 3 asked periods provided -> 67% < 75% -> partly
    assert got[("Brent", "BF-EH-02")] == "partly"
    assert table.set_index(["borough", "pi_id"]).loc[("Brent", "BF-EH-02"), "due"] == 3
    assert got[("Ealing", "BF-EH-02")] == "not available"
    assert got[("Brent", "BF-CC-03")] == "published"  # DfE publishes every row
    assert got[("Ealing", "BF-LD-01")] == "not available"  # no rows at all
    assert len(table) == 3 * len(model.current)
    title = pilot_provision.provision_finding(table)
    assert title == "2 of 37 PIs provided (or published) by every borough that returned; 33 by none"
    grid = pilot_provision.provision_matrix(table)
    assert grid.shape == (len(model.current), 3) and list(grid.columns) == [
        "Barnet",
        "Brent",
        "Ealing",
    ]


def test_finding_counts_leave_out_superseded_rows_and_notes():
    issues = pd.DataFrame(
        {
            "borough": ["Barnet", "Barnet", "Brent", "Brent", ""],
            "pi_id": ["BF-EH-01", "BF-EH-01", "BF-EH-02", "BF-EH-02", ""],
            "severity": ["error", "query", "continuity", "error", "note"],
            "superseded": [False, False, False, True, False],
        }
    )
    counts = pilot_provision.finding_counts(issues)
    assert counts.to_dict("records") == [
        {"borough": "Barnet", "error": 1, "query": 1, "continuity": 0, "total": 2},
        {"borough": "Brent", "error": 0, "query": 0, "continuity": 1, "total": 1},
    ]
    assert pilot_provision.counts_finding(counts).startswith("Barnet's return raised")
    by_pi = pilot_provision.finding_counts(issues, "pi_id")
    assert list(by_pi["pi_id"]) == ["BF-EH-01", "BF-EH-02"]


def test_parameter_check(project):
    with pytest.raises(ParameterError, match="pilot_folder"):
        pilot_provision.check_parameters("data/raw/pilot", None, None)
    folder = project / "data" / "raw" / "pilot"
    folder.mkdir()
    (folder / "x.xlsx").write_bytes(b"")
    with pytest.raises(ParameterError, match="borough"):
        pilot_provision.check_parameters("data/raw/pilot", "Leeds", None)
    with pytest.raises(ParameterError, match="model_version"):
        pilot_provision.check_parameters("data/raw/pilot", None, "7.3")
    found, area, model = pilot_provision.check_parameters("data/raw/pilot", "RBKC", "1.0")
    assert found == folder and area.name == "Kensington and Chelsea" and model.version == "1.0"


def test_a_pi_outside_the_returns_own_model_version_is_not_asked_and_never_postponed(values):
    """Returns made on v1.0 templates, reported against v0.3, which holds four PIs v1.0
    dropped (BF-CC-07, BF-LD-02, BF-SG-04, BF-YS-07): nobody was asked for them."""
    from lscb_analysis.model import catalogue
    from lscb_analysis.pilot import pilot_classify

    old = catalogue.load_catalogue("0.3")
    on_v1 = values.assign(model_version="1.0")
    table = pilot_provision.provision(on_v1, old).set_index(["borough", "pi_id"])
    assert table.loc[("Barnet", "BF-CC-07"), ["provision", "asked_in"]].tolist() == [
        "not asked",
        "",
    ]
    assert table.loc[("Barnet", "BF-EH-02"), ["provision", "asked_in"]].tolist() == [
        "provided",
        "1.0",
    ]
    cycles = pilot_provision.cycles(pd.DataFrame(columns=["la_number"]), table.reset_index())
    classified = pilot_classify.classify(table.reset_index(), cycles, on_v1, old)
    by_pi = classified.set_index("pi_id")
    for pi_id in ("BF-CC-07", "BF-LD-02", "BF-SG-04", "BF-YS-07"):
        assert by_pi.loc[pi_id, "category"] == "not yet asked", pi_id
        assert by_pi.loc[pi_id, "boroughs"] == 0
    assert by_pi.loc["BF-EH-02", "asked_in"] == "1.0"
    shares = pilot_classify.category_shares(classified)
    assert shares.loc["BF-CC-07 (not yet asked)"].to_dict() == {
        "provided": 0.0,
        "published": 0.0,
        "partly": 0.0,
        "not available": 0.0,
        "not asked": 1.0,
    }
