"""Audit evidence: the evidence text behind each question's grades, never the withheld text.

Evidence is free text about real cases: read it before quoting it in a published paper.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.qa import audit
from lscb_analysis.qa.audit_analysis import (
    check_columns,
    rank_of,
    section_order,
)


def evidence_by_question(
    records: pd.DataFrame, question_id: str | None = None, agency: str | None = None
) -> pd.DataFrame:
    """The evidence auditors wrote, gathered per question, never with identifiers.

    Inputs: audit records; optional ``question_id`` and ``agency`` filters. Withheld evidence
    (``evidence_withheld`` not empty), blank evidence, duplicates and rows with an unknown
    question are left out; no case pseudonym is included.
    Output: ``audit_id, borough, theme, section, question_id, question, agency, final_grade,
    evidence``, in question-bank order then by grade (best first).
    ``attrs["withheld"]``: how many evidence cells were withheld. Raises:
    InvalidArgumentError for a missing column.
    """
    columns = [
        "audit_id",
        "borough",
        "theme",
        "section",
        "question_id",
        "question",
        "agency",
        "final_grade",
        "evidence",
    ]
    check_columns(records, [*columns, "evidence_withheld", "status"])
    withheld = records["evidence_withheld"].fillna("").astype(str) != ""
    text = records["evidence"].fillna("").astype(str).str.strip()
    keep = (
        ~withheld
        & (text != "")
        & (text != WITHHELD_TEXT)
        & (records["question_id"].fillna("") != "")
        & (records["status"] != "duplicate")
    )
    if question_id is not None:
        keep &= records["question_id"] == question_id
    if agency is not None:
        keep &= records["agency"] == agency
    out = records.loc[keep, columns].copy()
    out["evidence"] = text[keep]
    order = {q: n for n, q in enumerate(records["question_id"].drop_duplicates())}
    config = audit.audit_config()
    out = out.assign(
        _s=out["section"].map(section_order(config)).fillna(99),
        _q=out["question_id"].map(order),
        _g=-rank_of(out["final_grade"], config),
    )
    out = out.sort_values(["audit_id", "_s", "_q", "_g", "agency"]).drop(columns=["_s", "_q", "_g"])
    out = out.reset_index(drop=True)
    out.attrs["withheld"] = int(withheld.sum())
    return out
