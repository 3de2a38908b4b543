"""Target (red / amber / green) and direction-of-travel rules for one PI's figures.

:func:`target_status` rates a value against its target and :func:`travel` compares it with the
previous value, both following the PI's polarity and comparing figures as published (rounded);
:func:`trend_judgement` reads a recent-trend marker as improving or worsening.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lscb_analysis.core import indicators


def _rounded(value: float, decimals: int, rules: Mapping) -> float:
    if rules["direction"].get("compare_rounded", True):
        return indicators.round_half_up(float(value), int(decimals))
    return float(value)


def travel(latest: float, previous: float, polarity: str, decimals: int, rules: Mapping) -> str:
    """Direction of travel from the previous value to the latest, following polarity.

    Output: ``improving``, ``worsening`` or ``no_change`` for a PI with a polarity; ``up``,
    ``down`` or ``no_change`` without one; ``not_comparable`` when a value is missing.

    >>> from lscb_analysis.scorecard.rules import load_rules
    >>> rules = load_rules()
    >>> travel(27.4, 22.6, "low", 1, rules), travel(90.0, 85.0, "high", 1, rules)
    ('worsening', 'improving')
    >>> travel(5.0, 4.0, "none", 1, rules), travel(14.81, 14.84, "low", 1, rules)
    ('up', 'no_change')
    """
    if pd.isna(latest) or pd.isna(previous):
        return "not_comparable"
    now, before = _rounded(latest, decimals, rules), _rounded(previous, decimals, rules)
    if now == before:
        return "no_change"
    if polarity not in ("high", "low"):
        return "up" if now > before else "down"
    return "improving" if (now > before) == (polarity == "high") else "worsening"


def target_status(
    value: float,
    target: float,
    polarity: str,
    decimals: int,
    rules: Mapping,
    tolerance: float | None = None,
) -> str:
    """Red / amber / green of a value against its target.

    Output: ``met``, ``near`` (missed by no more than ``targets.amber_within`` of the target),
    ``missed`` (``tolerance``, a board's own in the PI's unit, replaces the share when given),
    ``no_target`` (no target or no polarity) or ``not_assessed`` (no figure).

    >>> from lscb_analysis.scorecard.rules import load_rules
    >>> rules = load_rules()
    >>> [target_status(v, 85, "high", 1, rules) for v in (86.0, 84.96, 82.0, 70.0)]
    ['met', 'met', 'near', 'missed']
    >>> target_status(float("nan"), 85, "high", 1, rules), target_status(21.0, 20, "low", 1, rules)
    ('not_assessed', 'near')
    """
    if target is None or pd.isna(target) or polarity not in ("high", "low"):
        return "no_target"
    if value is None or pd.isna(value):
        return "not_assessed"
    shown = indicators.round_half_up(float(value), int(decimals))
    gap = (target - shown) if polarity == "high" else (shown - target)
    if gap <= 0:
        return "met"
    if tolerance is not None and not pd.isna(tolerance):
        return "near" if gap <= float(tolerance) else "missed"
    return "near" if gap <= abs(target) * float(rules["targets"]["amber_within"]) else "missed"


def trend_judgement(trend: str, polarity: str) -> str:
    """'getting worse', 'getting better' or '' for a trend code and a polarity."""
    if trend not in ("increasing", "decreasing") or polarity not in ("high", "low"):
        return ""
    return "getting better" if (trend == "increasing") == (polarity == "high") else "getting worse"
