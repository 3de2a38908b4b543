"""Actions log: validation with file, row and column; the reports on it."""

from __future__ import annotations

import pandas as pd
import pytest
from qa_helpers import issue

from lscb_analysis.core.errors import DataFileError
from lscb_analysis.qa import audit_actions as actions
from lscb_analysis.qa import log_files

ACTIONS = """action_id,borough,action,owner,due_date,source_type,source_ref,status,reaudit_date,completed_date,notes
A1,Barnet,Neglect workshop,Designated nurse,31/01/2026,audit finding,AUD-1/NEG-REC-2,complete,13/03/2026,20/01/2026,
A2,barnet,SMART outcomes in plans,Head of service,28/02/2026,Audit,AUD-1/NEG-PLA-1,In Progress,30/09/2026,,
A3,RBKC,Review long plans,Service manager,30/06/2026,PI exception,cpp_2yrs_pct,open,,,
A4,Croydon,Return interviews,Missing lead,31/12/2025,pi,cla_missing_pct,ongoing,31/03/2026,,
A5,Narnia,Something,Someone,31/02/2026,rumour,x,maybe,,,
A6,Lambeth,,Owner,2026-01-31,other,forum,open,,,Child: Jamie Smith mentioned
A1,Lambeth,Repeat id,Owner,2026-01-31,other,forum,done,01/01/2026,,
"""


@pytest.fixture
def actions_log(tmp_path):
    path = tmp_path / "actions.csv"
    path.write_text(ACTIONS, encoding="utf-8")
    return actions.read_actions(path)


def test_actions_are_validated_with_row_and_column(actions_log):
    table = actions_log.table.set_index("row")
    assert table.loc[2, "status"] == "complete" and table.loc[3, "status"] == "in progress"
    assert (
        table.loc[3, "borough"] == "Barnet" and table.loc[4, "borough"] == "Kensington and Chelsea"
    )
    assert table.loc[3, "source_type"] == "audit finding"
    assert table.loc[5, "source_type"] == "PI exception"
    assert table.loc[2, "due_date"] == pd.Timestamp("2026-01-31")
    assert table.loc[[2, 3, 4, 5], "valid"].all()
    bad = table.loc[6]
    assert not bad["valid"]
    for column, code in (
        ("borough", "unknown_borough"),
        ("due_date", "bad_date"),
        ("source_type", "unknown_source_type"),
        ("status", "unknown_status"),
    ):
        found = issue(actions_log, 6, column)
        assert found["code"] == code and found["severity"] == "error"
        assert found["file"] == "actions.csv" and "row 6" in found["message"]
    assert issue(actions_log, 7, "action")["code"] == "missing_value"
    assert issue(actions_log, 8, "action_id")["code"] == "duplicate_action_id"
    assert issue(actions_log, 8, "reaudit_date")["code"] == "reaudit_before_due"
    # free text that looks like a name is withheld, and the issue does not repeat it
    assert table.loc[7, "notes"] == log_files.WITHHELD
    found = issue(actions_log, 7, "notes")
    assert found["code"] == "identifier_in_text" and "Jamie" not in found["message"]
    assert list(actions_log.issues.columns) == list(log_files.ISSUE_COLUMNS)


def test_missing_file_and_missing_columns(tmp_path):
    log = actions.read_actions(tmp_path / "nothing.csv")
    assert log.table.empty and log.issues["code"].tolist() == ["no_actions_log"]
    (tmp_path / "bad.csv").write_text("action,owner\nx,y\n")
    with pytest.raises(DataFileError, match="no column borough, due_date"):
        actions.read_actions(tmp_path / "bad.csv")


def test_overdue_and_reaudit_due(actions_log):
    overdue = actions.overdue_actions(actions_log.table, "2026-03-31")
    assert overdue["action_id"].tolist() == ["A4", "A2"]  # most overdue first
    assert overdue["days_overdue"].tolist() == [90, 31]
    due = actions.reaudit_due(actions_log.table, "2026-03-31")
    assert due["action_id"].tolist() == ["A1", "A4"]
    assert due["days_until_reaudit"].tolist() == [-18, 0]
    ahead = actions.reaudit_due(actions_log.table, "2026-03-31", within_days=200)
    assert "A2" in ahead["action_id"].tolist()


def test_exceptions_without_action(actions_log):
    exceptions = pd.DataFrame(
        {
            "borough": ["Kensington & Chelsea", "Croydon", "Croydon", "Barnet"],
            "pi_id": ["cpp_2yrs_pct", "CLA_MISSING_PCT", "rereferral_pct", "cpp_2yrs_pct"],
            "signal": ["worse", "worse", "special cause", "worse"],
        }
    )
    left = actions.exceptions_without_action(exceptions, actions_log.table)
    assert left[["borough", "pi_id"]].values.tolist() == [
        ["Croydon", "rereferral_pct"],
        ["Barnet", "cpp_2yrs_pct"],
    ]
    assert "signal" in left.columns
    with pytest.raises(actions.InvalidArgumentError, match="pi_id"):
        actions.exceptions_without_action(pd.DataFrame({"borough": []}), actions_log.table)
