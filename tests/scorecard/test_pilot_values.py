"""The pilot tables as the score card reads them: through the ingest's record when there is one."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core import ingest_record
from lscb_analysis.core.errors import StaleDataError
from lscb_analysis.scorecard import pilot_values


def test_ingested_tables_are_read_and_refused_once_the_returns_change(
    project, pilot_rows, quarters, barnet
):
    folder = project / "data" / "raw" / "pilot"
    folder.mkdir()
    (folder / "barnet.xlsx").write_bytes(b"stand-in for a return")
    values = pd.DataFrame(pilot_rows("BF-SG-02", quarters("2025Q1", 2), [900, 905]))
    issues = pd.DataFrame(
        [
            {
                "la_number": barnet.la_number,
                "pi_id": "BF-SG-02",
                "period": "2025Q2",
                "code": "Q_JUMP",
                "severity": "query",
                "superseded": False,
                "row": 14,
            }
        ]
    )
    ingest_record.write_ingested(
        "pilot", folder, {"values": values, "issues": issues}, "lscb pilot ingest"
    )
    read_values, read_issues = pilot_values.load_pilot_tables()
    assert read_values["numerator"].tolist() == [900, 905]
    # issues come as text, as the score card keys them
    assert read_issues.iloc[0][["superseded", "row", "la_number"]].tolist() == [
        "False",
        "14",
        barnet.la_number,
    ]
    (folder / "enfield.xlsx").write_bytes(b"a return not yet ingested")
    with pytest.raises(StaleDataError, match=r"data/raw/pilot has changed.*`lscb pilot ingest`"):
        pilot_values.load_pilot_tables()


def test_without_an_ingest_the_card_has_national_pis_only(project):
    values, issues = pilot_values.load_pilot_tables()
    assert values.empty and issues.empty
    assert set(pilot_values.PILOT_VALUE_COLUMNS) <= set(values.columns)


def test_a_zero_denominator_is_not_applicable_in_both_tiers():
    # 0 of 0 with a typed 0%: undefined, so "not_applicable" with no value (board and analyst);
    # 0 of 40 is a real 0% and stays "ok" (0 is not a small number to suppress).
    values = pd.DataFrame(
        {
            "borough": ["Barnet"] * 2,
            "la_number": ["302"] * 2,
            "pi_id": ["BF-SG-02"] * 2,
            "period": ["2025Q3", "2025Q4"],
            "numerator": [0.0, 0.0],
            "denominator": [0.0, 40.0],
            "value": [0.0, 0.0],
            "status": ["provided", "provided"],
            "narrative": ["", ""],
            "prefilled": [False, False],
            "validation_status": ["ok", "ok"],
            "submitted": [None, None],
        }
    )
    for tier in ("board", "analyst"):
        prepared = pilot_values.prepare_pilot(values, tier)
        assert prepared["state"].tolist() == ["not_applicable", "ok"]
