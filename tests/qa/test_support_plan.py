"""Advisers' time by kind of work against the 60/20/20 plan; the kind column of the log; charges."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError
from lscb_analysis.qa import support_log, support_plan

PLAN = support_plan.plan_config()

# Two advisers, two quarters of 2025-26 (Q1 April-June, Q3 October-December).
SUPPORT = """borough,theme,days,commissioned by,start date,end date,adviser,type of work
Barnet,neglect,6,BM,12/05/2025,30/06/2025,A,borough support
pan-London,performance data,2,ADCS,01/05/2025,30/06/2025,A,London Board
pan-London,training,2,ADCS,02/06/2025,30/06/2025,A,pan London project work
Croydon,neglect,3,BM,01/10/2025,31/10/2025,B,Borough-level support
pan-London,training,1,ADCS,01/10/2025,31/10/2025,B,projects
Brent,neglect,1,BM,01/11/2025,30/11/2025,B,knitting
Brent,neglect,1,BM,01/11/2025,30/11/2025,B,
"""


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "support_log.csv"
    path.write_text(SUPPORT, encoding="utf-8")
    return support_log.read_support_log(path)


def test_the_plan_is_60_20_20_from_the_yaml():
    # the 2011 advisers' report: 60% borough support, 20% London Board, 20% pan-London projects
    assert {k: v["share_pct"] for k, v in PLAN["kinds"].items()} == {
        "borough support": 60.0,
        "London Board work": 20.0,
        "pan-London projects": 20.0,
    }
    assert PLAN["day_rate"] is None


def test_plan_shares_must_add_up_to_100():
    rules = {"plan": {"kinds": {"a": {"share_pct": 60}, "b": {"share_pct": 30}}}}
    with pytest.raises(ReferenceDataError, match="add up to 90"):
        support_plan.plan_config(rules)
    with pytest.raises(ReferenceDataError, match="plan.kinds"):
        support_plan.plan_config({})


def test_kind_synonyms_and_missing_or_unknown_kinds_named_by_row(log):
    table = log.table.set_index("row")
    # header "type of work" is read as kind_of_work; synonyms give the plan's names
    assert table.loc[2, "kind_of_work"] == "borough support"
    assert table.loc[3, "kind_of_work"] == "London Board work"
    assert table.loc[4, "kind_of_work"] == "pan-London projects"
    assert table.loc[5, "kind_of_work"] == "borough support"
    assert table.loc[6, "kind_of_work"] == "pan-London projects"
    assert table.loc[7, "kind_of_work"] == "" and table.loc[8, "kind_of_work"] == ""
    issues = log.issues.set_index("code")
    assert issues.loc["unknown_kind", "row"] == 7 and issues.loc["missing_kind", "row"] == 8
    assert "support_log.csv row 7, column kind_of_work" in issues.loc["unknown_kind", "message"]
    # the rows stay valid: their days still count against the borough's allowance
    assert table["valid"].all()


def test_a_kind_against_the_rows_scope_is_warned(tmp_path):
    path = tmp_path / "support_log.csv"
    path.write_text(
        "borough,theme,days,commissioned by,start date,end date,kind of work\n"
        "Barnet,neglect,2,BM,12/05/2025,30/06/2025,London Board work\n"
        "pan-London,training,1,ADCS,12/05/2025,30/06/2025,borough support\n"
        "Barnet,neglect,1,BM,12/05/2025,30/06/2025,borough support\n",
        encoding="utf-8",
    )
    issues = support_log.read_support_log(path).issues
    mismatch = issues[issues["code"] == "kind_scope_mismatch"]
    assert mismatch["row"].tolist() == [2, 3]
    assert "London Board work is pan-London work in the plan" in mismatch["message"].iloc[0]
    with pytest.raises(ReferenceDataError, match="scope"):
        support_plan.plan_config({"plan": {"kinds": {"a": {"share_pct": 100, "scope": "x"}}}})


def test_financial_quarters():
    assert support_plan.financial_quarter(pd.Timestamp("2025-04-01")) == "2025-26 Q1"
    assert support_plan.financial_quarter(pd.Timestamp("2025-07-01")) == "2025-26 Q2"
    assert support_plan.financial_quarter(pd.Timestamp("2026-01-15")) == "2025-26 Q4"
    assert support_plan.financial_quarter(pd.Timestamp("2026-03-31")) == "2025-26 Q4"


def test_time_by_kind_against_the_plan_by_hand(log):
    time = support_plan.time_by_kind(log.table)

    def group(adviser, quarter):
        rows = time[(time["adviser"] == adviser) & (time["quarter"] == quarter)]
        return rows.set_index("kind_of_work")

    # Adviser A, 2025-26 Q1: 6 borough + 2 Board + 2 projects = 10 days.
    # borough: 60% of 10 = 6 planned, share 60%, gap 0 pp, 0 days;
    # Board: 2/10 = 20%, gap 0. All on plan.
    a = group("A", "2025-26 Q1")
    assert a["days"].tolist() == [6.0, 2.0, 2.0]
    assert a["share_pct"].tolist() == pytest.approx([60.0, 20.0, 20.0])
    assert a["gap_pp"].tolist() == pytest.approx([0.0, 0.0, 0.0])
    # Adviser B, 2025-26 Q3: 3 borough + 0 Board + 1 projects = 4 days with a kind, and 2
    # days "kind not recorded" (6 in all). The plan is compared with the 4 recorded days:
    # borough share 3/4 = 75% -> gap 75 - 60 = +15 pp; planned 0.6 * 4 = 2.4 days -> +0.6
    # Board share 0% -> gap -20 pp; planned 0.8 days -> gap -0.8 days
    # projects 1/4 = 25% -> gap +5 pp; planned 0.8 -> gap +0.2 days
    # kind not recorded: 2 of all 6 days = 33.33%, no plan
    b = group("B", "2025-26 Q3")
    assert b.index.tolist() == [*PLAN["kinds"], support_plan.NOT_RECORDED]
    assert b["days"].tolist() == [3.0, 0.0, 1.0, 2.0]
    assert b["gap_pp"].iloc[:3].tolist() == pytest.approx([15.0, -20.0, 5.0])
    assert b["gap_days"].iloc[:3].tolist() == pytest.approx([0.6, -0.8, 0.2])
    assert b["share_pct"].iloc[3] == pytest.approx(100 / 3) and pd.isna(b["plan_pct"].iloc[3])
    # All advisers, all quarters: 16 days, 14 with a kind: borough 9 (9/14 = 64.29%), Board 2
    # (14.29%), projects 3 (21.43%), not recorded 2 (2/16 = 12.5% of all days).
    # Board gap: 2 - 0.2 * 14 = -0.8 days, 100 * 2/14 - 20 = -5.71 pp; borough 9 - 8.4 = +0.6.
    whole = support_plan.plan_summary(support_plan.time_by_kind(log.table)).set_index(
        "kind_of_work"
    )
    assert whole["days"].sum() == 16.0
    assert whole.loc["borough support", "share_pct"] == pytest.approx(900 / 14)
    assert whole.loc["London Board work", "gap_pp"] == pytest.approx(200 / 14 - 20)
    assert whole.loc["London Board work", "gap_days"] == pytest.approx(-0.8)
    assert whole.loc["borough support", "gap_days"] == pytest.approx(0.6)
    assert whole.loc[support_plan.NOT_RECORDED, "share_pct"] == pytest.approx(12.5)


def test_a_log_with_no_kinds_shows_no_gap_rather_than_minus_the_plan():
    log = pd.DataFrame(
        {
            "adviser": "A",
            "kind_of_work": "",
            "days": [4.0, 2.0],
            "start_date": pd.Timestamp("2025-05-01"),
            "year": "2025-26",
            "valid": True,
        }
    )
    whole = support_plan.plan_summary(support_plan.time_by_kind(log, plan=PLAN))
    assert whole["share_pct"].iloc[:3].isna().all() and whole["gap_pp"].iloc[:3].isna().all()
    assert whole["days"].tolist() == [0.0, 0.0, 0.0, 6.0]
    assert whole["share_pct"].iloc[3] == 100.0


def test_time_by_kind_for_one_year_and_an_empty_year(log):
    assert support_plan.time_by_kind(log.table, year="2024-25").empty
    assert len(support_plan.time_by_kind(log.table, year="2025-26")) > 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(PLAN["kinds"])), st.integers(1, 20)), min_size=1))
def test_shares_add_to_100_and_day_gaps_to_0(rows):
    log = pd.DataFrame(
        {
            "adviser": "A",
            "kind_of_work": [k for k, _ in rows],
            "days": [float(d) for _, d in rows],
            "start_date": pd.Timestamp("2025-05-01"),
            "year": "2025-26",
            "valid": True,
        }
    )
    whole = support_plan.plan_summary(support_plan.time_by_kind(log, plan=PLAN))
    assert whole["share_pct"].sum() == pytest.approx(100.0)
    assert whole["gap_days"].sum() == pytest.approx(0.0, abs=1e-9)
    assert whole["gap_pp"].sum() == pytest.approx(0.0, abs=1e-9)


def test_excess_days_and_the_charge(log):
    # Barnet 6 days: within 10. With an allowance of 4 days: 2 excess days.
    days = support_log.support_days(log.table, allowance=4.0).set_index("borough")
    charged = support_plan.with_charges(days, PLAN)
    assert "charge" not in charged.columns  # no day rate by default: days only
    assert charged.loc["Barnet", "chargeable_days"] == 2.0
    rated = support_plan.with_charges(days, {**PLAN, "day_rate": 450.0})
    # 2 excess days x 450 = 900; Croydon 3 days - 4 allowed = no excess, no charge
    assert rated.loc["Barnet", "charge"] == 900.0 and rated.loc["Croydon", "charge"] == 0.0
    with pytest.raises(InvalidArgumentError, match="chargeable_days"):
        support_plan.with_charges(pd.DataFrame({"days": [1]}), PLAN)
