"""Fixtures shared by the pilot ingest's tests: the demo returns ingested once per session, and
returns that exercise the file-level findings."""

from __future__ import annotations

import os

import openpyxl
import pandas as pd
import pytest
from ingest_inputs import ISSUED, save_workbook
from project_builders import demo_project
from typed_inputs import typed_return

from lscb_analysis.core import io, register
from lscb_analysis.model import catalogue
from lscb_analysis.pilot import (
    pilot_ingest,
    pilot_outputs,
    pilot_periods,
    pilot_template,
    pilot_workbook,
)


@pytest.fixture(scope="session")
def demo(tmp_path_factory, public_indicators):
    """The demo returns ingested and written out (checked copies, processed tables)."""
    root, built, _ = demo_project(tmp_path_factory, public_indicators)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(root))
        folder = root / "data" / "raw" / "pilot"
        before = {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in folder.iterdir()}
        result = pilot_ingest.ingest_pilot(folder, published=public_indicators)
        written = pilot_outputs.write_pilot_outputs(result, source=folder)
        after = {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in folder.iterdir()}
    return root, result, written, built.plan, before, after


@pytest.fixture(scope="session")
def edge(tmp_path_factory, public_indicators):
    """Returns that exercise the file-level findings."""
    folder = tmp_path_factory.mktemp("edge")
    model = catalogue.load_catalogue("1.0")
    area = register.resolve("Bromley")
    periods = pilot_periods.period_range("2025Q1..2025Q4")
    workbook = pilot_workbook.build_template(
        [area], periods, model, public_indicators, generated=ISSUED
    )
    pilot_template.fill_template(
        workbook,
        pd.DataFrame(
            [
                {
                    "pi_id": "BF-YS-07",
                    "period": "2025Q2",
                    "numerator": 3,
                    "denominator": 40000,
                    "status": "provided",
                    "narrative": "Collected anyway.",
                }
            ]
        ),
        add_missing=True,
    )
    workbook["Template info"]["B2"] = "9.9"  # template_version: the checksum no longer fits
    save_workbook(workbook, folder / "bromley_tampered.xlsx")
    own = openpyxl.Workbook()
    sheet = own.active
    sheet.title = "Figures"
    sheet.append(["Pilot figures"])
    sheet.append(["PI", "Quarter", "Num", "Denom", "Status"])
    sheet.append(["BF-EH-02", "Q1 2025", 30, 60, "Yes"])
    own.save(folder / "haringey_table.xlsx")
    nameless = openpyxl.Workbook()
    nameless.active.append(["PI", "Quarter", "Num", "Denom"])
    nameless.active.append(["BF-EH-02", "2025Q1", 3, 6])
    nameless.save(folder / "return.xlsx")
    (folder / "figures.csv").write_text("PI,Quarter\nBF-EH-02,2025Q1\n")
    _tied_returns(folder, model, public_indicators)
    (folder / "broken.xlsx").write_bytes(b"not a workbook at all")
    (folder / "README.md").write_text("not a return")
    return pilot_ingest.ingest_pilot(folder, published=public_indicators)


def _tied_returns(folder, model, public_indicators):
    """Two Sutton returns with different figures, the same return date and the same file time:
    neither is newer (F_TIED_RETURN)."""
    area = register.resolve("Sutton")
    periods = pilot_periods.period_range("2025Q1..2025Q2")
    for name, numerator in (("sutton_a.xlsx", 4), ("sutton_b.xlsx", 5)):
        workbook = pilot_workbook.build_template(
            [area], periods, model, public_indicators, generated=ISSUED
        )
        figure = {"pi_id": "BF-EH-02", "period": "2025Q1", "numerator": numerator}
        pilot_template.fill_template(
            workbook,
            pd.DataFrame([{**figure, "denominator": 60, "status": "provided", "narrative": ""}]),
        )
        save_workbook(workbook, folder / name)
        os.utime(folder / name, (1_750_000_000, 1_750_000_000))


@pytest.fixture(scope="session")
def typed(tmp_path_factory, public_indicators):
    """Returns with what people type in figure cells ("87%", "n/a", "12 children") ingested
    (the cases are in typed_inputs)."""
    folder = tmp_path_factory.mktemp("typed")
    typed_return(folder, public_indicators)
    return pilot_ingest.ingest_pilot(folder, published=public_indicators)
