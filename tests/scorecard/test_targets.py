"""Each board's own targets: checking a targets file, which target applies when, the card's words
and the SPC chart's step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.present import spc_charts
from lscb_analysis.scorecard import charts, report
from lscb_analysis.scorecard.ratings import target_status
from lscb_analysis.scorecard.targets import (
    TARGET_COLUMNS,
    apply_targets,
    check_targets,
    target_at,
    targets_by_period,
)

POLARITIES = {"BF-SG-02": "high", "BF-FD-03": "low", "BF-FD-01": "none"}
FILE = "data/reference/targets/barnet.csv"


def raw(*rows):
    """A targets file as read: text cells, the columns of TARGET_COLUMNS."""
    return pd.DataFrame([dict(zip(TARGET_COLUMNS, r, strict=True)) for r in rows], dtype=str)


GOOD = raw(
    ("BF-SG-02", "90", "", "higher is better", "2025Q3", "Barnet SCB, June 2025", "first"),
    ("BF-SG-02", "95", "2", "Higher  is Better", "2026 Q1", "Barnet SCB", "raised"),
    ("BF-FD-03", "18.5", "", "lower", "2025-26 Q4", "", ""),
)


@pytest.fixture(scope="module")
def directions(rules):
    return rules["targets"]["directions"]


def test_a_good_file_is_read_typed_and_in_start_order(directions):
    table = check_targets(GOOD, FILE, POLARITIES, directions)
    assert table[["pi_id", "target", "applies_from", "polarity"]].values.tolist() == [
        ["BF-FD-03", 18.5, "2026Q1", "low"],  # financial 2025-26 Q4 = January to March 2026
        ["BF-SG-02", 90.0, "2025Q3", "high"],
        ["BF-SG-02", 95.0, "2026Q1", "high"],
    ]
    assert table["row"].tolist() == [4, 2, 3]  # the header is row 1
    assert table["tolerance"].tolist()[2] == 2.0 and np.isnan(table["tolerance"].tolist()[1])


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (("BF-XX-99", "90", "", "higher", "2026Q1", "", ""), "pi", "not a PI of the model"),
        (("BF-SG-02", "ninety", "", "higher", "2026Q1", "", ""), "target", "not a number"),
        (("BF-SG-02", "", "", "higher", "2026Q1", "", ""), "target", "empty"),
        (("BF-SG-02", "90", "x", "higher", "2026Q1", "", ""), "tolerance", "not a number"),
        (("BF-SG-02", "90", "", "more", "2026Q1", "", ""), "direction", "'higher is better'"),
        (("BF-SG-02", "90", "", "lower", "2026Q1", "", ""), "direction", "disagrees"),
        (("BF-SG-02", "90", "", "higher", "2026Q5", "", ""), "applies_from", "not a period"),
        (("BF-SG-02", "90", "", "higher", "spring", "", ""), "applies_from", "not a period"),
    ],
)
def test_a_bad_cell_is_named_by_file_row_and_column(directions, row, column, words):
    good = ("BF-FD-03", "18", "", "lower", "2026Q1", "", "")
    with pytest.raises(ReferenceDataError) as error:
        check_targets(raw(good, row), FILE, POLARITIES, directions)
    message = str(error.value)
    assert f"{FILE}, row 3, column '{column}'" in message and words in message


def test_a_missing_column_and_a_repeated_start_are_refused(directions):
    with pytest.raises(ReferenceDataError, match="no column 'direction'"):
        check_targets(GOOD.drop(columns="direction"), FILE, POLARITIES, directions)
    twice = raw(*GOOD.values.tolist(), GOOD.values.tolist()[0])
    with pytest.raises(ReferenceDataError, match="row 5: a second target for BF-SG-02 from 2025Q3"):
        check_targets(twice, FILE, POLARITIES, directions)


def test_the_target_applying_is_the_latest_started(directions):
    table = check_targets(GOOD, FILE, POLARITIES, directions)
    assert target_at(table, "BF-SG-02", "2025Q2") is None
    assert target_at(table, "BF-SG-02", "2025Q4")["target"] == 90.0
    assert target_at(table, "BF-SG-02", "2026Q2")["target"] == 95.0
    assert targets_by_period(table, "BF-SG-02", ["2025Q2", "2025Q3", "2026Q1"], 100.0) == [
        100.0,
        90.0,
        95.0,
    ]


def test_apply_says_whose_target_it_is(model, directions):
    table = check_targets(GOOD, FILE, POLARITIES, directions)
    pis = model.current[model.current["id"].isin(["BF-SG-02", "BF-SG-01", "BF-EH-01"])]
    applied = apply_targets(pis, table, "2025Q4", "Barnet").set_index("id")
    assert applied.loc["BF-SG-02", "target_value"] == 90.0
    assert applied.loc["BF-SG-02", "london_target"] == 100.0  # the catalogue's default
    assert applied.loc["BF-SG-02", "target_source"] == (
        "Barnet's target, from 2025Q3, agreed by Barnet SCB, June 2025"
    )
    assert applied.loc["BF-SG-01", "target_source"] == "London default"
    assert applied.loc["BF-EH-01", "target_source"] == ""  # no target at all
    before = apply_targets(pis, table, "2025Q2", "Barnet").set_index("id")
    assert before.loc["BF-SG-02", "target_value"] == 100.0


def test_a_board_tolerance_replaces_the_default_amber_share(rules):
    # Target 95, higher is better: 92.0 misses by 3. Default amber: within 5% of 95 = 4.75,
    # so near; with the board's tolerance of 2, missed; 93.5 misses by 1.5, near.
    assert target_status(92.0, 95.0, "high", 1, rules) == "near"
    assert target_status(92.0, 95.0, "high", 1, rules, 2.0) == "missed"
    assert target_status(93.5, 95.0, "high", 1, rules, 2.0) == "near"
    assert target_status(93.5, 95.0, "high", 1, rules, float("nan")) == "near"


def test_the_card_uses_the_boards_target_and_the_chart_steps(
    model, national_public, pilot_rows, quarters, catalogue_of, rules, directions
):
    from lscb_analysis.core import register
    from lscb_analysis.scorecard.periods import resolve_period
    from lscb_analysis.scorecard.pilot_values import PILOT_VALUE_COLUMNS
    from lscb_analysis.scorecard.scorecard import scorecard

    # BF-SG-02 (higher is better; London default 100%): 90% in every quarter 2023Q3 to 2025Q4.
    periods = quarters("2023Q3", 10)
    pilot = pd.DataFrame(pilot_rows("BF-SG-02", periods, [900] * 10), columns=PILOT_VALUE_COLUMNS)
    targets = check_targets(
        raw(("BF-SG-02", "88", "", "higher", "2025Q1", "Barnet SCB", "")),
        FILE,
        POLARITIES,
        directions,
    )
    chosen = resolve_period("2025Q4", national_public, pilot, "302")
    card = scorecard(
        catalogue_of(model, ["BF-SG-02"]),
        national_public,
        register.resolve("Barnet"),
        chosen,
        pilot_values=pilot,
        targets=targets,
    )
    row = card.rows.set_index("pi_id").loc["BF-SG-02"]
    assert row["target"] == 88.0 and row["target_status"] == "met"  # 90% against 88%
    assert row["target_source"] == "Barnet's target, from 2025Q1, agreed by Barnet SCB"
    assert "Barnet&#x27;s target, from 2025Q1" in report.scorecard_html(card)
    # Each point carries the target of its quarter: 100 to 2024Q4, then 88.
    assert card.points["target"].tolist() == [100.0] * 6 + [88.0] * 4
    figure = spc_charts.spc_small_multiples(
        card.points, charts.chart_panels(card, ["BF-SG-02"]), "t"
    )
    steps = [line for line in figure.axes[0].lines if line.get_gid() == "target:step"]
    assert len(steps) == 1 and sorted(set(steps[0].get_ydata())) == [88.0, 100.0]
    # With no board target the card says the London default, and the line is flat.
    london = scorecard(
        catalogue_of(model, ["BF-SG-02"]),
        national_public,
        register.resolve("Barnet"),
        chosen,
        pilot_values=pilot,
        targets=targets.iloc[:0],
    )
    assert london.rows["target_source"].tolist() == ["London default"]
    assert london.rows["target_status"].tolist() == ["missed"]  # 90% against 100%
    figure = spc_charts.spc_small_multiples(
        london.points, charts.chart_panels(london, ["BF-SG-02"]), "t"
    )
    assert not [line for line in figure.axes[0].lines if line.get_gid() == "target:step"]


def test_the_demo_targets_files_pass_the_checks_and_are_never_replaced(
    tmp_path, model, rules, directions
):
    from lscb_analysis.demo import demo_targets

    written = demo_targets.write_demo_targets(tmp_path)
    assert sorted(p.name for p in written) == ["barnet.csv", "brent.csv", "ealing.csv"]
    polarities = dict(zip(model.current["id"], model.current["polarity"], strict=True))
    for path in written:
        table = check_targets(
            pd.read_csv(path, dtype=str, keep_default_na=False), path.name, polarities, directions
        )
        assert len(table) and table["note"].str.startswith("SYNTHETIC").all()
    # Barnet's LADO target changes within the pilot quarters (80 default, 75, then 70).
    barnet = check_targets(
        pd.read_csv(tmp_path / "targets" / "barnet.csv", dtype=str, keep_default_na=False),
        "barnet.csv",
        polarities,
        directions,
    )
    assert targets_by_period(barnet, "BF-SG-01", ["2024Q4", "2025Q1", "2025Q4"], 80.0) == [
        80.0,
        75.0,
        70.0,
    ]
    (tmp_path / "targets" / "brent.csv").write_text("a board's own file")
    assert demo_targets.write_demo_targets(tmp_path) == []
    assert (tmp_path / "targets" / "brent.csv").read_text() == "a board's own file"
