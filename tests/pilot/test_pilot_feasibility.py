"""The feasibility report's texts and one-borough view."""

from __future__ import annotations

import feasibility_inputs
import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.pilot import pilot_classify, pilot_feasibility, pilot_provision

# The shared fixtures, bound here by name so pytest finds them (see feasibility_inputs).
model = feasibility_inputs.model
values = feasibility_inputs.values


def test_texts_gathered_per_pi_and_the_borough_view(values, model):
    values = values.copy()
    values.loc[values["pi_id"] == "BF-EH-02", "narrative"] = "Recording changed in June."
    feasibility = pd.DataFrame(
        [
            {
                "borough": "Brent",
                "la_number": "304",
                "pi_id": "BF-EH-02",
                "can_provide": "partly",
                "cycle_offered": "annual",
                "effort": "high",
                "quality_concerns": "Two systems.",
                "comment": "Needs a data-sharing agreement.",
                "current": True,
            }
        ]
    )
    texts = pilot_feasibility.narratives(values, feasibility)
    eh02 = texts[texts["pi_id"] == "BF-EH-02"]
    assert list(eh02["kind"]) == ["narrative", "feasibility comment", "data quality concern"]
    assert eh02.iloc[0]["borough"] == "Barnet, Brent, Ealing"
    brent = register.resolve("Brent")
    assert list(pilot_feasibility.narratives(values, feasibility, brent)["borough"].unique()) == [
        "Brent"
    ]
    concerns = pilot_feasibility.quality_concerns(feasibility, brent)
    assert concerns.iloc[0]["quality_concerns"] == "Two systems."
    table = pilot_provision.provision(values, model)
    cycles = pilot_provision.cycles(feasibility, table)
    classified = pilot_classify.classify(table, cycles, values, model)
    view = pilot_feasibility.borough_view(table, classified, feasibility, brent)
    assert view.set_index("pi_id").at["BF-EH-02", "can_provide"] == "partly"
    assert pilot_feasibility.borough_view(table, classified, feasibility, None).empty
    issues = pd.DataFrame({"la_number": ["304"], "severity": ["query"], "superseded": [False]})
    assert "1 queries" in pilot_feasibility.borough_summary(table, issues, brent)
    shown = pilot_feasibility.for_display(view)
    assert "London: share providing" in shown.columns
