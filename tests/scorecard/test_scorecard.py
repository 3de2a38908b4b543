"""Quarterly score cards: icons, exceptions, benchmarks, suppression, the workbook, end to end."""

from __future__ import annotations

import re
from html import escape
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core import register
from lscb_analysis.core.errors import ParameterError
from lscb_analysis.model.catalogue import load_catalogue
from lscb_analysis.present import spc_charts, workbook_print
from lscb_analysis.published.public_data import OUTPUT_COLUMNS
from lscb_analysis.runs import orchestrate
from lscb_analysis.scorecard import scorecard
from lscb_analysis.stats import stats

BARNET = "302"


# --- hand-built inputs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules():
    return scorecard.load_rules()


@pytest.fixture(scope="module")
def model():
    return load_catalogue("1.0")


@pytest.fixture(scope="module")
def barnet():
    return register.resolve("Barnet")


def catalogue_of(model, ids):
    """A catalogue holding only some PIs (same columns as the real one)."""
    return SimpleNamespace(current=model.current[model.current["id"].isin(ids)], version="1.0")


def public_rows(indicator, series, la_number=BARNET, unit="percent", status=None):
    """Public rows for one area: series = {year: (numerator, denominator)} (value = n/d x 100)."""
    rows = []
    for year, (numerator, denominator) in series.items():
        value = numerator / denominator * 100 if denominator else np.nan
        rows.append(
            {
                "indicator": indicator,
                "period": year,
                "la_number": la_number,
                "area_code": f"LA{la_number}",
                "area_name": la_number,
                "area_type": "la",
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "unit": unit,
                "status": (status or {}).get(year, "ok"),
            }
        )
    return rows


def benchmark_rows(indicator, year, england, london):
    return [
        {
            "indicator": indicator,
            "period": year,
            "la_number": pd.NA,
            "area_code": code,
            "area_name": name,
            "area_type": kind,
            "numerator": np.nan,
            "denominator": np.nan,
            "value": value,
            "unit": "percent",
            "status": "ok",
        }
        for code, name, kind, value in (
            ("E92000001", "England", "england", england),
            ("E12000007", "London", "region", london),
        )
    ]


def public_table(*groups):
    table = pd.DataFrame([row for group in groups for row in group], columns=OUTPUT_COLUMNS)
    return table.astype({"la_number": "string"})


# Re-referrals (lower is better, target 20%): flat about 20% then 24.0% and 27.4%.
REREFERRALS = dict(
    zip(
        range(2013, 2026),
        [2000, 2050, 1950, 2000, 2100, 2000, 2050, 1950, 2000, 2050, 2000, 2400, 2740],
        strict=True,
    )
)
# ICPCs within 15 days (higher is better, target 85%): 80% then 90%.
ICPC = {2021: (160, 200), 2022: (164, 200), 2023: (166, 200), 2024: (160, 200), 2025: (180, 200)}


@pytest.fixture(scope="module")
def national_public():
    return public_table(
        public_rows("rereferral_pct", {y: (n, 10000) for y, n in REREFERRALS.items()}),
        benchmark_rows("rereferral_pct", 2025, 22.6, 19.4),
        public_rows("icpc_15d_pct", ICPC),
        benchmark_rows("icpc_15d_pct", 2025, 78.0, 80.0),
        public_rows(
            "cpp_2yrs_pct", {2024: (10, 200), 2025: (np.nan, 210)}, status={2025: "suppressed"}
        ),
        benchmark_rows("cpp_2yrs_pct", 2025, 3.5, 2.9),
        public_rows("cin_rate", {2025: (1978, 93851)}, unit="rate_per_10000"),
        public_rows("sw_turnover_pct", {2025: (25, np.nan)}),
        public_rows("sw_caseload", {2025: (1526, 108.6)}, unit="cases_per_fte"),
    )


def pilot_rows(
    pi_id, periods, numerators, denominator=1000, status="provided", la=BARNET, narrative=""
):
    rows = []
    for period, numerator in zip(periods, numerators, strict=True):
        value = numerator / denominator * 100 if numerator is not None else np.nan
        rows.append(
            {
                "borough": "Barnet",
                "la_number": la,
                "pi_id": pi_id,
                "period": period,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "status": status if numerator is not None else "not available",
                "narrative": narrative,
                "prefilled": False,
                "validation_status": "ok",
                "submitted": pd.Timestamp("2026-01-20"),
            }
        )
    return rows


def quarters(first, count):
    start = scorecard.pilot_template.period_index(first)
    return [scorecard.pilot_template.period_from_index(start + i) for i in range(count)]


def card_for(
    model, ids, public, pilot=None, issues=None, period="2025Q4", tier="board", subgroup=None
):
    table = pd.DataFrame(pilot or [], columns=scorecard.PILOT_VALUE_COLUMNS)
    chosen = scorecard.resolve_period(period, public, table, BARNET)
    return scorecard.scorecard(
        catalogue_of(model, ids),
        public,
        register.resolve("Barnet"),
        chosen,
        pilot_values=table,
        pilot_issues=issues,
        tier=tier,
        subgroup=subgroup,
    )


def row_of(card, pi_id):
    return card.rows.set_index("pi_id").loc[pi_id]


# --- periods -----------------------------------------------------------------------------------


def test_periods_follow_the_pilot_quarters_and_dfe_years(national_public):
    assert scorecard.parse_scorecard_period("Q4 2025").label == "2025Q4"
    assert scorecard.parse_scorecard_period("2025").kind == "year"
    assert scorecard.parse_scorecard_period("2024-25").cutoff == "2025Q1"
    with pytest.raises(ParameterError, match="Parameter 'period'"):
        scorecard.parse_scorecard_period("last spring")
    national_only = scorecard.resolve_period(None, national_public, None, BARNET)
    assert (national_only.label, national_only.reporting_year) == ("2024-25", 2025)
    pilot = pd.DataFrame(pilot_rows("BF-SG-02", ["2025Q3"], [900]))
    latest = scorecard.resolve_period(None, national_public, pilot, BARNET)
    assert (latest.label, latest.kind, latest.reporting_year) == ("2025Q3", "quarter", 2025)
    with pytest.raises(ParameterError, match="no figures for 2026Q2"):
        scorecard.resolve_period("2026Q2", national_public, pilot, BARNET)


# --- direction of travel, targets, polarity ----------------------------------------------------


def test_polarity_an_increase_is_bad_for_rereferrals_and_good_for_icpc_timeliness(
    model, national_public
):
    card = card_for(model, ["BF-FD-03", "BF-CP-03"], national_public, period=2025)
    rereferrals, icpc = row_of(card, "BF-FD-03"), row_of(card, "BF-CP-03")
    assert (rereferrals["value_text"], rereferrals["previous_text"]) == ("27.4%", "24.0%")
    assert rereferrals["travel"] == "worsening" and "Worsening" in rereferrals["travel_icon"]
    assert icpc["travel"] == "improving" and "Improving" in icpc["travel_icon"]
    # Targets: re-referrals above 20% miss it; ICPCs at 90% meet 85%.
    assert rereferrals["target_status"] == "missed" and icpc["target_status"] == "met"
    # Without a polarity only up / down; equal as published is no change.
    assert scorecard.travel(5.0, 4.0, "none", 1, scorecard.load_rules()) == "up"
    assert scorecard.travel(14.81, 14.84, "low", 1, scorecard.load_rules()) == "no_change"


# --- SPC icons ---------------------------------------------------------------------------------


def test_special_cause_concern_icon_sentence_and_question(model, national_public, rules):
    # Steady about 90%, then 60% in the latest quarter: below the lower process limit.
    values = [900, 905, 895, 900, 910, 900, 905, 895, 900, 600]
    pilot = pilot_rows("BF-SG-02", quarters("2023Q3", 10), values)
    card = card_for(model, ["BF-SG-02"], national_public, pilot)
    row = row_of(card, "BF-SG-02")
    assert (row["variation"], row["variation_icon"], row["spc_rule"]) == (
        "special_cause_concern",
        "concern_low",
        "outside_limits",
    )
    assert row["variation_text"] == rules["icons"]["variation"]["concern_low"]
    assert row["assurance"] == "consistently_fail"  # target 100% above the upper limit
    exception = card.exceptions.set_index("pi_id").loc["BF-SG-02"]
    assert exception["exceptions"].split(";") == ["special_cause_concern", "missing_target"]
    assert exception["sentence"].startswith(
        "Private fostering notifications visited within 7 working days fell to 60.0% in Q3 2025-26;"
    )
    assert (
        "below the lower process limit for the first time since the series began in Q2 2023-24"
        in exception["sentence"]
    )
    assert (
        "What changed in Q3 2025-26" in exception["questions"]
        and "Barnet" in exception["questions"]
    )
    # Each question is its own paragraph in the exception list (run on, spaced, on paper).
    questions = exception["questions"].split("\n\n")
    assert len(questions) == 2
    listed = scorecard.exceptions_html(card)
    assert all(f'<p class="lscb-question">{escape(q)}</p>' in listed for q in questions)
    # The points the chart draws are the ones the icon was computed from.
    points = card.points[card.points["pi_id"] == "BF-SG-02"]
    assert points["variation"].iloc[-1] == "special_cause_concern"


def test_first_time_since_an_earlier_breach(model, national_public):
    values = [900] * 16
    values[3] = values[-1] = 600  # 2022Q4 and 2025Q4 both below the lower limit
    pilot = pilot_rows("BF-SG-02", quarters("2022Q1", 16), values)
    card = card_for(model, ["BF-SG-02"], national_public, pilot)
    assert "for the first time since Q3 2022-23" in card.exceptions["sentence"].iloc[0]


def test_improvement_and_too_few_points(model, national_public):
    rising = pilot_rows(
        "BF-SG-02", quarters("2023Q3", 10), [700, 705, 695, 700, 710, 700, 705, 695, 700, 950]
    )
    few = pilot_rows("BF-SG-01", quarters("2024Q4", 5), [700, 720, 710, 690, 705])
    card = card_for(model, ["BF-SG-02", "BF-SG-01"], national_public, rising + few)
    assert row_of(card, "BF-SG-02")["variation_icon"] == "improvement_high"
    short = row_of(card, "BF-SG-01")
    assert short["variation"] == "too_few_points" and "Too few points" in short["variation_text"]
    assert short["spc_note"] == "5 points; limits need at least 8"
    assert card.points[card.points["pi_id"] == "BF-SG-01"]["upl"].isna().all()


# --- exception rules ---------------------------------------------------------------------------


def test_red_red_worse_than_england_and_getting_worse(model, national_public):
    card = card_for(model, ["BF-FD-03"], national_public, period=2025)
    row = row_of(card, "BF-FD-03")
    assert (row["vs_england"], row["vs_london"], row["vs_neighbours"]) == (
        "worse",
        "worse",
        "not_compared",
    )
    exception = card.exceptions.iloc[0]
    assert "red_red" in exception["exceptions"].split(";")
    assert exception["sentence"].startswith(
        "Re-referrals within 12 months of a previous referral rose to 27.4% in 2024-25; "
        "significantly worse than England (22.6%) and London (19.4%)"
    )
    assert (
        "above the upper process limit for the first time since the series began"
        in exception["sentence"]
    )
    assert "worse than England and London" in exception["questions"]


def test_missing_target_consistently_needs_three_misses_in_a_row(model, national_public):
    # Allegations resolved in a month (target 80%): on target, then 3 misses in a row.
    misses = pilot_rows("BF-SG-01", quarters("2024Q4", 5), [850, 820, 700, 690, 710])
    card = card_for(model, ["BF-SG-01"], national_public, misses)
    assert card.exceptions["exceptions"].tolist() == ["missing_target"]
    assert (
        "below its target of 80.0% in each of the last 3 quarters"
        in card.exceptions["sentence"].iloc[0]
    )
    two = pilot_rows("BF-SG-01", quarters("2024Q4", 5), [850, 820, 810, 690, 710])
    assert card_for(model, ["BF-SG-01"], national_public, two).exceptions.empty


# --- benchmarks --------------------------------------------------------------------------------


def test_benchmark_intervals_wilson_poisson_and_not_compared(model, national_public, rules):
    ids = ["BF-FD-03", "BF-FD-01", "BF-WF-01", "BF-WF-02"]
    period = scorecard.parse_scorecard_period(2025)
    table = scorecard.benchmark_table(
        national_public, catalogue_of(model, ids).current, period, rules
    )
    barnet = table[table["la_number"] == BARNET].set_index("pi_id")
    assert len(table) == 4 * 33
    wilson = stats.proportion_ci(2740, 10000, 0.95)
    assert barnet.loc["BF-FD-03", ["lower", "upper"]].tolist() == pytest.approx(
        wilson[["lower", "upper"]].iloc[0].tolist()
    )
    byar = stats.rate_ci(1978, 93851, 0.95, 10000)
    assert barnet.loc["BF-FD-01", ["lower", "upper"]].tolist() == pytest.approx(
        byar[["lower", "upper"]].iloc[0].tolist()
    )
    assert barnet.loc["BF-WF-01", "vs_england"] == "not_compared"
    assert "no published numerator and denominator" in barnet.loc["BF-WF-01", "compare_reason"]
    assert barnet.loc["BF-WF-02", "compare_reason"] == rules["intervals"]["cases_per_fte"]["reason"]
    assert barnet.loc["BF-FD-03", "london_ranked"] == 1  # the only London borough with a figure


# --- missing and suppressed figures ------------------------------------------------------------


@pytest.fixture(scope="module")
def suppressed_card(model, national_public):
    """BF-SG-02's latest quarter is 3 of 7 (suppressed on the board tier); BF-CC-04 is not
    available; cpp_2yrs_pct (BF-CP-07) was suppressed by DfE."""
    pilot = pilot_rows(
        "BF-SG-02", quarters("2023Q3", 10), [900, 905, 895, 900, 910, 900, 905, 895, 900, 600]
    )
    pilot[-1].update(numerator=3, denominator=7, value=3 / 7 * 100)
    pilot += pilot_rows(
        "BF-CC-04", quarters("2025Q3", 2), [800, None], narrative='=HYPERLINK("http://x")'
    )
    ids = ["BF-SG-02", "BF-CC-04", "BF-CP-07", "BF-FD-03", "BF-CP-03"]
    return card_for(model, ids, national_public, pilot)


def test_missing_and_suppressed_are_shown_as_such_and_never_coloured(
    suppressed_card, rules, model, national_public
):
    colours = rules["colours"]
    for pi_id, text in (
        ("BF-SG-02", "c (suppressed"),
        ("BF-CC-04", "Not available"),
        ("BF-CP-07", "c (suppressed"),
    ):
        row = row_of(suppressed_card, pi_id)
        assert row["value_text"].startswith(text) and pd.isna(row["value"])
        assert pd.isna(row["numerator"])
        assert row["target_status"] not in colours["target"]
        assert row["variation"] not in colours["variation"]
        assert all(row[f"vs_{key}"] not in colours["comparison"] for key in rules["benchmarks"])
    assert row_of(suppressed_card, "BF-SG-02")["target_status"] == "not_assessed"
    # The suppressed figure is in no statistic, no sentence and no chart.
    assert "42.9" not in suppressed_card.exceptions["sentence"].str.cat()
    assert "BF-SG-02" not in suppressed_card.exceptions["pi_id"].tolist()
    points = suppressed_card.points[suppressed_card.points["pi_id"] == "BF-SG-02"]
    assert points["state"].iloc[-1] == "suppressed" and pd.isna(points["value"].iloc[-1])
    panels = scorecard.chart_panels(suppressed_card, ["BF-SG-02"])
    figure = spc_charts.spc_small_multiples(suppressed_card.points, panels, "t")
    assert [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "suppressed"] == ["c"]
    html = scorecard.scorecard_html(suppressed_card)
    assert "42.9%" not in html and "c (suppressed: small number)" in html
    # The analyst tier shows the figure.
    pilot = pilot_rows("BF-SG-02", ["2025Q4"], [3], denominator=7)
    analyst = card_for(model, ["BF-SG-02"], national_public, pilot, tier="analyst")
    assert row_of(analyst, "BF-SG-02")["value_text"] == "42.9%"
    assert "NOT FOR PUBLICATION" in analyst.tier_label


# --- the workbook ------------------------------------------------------------------------------


def test_workbook_formatting_read_back(suppressed_card, rules, tmp_path):
    path = scorecard.write_workbook(suppressed_card, tmp_path / "out" / "scorecard.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Score card", "Detail", "Exceptions", "Legend", "Notes"]
    sheet = book["Score card"]
    # two title rows (report, borough, period; tier), a third (SYNTHETIC DATA) when the
    # project holds the demo's data, then the header
    header = next(row for row in range(1, 6) if sheet.cell(row, 1).value == "PI")
    assert header == (4 if workbook_print.data_are_synthetic() else 3)
    first = header + 1
    assert sheet.freeze_panes == f"C{first}"
    assert sheet.auto_filter.ref == f"A{header}:L{header + len(suppressed_card.rows)}"
    assert sheet["A1"].value.startswith("Score card — Barnet — Q3 2025-26")
    assert "For the board" in sheet["A2"].value
    headers = {cell.value: cell.column_letter for cell in sheet[header]}
    fills = {}
    for formatting in sheet.conditional_formatting:
        for rule in formatting.rules:
            for column in re.findall(rf"\$([A-Z]+){first}=", rule.formula[0]):
                fills.setdefault(column, {}).update(
                    {
                        text: rule.dxf.fill.fgColor.rgb[-6:]
                        for text in re.findall(r'"([^"]*)"', rule.formula[0])
                    }
                )
            assert re.sub("[A-Z]", "", str(formatting.sqref).split(":")[0]) == str(first)
    icons, colours = rules["icons"], rules["colours"]
    assert fills[headers["Target met"]] == {
        icons["target"][k]: v for k, v in colours["target"].items()
    }
    assert fills[headers["SPC variation"]][icons["variation"]["concern_low"]] == "FAD7A0"
    assert fills[headers["vs England"]][icons["comparison"]["worse"]] == "FAD7A0"
    # Value cells are coloured by the target rule too.
    target_ranges = [
        str(f.sqref)
        for f in sheet.conditional_formatting
        if any(f"{headers['Target met']}{first}=" in r.formula[0] for r in f.rules)
    ]
    assert any(r.startswith(headers["Value"]) for r in target_ranges)
    # Missing and suppressed rows: their text matches no colouring rule.
    by_pi = {sheet[f"{headers['PI']}{r}"].value: r for r in range(first, sheet.max_row + 1)}
    for pi_id in ("BF-SG-02", "BF-CC-04", "BF-CP-07"):
        r = by_pi[pi_id]
        assert isinstance(sheet[f"{headers['Value']}{r}"].value, str)
        for column, rule_fills in fills.items():
            assert sheet[f"{column}{r}"].value not in rule_fills
    # A number is stored as published with the unit in the format; a formula stays text.
    r = by_pi["BF-FD-03"]
    assert sheet[f"{headers['Value']}{r}"].value == 27.4
    assert sheet[f"{headers['Value']}{r}"].number_format == '#,##0.0"%"'
    detail = book["Detail"]
    detail_headers = {cell.value: cell.column_letter for cell in detail[header]}
    assert list(detail_headers)[:2] == ["PI", "Indicator"] and "Narrative" in detail_headers
    detail_rows = {detail[f"A{r}"].value: r for r in range(first, detail.max_row + 1)}
    narrative = detail[f"{detail_headers['Narrative']}{detail_rows['BF-CC-04']}"]
    assert narrative.data_type == "s" and narrative.value.startswith("=HYPERLINK")
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(min_row=first, values_only=True)}
    assert {"Benchmarks", "SPC (variation and assurance)", "Sources", "Small numbers"} <= set(notes)
    assert any(item.startswith("BF-FD-03 ") for item in notes)
    legend = list(book["Legend"].iter_rows(min_row=first, values_only=True))
    assert ("Target", icons["target"]["met"]) in [row[:2] for row in legend]
    assert book["Exceptions"][f"A{first}"].value == suppressed_card.exceptions["pi_id"].iloc[0]


# --- report pieces -----------------------------------------------------------------------------


def test_report_grouping_subgroup_filter_rug_and_method_note(model, national_public, rules):
    ids = ["BF-FD-03", "BF-CP-03", "BF-CP-06", "BF-SG-02"]
    card = card_for(model, ids, national_public, period=2025)
    html = scorecard.scorecard_html(card)
    assert html.index("G1 Children and families") < html.index("G2 Children at risk")
    assert escape(card.rows["cluster_narrative"].iloc[0]) in html
    neglect = card_for(model, ids, national_public, period=2025, subgroup="Neglect")
    assert neglect.rows["pi_id"].tolist() == ["BF-CP-06"] and neglect.subgroup == "neglect"
    with pytest.raises(ParameterError, match="Parameter 'subgroup'"):
        card_for(model, ids, national_public, period=2025, subgroup="finance")
    grid, title = scorecard.rug_grid(card)
    assert grid.shape == (33, 4) and grid.loc["Barnet", "FD-03"] == "worse"
    assert (grid["SG-02"] == "not_compared").all()
    assert title.startswith("Barnet is significantly worse than England on 1")
    note = scorecard.method_note(rules)
    assert "95%" in note and "Counts from 1 to 5" in note
    assert scorecard.index_headlines(card)["Exceptions"] == len(card.exceptions)


# --- the CLI build and the notebook end to end -------------------------------------------------


@pytest.fixture(scope="module")
def scorecard_project(tmp_path_factory, public_indicators, project_factory):
    root = project_factory(tmp_path_factory.mktemp("scorecard") / "project")
    public_indicators.to_parquet(root / "data/processed/public_indicators.parquet")
    pilot = pilot_rows(
        "BF-SG-02", quarters("2023Q3", 10), [900, 905, 895, 900, 910, 900, 905, 895, 900, 600]
    )
    pilot += pilot_rows("BF-SG-01", ["2025Q4"], [3], denominator=7)
    pd.DataFrame(pilot).to_parquet(root / "data/processed/pilot_values.parquet")
    pd.DataFrame(
        [
            {
                "la_number": BARNET,
                "pi_id": "BF-SG-02",
                "period": "2025Q4",
                "code": "Q_JUMP",
                "severity": "query",
                "superseded": False,
            }
        ]
    ).to_csv(root / "data/processed/pilot_issues.csv", index=False)
    return root


def test_build_london_writes_the_table_and_workbooks(scorecard_project, monkeypatch):
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(scorecard_project))
    areas = [register.resolve("Barnet"), register.resolve("Camden")]
    done = scorecard.build_london("2025Q4", areas=areas)
    table = pd.read_parquet(done["table"])
    assert done["table"].name == "scorecard_2025Q4.parquet" and done["period"] == "2025Q4"
    assert table["borough"].unique().tolist() == ["Barnet", "Camden"]
    assert list(table.columns) == scorecard.ROW_COLUMNS
    assert [p.relative_to(scorecard_project).as_posix() for p in done["workbooks"]] == [
        "reports/scorecard/barnet/2025Q4/scorecard.xlsx",
        "reports/scorecard/camden/2025Q4/scorecard.xlsx",
    ]
    sg = table[(table["borough"] == "Barnet") & (table["pi_id"] == "BF-SG-02")].iloc[0]
    assert sg["dq_text"] == "Q3 2025-26: 1 query" and sg["exceptions"]
    suppressed = table[(table["borough"] == "Barnet") & (table["pi_id"] == "BF-SG-01")].iloc[0]
    assert suppressed["value_state"] == "suppressed" and pd.isna(suppressed["numerator"])


@pytest.mark.slow
def test_notebook_end_to_end(scorecard_project, tmp_path, monkeypatch):
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(scorecard_project))
    (result,) = orchestrate.run_notebook(
        "scorecard", "Barnet", {"period": "2025Q4"}, jobs=1, out_dir=tmp_path, progress=False
    )
    assert result.status == "ok", result.error
    run = tmp_path / "scorecard" / "barnet"
    page = (run / "report.html").read_text(encoding="utf-8")
    assert (
        ">Barnet — Quarterly score card — Q3 2025-26</h1>" in page
        and "Exceptions for the challenge meeting" in page
    )
    assert "Private fostering notifications visited within 7 working days fell to 60.0%" in page
    assert "42.9%" not in page and "scorecard.build_scorecard" not in page
    assert page.count('src="data:image/png;base64,') >= 2  # SPC small multiple and the rug
    book = openpyxl.load_workbook(run / "2025Q4" / "scorecard.xlsx")
    assert book["Score card"].freeze_panes == "C4"  # below the title rows and header
