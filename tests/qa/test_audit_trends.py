"""Repeat audits: the change since the previous audit, and its board-tier protection."""

from __future__ import annotations

import pandas as pd
import pytest
from qa_helpers import G, R, records
from statsmodels.stats.proportion import confint_proportions_2indep

from lscb_analysis.qa import audit_analysis, audit_trends
from lscb_analysis.stats.two_shares import compare_two_shares


def _audit(audit_id, date, good_per_case, answers_per_case=5):
    """An audit of cases with ``answers_per_case`` answers, ``good_per_case`` of them Good."""
    return [
        {
            "grade": G if n < good else R,
            "audit_id": audit_id,
            "audit_date": pd.Timestamp(date),
            "case": f"{audit_id}-{case}",
            "question_id": f"Q{n}",
        }
        for case, good in enumerate(good_per_case)
        for n in range(answers_per_case)
    ]


def test_repeat_audits_use_the_same_clustering_and_one_method():
    # 6 of 20 answers good (cases 0, 0, 1, 5) against 15 of 20 (5, 5, 5, 0): answers about
    # a case are alike, so the clustered comparison is within chance where the answers
    # counted as independent would not be.
    frame = records(
        _audit("A-1", "2025-03-01", [0, 0, 1, 5]) + _audit("A-2", "2026-03-01", [5, 5, 5, 0])
    )
    table = audit_trends.compare_audits(frame).set_index("audit_id")
    repeat, first = table.loc["A-2"], table.loc["A-1"]
    assert (repeat["graded"], repeat["cases"], repeat["good_or_better"]) == (20, 4, 15)
    assert repeat["design_effect"] > 3 and first["design_effect"] > 1
    assert repeat["verdict"] == "higher, but within chance"
    assert repeat["change_lower"] < 0 < repeat["change_upper"] and repeat["p_value"] >= 0.05
    independent = compare_two_shares(15, 20, 6, 20).iloc[0]
    assert bool(independent["significant"])  # 75% against 30% as if answers were independent
    clustered = compare_two_shares(
        15, 20, 6, 20, repeat["design_effect"], first["design_effect"]
    ).iloc[0]
    assert repeat["p_value"] == pytest.approx(clustered["p_value"])
    assert repeat["change_lower"] == pytest.approx(clustered["lower"])
    # The design effect is shown to analysts only.
    board = audit_analysis.for_tier(audit_trends.compare_audits(frame))
    assert "design_effect" not in board and "cases" in board
    assert "design_effect" in audit_analysis.for_tier(audit_trends.compare_audits(frame), "analyst")


def test_verdict_and_interval_never_disagree():
    rows = []
    for n, good in enumerate([[1, 2, 0], [3, 3, 2], [0, 1, 1], [3, 3, 3], [2, 0, 3], [3, 2, 3]]):
        rows += _audit(f"B-{n}", f"{2020 + n}-03-01", good, answers_per_case=3)
    table = audit_trends.compare_audits(records(rows))
    repeats = table[table["verdict"] != "first audit"]
    assert len(repeats) == 5
    beyond = repeats["verdict"].str.contains("beyond chance")
    excludes = (repeats["change_lower"] > 0) | (repeats["change_upper"] < 0)
    assert beyond.tolist() == excludes.tolist() == (repeats["p_value"] < 0.05).tolist()


def test_compare_audits_says_whether_the_repeat_improved():
    # One answer per case (design effect 1): Newcombe's interval on the plain counts.
    before = [
        {"grade": g, "audit_id": "N-2025", "audit_date": pd.Timestamp("2025-03-01"), "case": n}
        for n, g in enumerate([G] * 8 + [R] * 32)
    ]
    after = [
        {"grade": g, "audit_id": "N-2026", "audit_date": pd.Timestamp("2026-03-01"), "case": n}
        for n, g in enumerate([G] * 30 + [R] * 10)
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
    # Newcombe 30/40 - 8/40: statsmodels 0.15 confint_proportions_2indep(method="newcomb")
    expected = confint_proportions_2indep(30, 40, 8, 40, method="newcomb", compare="diff")
    assert (repeat["change_lower"], repeat["change_upper"]) == pytest.approx(
        tuple(100 * float(v) for v in expected)
    )
    assert table.set_index("audit_id").loc["C-2026", "verdict"] == "first audit"
    assert "Newcombe" in table.attrs["test"] and "Fisher" not in table.attrs["test"]
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
    second_row = safe[safe["audit_id"] == "A-2"].iloc[0]
    assert second_row["change_pts"] == "c" and second_row["graded"] == 24
    # Which way the change went is derived from the suppressed counts too: its verdict goes.
    assert repeats.loc[repeats["audit_id"] == "A-2", "verdict"].iloc[0] != "c"
    assert second_row["verdict"] == "c" and first_row["verdict"] == "first audit"
    assert audit_trends.protect_repeat_audits(sections, repeats, "analyst") is repeats
