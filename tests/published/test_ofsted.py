import pandas as pd
import pytest

from lscb_analysis.core import register
from lscb_analysis.core.errors import MissingDataFileError
from lscb_analysis.published import ofsted


@pytest.fixture(scope="module")
def history():
    return ofsted.read_inspection_history()


def test_history_is_tidy_and_matched_to_the_register(history):
    assert len(history) == 271  # every standard and short inspection published
    assert (history["la_number"] != "").all()
    assert set(history["inspection_type"]) == {
        "ILACS Standard Inspection",
        "ILACS Short Inspection",
    }
    assert set(history["overall_effectiveness"]) <= set(ofsted.GRADES)
    barnet = history[history["la_number"] == "302"]
    assert list(barnet["inspection_date"].dt.year) == [2019, 2024]


def test_latest_judgements_for_a_borough_and_its_neighbours(history):
    barnet = register.resolve("Barnet")
    latest = ofsted.latest_judgements(history, ["302", *barnet.neighbours])
    assert list(latest["la_number"]) == ["302", *barnet.neighbours]
    first = latest.iloc[0]
    assert first["la_name"] == "Barnet" and first["overall_effectiveness"] == "Good"
    assert first["children_in_care"] == "Outstanding"
    assert first["inspection_date"] == pd.Timestamp("2024-06-10")


def test_needs_improvement_lists_judgements_below_good(history):
    latest = ofsted.latest_judgements(history, ["310"])  # Harrow, inspected January 2025
    weak = ofsted.needs_improvement(latest)
    assert set(weak["judgement"]) <= {"Requires improvement to be good", "Inadequate"}
    assert "overall_effectiveness" in set(weak["area"])


def test_missing_workbook_says_how_to_restore(project_with_copied_data):
    (project_with_copied_data / "data/external" / ofsted.INSPECTIONS_FILE).unlink()
    with pytest.raises(MissingDataFileError, match="git checkout"):
        ofsted.read_inspection_history()
