"""public_indicators: every indicator as DfE computes it, nothing lost, nothing zeroed.

Expected values are recomputed here straight from the published CSVs with the csv module, so the
checks do not lean on the metadata table they are testing.
"""

from __future__ import annotations

import csv
import math
import shutil
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from lscb_analysis.core.errors import DataLayoutError, MissingDataFileError
from lscb_analysis.published import public_data

EXTERNAL = Path(__file__).resolve().parents[2] / "data" / "external"
ALL_INDICATORS = {
    "cin_rate",
    "referral_rate",
    "rereferral_pct",
    "nfa_pct",
    "s47_rate",
    "icpc_rate",
    "icpc_15d_pct",
    "cpp_start_rate",
    "cpp_subsequent_pct",
    "cpp_rate",
    "cpp_2yrs_pct",
    "cla_rate",
    "cla_3plus_placements_pct",
    "cla_long_term_stability_pct",
    "care_leavers_suitable_accommodation_pct",
    "cla_missing_pct",
    "sw_turnover_pct",
    "sw_agency_pct",
    "sw_vacancy_pct",
    "sw_caseload",
}


def rows(file_name: str) -> list[dict]:
    with open(EXTERNAL / file_name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def la_rows(file_name: str, **conditions) -> list[dict]:
    return [
        r
        for r in rows(file_name)
        if r["geographic_level"] == "Local authority"
        and all(r[k] == v for k, v in conditions.items())
    ]


def half_up(value: float, decimals: int) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP))


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def values(table: pd.DataFrame, indicator: str) -> dict[tuple[int, str], float]:
    part = table[(table["indicator"] == indicator) & (table["area_type"] == "la")]
    return {
        (int(p), str(n)): v
        for p, n, v in zip(part["period"], part["la_number"], part["value"], strict=True)
    }


def populations() -> dict[tuple[int, str], float]:
    """Child population by (reporting year, LA number): mid-year estimate of the year before."""
    return {
        (int(r["time_period"]) + 1, r["old_la_code"]): float(r["population_estimate"])
        for r in la_rows("ons_mid-year_population_estimates_2012_to_2024.csv")
        if number(r["population_estimate"]) is not None
    }


def test_columns_and_indicators(public_indicators):
    assert list(public_indicators.columns) == [
        "indicator",
        "period",
        "la_number",
        "area_code",
        "area_name",
        "area_type",
        "numerator",
        "denominator",
        "value",
        "unit",
        "status",
    ]
    assert set(public_indicators["indicator"]) == ALL_INDICATORS
    assert set(public_indicators["area_type"]) == {"la", "region", "sub_region", "england"}
    assert public_indicators["period"].dtype.kind == "i"


def test_published_checks_from_sources(public_indicators):
    t = public_indicators
    bd = t[(t["la_number"] == "301") & (t["period"] == 2025)].set_index("indicator")
    assert half_up(bd.at["cpp_rate", "value"], 1) == 52.5
    assert half_up(bd.at["icpc_15d_pct", "value"], 1) == 81.4
    england = t[(t["area_type"] == "england") & (t["period"] == 2025)].set_index("indicator")
    assert england.at["cin_rate", "numerator"] == 402400
    assert england.at["referral_rate", "numerator"] == 632830
    assert england.at["rereferral_pct", "value"] == 22.6


@pytest.mark.parametrize(
    ("indicator", "file_name", "column"),
    [
        ("cin_rate", "b1_children_in_need_2013_to_2025.csv", "At31_episodes"),
        (
            "referral_rate",
            "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
            "referral_count",
        ),
        ("s47_rate", "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", "Section47"),
        ("icpc_rate", "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", "ICPC"),
        ("cpp_start_rate", "d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP_start"),
        ("cpp_rate", "d5_cpps_at31march_by_duration_2013_to_2025.csv", "CPP_At31"),
    ],
)
def test_rates_per_10000_use_last_years_population(public_indicators, indicator, file_name, column):
    computed = values(public_indicators, indicator)
    population = populations()
    checked = 0
    for row in la_rows(file_name):
        key = (int(row["time_period"]), row["old_la_code"])
        count = number(row[column])
        if count is None or key not in population:
            assert math.isnan(computed[key])
            continue
        assert computed[key] == pytest.approx(count / population[key] * 10000, rel=1e-12)
        checked += 1
    assert checked > 1900


@pytest.mark.parametrize(
    ("indicator", "file_name", "column", "conditions"),
    [
        (
            "rereferral_pct",
            "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
            "rereferral_percent",
            {},
        ),
        (
            "nfa_pct",
            "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
            "no_further_action_percent",
            {},
        ),
        (
            "cpp_subsequent_pct",
            "d3_cpps_subsequent_plan_2013_to_2025.csv",
            "CPP_subsequent_percent",
            {},
        ),
        (
            "cpp_2yrs_pct",
            "d5_cpps_at31march_by_duration_2013_to_2025.csv",
            "2_years_or_more_percent",
            {},
        ),
        (
            "cla_rate",
            "cla_number_and_rate_per_10k_children.csv",
            "rate_per_10000",
            {"population_type": "Children looked after on 31 March each year"},
        ),
        (
            "cla_3plus_placements_pct",
            "la_cla_placement_stability.csv",
            "children_percent",
            {
                "cla_group": "CLA on 31 March",
                "placement_stability": "With 3 or more placements during the year",
            },
        ),
        (
            "cla_long_term_stability_pct",
            "la_cla_placement_stability.csv",
            "children_percent",
            {
                "cla_group": "Children looked after continuously for at least 2.5 years on 31 March "
                "aged under 16 years",
                "placement_stability": "Living with the same carer for at least 2 years",
            },
        ),
        (
            "care_leavers_suitable_accommodation_pct",
            "la_care_leavers_accommodation_suitability.csv",
            "care_leaver_percent",
            {"care_leaver_age": "19 to 21 years", "breakdown": "Accommodation considered suitable"},
        ),
        (
            "cla_missing_pct",
            "la_children_who_were_missing_or_away_from_placement_without_authorisation.csv",
            "number",
            {"CLA_group": "Percentage of children who had a missing incident during the year"},
        ),
    ],
)
def test_published_figures_are_the_value(
    public_indicators, indicator, file_name, column, conditions
):
    computed = values(public_indicators, indicator)
    source = la_rows(file_name, **conditions)
    assert len(source) > 700
    for row in source:
        published = number(row[column])
        value = computed[(int(row["time_period"]), row["old_la_code"])]
        if published is None:
            assert math.isnan(value)
        else:
            assert value == published


@pytest.mark.parametrize(
    ("indicator", "column"),
    [
        ("sw_turnover_pct", "turnover_rate_fte"),
        ("sw_agency_pct", "agency_rate_fte"),
        ("sw_vacancy_pct", "vacancy_rate_fte"),
        ("sw_caseload", "caseload_fte"),
    ],
)
def test_workforce_figures_including_the_combined_kingston_richmond_row(
    public_indicators, indicator, column
):
    computed = values(public_indicators, indicator)
    for row in la_rows("csww_indicators_2017_to_2025.csv"):
        published = number(row[column])
        for la_number in row["old_la_code"].split(" / "):
            value = computed[(int(row["time_period"]), la_number)]
            assert math.isnan(value) if published is None else value == published
    assert computed[(2025, "314")] == computed[(2025, "318")]


def test_icpc_within_15_days_is_computed_from_the_duration_bands(public_indicators):
    computed = values(public_indicators, "icpc_15d_pct")
    for row in la_rows("c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv"):
        parts = [
            number(row["Duration_0-10_days"]),
            number(row["Duration_11-15_days"]),
            number(row["ICPC"]),
        ]
        value = computed[(int(row["time_period"]), row["old_la_code"])]
        if None in parts or parts[2] == 0:
            assert math.isnan(value)
        else:
            assert value == pytest.approx((parts[0] + parts[1]) / parts[2] * 100)


SOURCE_OF = {
    "cin_rate": ("b1_children_in_need_2013_to_2025.csv", {}),
    "referral_rate": ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", {}),
    "rereferral_pct": ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", {}),
    "nfa_pct": ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", {}),
    "s47_rate": ("c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", {}),
    "icpc_rate": ("c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", {}),
    "icpc_15d_pct": ("c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", {}),
    "cpp_start_rate": ("d3_cpps_subsequent_plan_2013_to_2025.csv", {}),
    "cpp_subsequent_pct": ("d3_cpps_subsequent_plan_2013_to_2025.csv", {}),
    "cpp_rate": ("d5_cpps_at31march_by_duration_2013_to_2025.csv", {}),
    "cpp_2yrs_pct": ("d5_cpps_at31march_by_duration_2013_to_2025.csv", {}),
    "cla_rate": (
        "cla_number_and_rate_per_10k_children.csv",
        {"population_type": "Children looked after on 31 March each year"},
    ),
    "cla_3plus_placements_pct": (
        "la_cla_placement_stability.csv",
        {"cla_group": "CLA on 31 March", "placement_stability": "Total children"},
    ),
    "cla_long_term_stability_pct": (
        "la_cla_placement_stability.csv",
        {
            "placement_stability": "Total children",
            "cla_group": "Children looked after continuously for at "
            "least 2.5 years on 31 March aged under 16 years",
        },
    ),
    "care_leavers_suitable_accommodation_pct": (
        "la_care_leavers_accommodation_suitability.csv",
        {"care_leaver_age": "19 to 21 years", "breakdown": "Suitability total"},
    ),
    "cla_missing_pct": (
        "la_children_who_were_missing_or_away_from_placement_without_authorisation.csv",
        {"CLA_group": "Children looked after during the year"},
    ),
    "sw_turnover_pct": ("csww_indicators_2017_to_2025.csv", {}),
    "sw_agency_pct": ("csww_indicators_2017_to_2025.csv", {}),
    "sw_vacancy_pct": ("csww_indicators_2017_to_2025.csv", {}),
    "sw_caseload": ("csww_indicators_2017_to_2025.csv", {}),
}


@pytest.mark.parametrize("indicator", sorted(ALL_INDICATORS))
def test_no_la_year_row_is_lost(public_indicators, indicator):
    file_name, conditions = SOURCE_OF[indicator]
    expected = Counter()
    for row in la_rows(file_name, **conditions):
        for la_number in row["old_la_code"].split(" / "):
            expected[(int(row["time_period"]), la_number)] += 1
    produced = public_indicators[
        (public_indicators["indicator"] == indicator) & (public_indicators["area_type"] == "la")
    ]
    got = Counter(
        zip(produced["period"].astype(int), produced["la_number"].astype(str), strict=True)
    )
    assert got == expected


def test_regions_sub_regions_and_england_every_year(public_indicators):
    t = public_indicators[public_indicators["indicator"] == "cpp_rate"]
    for period in range(2013, 2026):
        year = t[t["period"] == period]
        assert (year["area_type"] == "england").sum() == 1
        assert set(year.loc[year["area_type"] == "sub_region", "area_code"]) == {
            "E13000001",
            "E13000002",
        }
        assert "E12000007" in set(year.loc[year["area_type"] == "region", "area_code"])
        assert year.loc[year["area_type"] != "la", "la_number"].isna().all()


def test_missing_values_keep_their_reason_and_are_never_zero(public_indicators):
    t = public_indicators
    not_ok = t[t["status"] != "ok"]
    assert not_ok["value"].isna().all()
    assert {"suppressed", "not_available", "not_applicable", "low_reliability"} <= set(
        not_ok["status"]
    )
    hackney = t[
        (t["la_number"] == "204") & (t["indicator"] == "cin_rate") & t["period"].isin([2021, 2022])
    ]
    assert list(hackney["status"]) == ["not_available", "not_available"]
    city = t[(t["la_number"] == "201") & (t["indicator"] == "cpp_rate")]
    assert (city["status"] == "suppressed").any()


def test_parse_values_maps_every_symbol():
    symbols = public_data.load_symbols()
    cells = pd.Series(["5", "c", "x", "z", "u", "k", "low", "", "1,204"])
    parsed = public_data.parse_values(cells, "f.csv", "col", pd.Series(range(2, 11)), symbols)
    assert parsed["status"].tolist() == [
        "ok",
        "suppressed",
        "not_available",
        "not_applicable",
        "low_reliability",
        "rounds_to_zero",
        "low_value",
        "not_available",
        "ok",
    ]
    assert parsed["number"].iloc[0] == 5 and parsed["number"].iloc[8] == 1204
    assert parsed["number"].iloc[1:8].isna().all()


def test_unknown_symbol_names_file_column_and_line():
    with pytest.raises(DataLayoutError) as caught:
        public_data.parse_values(
            pd.Series(["5", "n/a"]),
            "b1.csv",
            "At31_episodes",
            pd.Series([2, 3]),
            {"c": "suppressed"},
        )
    assert "b1.csv" in str(caught.value) and "'At31_episodes'" in str(caught.value)
    assert "line 3" in str(caught.value) and "symbols.csv" in str(caught.value)


def test_renamed_column_is_a_clear_error(project_with_copied_data):
    path = project_with_copied_data / "data/external/d3_cpps_subsequent_plan_2013_to_2025.csv"
    text = path.read_text(encoding="utf-8")
    path.chmod(0o644)
    path.write_text(
        text.replace("CPP_subsequent_percent", "CPP_subsequent_pc", 1), encoding="utf-8"
    )
    with pytest.raises(DataLayoutError) as caught:
        public_data.build_public_indicators()
    assert "d3_cpps_subsequent_plan_2013_to_2025.csv" in str(caught.value)
    assert "'CPP_subsequent_percent'" in str(caught.value)


def test_new_symbol_in_a_published_file_is_a_clear_error(project_with_copied_data):
    path = project_with_copied_data / "data/external/d5_cpps_at31march_by_duration_2013_to_2025.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("CPP_At31")] = "[w]"
    lines[5] = ",".join(cells)
    path.chmod(0o644)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataLayoutError, match=r"'CPP_At31', line 6: value '\[w\]'"):
        public_data.build_public_indicators()


def test_renamed_category_is_a_clear_error(project_with_copied_data):
    path = project_with_copied_data / "data/external/la_cla_placement_stability.csv"
    text = path.read_text(encoding="utf-8-sig")
    path.chmod(0o644)
    path.write_text(
        text.replace("Living with the same carer for at least 2 years", "Same carer 2 years+"),
        encoding="utf-8",
    )
    with pytest.raises(DataLayoutError, match="placement_stability.*Living with the same carer"):
        public_data.build_public_indicators()


def test_missing_file_says_how_to_restore(project_with_copied_data):
    shutil.os.remove(
        project_with_copied_data / "data/external/b1_children_in_need_2013_to_2025.csv"
    )
    with pytest.raises(MissingDataFileError) as caught:
        public_data.build_public_indicators()
    assert "b1_children_in_need_2013_to_2025.csv" in str(caught.value)
    assert "git checkout -- data/external/" in str(caught.value)


def test_period_label():
    assert public_data.period_label(2025) == "2024-25"
    assert public_data.period_label(2000) == "1999-00"


def test_assessment_factors_are_shares_of_episodes_with_factors():
    table = public_data.assessment_factors(["Neglect", "Going_missing"])
    barnet = table[(table["la_number"] == "302") & (table["period"] == 2025)].set_index("factor")
    assert barnet.at["Neglect", "count"] == 341 and barnet.at["Neglect", "episodes"] == 2460
    assert barnet.at["Neglect", "pct"] == pytest.approx(341 / 2460 * 100)
    suppressed = table[table["status"] == "suppressed"]
    assert len(suppressed) and suppressed["pct"].isna().all()
    with pytest.raises(DataLayoutError, match="'Neglectt'"):
        public_data.assessment_factors(["Neglectt"])
