"""Disclosure of single figures: what may be drawn on a chart, and figures derived from counts.

A value may be plotted only when it is a real, finite number (:func:`may_plot`,
:func:`plottable`), so suppression symbols are never drawn. A percentage or rate written in a
sentence, headline or label is shown only when the counts it comes from may be shown on the
tier (:func:`derived_visible`, :func:`show_figure`, :func:`show_share`); otherwise the words of
:func:`lscb_analysis.protect.disclosure_config.suppressed_wording` stand in for it. Whether a
count may be shown is decided by :func:`lscb_analysis.protect.disclosure.count_is_disclosive`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from lscb_analysis.protect.disclosure import count_is_disclosive
from lscb_analysis.protect.disclosure_config import (
    DEFAULT_TIER,
    DisclosureRules,
    load_disclosure_rules,
    suppressed_wording,
    validate_tier,
)


def may_plot(value: Any) -> bool:
    """Say whether a value may be drawn on a chart: only real, finite numbers may.

    Suppressed cells (the symbol), other symbols, missing values and booleans may not, so a
    chart never shows a suppressed value. Input: one cell value. Output: bool. Raises nothing.

    >>> may_plot(12), may_plot(0), may_plot("c"), may_plot(float("nan")), may_plot(None)
    (True, True, False, False, False)
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return False
    return math.isfinite(float(value))


def plottable(values: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Return a float copy for charting where every value :func:`may_plot` rejects is NaN.

    Input: a (suppressed) DataFrame or Series; pass only the columns to draw. Output: the
    same shape as float, suppressed and non-numeric cells NaN (matplotlib leaves gaps).
    Raises nothing.

    >>> plottable(pd.Series([4, "c", 7])).tolist()
    [4.0, nan, 7.0]
    """
    if isinstance(values, pd.Series):
        return pd.Series(
            [float(v) if may_plot(v) else np.nan for v in values],
            index=values.index,
            name=values.name,
            dtype=float,
        )
    return pd.DataFrame(
        {column: plottable(values[column]) for column in values.columns},
        index=values.index,
        columns=values.columns,
    )


# --- figures derived from counts (sentences, headlines, labels) ------------------------------


def derived_visible(
    counts: Iterable[Any] = (),
    tier: str = DEFAULT_TIER,
    *,
    suppressed: bool = False,
    rules: DisclosureRules | None = None,
) -> bool:
    """THE decision for a figure derived from counts: may the output tier show it?

    A share, rate, interval, difference, rank, "x of y" or total shown on the board tier is
    suppressed with any count it is computed from. Inputs: ``counts`` (every count the figure
    is computed from, including complements such as "graded minus good or better");
    ``tier``; ``suppressed`` (True when a table of the same report already suppresses a
    count the figure depends on, e.g. :func:`rows_with_suppression`); ``rules``.
    Output: True when the figure may be shown (always, on the analyst tier).
    Raises: ParameterError for an unknown tier.

    >>> derived_visible([24, 64]), derived_visible([3, 64]), derived_visible([3], "analyst")
    (True, False, True)
    """
    if validate_tier(tier) == "analyst":
        return True
    if suppressed:
        return False
    rules = rules or load_disclosure_rules()
    return not any(count_is_disclosive(value, rules) for value in counts)


def show_figure(
    text: str,
    counts: Iterable[Any] = (),
    tier: str = DEFAULT_TIER,
    *,
    suppressed: bool = False,
    rules: DisclosureRules | None = None,
) -> str:
    """Return ``text`` (a formatted figure) when :func:`derived_visible` allows it, else the
    suppression wording (:func:`suppressed_wording`). Inputs as :func:`derived_visible`.

    >>> show_figure("38%", [24, 40]), show_figure("38%", [24, 4])
    ('38%', 'suppressed (fewer than 6)')
    """
    rules = rules or load_disclosure_rules()
    if derived_visible(counts, tier, suppressed=suppressed, rules=rules):
        return text
    return suppressed_wording(rules)


def show_share(
    numerator: Any,
    denominator: Any,
    tier: str = DEFAULT_TIER,
    *,
    interval: tuple[float, float] | None = None,
    decimals: int = 0,
    other_counts: Iterable[Any] = (),
    suppressed: bool = False,
    rules: DisclosureRules | None = None,
) -> str:
    """A share as the board may read it: "38% (95% interval 27% to 50%)" or the wording.

    Inputs: ``numerator`` and ``denominator`` (counts; the complement denominator -
    numerator is checked too), ``tier``, ``interval`` (lower, upper in %, optional),
    ``decimals`` shown, ``other_counts`` the share also depends on, ``suppressed`` and
    ``rules`` as :func:`derived_visible`. Output: text. Raises: ParameterError for an
    unknown tier.

    >>> show_share(24, 64, interval=(27.0, 50.0))
    '38% (95% interval 27% to 50%)'
    >>> show_share(61, 64)
    'suppressed (fewer than 6)'
    """
    rules = rules or load_disclosure_rules()
    counts = [numerator, denominator, *other_counts]
    if may_plot(numerator) and may_plot(denominator):
        counts.append(float(denominator) - float(numerator))
    if not derived_visible(counts, tier, suppressed=suppressed, rules=rules) or not (
        may_plot(numerator) and may_plot(denominator) and float(denominator) > 0
    ):
        return suppressed_wording(rules)
    text = f"{100 * float(numerator) / float(denominator):.{decimals}f}%"
    if interval is not None:
        text += f" (95% interval {interval[0]:.{decimals}f}% to {interval[1]:.{decimals}f}%)"
    return text
