"""Support targeting review on hand-built logs and evidence, and the notebook end to end."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from lscb_analysis.qa import support_review
from lscb_analysis.runs import orchestrate

RULES = support_review.load_rules()


def judgements(rows):
    columns = [
        "la_number",
        "la_name",
        "inspection_date",
        "inspection_type",
        "overall_effectiveness",
        "leadership",
        "help_and_protection",
        "children_in_care",
        "care_leavers",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_ofsted_evidence_maps_areas_to_themes():
    table = judgements(
        [
            [
                "302",
                "Barnet",
                pd.Timestamp("2024-06-10"),
                "short",
                "Good",
                "Good",
                "Requires improvement to be good",
                "Good",
                "Good",
            ]
        ]
    )
    evidence = support_review.ofsted_evidence(table, RULES)
    assert set(evidence["theme"]) == {
        "Neglect",
        "Exploitation and missing",
        "Domestic abuse",
        "Early help",
    }
    assert evidence.iloc[0]["detail"] == "help and protection: Requires improvement (Jun 2024)"


def test_targeting_findings():
    support = pd.DataFrame(
        {"borough": ["Barnet", "Hackney"], "theme": ["Neglect", "Early help"], "days": [4.0, 3.0]}
    )
    evidence = pd.DataFrame(
        {
            "borough": ["Barnet", "Croydon"],
            "theme": ["Neglect", "Neglect"],
            "source": ["Audit", "Ofsted"],
            "detail": ["Planning", "h&p: RI"],
        }
    )
    table = support_review.targeting(support, evidence).set_index(["borough", "theme"])
    assert table.at[("Barnet", "Neglect"), "finding"] == "support matches evidence"
    assert table.at[("Hackney", "Early help"), "finding"] == "support with no evidence of need"
    assert table.at[("Croydon", "Neglect"), "finding"] == "evidence of need with no support"
    assert table.at[("Croydon", "Neglect"), "support_days"] == 0
    assert table.index[0] == ("Hackney", "Early help")  # unsupported-by-evidence first


def test_exception_evidence_by_sub_group():
    exceptions = pd.DataFrame(
        {
            "borough": ["Brent"],
            "sub_group": ["young and safe"],
            "detail": ["Missing episodes: special cause concern"],
        }
    )
    evidence = support_review.exception_evidence(exceptions, RULES)
    assert list(evidence["theme"]) == ["Exploitation and missing"]


def test_audit_evidence_leaves_out_and_counts_sections_with_suppressed_counts():
    def answers(section, grades):
        return [
            {
                "audit_id": "A-1",
                "borough": "Barnet",
                "theme": "neglect",
                "audit_date": pd.Timestamp("2026-03-01"),
                "agency": "police",
                "case": f"CASE-{n}",
                "section": section,
                "question_id": "Q",
                "question": "Q?",
                "grade": grade,
                "second_grade": "",
                "moderated_grade": "",
                "final_grade": grade,
                "evidence": "",
                "evidence_withheld": "",
                "status": "ok",
            }
            for n, grade in enumerate(grades)
        ]

    # Planning: 1 of 10 good (a suppressed count); recognition: 6 of 20 good (nothing small).
    records = pd.DataFrame(
        answers("planning", ["Good"] + ["Requires improvement"] * 9)
        + answers("recognition", ["Good"] * 6 + ["Requires improvement"] * 14)
    )
    evidence = support_review.gather_evidence(judgements([]), records, None, RULES)
    audit_rows = evidence[evidence["source"] == "Audit"]
    assert audit_rows["detail"].tolist() == ["Recognition (A-1)"]
    assert evidence.attrs["withheld_audit_sections"] == 1
    assert support_review.withheld_note(evidence).startswith(
        "1 audit section is not judged here: a grade count is suppressed (fewer than 6)"
    )
    assert support_review.withheld_note(pd.DataFrame(columns=support_review.EVIDENCE_COLUMNS)) == ""


@pytest.mark.slow
def test_support_review_notebook_on_the_demo(tmp_path, project_factory, monkeypatch):
    root = project_factory(tmp_path / "project")
    key = "synthetic-test-key-0123456789abcdef"
    env = {**os.environ, "LSCB_PROJECT_DIR": str(root), "LSCB_PSEUDONYM_KEY": key}
    for command in (["demo-data"], ["audit", "ingest"]):
        subprocess.run(
            [sys.executable, "-m", "lscb_analysis", *command],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY", key)
    results = orchestrate.run_notebook(
        "support_review", None, {}, jobs=1, out_dir=tmp_path / "reports", progress=False
    )
    assert [r.status for r in results] == ["ok"], results[0].error
    html = (tmp_path / "reports/support_review/london/report.html").read_text()
    assert "support with no evidence of need" in html
    assert "evidence of need with no support" in html and "Chargeable (days)" in html
