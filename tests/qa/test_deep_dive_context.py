"""The deep dive's context: audit tables for a tier."""

from __future__ import annotations

import pandas as pd
from qa_helpers import G, R, records

from lscb_analysis.qa import deep_dive_context


def test_no_audit_records_give_no_audit_tables():
    assert deep_dive_context.audit_tables(pd.DataFrame(), "board") == {}


def test_audit_tables_show_cases_and_the_design_effect_to_analysts_only():
    rows = [
        {
            "grade": G if n < good else R,
            "second_grade": G if n < good else R,
            "audit_id": audit_id,
            "audit_date": pd.Timestamp(date),
            "case": f"{audit_id}-{case}",
            "section": section,
            "question_id": f"Q{n}",
        }
        for audit_id, date, goods in (
            ("A-1", "2025-03-01", [1, 4, 2]),
            ("A-2", "2026-03-01", [4, 4, 3]),
        )
        for section in ("recognition", "planning")
        for case, good in enumerate(goods)
        for n in range(4)
    ]
    frame = records(rows)
    board = deep_dive_context.audit_tables(frame, "board")
    analyst = deep_dive_context.audit_tables(frame, "analyst")
    for name in ("Grades by section", "Repeat audits"):
        assert "cases" in board[name] and "design_effect" not in board[name]
        assert "design_effect" in analyst[name] and (analyst[name]["design_effect"] >= 1).all()
    repeat = analyst["Repeat audits"].set_index("audit_id").loc["A-2"]
    beyond = "beyond chance" in repeat["verdict"]
    assert beyond == (repeat["change_lower"] > 0) == (repeat["p_value"] < 0.05)
    note = deep_dive_context.audit_method_note()
    assert "cluster" in note and "Newcombe" in note and "p < 0.001" in note
