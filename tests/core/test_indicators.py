import pandas as pd
import pytest

from lscb_analysis.core import indicators
from lscb_analysis.core.errors import ReferenceDataError


def test_metadata_has_every_field_for_every_indicator():
    table = indicators.load_metadata()
    assert len(table) == 20
    assert set(table["polarity"]) <= {"high", "low", "none"}
    assert (table["title"] != "").all() and (table["definition"] != "").all()
    assert table.loc["rereferral_pct", "polarity"] == "low"
    assert table.loc["icpc_15d_pct", "polarity"] == "high"


def test_round_half_up_matches_dfe_not_bankers_rounding():
    assert indicators.round_half_up(0.125, 2) == 0.13
    assert indicators.round_half_up(22.65, 1) == 22.7
    assert indicators.round_half_up(2.5, 0) == 3.0  # Python's round(2.5) gives 2


def test_format_value_uses_decimals_and_unit():
    assert indicators.format_value(22.649, "rereferral_pct") == "22.6%"
    assert indicators.format_value(52.508839, "cpp_rate") == "52.5"
    assert indicators.format_value(65.0, "cla_rate") == "65"
    assert indicators.format_value(float("nan"), "cla_rate") == ""


def test_unknown_indicator_lists_the_known_ones():
    with pytest.raises(ReferenceDataError, match="cin_rate"):
        indicators.indicator("cin_ratio")


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("polarity", "up", "polarity 'up'"),
        ("unit", "per_cent", "unit 'per_cent'"),
        ("decimals", "one", "decimals 'one'"),
    ],
)
def test_invalid_metadata_names_indicator_and_field(project, column, bad, message):
    path = project / "data/reference/indicators.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[table["id"] == "nfa_pct", column] = bad
    table.to_csv(path, index=False)
    indicators.load_metadata.cache_clear()
    try:
        with pytest.raises(ReferenceDataError, match=f"indicator 'nfa_pct': {message}"):
            indicators.load_metadata()
    finally:
        indicators.load_metadata.cache_clear()
