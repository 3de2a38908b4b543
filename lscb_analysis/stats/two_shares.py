"""The difference between two shares, with a verdict, interval and p-value from one method.

Method: Newcombe's hybrid score interval for a difference of two independent proportions
(Newcombe 1998, Stat Med 17:873, method 10; ``statsmodels.stats.proportion.
confint_proportions_2indep(method="newcomb")``), built from the two Wilson score intervals at
the same ``z``::

    lower = d - sqrt((p1 - l1)**2 + (u2 - p2)**2)
    upper = d + sqrt((u1 - p1)**2 + (p2 - l2)**2)

The verdict is read from that interval: the shares differ beyond chance exactly when the
interval excludes 0. The p-value is the same interval inverted: the smallest two-sided level
``alpha`` at which the ``1 - alpha`` Newcombe interval excludes 0 (the lower limit falls with
``z`` because each Wilson interval widens with ``z``, so there is one such level). So
``p_value < 1 - confidence`` holds exactly when the interval excludes 0: a verdict, its interval
and its p-value cannot disagree, as Fisher's exact test beside a Newcombe interval could.

Clustered shares (answers nested in cases): pass each share's design effect
(:mod:`lscb_analysis.stats.clustered`); events and totals are divided by it (effective counts,
Kish 1965; Donner & Klar 2000, section 5.3) before the interval is built, so the comparison
uses the same clustering as each share's own interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as scipy_stats

from lscb_analysis.stats.inputs import (
    broadcast,
    check_confidence,
    check_multiplier,
    check_not_negative,
    check_numerator_within_denominator,
    check_positive,
)

__all__ = [
    "METHOD",
    "compare_two_shares",
    "newcombe_limits",
    "newcombe_p_value",
    "wilson_limits",
]

METHOD = (
    "Newcombe hybrid score interval for the difference of two shares (Newcombe 1998, method "
    "10); the difference is beyond chance exactly when the interval excludes 0, and the "
    "p-value is that interval inverted (the smallest level at which it excludes 0)."
)
# Beyond z = 38 the two-sided normal tail is below 1e-300: report p as 0.
_Z_MAX = 38.0
_Z_MIN = 1e-9


def wilson_limits(events: float, total: float, z: float) -> tuple[float, float]:
    """Wilson's score limits of ``events / total`` at normal quantile ``z`` (closed form).

    ``(x + z**2/2 -+ z * sqrt(x (n - x) / n + z**2 / 4)) / (n + z**2)`` (Wilson 1927;
    Newcombe 1998 method 3), the same as ``statsmodels.stats.proportion.proportion_confint(
    method="wilson")`` but taking ``z`` itself, so that the limits stay finite where the
    two-sided level ``2 * (1 - Phi(z))`` underflows to 0. Exactly 0 for 0 events and 1 for
    all events. Inputs: events and total (non-integer allowed, ``0 <= x <= n``, ``n > 0``),
    ``z`` >= 0. Output: (lower, upper) as fractions.

    >>> [round(v, 4) for v in wilson_limits(3, 7, 1.959963984540054)]
    [0.1582, 0.7495]
    """
    centre = events + z * z / 2
    half = z * np.sqrt(max(events * (total - events) / total, 0.0) + z * z / 4)
    lower = 0.0 if events == 0 else (centre - half) / (total + z * z)
    upper = 1.0 if events == total else (centre + half) / (total + z * z)
    return float(lower), float(upper)


def newcombe_limits(x1, n1, x2, n2, z: float) -> tuple[float, float]:
    """Newcombe's hybrid score limits of ``x1/n1 - x2/n2`` at normal quantile ``z``.

    Inputs: events and totals of the two shares (non-integer effective counts allowed,
    ``0 <= x <= n``, ``n > 0``) and ``z`` (> 0; 1.96 for 95%). Output: (lower, upper) as
    fractions, from the two :func:`wilson_limits`. Raises nothing for valid numbers (the
    caller checks them).

    >>> [round(v, 4) for v in newcombe_limits(56, 70, 48, 80, 1.959963984540054)]
    [0.0524, 0.3339]
    """
    low1, high1 = wilson_limits(x1, n1, z)
    low2, high2 = wilson_limits(x2, n2, z)
    p1, p2 = x1 / n1, x2 / n2
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    upper = difference + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return float(lower), float(upper)


def newcombe_p_value(x1, n1, x2, n2) -> float:
    """The two-sided p-value of Newcombe's interval: the smallest ``alpha`` that excludes 0.

    Inputs as :func:`newcombe_limits`. Output: 1.0 when the shares are equal, else
    ``2 * (1 - Phi(z*))`` where ``z*`` is the ``z`` at which the limit nearer 0 reaches 0
    (found with ``scipy.optimize.brentq``); 0.0 beyond ``z`` = 38. Raises nothing.

    >>> round(newcombe_p_value(9, 10, 3, 10), 4)
    0.005
    """
    difference = x1 / n1 - x2 / n2
    if difference == 0:
        return 1.0
    side = 0 if difference > 0 else 1  # the lower limit for a rise, the upper for a fall

    def limit(z: float) -> float:
        return newcombe_limits(x1, n1, x2, n2, z)[side]

    if np.sign(limit(_Z_MAX)) == np.sign(difference):
        return 0.0
    if np.sign(limit(_Z_MIN)) != np.sign(difference):
        return 1.0  # equal shares up to rounding (1/3 against 0.8/2.4)
    z_star = optimize.brentq(limit, _Z_MIN, _Z_MAX, xtol=1e-12, rtol=1e-12)
    return float(2 * scipy_stats.norm.sf(z_star))


def compare_two_shares(
    events1,
    total1,
    events2,
    total2,
    design_effect1=1.0,
    design_effect2=1.0,
    confidence=0.95,
    multiplier=100,
) -> pd.DataFrame:
    """Share 1 minus share 2, with Newcombe's interval, its verdict and its p-value.

    Args:
        events1, total1: events and total of the first share (e.g. this audit), array-like
            or scalars, ``0 <= events <= total``, ``total > 0``.
        events2, total2: the same for the second share (e.g. the previous audit).
        design_effect1, design_effect2: each share's design effect (> 0; 1 for independent
            answers), from :func:`lscb_analysis.stats.clustered.clustered_share`. Events and
            totals are divided by it before the interval is built.
        confidence: two-sided level, strictly between 0.9 and 1.
        multiplier: scale of the difference and its limits (100: percentage points).

    Returns:
        One row per input with ``share1``, ``share2`` (x multiplier), ``difference``
        (share1 - share2), ``lower``, ``upper`` (Newcombe, x multiplier), ``p_value``
        (the interval inverted, see the module docstring) and ``significant`` (boolean:
        the interval excludes 0, the same as ``p_value < 1 - confidence``). Missing inputs
        give NaN and ``<NA>``. ``attrs``: ``confidence``, ``multiplier``, ``method``.

    Raises:
        InvalidArgumentError: negative events, a total or design effect at or below 0,
            events above their total, lengths that do not match, a bad confidence or
            multiplier.

    >>> compare_two_shares(9, 10, 3, 10).round(4)
       share1  share2  difference    lower    upper  p_value  significant
    0    90.0    30.0        60.0  17.0523  80.9018    0.005         True
    """
    level = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    arrays, index = broadcast(
        events1=events1,
        total1=total1,
        events2=events2,
        total2=total2,
        design_effect1=design_effect1,
        design_effect2=design_effect2,
    )
    for events, total in (("events1", "total1"), ("events2", "total2")):
        check_not_negative(arrays[events], events)
        check_positive(arrays[total], total)
        check_numerator_within_denominator(arrays[events], arrays[total], events, total)
    check_positive(arrays["design_effect1"], "design_effect1")
    check_positive(arrays["design_effect2"], "design_effect2")
    z = scipy_stats.norm.isf((1 - level) / 2)
    rows = [
        _one(*values, z)
        for values in zip(
            arrays["events1"] / arrays["design_effect1"],
            arrays["total1"] / arrays["design_effect1"],
            arrays["events2"] / arrays["design_effect2"],
            arrays["total2"] / arrays["design_effect2"],
            strict=True,
        )
    ]
    names = ["share1", "share2", "difference", "lower", "upper", "p_value", "significant"]
    frame = pd.DataFrame(rows, columns=names)
    frame[names[:5]] = frame[names[:5]].astype(float) * scale
    frame["p_value"] = frame["p_value"].astype(float)
    frame["significant"] = frame["significant"].astype("boolean")
    frame.index = index
    frame.attrs.update(confidence=level, multiplier=scale, method=METHOD)
    return frame


def _one(x1: float, n1: float, x2: float, n2: float, z: float) -> tuple:
    """One comparison: shares, difference, limits (fractions), p-value and verdict."""
    if np.isnan([x1, n1, x2, n2]).any():
        return (np.nan,) * 6 + (pd.NA,)
    lower, upper = newcombe_limits(x1, n1, x2, n2, z)
    significant = bool(lower > 0 or upper < 0)
    return (
        x1 / n1,
        x2 / n2,
        x1 / n1 - x2 / n2,
        lower,
        upper,
        newcombe_p_value(x1, n1, x2, n2),
        significant,
    )
