"""Shared helpers of the survey tests: returns built the way boards send them (the helper
functions are handed to tests as fixtures of the same name), and a small set of ingested items
from three boards for the mapping tests (fixture ``items``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
import yaml

from lscb_analysis.survey import survey_result

REPO = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO / "data" / "reference" / "survey.yaml").read_text())
COLLECT = [spec["label"] for spec in CONFIG["sections"]["collects"]["fields"].values()]
WANT = [spec["label"] for spec in CONFIG["sections"]["would_like"]["fields"].values()]
SHEET_COLLECT = CONFIG["sections"]["collects"]["sheet"]
SHEET_WANT = CONFIG["sections"]["would_like"]["sheet"]


# --- helpers: build returns the way boards send them ------------------------------------------


def write_xlsx(
    path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None
) -> Path:
    """Write a workbook: ``sheets`` maps sheet name -> rows (None = empty cell)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    workbook.save(path)
    return path


def about(board: str = "Barnet", date: object = dt.datetime(2026, 3, 2)) -> list[list]:
    return [["Board / borough", board], ["Single point of contact", "Test contact"], ["Date", date]]


def collect_row(
    item: str, agency: str = "CSC", frequency: str = "Monthly", usefulness: object = 4
) -> list:
    return [item, "", agency, frequency, "0-17", "Mosaic", "Board priority", usefulness, ""]


def template_return(
    path: Path,
    board: str = "Barnet",
    items: int = 3,
    wants: int = 2,
    date: object = dt.datetime(2026, 3, 2),
) -> Path:
    collects = [COLLECT] + [collect_row(f"Item {n}") for n in range(items)]
    wanted = [WANT] + [
        [f"Wish {n}", "Board priority", "Police", "Info sharing", ""] for n in range(wants)
    ]
    return write_xlsx(
        path, {"About": about(board, date), SHEET_COLLECT: collects, SHEET_WANT: wanted}
    )


def non_blank_below(rows: list[list], header_index: int) -> int:
    """Count rows below the header holding any value: the test's own count, not the ingest's."""
    return sum(any(v not in (None, "") for v in row) for row in rows[header_index + 1 :])


def by_code(result: survey_result.SurveyIngest, code: str) -> pd.DataFrame:
    return result.issues[result.issues["code"] == code]


def state_of(result: survey_result.SurveyIngest, name: str) -> tuple[str, str]:
    row = result.returns[result.returns["file"] == name].iloc[0]
    return row["state"], row["reason"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "survey"
    path.mkdir()
    return path


@pytest.fixture
def template():
    """The template's header labels and sheet names from survey.yaml."""
    return SimpleNamespace(
        collect=COLLECT, want=WANT, sheet_collect=SHEET_COLLECT, sheet_want=SHEET_WANT
    )


@pytest.fixture(name="write_xlsx")
def _write_xlsx_fixture():
    return write_xlsx


@pytest.fixture(name="about")
def _about_fixture():
    return about


@pytest.fixture(name="collect_row")
def _collect_row_fixture():
    return collect_row


@pytest.fixture(name="template_return")
def _template_return_fixture():
    return template_return


@pytest.fixture(name="non_blank_below")
def _non_blank_below_fixture():
    return non_blank_below


@pytest.fixture(name="by_code")
def _by_code_fixture():
    return by_code


@pytest.fixture(name="state_of")
def _state_of_fixture():
    return state_of


# --- ingested items for the mapping tests ---------------------------------------------------


def survey_item(
    borough,
    text,
    section="collects",
    agency="",
    frequency="",
    code="",
    used=True,
    usefulness=None,
    barrier="",
):
    """One ingested survey item (the columns the mapping reads)."""
    return {
        "borough": borough,
        "section": section,
        "item": text,
        "description": "",
        "agency": agency,
        "frequency": frequency,
        "indicator_code": code,
        "used": used,
        "usefulness": usefulness,
        "barrier": barrier,
    }


@pytest.fixture
def items():
    return pd.DataFrame(
        [
            survey_item(
                "Barnet",
                "Number of LADO allegations",
                agency="children's social care",
                frequency="quarterly",
                usefulness=5,
            ),
            survey_item(
                "Barnet",
                "Missing episodes reported to police",
                agency="police",
                frequency="monthly",
                usefulness=4,
            ),
            survey_item("Barnet", "Prevent referrals", agency="police", frequency="annual"),
            survey_item(
                "Brent",
                "Something",
                code="CP06 Children on a child protection plan",
                agency="children's social care",
                frequency="annual",
                usefulness=3,
            ),
            survey_item("Brent", "Prevent referral numbers", agency="police", frequency="annual"),
            survey_item(
                "Brent",
                "Return home interviews",
                section="would_like",
                agency="police",
                barrier="information sharing",
            ),
            survey_item("Brent", "Old list", used=False, agency="police"),
        ]
    )
