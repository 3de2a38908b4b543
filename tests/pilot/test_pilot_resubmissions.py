"""Re-submissions: a later return replaces the earlier figures, and the changes are logged."""

from __future__ import annotations

import pandas as pd

from lscb_analysis.pilot import pilot_result


def test_resubmission_replaces_and_logs(demo):
    root, result, _, _, _, _ = demo
    v2 = "SYNTHETIC_barnet_pilot_return_v2.xlsx"
    row = result.values.set_index(["borough", "pi_id", "period"]).loc[
        ("Barnet", "BF-EH-02", "2025Q3")
    ]
    assert row["file"] == v2 and row["validation_status"] == "ok"
    changes = pd.read_csv(root / "data" / "processed" / "pilot_changes.csv", dtype=str)
    assert list(changes.columns) == pilot_result.CHANGE_COLUMNS
    fixed = changes[(changes["pi_id"] == "BF-EH-02") & (changes["period"] == "2025Q3")]
    numerator = fixed[fixed["field"] == "numerator"].iloc[0]
    assert numerator["old"] == "140" and numerator["new_file"] == v2
    assert numerator["old_cell"] == numerator["new_cell"] == "E19"
    narrative = changes[(changes["pi_id"] == "BF-SG-01") & (changes["field"] == "narrative")]
    assert narrative["new"].iloc[0] == "Corrected after the LADO's audit."
    old = result.issues[result.issues["file"] == "SYNTHETIC_barnet_pilot_return.xlsx"]
    assert old["superseded"].all()
    superseded = result.superseded
    assert (superseded["superseded_by"] == v2).sum() > 200
    # Across returners: a figure beats "not available", and differing figures are queried.
    police = result.values.set_index(["borough", "pi_id", "period"]).loc[
        ("Enfield", "BF-DA-01", "2025Q2")
    ]
    assert police["returner"] == "agency:police"
