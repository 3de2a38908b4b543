"""The score card's method note and legend, both read from the rules.

:func:`method_lines` and :func:`method_note` say how every icon and comparison is worked out
(printed with each card); :func:`legend_rows` lists every icon with its meaning and colour.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lscb_analysis.protect import disclosure_config
from lscb_analysis.scorecard.wording import join_words


def method_lines(rules: Mapping) -> list[tuple[str, str]]:
    """The method as (item, text) pairs, written from the rules (report and Notes sheet).

    >>> from lscb_analysis.scorecard.rules import load_rules
    >>> items = dict(method_lines(load_rules()))
    >>> "95%" in items["Benchmarks"] and "7" in items["SPC (variation and assurance)"]
    True
    """
    spc, level = rules["spc"], float(rules["confidence"])
    names = rules["benchmarks"]
    bands = rules["bands"]
    no_interval = "; ".join(
        f"{unit.replace('_', ' ')}: {spec.get('reason', 'no interval')}"
        for unit, spec in rules["intervals"].items()
        if spec["method"] == "none"
    )
    trend_level = float(rules["trend"]["confidence"])
    quarterly = rules["trend"]["quarterly"]
    settings = rules["exceptions"]
    exceptions = " ".join(
        f"{settings[code]['label']}: {' '.join(settings[code]['description'].split())}"
        for code in settings["order"]
    )
    return [
        (
            "Periods",
            "Quarters are calendar quarters (2025Q1 is January to March 2025), as in the "
            "pilot data table. National PIs show DfE's published figure for the latest "
            "reporting year up to the period (2024-25 is the year to 31 March 2025); local "
            "PIs the borough's latest figure up to the period.",
        ),
        (
            "Benchmarks",
            f"National PIs are compared with {join_words(list(names.values()))}: "
            f"significantly better or worse when the benchmark lies outside the "
            f"borough's {level:.0%} confidence interval, similar when inside it "
            "(Fingertips' method); higher or lower where neither direction is better. "
            "Intervals from the published numerator and denominator: Wilson score for "
            "percentages; exact Poisson below 10 events and Byar's method from 10 for "
            "rates. The statistical-neighbour benchmark is the plain mean of the "
            "borough's ten DfE statistical neighbours with a figure. Not compared: "
            f"{no_interval}; a missing or suppressed figure; local PIs, which have no "
            "published comparator.",
        ),
        (
            "Quartile bands",
            f"A (best quarter) to D, ranked by polarity. {bands['england']}: among all "
            f"English LAs with a figure, as DfE's LA Interactive Tool; {bands['london']}: "
            "among the London boroughs. Areas left out are listed under the card.",
        ),
        (
            "SPC (variation and assurance)",
            f"NHS Making Data Count XmR chart of the borough's own series (quarterly pilot figures "
            f"for local PIs, published annual figures for national PIs): process limits at the "
            f"mean +/- 2.66 x the mean moving range; special cause when a point is outside the "
            f"limits, {spc['shift_points']} or more points in a row on one side of the mean, a "
            f"trend of {spc['trend_points']} points, or two of three points beyond 2 sigma. Moving "
            f"ranges {'are' if spc['screen_outliers'] else 'are not'} screened for outliers. At "
            f'least {spc["min_points"]} points are needed, otherwise "too few points"; limits on '
            "fewer than 12 points are provisional. Limits are never rebased automatically. "
            "Assurance compares the target with the latest process limits.",
        ),
        (
            "Recent trend",
            f"Yearly figures: Fingertips' trend marker over the last 5 years at "
            f"{trend_level:.1%} confidence (chi-squared test for trend for percentages, "
            "Poisson regression for rates; none if a figure is missing). Quarterly local "
            "figures: Mann-Kendall test over up to "
            f"{quarterly['max_points']} quarters at {float(quarterly['confidence']):.0%}, "
            "seasonal by quarter of the year (Hirsch et al. 1982) when each quarter has "
            f"{quarterly['seasonal_min_years']} figures; missing and suppressed quarters "
            f"left out; at least {quarterly['min_points']} figures.",
        ),
        (
            "Direction of travel",
            "The latest figure against the previous period's, compared as "
            "published (rounded to the PI's decimals): improving or worsening "
            "following the PI's polarity, only up or down where neither "
            "direction is better.",
        ),
        (
            "Targets",
            f"Green when the latest figure meets the target, amber when it misses by no "
            f"more than {float(rules['targets']['amber_within']):.0%} of the target (or the "
            "board's own tolerance), red otherwise. Unmarked targets are the London default; "
            "a board's own is marked, from its quarter (SPC charts step where it changed).",
        ),
        ("Exceptions", exceptions),
        (
            "Missing and suppressed figures",
            'Shown as such (the published reason, or "c" for a '
            "small number), never coloured as good or bad, and "
            "left out of every statistic and chart.",
        ),
    ]


def method_note(rules: Mapping, tier: str = disclosure_config.DEFAULT_TIER) -> str:
    """The report's method note (markdown): :func:`method_lines` and the disclosure rules.

    >>> from lscb_analysis.scorecard.rules import load_rules
    >>> "Making Data Count" in method_note(load_rules())
    True
    """
    lines = [f"- **{item}.** {text}" for item, text in method_lines(rules)]
    if disclosure_config.validate_tier(tier) == "board":
        lines.append(f"- **Small numbers.** {disclosure_config.method_note()}")
    else:
        lines.append(
            f"- **Small numbers.** {disclosure_config.tier_label('analyst')}: nothing is "
            "suppressed in this copy."
        )
    return "\n".join(lines)


def legend_rows(rules: Mapping) -> pd.DataFrame:
    """Every icon with its meaning and fill colour (hex, empty for none), for the legends.

    Output: columns ``group, code, symbol, meaning, colour``.

    >>> from lscb_analysis.scorecard.rules import load_rules
    >>> legend = legend_rows(load_rules())
    >>> legend.loc[legend["code"] == "met", "colour"].item()
    'C6EFCE'
    """
    colours = rules["colours"]
    variation_codes = {
        "improvement_high": "special_cause_improvement",
        "improvement_low": "special_cause_improvement",
        "concern_high": "special_cause_concern",
        "concern_low": "special_cause_concern",
        "neither_high": "special_cause_neither",
        "neither_low": "special_cause_neither",
    }
    groups = {
        "target": "Target",
        "travel": "Direction of travel",
        "variation": "SPC variation",
        "assurance": "SPC assurance",
        "comparison": "Benchmark",
        "trend": "Recent trend",
    }
    records = []
    for group, title in groups.items():
        for code, symbol in rules["icons"][group].items():
            if group == "target":
                colour = colours["target"].get(code, "")
            elif group == "variation":
                colour = colours["variation"].get(variation_codes.get(code, ""), "")
            elif group == "comparison":
                colour = colours["comparison"].get(code, "")
            else:
                colour = ""
            records.append(
                {
                    "group": title,
                    "code": code,
                    "symbol": symbol,
                    "meaning": " ".join(str(rules["legend"][group]).split()),
                    "colour": colour,
                }
            )
    return pd.DataFrame(records, columns=["group", "code", "symbol", "meaning", "colour"])
