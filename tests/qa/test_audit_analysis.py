"""Audit findings: the records that count, grade shares with their interval, board tiers."""

from __future__ import annotations

import numpy as np
import pytest
from qa_helpers import G, I, O, R, records

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.qa import (
    audit_agreement,
    audit_analysis,
    audit_evidence,
    audit_questions,
    audit_trends,
)
from lscb_analysis.stats.clustered import clustered_proportion


def test_not_applicable_and_problem_rows_are_left_out():
    frame = records(
        [
            {"grade": G, "second_grade": G},
            {"grade": "Not applicable", "second_grade": G},
            {"grade": I, "second_grade": I, "status": "duplicate"},
            {"grade": "", "status": "missing_grade"},
        ]
    )
    assert audit_analysis.grade_distribution(frame, by=None)["graded"].tolist() == [1]
    assert audit_agreement.auditor_agreement(frame)["items"].tolist() == [1]


def test_grade_distribution_with_wilson_interval():
    # One answer per case: the clustered interval is the plain Wilson interval.
    frame = records(
        [
            {"grade": g, "agency": agency, "case": f"{agency}-{n}"}
            for agency, grades in (("police", [O, G, G, R, I]), ("education", [R] * 4))
            for n, g in enumerate(grades)
        ]
    )
    table = audit_analysis.grade_distribution(frame, by="agency").set_index("agency")
    police = table.loc["police"]
    assert police[[O, G, R, I]].tolist() == [1, 2, 1, 1]
    assert police["graded"] == 5 and police["good_or_better"] == 3 and police["cases"] == 5
    assert police["design_effect"] == 1.0
    assert police["good_or_better_pct"] == pytest.approx(60.0)
    assert police["lower"] == pytest.approx(23.07, abs=0.01)  # Wilson 95% for 3/5
    assert police["upper"] == pytest.approx(88.24, abs=0.01)
    assert table.loc["education", "good_or_better_pct"] == 0
    board = audit_analysis.for_tier(audit_analysis.grade_distribution(frame, by="agency"))
    assert (board[[O, G, R, I, "graded"]] == "c").any().any()
    # The number of cases goes with the row's suppressed counts (no number after a
    # suppressed total that a reader could take for a share).
    assert (board["cases"] == "c").all()
    assert "board" in board.attrs["tier"]


def test_shares_count_the_case_as_the_cluster():
    # Section "planning": three cases of two answers, good or better 2, 0 and 1 (the hand
    # calculation in tests/stats/test_clustered.py: ICC 0.5, design effect 1.5, so 3 of 6
    # answers count as 2 of 4: Wilson 2 of 4 is 15.00% to 85.00%).
    grades = {"a": [G, O], "b": [R, I], "c": [G, R]}
    rows = [
        {"grade": g, "section": "planning", "case": case, "agency": agency}
        for case, pair in grades.items()
        for agency, g in zip(["police", "health"], pair, strict=True)
    ]
    table = audit_analysis.grade_distribution(records(rows), by="section")
    row = table.iloc[0]
    assert (row["graded"], row["cases"], row["good_or_better"]) == (6, 3, 3)
    assert row["design_effect"] == pytest.approx(1.5)
    assert row["lower"] == pytest.approx(15.0039, abs=1e-4)
    assert row["upper"] == pytest.approx(84.9961, abs=1e-4)
    assert "cluster" in table.attrs["note"] and "Kish" in table.attrs["method"]
    # The design effect is for analysts: the board table leaves it out, keeps the cases.
    board = audit_analysis.for_tier(table)
    analyst = audit_analysis.for_tier(table, "analyst")
    assert "design_effect" not in board and "cases" in board
    assert analyst["design_effect"].iloc[0] == pytest.approx(1.5)
    assert "NOT FOR PUBLICATION" in analyst.attrs["tier_label"]
    # One case only: the correlation cannot be estimated, so the case counts once.
    one = audit_analysis.grade_distribution(records([{"grade": g} for g in [G] * 8 + [R] * 2]))
    assert one["cases"].iloc[0] == 1 and one["design_effect"].iloc[0] == pytest.approx(10.0)


def test_empty_records_give_empty_tables():
    empty = records([{"grade": G}]).iloc[0:0]
    assert audit_analysis.grade_distribution(empty).empty
    assert audit_agreement.auditor_agreement(empty, by="agency").empty
    assert audit_agreement.moderation_summary(empty).empty
    assert audit_trends.compare_audits(empty).empty
    assert audit_evidence.evidence_by_question(empty).empty
    assert audit_questions.weak_sections(empty).empty
    assert audit_questions.low_agreement(empty).empty
    assert audit_agreement.moderation_matrix(empty).loc["Total", "Total"] == 0
    with pytest.raises(InvalidArgumentError, match="no column"):
        audit_analysis.grade_distribution(empty.drop(columns="status"))


def test_each_group_gets_its_own_clustered_interval():
    rng = np.random.default_rng(7)
    rows = [
        {
            "grade": [O, G, R, I][rng.integers(0, 4)],
            "audit_id": audit_id,
            "section": section,
            "case": f"{audit_id}-{rng.integers(0, 5)}",
            "agency": agency,
        }
        for audit_id in ("A-1", "A-2")
        for section in ("recognition", "planning")
        for agency in ("police", "health", "school", "gp")
        for _ in range(4)
    ]
    frame = records(rows)
    table = audit_analysis.grade_distribution(frame, by=["audit_id", "section"])
    usable = audit_analysis.graded(frame)
    for row in table.itertuples():
        part = usable[(usable["audit_id"] == row.audit_id) & (usable["section"] == row.section)]
        expected = clustered_proportion(part["good_or_better"].astype(int), part["case"]).iloc[0]
        assert (row.graded, row.cases) == (expected["answers"], expected["cases"])
        assert row.design_effect == pytest.approx(expected["design_effect"])
        assert (row.lower, row.upper) == pytest.approx((expected["lower"], expected["upper"]))
