"""Classifying each pilot PI by the stated feasibility rule."""

from __future__ import annotations

import feasibility_inputs
import pandas as pd

from lscb_analysis.pilot import pilot_classify, pilot_periods, pilot_provision

# The shared fixtures, bound here by name so pytest finds them (see feasibility_inputs).
model = feasibility_inputs.model
values = feasibility_inputs.values
_values = feasibility_inputs.values_helper
_series = feasibility_inputs.series_helper


def test_cycles_and_classification_follow_the_stated_rule(values, model):
    table = pilot_provision.provision(values, model)
    feasibility = pd.DataFrame(
        [
            {
                "la_number": la,
                "pi_id": pi,
                "cycle_needed": "quarterly",
                "cycle_offered": offered,
                "can_provide": can,
                "current": True,
            }
            for la, pi, offered, can in (
                ("302", "BF-EH-01", "quarterly", "yes"),
                ("304", "BF-EH-01", "monthly", "yes"),
                ("307", "BF-EH-01", "annual", "partly"),
                ("302", "BF-EH-03", "quarterly", "no"),
            )
        ]
    )
    cycles = pilot_provision.cycles(feasibility, table)
    met = cycles.set_index(["la_number", "pi_id"])["cycle_met"]
    assert met[("302", "BF-EH-01")] and met[("304", "BF-EH-01")]  # monthly beats quarterly
    assert not met[("307", "BF-EH-01")]  # annual does not
    assert not met[("302", "BF-EH-03")]  # "no" never meets it
    assert met[("302", "BF-EH-02")]  # no answer: provided meets it
    classified = pilot_classify.classify(table, cycles, values, model).set_index("pi_id")
    # EH-01: all three provided, but only 2 of 3 offer the cycle (67% < 80%): with work.
    assert classified.at["BF-EH-01", "category"] == "feasible with work"
    assert "offer the cycle" in classified.at["BF-EH-01", "reason"]
    assert classified.at["BF-EH-02", "category"] == "feasible with work"
    assert classified.at["BF-EH-03", "category"] == "to postpone"  # 1 of 3 even partly
    assert classified.at["BF-CC-03", "category"] == "feasible now"  # published
    rules = pilot_periods.load_rules()
    assert list(dict.fromkeys(classified["category"])) == [
        "feasible with work",
        "to postpone",
        "feasible now",
    ]
    assert set(classified["category"]) <= set(rules["feasibility_rule"]["categories"])
    text = pilot_classify.rule_text(rules)
    assert "80%" in text and "50%" in text and "pilot_rules.yaml" in text
    shares = pilot_classify.category_shares(classified.reset_index())
    assert (shares.sum(axis=1).round(9) == 1).all()


def test_errors_make_a_pi_feasible_only_with_work(model, _values, _series):
    rows = []
    for borough, la in (("Barnet", "302"), ("Brent", "304")):
        rows += _series(borough, la, "BF-EH-01", ["provided"] * 4)
    frame = _values(rows)
    frame.loc[0, "validation_status"] = "error"
    table = pilot_provision.provision(frame, model)
    cycles = pilot_provision.cycles(
        pd.DataFrame(
            columns=[
                "la_number",
                "pi_id",
                "cycle_needed",
                "cycle_offered",
                "can_provide",
                "current",
            ]
        ),
        table,
    )
    row = pilot_classify.classify(table, cycles, frame, model).set_index("pi_id").loc["BF-EH-01"]
    assert row["category"] == "feasible with work" and "errors" in row["reason"]
