"""Audit findings: the records that count, grade shares with their interval, board tiers."""

from __future__ import annotations

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
    frame = records(
        [
            {"grade": g, "agency": agency}
            for agency, grades in (("police", [O, G, G, R, I]), ("education", [R] * 4))
            for g in grades
        ]
    )
    table = audit_analysis.grade_distribution(frame, by="agency").set_index("agency")
    police = table.loc["police"]
    assert police[[O, G, R, I]].tolist() == [1, 2, 1, 1]
    assert police["graded"] == 5 and police["good_or_better"] == 3
    assert police["good_or_better_pct"] == pytest.approx(60.0)
    assert police["lower"] == pytest.approx(23.07, abs=0.01)  # Wilson 95% for 3/5
    assert police["upper"] == pytest.approx(88.24, abs=0.01)
    assert table.loc["education", "good_or_better_pct"] == 0
    board = audit_analysis.for_tier(audit_analysis.grade_distribution(frame, by="agency"))
    assert (board[[O, G, R, I, "graded"]] == "c").any().any()
    assert "board" in board.attrs["tier"]


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
