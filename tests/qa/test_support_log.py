"""Support log: validation with file, row and column; days against the allowance; the split."""

from __future__ import annotations

import pytest
from qa_helpers import issue

from lscb_analysis.qa import support_log as support

SUPPORT = """borough,theme,days,commissioned by,start date,end date,activity
Barnet,neglect,6,Business manager,12/05/2025,30/06/2025,Audit design
Barnet,Exploitation and missing,6.5,DCS,01/09/2025,31/10/2025,Moderation
Barnet,neglect,2,DCS,01/05/2026,31/05/2026,Next year
pan-London,performance data,5,London ADCS,01/04/2025,31/03/2026,Dataset
Croydon,knitting,1,DCS,01/06/2025,01/06/2025,Unusual
Croydon,neglect,-1,DCS,01/06/2025,01/06/2025,
Lambeth,early help,3,,05/06/2025,01/06/2025,
Hackney,early help,9,DCS,01/06/2025,02/06/2025,
"""


@pytest.fixture
def support_log(tmp_path):
    path = tmp_path / "support_log.csv"
    path.write_text(SUPPORT, encoding="utf-8")
    return support.read_support_log(path)


def test_missing_support_log(tmp_path):
    assert support.read_support_log(tmp_path / "nothing.csv").issues["code"].tolist() == [
        "no_support_log"
    ]


def test_support_log_is_validated(support_log):
    table = support_log.table.set_index("row")
    assert table.loc[2, "theme"] == "Neglect"
    assert table.loc[3, "theme"] == "Exploitation and missing"
    assert table.loc[5, "borough"] == "pan-London" and table.loc[5, "scope"] == "pan-London"
    assert table.loc[2, "year"] == "2025-26" and table.loc[4, "year"] == "2026-27"
    assert issue(support_log, 6, "theme")["code"] == "unknown_theme"
    assert table.loc[6, "valid"]  # an unknown theme is a warning only
    assert issue(support_log, 7, "days")["code"] == "bad_number"
    assert issue(support_log, 8, "commissioned_by")["code"] == "missing_value"
    assert issue(support_log, 8, "end_date")["code"] == "end_before_start"
    assert issue(support_log, 9, "days")["code"] == "more_days_than_period"
    assert not table.loc[[7, 8], "valid"].any()


def test_support_days_against_the_allowance(support_log):
    used = support.support_days(support_log.table, year="2025-26").set_index("borough")
    assert used.loc["Barnet", "days_used"] == 12.5
    assert used.loc["Barnet", "allowance"] == 10
    assert used.loc["Barnet", "chargeable_days"] == 2.5
    assert used.loc["Barnet", "remaining"] == 0
    assert used.loc["Hackney", "chargeable_days"] == 0
    assert "pan-London" not in used.index
    custom = support.support_days(support_log.table, {"Barnet": 15}, year="2025-26")
    assert custom.set_index("borough").loc["Barnet", "chargeable_days"] == 0
    everyone = support.support_days(support_log.table, year="2025-26", all_boroughs=True)
    assert len(everyone) == 33 and everyone.iloc[0]["borough"] == "Barnet"
    ledger = support.support_ledger(support_log.table)
    barnet = ledger[(ledger["borough"] == "Barnet") & (ledger["year"] == "2025-26")]
    assert barnet["chargeable_days"].tolist() == [0.0, 2.5]
    assert barnet["included_days"].tolist() == [6.0, 4.0]


def test_support_split(support_log):
    split = support.support_split(support_log.table, year="2025-26").set_index("scope")
    assert split.loc["pan-London", "days"] == 5
    assert split.loc["borough", "days"] == 6 + 6.5 + 1 + 9
    assert split["share_pct"].sum() == pytest.approx(100)
