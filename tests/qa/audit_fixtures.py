"""Shared helpers of the audit tool and ingest tests: a key, a tool written and filled in.

``key_env_fixture`` is the fixture ``key_env``. Test modules import them (pytest's default
import mode puts this folder on ``sys.path``).
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.protect import pseudonym
from lscb_analysis.qa import audit, audit_tool

KEY = "k" * 40
AGENCIES = ["Police", "CSC", "health"]


@pytest.fixture(name="key_env")
def key_env_fixture(monkeypatch, tmp_path):
    """A pseudonymisation key in the environment, and a HOME with no default key."""
    monkeypatch.setenv(pseudonym.KEY_VARIABLE, KEY)
    monkeypatch.delenv(pseudonym.KEY_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return KEY.encode()


def make_tool(
    folder, audit_id="T-1", cases=3, agencies=AGENCIES, theme="neglect", name="tool.xlsx"
):
    """Write an audit tool for Barnet, dated 1 March 2026, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return audit_tool.write_audit_template(
        theme,
        agencies,
        cases,
        folder / name,
        audit_id,
        borough="Barnet",
        audit_date=dt.date(2026, 3, 1),
    )


def rows_of(sheet):
    """{(slot, question id): row number} of an agency sheet."""
    return {
        (sheet.cell(r, 1).value, sheet.cell(r, 3).value): r for r in range(2, sheet.max_row + 1)
    }


def fill(path, references, answers):
    """Write case references {slot: ref} and answers {(sheet, slot, qid): {column letter: value}}."""
    workbook = openpyxl.load_workbook(path)
    for slot, reference in references.items():
        workbook[audit.CASES_SHEET].cell(slot + 1, 2).value = reference
    for (sheet_name, slot, qid), values in answers.items():
        sheet = workbook[sheet_name]
        row = rows_of(sheet)[(slot, qid)]
        for letter, value in values.items():
            sheet[f"{letter}{row}"] = value
    workbook.save(path)


def all_text(frame: pd.DataFrame) -> str:
    """Every cell and column name of a frame, as one text (to check nothing was quoted)."""
    cells = [str(value) for value in frame.to_numpy().ravel().tolist()]
    return "\n".join(cells + [str(column) for column in frame.columns])
