"""Benchmarks of national PIs: Wilson and Poisson intervals, and 'not compared'."""

from __future__ import annotations

import pytest

from lscb_analysis.scorecard import benchmarks, periods
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
