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
    # each piece of evidence is a signal for the ranking, dated by the inspection
    assert set(evidence["signal"]) == {"Ofsted requires improvement"}
    assert set(evidence["first_seen"]) == {pd.Timestamp("2024-06-10")}


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
    assert evidence.iloc[0]["signal"] == "Score card exception"
    assert pd.isna(evidence.iloc[0]["first_seen"])  # no first_seen given: undated
    dated = support_review.exception_evidence(
        exceptions.assign(first_seen=pd.Timestamp("2025-09-30")), RULES
    )
    assert dated.iloc[0]["first_seen"] == pd.Timestamp("2025-09-30")


def test_a_score_card_exception_is_first_seen_in_the_earliest_card_that_shows_it(
    tmp_path, monkeypatch
):
    from lscb_analysis.core import paths

    monkeypatch.setattr(paths, "processed_dir", lambda: tmp_path)
    card = {
        "borough": ["Brent", "Brent"],
        "pi_id": ["P1", "P2"],
        "title": ["Missing episodes", "Re-referrals"],
        "sub_group": ["young and safe", "performance"],
    }
    # 2025Q2: P1 has an exception; 2025Q3: P1 and P2; 2025Q4 (latest): P1 and P2.
    for period, exceptions in (
        ("2025Q2", ["rule", ""]),
        ("2025Q3", ["rule", "rule"]),
        ("2025Q4", ["rule", "rule"]),
    ):
        pd.DataFrame({**card, "scorecard_period": period, "exceptions": exceptions}).to_parquet(
            tmp_path / f"scorecard_{period}.parquet"
        )
    rows = support_review.scorecard_exceptions().set_index("detail")
    # P1 first seen in 2025Q2 (ends 30 Jun 2025), P2 in 2025Q3 (ends 30 Sep 2025)
    assert rows.loc["Missing episodes (2025Q4): rule", "first_seen"] == pd.Timestamp("2025-06-30")
    assert rows.loc["Re-referrals (2025Q4): rule", "first_seen"] == pd.Timestamp("2025-09-30")


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
    assert audit_rows["first_seen"].tolist() == [pd.Timestamp("2026-03-01")]  # the audit date
    assert evidence.attrs["withheld_audit_sections"] == 1
    assert support_review.withheld_note(evidence).startswith(
        "1 audit section is not judged here: a grade count is suppressed (fewer than 6)"
    )
    assert support_review.withheld_note(pd.DataFrame(columns=support_review.EVIDENCE_COLUMNS)) == ""


@pytest.mark.slow
def test_support_review_notebook_on_the_demo(
    tmp_path, project_factory, monkeypatch, public_indicators
):
    root = project_factory(tmp_path / "project")
    # The published indicators, as the pack's first step builds them (the funnels read them).
    public_indicators.to_parquet(root / "data" / "processed" / "public_indicators.parquet")
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
    # the advisers' time against the 60/20/20 plan and the ranked list of unmet need
    assert "Funnel" in html  # boroughs outside London's funnel limits are evidence too
    for text in ("time against the plan", "London Board work", "Gap to plan", "Rank"):
        assert text in html, text
    assert "Evidence of need with no support, ranked" in html and "Strength of evidence" in html


def test_a_borough_outside_the_funnel_on_the_worse_side_is_evidence_of_need(public_indicators):
    """Re-referrals (lower is better): the boroughs the London funnel places above its upper
    99.8% limit are the funnel's evidence, dated the end of the reporting year."""
    from lscb_analysis.qa import deep_dive_london

    rules = {"themes": {"Early help": {"funnel_indicators": ["rereferral_pct"]}}}
    year = int(
        public_indicators.loc[public_indicators["indicator"] == "rereferral_pct", "period"].max()
    )
    frame, names = deep_dive_london.london_funnel(public_indicators, "rereferral_pct", year)
    expected = sorted(
        n for n, v, u in zip(names, frame["value"], frame["upper_998"], strict=True) if v > u
    )
    evidence = support_review.funnel_evidence(public_indicators, rules)
    assert sorted(evidence["borough"]) == expected
    assert set(evidence["signal"]) <= {support_review.FUNNEL_SIGNAL}
    assert (evidence["first_seen"] == pd.Timestamp(year, 3, 31)).all()
    # An indicator with no polarity gives no evidence: no side is worse.
    none = {"themes": {"Early help": {"funnel_indicators": ["cin_rate"]}}}
    assert support_review.funnel_evidence(public_indicators, none).empty
