"""Audit analysis: grade shares, kappa against a hand-worked example, moderation, trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.qa import audit
from lscb_analysis.qa import audit_analysis as aa

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


def test_weighted_kappa_matches_a_hand_computed_example():
    # Ten double-marked answers (first auditor, second auditor):
    #   (O,G) x1, (G,G) x4, (G,R) x2, (R,R) x2, (R,I) x1
    # Table, first auditor in rows, grades in the order O, G, R, I:
    #        O  G  R  I | row
    #   O    0  1  0  0 |  1
    #   G    0  4  2  0 |  6
    #   R    0  0  2  1 |  3
    #   I    0  0  0  0 |  0
    #   col  0  5  4  1 | 10
    # Linear disagreement weights w_ij = |i - j| / 3.
    # Observed: sum w * n = 1*(1/3) + 2*(1/3) + 1*(1/3) = 4/3  -> per answer 4/30.
    # Expected counts e_ij = row_i * col_j / 10, so sum w * row_i * col_j / 100:
    #   row O (1): G 5*(1/3) + R 4*(2/3) + I 1*(3/3) = 5/3 + 8/3 + 1 = 16/3
    #   row G (6): R 24*(1/3) + I 6*(2/3)             = 8 + 4       = 12
    #   row R (3): G 15*(1/3) + I 3*(1/3)             = 5 + 1       = 6
    #   total 16/3 + 18 = 70/3                        -> per answer 70/300.
    # kappa = 1 - (4/30) / (70/300) = 1 - 40/70 = 3/7 = 0.428571...
    # Percent agreement: 6 of 10 on the diagonal = 60%.
    first = [O] + [G] * 4 + [G] * 2 + [R] * 2 + [R]
    second = [G] + [G] * 4 + [R] * 2 + [R] * 2 + [I]
    result = aa.weighted_kappa(first, second)
    assert result["kappa"] == pytest.approx(3 / 7, abs=1e-12)
    assert result["agreed"] == 6 and result["n"] == 10
    assert result["lower"] < result["kappa"] < result["upper"]
    assert result["upper"] - result["kappa"] == pytest.approx(result["kappa"] - result["lower"])
    assert result["upper"] - result["lower"] == pytest.approx(2 * 1.959964 * result["se"], rel=1e-5)

    table = aa.auditor_agreement(
        records(
            [
                {"grade": a, "second_grade": b, "case": f"CASE-{n // 3}"}
                for n, (a, b) in enumerate(zip(first, second, strict=True))
            ]
        )
    )
    row = table.iloc[0]
    assert row["items"] == 10 and row["agreed"] == 6 and row["cases"] == 4
    assert row["agreement_pct"] == pytest.approx(60.0)
    assert row["kappa"] == pytest.approx(3 / 7)
    assert row["within_one_pct"] == pytest.approx(100.0)
    assert row["strength"] == "moderate"
    assert "linear" in table.attrs["method"]


def test_kappa_edge_cases():
    perfect = aa.weighted_kappa([G, R, I, O], [G, R, I, O])
    assert perfect["kappa"] == pytest.approx(1.0)
    same = aa.weighted_kappa([G, G, G], [G, G, G])
    assert np.isnan(same["kappa"]) and "undefined" in same["note"]
    assert np.isnan(aa.weighted_kappa([G], [G])["kappa"])
    with pytest.raises(aa.InvalidArgumentError):
        aa.weighted_kappa([G, G], [G])


def test_not_applicable_and_problem_rows_are_left_out():
    frame = records(
        [
            {"grade": G, "second_grade": G},
            {"grade": "Not applicable", "second_grade": G},
            {"grade": I, "second_grade": I, "status": "duplicate"},
            {"grade": "", "status": "missing_grade"},
        ]
    )
    assert aa.grade_distribution(frame, by=None)["graded"].tolist() == [1]
    assert aa.auditor_agreement(frame)["items"].tolist() == [1]


def test_grade_distribution_with_wilson_interval():
    frame = records(
        [
            {"grade": g, "agency": agency}
            for agency, grades in (("police", [O, G, G, R, I]), ("education", [R] * 4))
            for g in grades
        ]
    )
    table = aa.grade_distribution(frame, by="agency").set_index("agency")
    police = table.loc["police"]
    assert police[[O, G, R, I]].tolist() == [1, 2, 1, 1]
    assert police["graded"] == 5 and police["good_or_better"] == 3
    assert police["good_or_better_pct"] == pytest.approx(60.0)
    assert police["lower"] == pytest.approx(23.07, abs=0.01)  # Wilson 95% for 3/5
    assert police["upper"] == pytest.approx(88.24, abs=0.01)
    assert table.loc["education", "good_or_better_pct"] == 0
    board = aa.for_tier(aa.grade_distribution(frame, by="agency"))
    assert (board[[O, G, R, I, "graded"]] == "c").any().any()
    assert "board" in board.attrs["tier"]


def test_moderation_direction_counts():
    frame = records(
        [
            {"grade": G, "moderated_grade": R},  # down
            {"grade": G, "moderated_grade": I},  # down (two steps)
            {"grade": R, "moderated_grade": G},  # up
            {"grade": O, "moderated_grade": O},  # confirmed
            {"grade": G},  # not moderated
            {"grade": G, "moderated_grade": "Not applicable"},  # not comparable
        ]
    )
    row = aa.moderation_summary(frame).iloc[0]
    assert (row["moderated"], row["confirmed"], row["moved_up"], row["moved_down"]) == (4, 1, 1, 2)
    assert row["changed_pct"] == pytest.approx(75.0)
    assert row["direction"].startswith("mostly down")
    matrix = aa.moderation_matrix(frame)
    assert matrix.loc[G, R] == 1 and matrix.loc[G, I] == 1 and matrix.loc[R, G] == 1
    assert matrix.loc["Total", "Total"] == 4


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
    table = aa.compare_audits(records(before + after + other_borough))
    barnet = table[table["borough"] == "Barnet"].set_index("audit_id")
    assert barnet.loc["N-2025", "verdict"] == "first audit"
    repeat = barnet.loc["N-2026"]
    assert repeat["previous_audit"] == "N-2025"
    assert repeat["change_pts"] == pytest.approx(55.0)
    assert repeat["verdict"] == "improved (beyond chance)" and repeat["p_value"] < 0.001
    assert repeat["change_lower"] < 55 < repeat["change_upper"]
    assert table.set_index("audit_id").loc["C-2026", "verdict"] == "first audit"
    assert "Fisher" in table.attrs["test"]
    small = aa.compare_audits(
        records(
            [
                {"grade": G, "audit_id": "S-1", "audit_date": pd.Timestamp("2025-01-01")},
                {"grade": R, "audit_id": "S-1", "audit_date": pd.Timestamp("2025-01-01")},
                {"grade": G, "audit_id": "S-2", "audit_date": pd.Timestamp("2026-01-01")},
            ]
        )
    )
    assert small.set_index("audit_id").loc["S-2", "verdict"] == "higher, but within chance"


def test_evidence_never_includes_withheld_text():
    frame = records(
        [
            {"grade": G, "evidence": "Seen alone.", "agency": "police"},
            {"grade": R, "evidence": audit.WITHHELD_TEXT, "evidence_withheld": "nhs_number"},
            {"grade": R, "evidence": "  "},
            {
                "grade": O,
                "evidence": "Strong plan.",
                "question_id": "NEG-PLA-1",
                "section": "planning",
            },
        ]
    )
    evidence = aa.evidence_by_question(frame)
    assert evidence["evidence"].tolist() == ["Seen alone.", "Strong plan."]
    assert "case" not in evidence.columns
    assert evidence.attrs["withheld"] == 1
    assert aa.evidence_by_question(frame, question_id="NEG-PLA-1")["evidence"].tolist() == [
        "Strong plan."
    ]


def test_weak_sections_and_low_agreement_raise_questions():
    rows = [{"grade": g, "section": "planning", "question_id": "NEG-PLA-1"} for g in [R] * 9 + [G]]
    rows += [{"grade": g, "section": "recognition"} for g in [G] * 9 + [R]]
    # 1 of 10 good or better: the board tier leaves the section out (even "below 50%" is
    # worked out from its suppressed counts) and counts every section with a suppressed
    # count, weak or not (recognition's single RI answer too), so the count points at none.
    board = aa.weak_sections(records(rows))
    assert board.empty and board.attrs["withheld"] == 2
    analyst = aa.weak_sections(records(rows), tier="analyst")
    assert analyst["section"].tolist() == ["planning"] and analyst.attrs["withheld"] == 0
    assert analyst.loc[0, "certainty"] == "clearly below"
    assert analyst.loc[0, "question"].startswith("Planning (A-1): 10% of graded answers")
    assert "drift" in analyst.loc[0, "question"]
    # With counts of 6 or more the board sees the share and its interval.
    big = [{"grade": g, "section": "planning"} for g in [R] * 14 + [G] * 6]
    shown = aa.weak_sections(records(big))
    assert shown["section"].tolist() == ["planning"] and shown.attrs["withheld"] == 0
    assert shown.loc[0, "question"].startswith(
        # Wilson interval for 6 of 20: statsmodels proportion_confint(method="wilson")
        "Planning (A-1): 30% of graded answers were good or better (95% interval 15% to 52%)"
    )

    pairs = [
        (G, I),
        (I, G),
        (R, O),
        (O, R),
        (G, G),
        (R, R),
        (G, I),
        (I, O),
        (O, I),
        (G, R),
        (R, G),
        (I, I),
    ]
    moderated = [(G, R)] * 6 + [(G, G)] * 6
    frame = records(
        [{"grade": a, "second_grade": b} for a, b in pairs]
        + [{"grade": a, "moderated_grade": b} for a, b in moderated]
    )
    signals = aa.low_agreement(frame)
    measures = set(signals["measure"])
    assert {"auditor agreement", "moderation"} <= measures
    assert "Are the grade descriptors understood" in " ".join(signals["question"])
    # 12 double-marked, 3 agreed: the agreement share is suppressed on the board tier only
    agreement = signals[signals["measure"] == "auditor agreement"]["question"].iloc[0]
    assert "suppressed (fewer than 6)" in agreement and "kappa" not in agreement
    analyst = aa.low_agreement(frame, tier="analyst")
    assert "kappa" in analyst[analyst["measure"] == "auditor agreement"]["question"].iloc[0]
    few = aa.low_agreement(records([{"grade": G, "second_grade": G}]))
    assert few["measure"].tolist() == ["too few double-marked"]


def test_empty_records_give_empty_tables():
    empty = records([{"grade": G}]).iloc[0:0]
    assert aa.grade_distribution(empty).empty
    assert aa.auditor_agreement(empty, by="agency").empty
    assert aa.moderation_summary(empty).empty
    assert aa.compare_audits(empty).empty
    assert aa.evidence_by_question(empty).empty
    assert aa.weak_sections(empty).empty
    assert aa.low_agreement(empty).empty
    assert aa.moderation_matrix(empty).loc["Total", "Total"] == 0
    with pytest.raises(aa.InvalidArgumentError, match="no column"):
        aa.grade_distribution(empty.drop(columns="status"))


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
    sections = aa.for_tier(aa.grade_distribution(frame, by=["audit_id", "section"]))
    repeats = aa.for_tier(aa.compare_audits(frame))
    # compare_audits alone shows A-1's totals: with the sections they give Good (3) back
    assert repeats.loc[repeats["audit_id"] == "A-1", "good_or_better"].iloc[0] == 13
    safe = aa.protect_repeat_audits(sections, repeats)
    first_row = safe[safe["audit_id"] == "A-1"].iloc[0]
    assert first_row["good_or_better"] == "c" and first_row["graded"] == "c"
    assert safe[safe["audit_id"] == "A-2"].iloc[0]["change_pts"] == "c"
    assert safe[safe["audit_id"] == "A-2"].iloc[0]["graded"] == 24
    assert aa.protect_repeat_audits(sections, repeats, "analyst") is repeats
