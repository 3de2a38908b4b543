"""The deep dive's context: audit tables for a tier."""

from __future__ import annotations

import pandas as pd

from lscb_analysis.qa import deep_dive_context


def test_no_audit_records_give_no_audit_tables():
    assert deep_dive_context.audit_tables(pd.DataFrame(), "board") == {}
