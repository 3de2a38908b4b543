"""Benchmarks of national PIs: Wilson and Poisson intervals, and 'not compared'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core import paths
from lscb_analysis.published.public_data import OUTPUT_COLUMNS
from lscb_analysis.scorecard import benchmarks, method, periods, report, workbook
from lscb_analysis.stats import intervals


def test_benchmark_intervals_wilson_poisson_and_not_compared(
    model, national_public, rules, catalogue_of, barnet
):
    ids = ["BF-FD-03", "BF-FD-01", "BF-WF-01", "BF-WF-02"]
    period = periods.parse_scorecard_period(2025)
    table = benchmarks.benchmark_table(
        national_public, catalogue_of(model, ids).current, period, rules
    )
    barnet = table[table["la_number"] == barnet.la_number].set_index("pi_id")
    assert len(table) == 4 * 33
    wilson = intervals.proportion_ci(2740, 10000, 0.95)
    assert barnet.loc["BF-FD-03", ["lower", "upper"]].tolist() == pytest.approx(
        wilson[["lower", "upper"]].iloc[0].tolist()
    )
    byar = intervals.rate_ci(1978, 93851, 0.95, 10000)
    assert barnet.loc["BF-FD-01", ["lower", "upper"]].tolist() == pytest.approx(
        byar[["lower", "upper"]].iloc[0].tolist()
    )
    assert barnet.loc["BF-WF-01", "vs_england"] == "not_compared"
    assert "no published numerator and denominator" in barnet.loc["BF-WF-01", "compare_reason"]
    assert barnet.loc["BF-WF-02", "compare_reason"] == rules["intervals"]["cases_per_fte"]["reason"]
    assert barnet.loc["BF-FD-03", "london_ranked"] == 1  # the only London borough with a figure


def _la_rows(indicator, year, figures):
    """Published LA rows: figures = {la_number: (name, value or None, status)}."""
    return [
        {
            "indicator": indicator,
            "period": year,
            "la_number": number,
            "area_code": f"E0{number}",
            "area_name": name,
            "area_type": "la",
            "numerator": value * 100 if value is not None else np.nan,
            "denominator": 10000.0,
            "value": value if value is not None else np.nan,
            "unit": "percent",
            "status": status,
        }
        for number, (name, value, status) in figures.items()
    ]


# Re-referrals 2025 (lower is better): two London boroughs with a figure, Hackney suppressed,
# the City of London not available, and ten LAs outside London.
ENGLAND_FIGURES = {
    "302": ("Barnet", 20.0, "ok"),
    "202": ("Camden", 15.0, "ok"),
    "204": ("Hackney", None, "suppressed"),
    "201": ("City of London", None, "not_available"),
    **{
        str(800 + i): (f"Shire {i}", value, "ok")
        for i, value in enumerate([10.0, 12, 14, 16, 18, 22, 24, 26, 28, 30])
    },
}


@pytest.fixture(scope="module")
def england_public():
    table = pd.DataFrame(_la_rows("rereferral_pct", 2025, ENGLAND_FIGURES), columns=OUTPUT_COLUMNS)
    return table.astype({"la_number": "string"})


def test_quartiles_among_all_english_las_and_among_london_boroughs(
    model, england_public, rules, catalogue_of
):
    # England (as LAIT): the 12 LAs with a figure, ranked low = best: 10, 12, 14, 15 (Camden),
    # 16, 18, 20 (Barnet), ... Barnet rank 7 -> band ceil(4 x 7 / 12) = ceil(2.33) = 3 = C;
    # Camden rank 4 -> ceil(1.33) = 2 = B.
    # London: only Camden (15) and Barnet (20) have a figure: Camden rank 1 of 2 ->
    # ceil(4 x 1 / 2) = 2 = B; Barnet rank 2 -> 4 = D. The same borough, two bands apart.
    period = periods.parse_scorecard_period(2025)
    table = benchmarks.benchmark_table(
        england_public, catalogue_of(model, ["BF-FD-03"]).current, period, rules
    ).set_index("la_number")
    assert table.loc["302", ["england_rank", "england_band", "england_ranked"]].tolist() == [
        7,
        "C",
        12,
    ]
    assert table.loc["202", ["england_rank", "england_band"]].tolist() == [4, "B"]
    assert table.loc["302", ["london_rank", "london_band", "london_ranked"]].tolist() == [
        2,
        "D",
        2,
    ]
    assert table.loc["202", ["london_rank", "london_band"]].tolist() == [1, "B"]
    # Every area left out is named, with its reason and the count.
    # England's are counted by reason (dozens may be suppressed); London's are named too.
    assert table.loc["302", "england_left_out"] == "not available (1); suppressed (1)"
    london_left = table.loc["302", "london_left_out"]
    assert london_left.startswith("not available (1): City of London; not published (29): ")
    assert london_left.endswith("and 17 others; suppressed (1): Hackney")
    assert pd.isna(table.loc["204", "england_band"]) and pd.isna(table.loc["204", "london_rank"])


def test_card_shows_both_bands_labelled_and_the_areas_left_out(
    model, england_public, rules, catalogue_of, card_for, row_of
):
    card = card_for(model, ["BF-FD-03"], england_public, period="2025")
    row = row_of(card, "BF-FD-03")
    assert row["england_band_text"] == "C (rank 7 of 12)"
    assert row["band_text"] == "D (rank 2 of 2)"
    # Only the groups that left areas out get a note: both here.
    assert row["band_note"].startswith(
        "England quartile (LAIT): 12 LAs ranked, left out not available (1); suppressed (1). "
        "London quartile: 2 boroughs ranked, left out not available (1): City of London; "
        "not published (29): "
    )
    assert row["band_note"].endswith("and 17 others; suppressed (1): Hackney")
    html = report.scorecard_html(card)
    assert '<th scope="col">Quartile band</th>' in html
    assert '<td>England C<br><span class="sub">London D</span></td>' in html
    assert (
        "Areas left out of the quartile rankings</strong> (no figure for the year; England as "
        "LAIT): England, not available (1); suppressed (1): BF-FD-03; London, not available "
        "(1): City of London; not published (29): "
    ) in html
    workbook_heads = [head for head, _, _ in workbook._workbook_columns(rules)]
    assert {"England quartile (LAIT)", "London quartile", "Quartile note"} <= set(workbook_heads)
    lines = dict(method.method_lines(rules))
    assert "all English LAs with a figure" in lines["Quartile bands"]
    assert "London boroughs" in lines["Quartile bands"]


def test_a_pi_without_polarity_is_not_banded_in_either_group(
    model, england_public, rules, catalogue_of
):
    # BF-FD-01 (children in need rate) has no polarity: no rank, no band in either group.
    public = england_public.assign(indicator="cin_rate", unit="rate_per_10000")
    table = benchmarks.benchmark_table(
        public,
        catalogue_of(model, ["BF-FD-01"]).current,
        periods.parse_scorecard_period(2025),
        rules,
    )
    assert table[["england_band", "london_band"]].isna().all().all()
    assert table["england_ranked"].iloc[0] == 12


def test_our_polarity_agrees_with_lait_for_every_lait_measure():
    # The England bands are "as LAIT": they must follow LAIT's own polarity (High / Low / -
    # in data/external/lait_data_dictionary.csv) wherever the indicator names a LAIT measure.
    metadata = pd.read_csv(paths.reference_dir() / "indicators.csv")
    lait = pd.read_csv(paths.external_dir() / "lait_data_dictionary.csv")
    lait = lait.drop_duplicates("Measure_short").set_index("Measure_short")["Polarity"]
    spelled = {"High": "high", "Low": "low", "-": "none"}
    checked = 0
    for row in metadata.dropna(subset=["lait_measure"]).itertuples():
        assert spelled[lait[row.lait_measure]] == row.polarity, row.id
        checked += 1
    assert checked >= 19
