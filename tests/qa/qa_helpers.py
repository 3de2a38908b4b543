"""Shared helpers of the qa room's tests: audit records, log issues, pilot values and a scope.

Test modules import them (pytest's default import mode puts this folder on ``sys.path``).
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.qa import deep_dive

O, G, R, I = "Outstanding", "Good", "Requires improvement", "Inadequate"  # noqa: E741


def records(rows, **common):
    """Audit records from dicts, filling the columns the functions need."""
    defaults = {
        "audit_id": "A-1",
        "borough": "Barnet",
        "theme": "neglect",
        "audit_date": pd.Timestamp("2026-03-01"),
        "agency": "police",
        "case": "CASE-1",
        "section": "recognition",
        "question_id": "NEG-REC-1",
        "question": "Q?",
        "grade": "",
        "second_grade": "",
        "moderated_grade": "",
        "evidence": "",
        "evidence_withheld": "",
        "status": "ok",
    }
    frame = pd.DataFrame([{**defaults, **common, **row} for row in rows])
    if "final_grade" not in frame:
        frame["final_grade"] = frame["moderated_grade"].where(
            frame["moderated_grade"] != "", frame["grade"]
        )
    return frame


def issue(log, row, column):
    """The first issue of a ValidatedLog at a row and column (fails the test if none)."""
    found = log.issues[(log.issues["row"] == row) & (log.issues["column"] == column)]
    assert not found.empty, f"no issue at row {row}, column {column}"
    return found.iloc[0]


QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"]


def pilot_values_table(numerators, la_number="302", borough="Barnet", pi_id="BF-FD-03"):
    """A hand-built pilot_values table: one PI, one borough, eight quarters."""
    return pd.DataFrame(
        {
            "borough": borough,
            "la_number": la_number,
            "pi_id": pi_id,
            "period": QUARTERS,
            "numerator": [float(n) for n in numerators],
            "denominator": 100.0,
            "value": [float(n) for n in numerators],
            "status": "provided",
            "narrative": "",
            "prefilled": False,
            "validation_status": "ok",
            "submitted": None,
        }
    )


def rereferral_scope(public_indicators, tier="board"):
    """The deep dive scope of Barnet's re-referrals (``rereferral_pct``) for a tier."""
    return deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", None, None, tier
    )
