"""Shared helpers for the qa room's tests."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def find_issue():
    """Return a function giving the first issue of a ValidatedLog at a row and column."""

    def issue(log, row, column):
        found = log.issues[(log.issues["row"] == row) & (log.issues["column"] == column)]
        assert not found.empty, f"no issue at row {row}, column {column}"
        return found.iloc[0]

    return issue


@pytest.fixture
def make_records():
    """Return a function making audit records from dicts, filling the columns the functions need."""

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

    return records
