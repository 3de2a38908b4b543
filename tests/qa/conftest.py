"""Shared helpers for the qa room's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def find_issue():
    """Return a function giving the first issue of a ValidatedLog at a row and column."""

    def issue(log, row, column):
        found = log.issues[(log.issues["row"] == row) & (log.issues["column"] == column)]
        assert not found.empty, f"no issue at row {row}, column {column}"
        return found.iloc[0]

    return issue
