"""The quarterly returns register on hand-built returns and values (dates worked by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.pilot import returns_register

CONFIG = {
    "due_days_after_quarter_end": 30,
    "returners": {"boroughs": ["Barnet", "Brent", "Camden", "Ealing"], "agencies": ["Met Police"]},
}


def _return(returner, file, submitted, periods="2025Q1..2025Q4", state="ingested"):
    return {
        "returner": returner,
        "file": file,
        "submitted": submitted,
        "periods": periods,
        "state": state,
    }


def _value(returner, file, status="provided", value=1.0, period="2025Q4", prefilled=False):
    return {
        "returner": returner,
        "file": file,
        "period": period,
        "status": status,
        "value": value,
        "prefilled": prefilled,
    }


RETURNS = pd.DataFrame(
    [
        _return("borough:302", "barnet.xlsx", "2026-01-20"),  # by the due date (30 January)
        _return("borough:302", "barnet_v2.xlsx", "2026-01-28"),  # the latest is shown
        _return("borough:304", "brent.xlsx", "2026-02-14"),  # 15 days late
        _return("borough:307", "ealing.xlsx", "2026-01-10"),  # on time but a figure missing
        _return("borough:202", "camden.xlsx", "2026-01-05", periods="2025Q1..2025Q3"),
        _return("agency:police", "met.xlsx", "2026-02-01", state="rejected"),
    ]
)
VALUES = pd.DataFrame(
    [
        _value("borough:302", "barnet_v2.xlsx"),
        _value("borough:304", "brent.xlsx"),
        _value("borough:307", "ealing.xlsx"),
        _value("borough:307", "ealing.xlsx", status="not available", value=None),
        _value("borough:307", "ealing.xlsx", status="not yet due", value=None),  # not asked
        _value("borough:307", "ealing.xlsx", prefilled=True),  # published: not asked
    ]
)


def test_the_due_date_is_the_quarters_last_day_plus_the_configured_days():
    assert returns_register.quarter_due_date("2025Q4", CONFIG) == dt.date(2026, 1, 30)
    assert returns_register.quarter_due_date("2026Q1", CONFIG) == dt.date(2026, 4, 30)


def test_on_time_late_partly_and_not_returned_by_borough_and_agency():
    table = returns_register.returns_register(RETURNS, VALUES, "2025Q4", config=CONFIG)
    got = table.set_index("returner")
    assert got.loc["Barnet", ["return_status", "timing", "file"]].tolist() == [
        "on time",
        "on time",
        "barnet_v2.xlsx",
    ]
    assert got.loc["Brent", ["return_status", "timing"]].tolist() == ["late", "late by 15 days"]
    assert got.loc["Ealing", ["return_status", "figures_asked", "figures_given"]].tolist() == [
        "partly",
        2,
        1,
    ]
    # Camden's return does not cover 2025Q4; the police return was rejected.
    assert got.loc["Camden", "return_status"] == "not returned"
    assert got.loc["police", ["return_status", "kind"]].tolist() == ["not returned", "agency"]
    assert table["return_status"].tolist()[:2] == ["not returned", "not returned"]  # listed first
    assert returns_register.register_finding(table, "2025Q4") == (
        "2025Q4: 3 of 5 due returned (1 on time, 1 late, 1 partly); 2 not returned."
    )


def test_as_at_leaves_out_what_came_later_and_before_the_due_date_nothing_is_late():
    table = returns_register.returns_register(
        RETURNS, VALUES, "2025Q4", as_at=dt.date(2026, 1, 25), config=CONFIG
    ).set_index("returner")
    assert table.loc["Barnet", "file"] == "barnet.xlsx"  # v2 came on 28 January
    assert table.loc["Brent", "return_status"] == "not yet due"
    assert table.loc["Camden", "return_status"] == "not yet due"


def test_a_bad_returns_file_names_the_key(tmp_path):
    broken = tmp_path / "returns.yaml"
    broken.write_text("due_days_after_quarter_end: soon\nreturners: {boroughs: all}\n")
    with pytest.raises(ReferenceDataError, match="due_days_after_quarter_end must be a whole"):
        returns_register.load_returns_config(broken)


def test_lscb_returns_register_on_the_demo_returns(demo, monkeypatch, capsys):
    import openpyxl

    from lscb_analysis.cli import main as cli

    root = demo[0]
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    monkeypatch.chdir(root)
    assert cli.main(["returns", "register", "--quarter", "2025Q4", "--as-at", "2026-04-20"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2025Q4: ") and "(as at 2026-04-20)" in out
    sheet = openpyxl.load_workbook(root / "reports" / "returns" / "register_2025Q4.xlsx").active
    header = [cell.value for cell in sheet[1]]
    assert header[:6] == ["Returner", "Kind", "Due", "Received", "Return", "Timing"]
    assert sheet.max_row == 1 + 34  # the 33 boroughs and the police
    assert cli.main(["returns", "register", "--quarter", "2025Q4", "--as-at", "01/02/2026"]) == 2
    assert "could be 1 February 2026 or 2 January 2026" in capsys.readouterr().err
