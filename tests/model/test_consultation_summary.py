"""The consultation summary per PI, on hand-built response tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lscb_analysis.model import (
    catalogue,
    consultation_config,
    consultation_summary,
    feedback_form,
)

LATEST = catalogue.available_versions()[-1]
IDENTIFYING = "Child: John Smith, DOB 03/02/2015 was missed"


# --- the summary -----------------------------------------------------------------------------


def _responses(rows):
    frame = pd.DataFrame(
        rows, columns=["file", "pi_id", "choice", "suggested_rating", "suggested_wording"]
    )
    frame["comment"] = ""
    frame["used"] = True
    frame["version"] = LATEST
    frame["organisation"] = frame["file"]
    frame["agency"] = ""
    frame["date"] = pd.Timestamp("2026-03-02")
    frame["fingerprint"] = frame["pi_id"].map(
        feedback_form.pi_fingerprints(catalogue.load_catalogue(LATEST))
    )
    return frame


def _wilson(events, n, z=1.959963984540054):
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_summary_counts_interval_and_signal_on_a_hand_built_table():
    model = catalogue.load_catalogue(LATEST)
    rows = []
    for number, (remove_answer, rating_answer) in enumerate(
        [
            ("keep", ("keep", "critical")),
            ("amend", ("keep", "critical")),
            ("remove", ("amend", "priority outcome")),
            ("remove", ("keep", "")),
            ("remove", ("", "universal outcome")),
        ],
        start=1,
    ):
        file = f"f{number}"
        rows.append((file, "BF-LD-01", remove_answer, "", "New words" if number == 2 else ""))
        rows.append((file, "BF-WF-01", *rating_answer, ""))
        rows.append((file, "BF-EH-01", "keep" if number <= 2 else "", "", ""))
    rows.append(("stale", "BF-LD-01", "keep", "", ""))
    responses = _responses(rows)
    responses.loc[responses["file"] == "stale", "used"] = False
    summary = consultation_summary.summarise_feedback(responses, model).set_index("pi_id")
    assert list(summary.reset_index().columns) == consultation_summary.SUMMARY_COLUMNS
    assert list(summary.index) == list(model.pis["id"])

    ld = summary.loc["BF-LD-01"]
    assert (
        ld["respondents"],
        ld["keep"],
        ld["amend"],
        ld["remove"],
        ld["no_answer"],
        ld["answered"],
        ld["wording_suggestions"],
    ) == (5, 1, 1, 3, 0, 5, 1)
    lower, upper = _wilson(2, 5)
    assert ld["support_share"] == pytest.approx(0.4)
    assert ld["support_lower"] == pytest.approx(lower, abs=1e-12)
    assert ld["support_upper"] == pytest.approx(upper, abs=1e-12)
    assert ld["flagged"] and ld["reasons"] == "remove"
    assert ld["signal"] == "3 of 5 would remove it (60%): steering group to discuss."

    wf = summary.loc["BF-WF-01"]  # rated universal outcome now
    assert wf["suggested_ratings"] == "critical 2; priority outcome 1"
    assert (wf["answered"], wf["no_answer"]) == (4, 1)
    assert wf["reasons"] == "rating" and "2 of 4 suggest rating it critical" in wf["signal"]

    eh = summary.loc["BF-EH-01"]
    assert (eh["answered"], eh["flagged"], eh["reasons"]) == (2, False, "few_answers")
    assert eh["signal"] == "Too few answers to judge (2 of 5 forms)."
    nobody = summary.loc["BF-SG-01"]
    assert nobody["answered"] == 0 and math.isnan(nobody["support_share"])

    flagged = consultation_summary.flagged_pis(summary.reset_index())
    assert list(flagged["pi_id"]) == ["BF-WF-01", "BF-LD-01"]
    assert (
        flagged.set_index("pi_id").at["BF-LD-01", "support"] == f"40% ({lower:.0%} to {upper:.0%})"
    )
    shares = consultation_summary.support_table(summary.reset_index())
    assert shares.sum(axis=1).round(9).eq(1).all()
    assert shares.iloc[list(summary.index).index("BF-LD-01")]["remove"] == pytest.approx(0.6)


def test_thresholds_come_from_the_config():
    model = catalogue.load_catalogue(LATEST)
    rows = [
        (f"f{n}", "BF-LD-01", choice, "", "")
        for n, choice in enumerate(["keep", "keep", "keep", "remove"])
    ]
    config = consultation_config.load_config()
    config["summary"]["remove_share"] = 0.3
    row = (
        consultation_summary.summarise_feedback(_responses(rows), model, config)
        .set_index("pi_id")
        .loc["BF-LD-01"]
    )
    assert not row["flagged"] and row["signal"].startswith("Broad support (75%")
    config["summary"]["remove_share"] = 0.25
    row = (
        consultation_summary.summarise_feedback(_responses(rows), model, config)
        .set_index("pi_id")
        .loc["BF-LD-01"]
    )
    assert row["flagged"] and row["reasons"] == "remove"
