"""The presenter: each formatting rule on small built frames, HTML and workbook output."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core.errors import RecordLevelDisplayError, ReferenceDataError
from lscb_analysis.present import data_dictionary, presenter
from lscb_analysis.protect import disclosure_config, display_guard


def _cells(table, title="T", **options):
    parts = presenter.present(table, title, **options).parts
    assert len(parts) == 1
    return parts[0]


def test_headers_come_from_the_dictionary_with_units():
    shown = _cells(pd.DataFrame({"audit_id": ["A"], "days_overdue": [3], "change_pts": [1.0]}))
    assert list(shown.columns) == ["Audit", "Overdue (days)", "Change (percentage points)"]


def test_counts_rates_percentages_and_shares():
    shown = _cells(
        pd.DataFrame(
            {
                "graded": [1234.0],
                "good_or_better_pct": [37.98627],
                "coverage": [0.5],
                "kappa": [0.705246],
                "days_used": [12.0],
            }
        )
    )
    assert shown.iloc[0].tolist() == ["1,234", "38%", "50%", "0.71", "12.0"]


def test_dates_periods_and_quarters():
    shown = _cells(
        pd.DataFrame(
            {
                "audit_date": [pd.Timestamp("2025-03-31 00:00:00")],
                "year": [2025],
                "scorecard_period": ["2025Q4"],
                "item": ["run at"],
                "value": ["2026-12-04T01:53:32+00:00"],
            }
        )
    )
    assert shown.iloc[0].tolist() == [
        "31 March 2025",
        "2024-25",
        "Q3 2025-26",
        "run at",
        "4 December 2026, 01:53 UTC",
    ]


def test_codes_become_labels():
    shown = _cells(
        pd.DataFrame(
            {
                "status": ["not_collected", "ingested_with_errors"],
                "exceptions": ["special_cause_concern;missing_target", None],
            }
        )
    )
    assert shown["Status"].tolist() == ["not collected", "read in with errors"]
    assert shown["Exceptions"].tolist() == [
        "Special-cause concern; Missing the target consistently",
        "none",
    ]


def test_missing_values_show_their_reason_never_nan():
    table = pd.DataFrame(
        {
            "graded": ["c", np.nan],
            "reaudit_date": [pd.NaT, None],
            "lower": ["x", pd.NA],
            "previous_audit": [None, "A"],
        }
    )
    shown = _cells(table)
    wording = disclosure_config.suppressed_wording()
    assert shown["Answers graded"].tolist() == [wording, "not available"]
    assert shown["Re-audit due"].tolist() == ["not yet set", "not yet set"]
    assert shown["Lower 95% limit"].tolist() == ["not available", "not available"]
    assert shown["Previous audit"].tolist() == ["none (first audit)", "A"]
    text = presenter.present(table, "T").to_html()
    assert not re.search(r"\b(nan|NaN|NaT|None|<NA>)\b", text)


def test_an_empty_table_is_one_sentence():
    presented = presenter.present(
        pd.DataFrame(columns=["action_id"]), "Overdue actions", empty="No action is overdue."
    )
    assert presented.to_html() == '<p class="lscb-empty">No action is overdue.</p>'


def test_html_has_caption_scoped_headers_no_index_no_script():
    text = presenter.present(
        pd.DataFrame({"borough": ["Barnet"], "pis": [3]}), "Coverage <by> borough"
    ).to_html()
    assert "<caption>Coverage &lt;by&gt; borough</caption>" in text
    assert (
        '<th scope="col">Borough</th>' in text
        and '<th scope="col" class="lscb-num">PIs</th>' in text
    )
    assert "<script" not in text and "style" not in text and "http" not in text
    assert text.count("<th scope") == 2


def test_wide_tables_are_split_repeating_the_key_column():
    table = pd.DataFrame(
        {
            "pi_id": ["BF-1", "BF-2"],
            **{
                name: [1, 2]
                for name in [
                    "keep",
                    "amend",
                    "remove",
                    "answered",
                    "forms",
                    "used",
                    "rejected",
                    "total",
                    "errors",
                    "warnings",
                    "queries",
                    "pis",
                    "boroughs",
                    "cases",
                ]
            },
        }
    )
    parts = presenter.present(table, "Wide").parts
    assert len(parts) == 2
    assert all(part.columns[0] == "PI" for part in parts)
    assert sum(len(part.columns) - 1 for part in parts) == 14
    html = presenter.present(table, "Wide").to_html()
    assert "Wide (part 1 of 2)" in html and "Wide (part 2 of 2)" in html


def test_a_wide_one_row_table_is_turned():
    table = pd.DataFrame(
        {
            name: [1]
            for name in [
                "keep",
                "amend",
                "remove",
                "answered",
                "forms",
                "used",
                "rejected",
                "total",
                "errors",
                "warnings",
                "queries",
                "pis",
                "boroughs",
                "cases",
            ]
        }
    )
    parts = presenter.present(table, "One row").parts
    assert len(parts) == 1 and list(parts[0].columns) == ["Item", "Value"]
    assert len(parts[0]) == 14


def test_unknown_columns_fail_when_strict_and_read_as_words_otherwise():
    with pytest.raises(ReferenceDataError, match="data_dictionary.csv"):
        presenter.present(pd.DataFrame({"mystery_col": [1]}), "T", strict=True)
    assert list(_cells(pd.DataFrame({"mystery_col": [1]})).columns) == ["Mystery col"]


def test_record_level_frames_are_refused():
    frame = display_guard.mark_record_level(pd.DataFrame({"audit_id": ["A"]}))
    with pytest.raises(RecordLevelDisplayError):
        presenter.show(frame, "Records")


def test_split_parts_repeat_every_identifying_column():
    words = "suppressed (fewer than 6)"
    table = pd.DataFrame(
        {
            "audit_id": ["SYNTHETIC-2025-barnet-neglect"] * 2,
            "section": ["recognition", "impact"],
            **{
                name: [words, 12]
                for name in [
                    "Outstanding",
                    "Good",
                    "Requires improvement",
                    "Inadequate",
                    "graded",
                    "good_or_better",
                    "good_or_better_pct",
                    "lower",
                    "upper",
                    "agreed",
                    "cases",
                    "items",
                ]
            },
        }
    )
    parts = presenter.present(table, "Grades").parts
    assert len(parts) >= 2
    assert all(list(part.columns[:2]) == ["Audit", "Section"] for part in parts)


def test_the_scan_finds_raw_pandas_output():
    from lscb_analysis.present import table_scan

    raw = pd.DataFrame(
        {"days_used": [12.123456], "due_date": [pd.Timestamp("2026-02-28")], "note": [np.nan]}
    )
    findings = table_scan.scan_html(raw.style.hide(axis="index").to_html(), "raw.html")
    problems = {finding.problem for finding in findings}
    assert {
        "snake_case header",
        "timestamp with a time of day",
        "missing value shown as nan",
    } <= problems
    assert any("6 decimals" in problem for problem in problems)
    truncated = pd.DataFrame({"a": range(100)}).to_html(max_rows=4)
    assert "truncated table" in {f.problem for f in table_scan.scan_html(truncated)}
    shown = presenter.present(raw, "Clean").to_html()
    assert table_scan.scan_html(shown) == []


@pytest.mark.slow
def test_demo_pack_tables_read_as_a_person_reads_them(demo_pack):
    """Every report.html and workbook of the demo pack: no nan/NaN/NaT/None/<NA>, no
    snake_case header or code, no number with more decimals than its column allows, no
    timestamp with a time, no truncated table; every presenter header is in the dictionary."""
    from lscb_analysis.core import register
    from lscb_analysis.present import table_scan

    reports = demo_pack["root"] / "reports"
    findings = table_scan.scan_folder(reports)
    assert not findings, "\n".join(str(f) for f in findings[:30])
    known = {column.header for column in data_dictionary.load_dictionary().values()}
    known |= {area.name for area in register.london_boroughs()} | {"Item", "Value"}
    pages = sorted(reports.rglob("report.html"))
    assert len(pages) >= 8
    unknown = {
        header
        for page in pages
        for header in table_scan.presenter_headers(page.read_text(encoding="utf-8"))
        if header not in known
    }
    assert not unknown, f"headers missing from data/reference/data_dictionary.csv: {unknown}"
    workbooks = sorted(reports.rglob("*.xlsx"))
    assert any(path.name == "scorecard.xlsx" for path in workbooks)


def test_hidden_characters_in_a_returned_name_do_not_reach_the_table():
    table = pd.DataFrame({"board": ["Barnet\u202e\u200f LSCB"], "items": [3]})
    markup = presenter.show(table, "Returns\u200b").to_html()
    assert "\u202e" not in markup and "\u200f" not in markup and "\u200b" not in markup
    assert "Barnet LSCB" in markup and "<caption>Returns</caption>" in markup
