"""Audit evidence by question: never the withheld text."""

from __future__ import annotations

from qa_helpers import G, O, R, records

from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.qa import audit_evidence


def test_evidence_never_includes_withheld_text():
    frame = records(
        [
            {"grade": G, "evidence": "Seen alone.", "agency": "police"},
            {"grade": R, "evidence": WITHHELD_TEXT, "evidence_withheld": "nhs_number"},
            {"grade": R, "evidence": "  "},
            {
                "grade": O,
                "evidence": "Strong plan.",
                "question_id": "NEG-PLA-1",
                "section": "planning",
            },
        ]
    )
    evidence = audit_evidence.evidence_by_question(frame)
    assert evidence["evidence"].tolist() == ["Seen alone.", "Strong plan."]
    assert "case" not in evidence.columns
    assert evidence.attrs["withheld"] == 1
    assert audit_evidence.evidence_by_question(frame, question_id="NEG-PLA-1")[
        "evidence"
    ].tolist() == ["Strong plan."]
