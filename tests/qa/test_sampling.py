"""Reproducible audit samples: seeds, strata, the record kept beside the sample, guidance."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from lscb_analysis.core.errors import (
    DataFileError,
    DataLayoutError,
    InvalidArgumentError,
    RawDataWriteError,
)
from lscb_analysis.qa import sampling


@pytest.fixture
def frame():
    categories = (
        ["neglect"] * 50 + ["emotional abuse"] * 30 + ["physical abuse"] * 15 + ["sexual abuse"] * 5
    )
    return pd.DataFrame(
        {
            "case_reference": [f"SYN-{i:04d}" for i in range(1, 101)],
            "category": categories,
            "age_band": (["0-4", "5-9", "10-15", "16+"] * 25),
        }
    )


def test_same_seed_same_sample_and_different_seed_different_sample(frame):
    first = sampling.draw_sample(frame, 10, seed=42)
    again = sampling.draw_sample(frame, 10, seed=42)
    other = sampling.draw_sample(frame, 10, seed=43)
    assert first.sample["case_reference"].tolist() == again.sample["case_reference"].tolist()
    assert first.sample["case_reference"].tolist() != other.sample["case_reference"].tolist()
    assert first.sample["case_reference"].is_unique and len(first.sample) == 10
    assert first.record["method"] == sampling.SIMPLE and first.record["seed"] == 42
    # rows come back in frame order with their position in the file and in the draw
    assert first.sample["frame_row"].is_monotonic_increasing
    assert sorted(first.sample["draw_order"]) == list(range(1, 11))
    positions = (first.sample["frame_row"] - 2).tolist()  # line 1 is the header
    assert (
        frame.loc[positions, "case_reference"].tolist() == first.sample["case_reference"].tolist()
    )


def test_stratified_allocation_is_proportional_with_one_per_stratum(frame):
    result = sampling.draw_sample(frame, 10, "category", seed=1)
    allocation = {a["stratum"]: a["sample"] for a in result.record["allocation"]}
    # quotas 5, 3, 1.5, 0.5 -> 5, 3, 1 (largest remainder: tie at .5, larger stratum) + 1
    assert allocation == {
        "neglect": 5,
        "emotional abuse": 3,
        "physical abuse": 1,
        "sexual abuse": 1,
    }
    counts = result.sample["stratum"].value_counts().to_dict()
    assert counts == allocation
    assert (result.sample["stratum"] == result.sample["category"]).all()
    assert result.record["method"] == sampling.STRATIFIED
    again = sampling.draw_sample(frame, 10, "category", seed=1)
    assert again.sample.equals(result.sample)


def test_allocation_rules():
    assert sampling.allocate([97, 1, 1, 1], 4) == [1, 1, 1, 1]
    assert sampling.allocate([97, 1, 1, 1], 2) == [2, 0, 0, 0]  # n below the strata count
    assert sampling.allocate([3, 3, 3], 9) == [3, 3, 3]
    assert sum(sampling.allocate([13, 7, 29, 2], 17)) == 17


def test_small_n_leaves_strata_out_with_a_note(frame):
    result = sampling.draw_sample(frame, 2, "category", seed=3)
    assert len(result.sample) == 2
    assert any("smaller than the number of strata" in note for note in result.record["notes"])


def test_blank_stratum_values_form_their_own_stratum(frame):
    frame.loc[:4, "category"] = ""
    result = sampling.draw_sample(frame, 20, "category", seed=9)
    strata = {a["stratum"] for a in result.record["allocation"]}
    assert sampling.BLANK_STRATUM in strata


def test_record_lets_an_inspector_check_the_draw(frame, tmp_path):
    path = tmp_path / "frame.csv"
    frame.to_csv(path, index=False)
    read = sampling.read_frame(path, stratify="category")
    result = sampling.draw_sample(read, 8, "category", seed=20260331, drawn_on=dt.date(2026, 3, 31))
    record = result.record
    assert record["frame_rows"] == 100 and record["n"] == 8
    assert record["frame_sha256"] == sampling.frame_checksum(frame)
    assert record["frame_file"] == "frame.csv" and len(record["frame_file_sha256"]) == 64
    assert record["drawn_on"] == "2026-03-31" and record["stratify"] == "category"
    assert "numpy" in record["generator"]
    # no case reference in the record
    assert "SYN-" not in json.dumps(record)
    # Excel and CSV copies of the same list have the same checksum
    xlsx = tmp_path / "frame.xlsx"
    frame.to_excel(xlsx, index=False)
    assert sampling.frame_checksum(sampling.read_frame(xlsx)) == record["frame_sha256"]


def test_missing_stratify_column_names_the_file_and_column(frame, tmp_path):
    path = tmp_path / "cases.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataLayoutError) as error:
        sampling.read_frame(path, stratify="plan_category")
    assert "cases.csv" in str(error.value) and "'plan_category'" in str(error.value)
    assert "case_reference, category, age_band" in str(error.value)
    read = sampling.read_frame(path)
    with pytest.raises(DataLayoutError, match="cases.csv"):
        sampling.draw_sample(read, 5, "plan_category", seed=1)


def test_bad_arguments(frame, tmp_path):
    with pytest.raises(InvalidArgumentError, match="from 1 to 100"):
        sampling.draw_sample(frame, 101, seed=1)
    with pytest.raises(InvalidArgumentError, match="seed"):
        sampling.draw_sample(frame, 5, seed=-1)
    (tmp_path / "cases.txt").write_text("x")
    with pytest.raises(DataFileError, match="neither .csv nor .xlsx"):
        sampling.read_frame(tmp_path / "cases.txt")


def test_write_sample(frame, tmp_path, project):
    result = sampling.draw_sample(frame, 5, "category", seed=5)
    sample_path, record_path = sampling.write_sample(result, tmp_path / "sample")
    written = pd.read_csv(sample_path, dtype=str, encoding="utf-8-sig")
    assert written["case_reference"].tolist() == result.sample["case_reference"].tolist()
    assert json.loads(record_path.read_text())["seed"] == 5
    with pytest.raises(DataFileError, match="already holds a sample"):
        sampling.write_sample(result, tmp_path / "sample")
    sampling.write_sample(result, tmp_path / "sample", overwrite=True)
    with pytest.raises(RawDataWriteError):
        sampling.write_sample(result, project / "data" / "raw" / "audit")


def test_sample_size_guidance():
    table = sampling.sample_size_guidance([5, 10, 30], population=200)
    assert table["margin"].is_monotonic_decreasing
    assert (table["margin_fpc"] < table["margin"]).all()
    ten = table.set_index("n").loc[10]
    assert ten["lower"] == pytest.approx(23.66, abs=0.01)
    assert ten["upper"] == pytest.approx(76.34, abs=0.01)
    assert "anywhere from 24% to 76%" in ten["guidance"]
    assert sampling.sample_size_guidance(10)["margin_fpc"].isna().all()
    with pytest.raises(InvalidArgumentError):
        sampling.sample_size_guidance(50, population=20)
