"""The standing quarterly return: the pilot's workbook for a quarter, its history filled in
and locked, read back by the same ingest into the same history (real xlsx files)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.pilot import (
    pilot_ingest,
    pilot_periods,
    pilot_template,
    pilot_workbook,
    quarterly_template,
    returns_register,
)


def test_the_quarter_and_the_configured_history():
    assert quarterly_template.quarters_for("2026Q1", {"history_quarters": 4}) == [
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
        "2026Q1",
    ]
    with pytest.raises(InvalidArgumentError, match="give one quarter"):
        quarterly_template.quarters_for("2025Q1..2025Q4", {"history_quarters": 4})


def _data_rows(path):
    rules = pilot_periods.load_rules()
    sheet = openpyxl.load_workbook(path)[rules["sheets"]["data"]]
    labels = {field: spec["label"] for field, spec in rules["headers"].items()}
    header = {c.value: c.column for c in sheet[pilot_workbook.DATA_HEADER_ROW]}
    column = {field: header[label] for field, label in labels.items() if label in header}
    rows = {}
    for r in range(pilot_workbook.DATA_HEADER_ROW + 1, sheet.max_row + 1):
        key = (sheet.cell(r, column["pi_id"]).value, sheet.cell(r, column["period"]).value)
        rows[key] = sheet.cell(r, column["numerator"])
    return rows


def test_history_is_filled_and_locked_and_the_quarter_is_left_to_fill(demo, use_project, tmp_path):
    root = demo[0]
    use_project(root)
    [(path, filled)] = quarterly_template.write_quarterly_returns(
        "2026Q1", "Barnet", out_dir=tmp_path
    )
    assert path == tmp_path / "2026Q1" / "barnet_2026Q1.xlsx" and filled > 0
    values = pd.read_parquet(root / "data" / "processed" / "pilot_values.parquet")
    given = values[
        (values["borough"] == "Barnet")
        & (values["period"] == "2025Q4")
        & values["value"].notna()
        & ~values["prefilled"]
    ].iloc[0]
    cells = _data_rows(path)
    earlier = cells[(given["pi_id"], "2025Q4")]
    assert earlier.value == given["numerator"] and earlier.protection.locked
    current = cells[(given["pi_id"], "2026Q1")]
    assert current.value is None and not current.protection.locked
    assert {period for _, period in cells} == {"2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"}


def test_a_returned_quarter_goes_through_the_same_ingest_and_into_the_register(
    demo, use_project, tmp_path
):
    root = demo[0]
    use_project(root)
    [(path, _)] = quarterly_template.write_quarterly_returns("2026Q1", "Barnet", out_dir=tmp_path)
    workbook = openpyxl.load_workbook(path)
    pilot_template.fill_template(
        workbook,
        pd.DataFrame(
            [
                {
                    "pi_id": "BF-EH-02",
                    "period": "2026Q1",
                    "numerator": 31,
                    "denominator": 60,
                    "status": "provided",
                    "narrative": "Quarter 4.",
                }
            ]
        ),
    )
    workbook[pilot_periods.load_rules()["sheets"]["data"]]["B2"] = dt.datetime(2026, 4, 20)
    returned = tmp_path / "returned"
    returned.mkdir()
    workbook.save(returned / "barnet_2026Q1.xlsx")
    result = pilot_ingest.ingest_pilot(returned)
    quarter = result.values[result.values["period"] == "2026Q1"].set_index("pi_id")
    assert quarter.loc["BF-EH-02", "value"] == pytest.approx(31 / 60 * 100)
    register = returns_register.returns_register(
        result.returns,
        result.values,
        "2026Q1",
        config={"due_days_after_quarter_end": 30, "returners": {"boroughs": ["Barnet"]}},
    ).iloc[0]
    assert (register["returner"], register["return_status"]) == ("Barnet", "partly")
    assert register["timing"] == "on time" and register["figures_given"] == 1


def test_lscb_returns_template_for_an_agency_and_its_guards(demo, monkeypatch, capsys):
    from lscb_analysis.cli import main as cli

    root = demo[0]
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    monkeypatch.chdir(root)
    assert cli.main(["returns", "template", "--quarter", "2026Q1", "--agency", "Met Police"]) == 0
    out = capsys.readouterr().out
    assert "reports/returns/templates/2026Q1/police_2026Q1.xlsx" in out
    assert "earlier figure(s) filled in and locked" in out
    assert cli.main(["returns", "template", "--quarter", "2026Q1"]) == 2
    assert "Give --borough NAME|all, or --agency NAME." in capsys.readouterr().err
    assert cli.main(["returns", "template", "--quarter", "2026Q5", "--borough", "Barnet"]) == 2
