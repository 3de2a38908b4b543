"""Wording shared by the score card's tables and sentences: figures, titles, periods, lists.

Pure helpers: :func:`format_figure` (a value with its unit, as the rules round it),
:func:`short_title` (a PI title without its unit suffix), :func:`period_text` (a period as the
presenter writes it), :func:`join_words`, :func:`lower_first`, :func:`sentence_case` and
:func:`status_text` (the rules' words for a missing or suppressed figure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lscb_analysis.core import indicators

_UNIT_SUFFIX = re.compile(r"\s*\((?:FTE\s*)?%\)\s*$")


def format_figure(value: Any, unit: str, decimals: int, rules: Mapping) -> str:
    """Write a value with the PI's decimals (rounded half up, as DfE) and its unit.

    Missing values give ``""``; callers show the status text instead.

    >>> from lscb_analysis.scorecard.rules import load_rules
    >>> rules = load_rules()
    >>> format_figure(27.35, "percent", 1, rules), format_figure(1234.5, "rate_per_10000", 0, rules)
    ('27.4%', '1,235 per 10,000')
    >>> format_figure(float("nan"), "percent", 1, rules)
    ''
    """
    if value is None or pd.isna(value):
        return ""
    rounded = indicators.round_half_up(float(value), int(decimals))
    number = f"{rounded:,.{int(decimals)}f}"
    return str(rules["units"].get(unit, "{value}")).format(value=number)


def short_title(title: str) -> str:
    """A PI title without its trailing unit, for sentences.

    >>> short_title("Re-referrals within 12 months of a previous referral (%)")
    'Re-referrals within 12 months of a previous referral'
    """
    return _UNIT_SUFFIX.sub("", str(title)).strip()


def lower_first(text: str) -> str:
    """'Re-referrals ...' -> 're-referrals ...'; 'MARAC cases' stays."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def sentence_case(text: str) -> str:
    """Capitalise the first letter only.

    >>> sentence_case("re-referrals rose")
    'Re-referrals rose'
    """
    return text[:1].upper() + text[1:]


def join_words(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'.

    >>> join_words(["a", "b", "c"])
    'a, b and c'
    """
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def status_text(state: str, rules: Mapping) -> str:
    """The rules' words for a figure's state ("suppressed", "not_available", ...); an unknown
    state is written as itself in sentence case."""
    return str(rules["status_text"].get(state, state.replace("_", " ").capitalize()))


def period_text(value: Any) -> str:
    """A period as the presenter writes it ("2024-25", "Q3 2025-26"); blank stays blank."""
    from lscb_analysis.present import presenter

    return presenter.format_period(value) if str(value or "").strip() else ""
