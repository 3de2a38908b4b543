"""Repeat audits: the change since the previous audit, and its board-tier protection."""

from __future__ import annotations

import pandas as pd
import pytest
from qa_helpers import G, R, records

from lscb_analysis.qa import audit_analysis, audit_trends


def test_compare_audits_says_whether_the_repeat_improved():
    before = [
        {"grade": g, "audit_id": "N-2025", "audit_date": pd.Timestamp("2025-03-01")}
        for g in [G] * 8 + [R] * 32
    ]
    after = [
        {"grade": g, "audit_id": "N-2026", "audit_date": pd.Timestamp("2026-03-01")}
        for g in [G] * 30 + [R] * 10
    ]
    other_borough = [{"grade": G, "audit_id": "C-2026", "borough": "Croydon"}]
    table = audit_trends.compare_audits(records(before + after + other_borough))
    barnet = table[table["borough"] == "Barnet"].set_index("audit_id")
    assert barnet.loc["N-2025", "verdict"] == "first audit"
    repeat = barnet.loc["N-2026"]
    assert repeat["previous_audit"] == "N-2025"
    assert repeat["change_pts"] == pytest.approx(55.0)
    assert repeat["verdict"] == "improved (beyond chance)" and repeat["p_value"] < 0.001
    assert repeat["change_lower"] < 55 < repeat["change_upper"]
    assert table.set_index("audit_id").loc["C-2026", "verdict"] == "first audit"
    assert "Fisher" in table.attrs["test"]
    small = audit_trends.compare_audits(
        records(
            [
                {"grade": G, "audit_id": "S-1", "audit_date": pd.Timestamp("2025-01-01")},
                {"grade": R, "audit_id": "S-1", "audit_date": pd.Timestamp("2025-01-01")},
                {"grade": G, "audit_id": "S-2", "audit_date": pd.Timestamp("2026-01-01")},
            ]
        )
    )
    assert small.set_index("audit_id").loc["S-2", "verdict"] == "higher, but within chance"


def test_repeat_audit_totals_follow_suppressed_section_counts():
    first = [
        {"grade": g, "section": "planning", "audit_id": "A-1", "audit_date": "2025-03-01"}
        for g in [G] * 3 + [R] * 20
    ]
    first += [
        {"grade": g, "section": "impact", "audit_id": "A-1", "audit_date": "2025-03-01"}
        for g in [G] * 10 + [R] * 10
    ]
    second = [
        {"grade": g, "section": "planning", "audit_id": "A-2", "audit_date": "2026-03-01"}
        for g in [G] * 12 + [R] * 12
    ]
    frame = records(first + second)
    sections = audit_analysis.for_tier(
        audit_analysis.grade_distribution(frame, by=["audit_id", "section"])
    )
    repeats = audit_analysis.for_tier(audit_trends.compare_audits(frame))
    # compare_audits alone shows A-1's totals: with the sections they give Good (3) back
    assert repeats.loc[repeats["audit_id"] == "A-1", "good_or_better"].iloc[0] == 13
    safe = audit_trends.protect_repeat_audits(sections, repeats)
    first_row = safe[safe["audit_id"] == "A-1"].iloc[0]
    assert first_row["good_or_better"] == "c" and first_row["graded"] == "c"
    assert safe[safe["audit_id"] == "A-2"].iloc[0]["change_pts"] == "c"
    assert safe[safe["audit_id"] == "A-2"].iloc[0]["graded"] == 24
    assert audit_trends.protect_repeat_audits(sections, repeats, "analyst") is repeats
