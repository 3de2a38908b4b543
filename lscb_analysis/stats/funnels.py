"""Funnel plots: control limits around a target, each unit's place, and over-dispersion.

The method is an option of each funnel and is recorded in the result's ``attrs``:

- ``method="exact"`` (the default): exact binomial (proportions) or Poisson (rates) limits,
  PHE's funnel-plot method (PHEindicatormethods ``calculate_funnel_limits`` /
  ``assign_funnel_significance``, Fingertips technical guidance); a unit is outside a limit
  exactly when the one-sided exact test at the target rejects, so 0 events against 1
  expected is within the 99.8% (and 95%) limits (P(0 | 1 expected) = 0.37).
- ``method="normal"``: the normal approximation on ``scale``, NHS-R FunnelPlotR's approach.

Over-dispersion (Spiegelhalter 2005, "Funnel plots for comparing institutional
performance", Stat Med 24:1185) is estimated and applied on ``scale``: ``"transformed"``
(the default, as FunnelPlotR: arcsine square root for proportions, log for rates, z-scores
winsorised at 10%) or ``"natural"``. Adjusted limits use the normal approximation on that
scale whatever the method. Formulas: :mod:`lscb_analysis.stats.funnel_limits`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats import funnel_limits
from lscb_analysis.stats.funnel_limits import LEVELS, METHODS, SCALES
from lscb_analysis.stats.inputs import (
    broadcast,
    check_choice,
    check_multiplier,
    check_not_negative,
    check_numerator_within_denominator,
)

__all__ = ["funnel", "funnel_curve"]

NOT_PLACED_CODES: tuple[str, ...] = ("no_numerator", "no_denominator", "zero_denominator")
"""Why :func:`funnel` cannot place a unit (its ``not_placed`` column)."""


def _limits(
    denominator: np.ndarray,
    theta: float,
    kind: str,
    method: str,
    scale: str,
    adjustment: str | None,
    phi: float,
    tau2: float,
) -> dict[str, np.ndarray]:
    """Limits (unscaled) for each denominator: exact unless adjusted or ``normal``."""
    limits: dict[str, np.ndarray] = {}
    for label, level in LEVELS:
        if method == "exact" and adjustment is None:
            low, high = funnel_limits.exact_limits(denominator, theta, kind, level)
        else:
            low, high = funnel_limits.normal_limits(
                denominator, theta, kind, scale, level, adjustment, phi, tau2
            )
        limits[f"lower_{label}"], limits[f"upper_{label}"] = low, high
    return limits


def _not_placed(events: np.ndarray, cases: np.ndarray) -> list[str | None]:
    """Each unit's reason code for not being placed (None when it is placed)."""
    reasons: list[str | None] = []
    for event, case in zip(events, cases, strict=True):
        if np.isnan(case):
            reasons.append("no_denominator")
        elif case == 0:
            reasons.append("zero_denominator")
        elif np.isnan(event):
            reasons.append("no_numerator")
        else:
            reasons.append(None)
    return reasons


def _check_winsorise(winsorise: object) -> None:
    """Refuse a winsorising fraction outside [0, 0.5), which would trim every z-score."""
    if (
        isinstance(winsorise, bool)
        or not isinstance(winsorise, numbers.Real)
        or not (0 <= winsorise < 0.5)
    ):
        raise InvalidArgumentError(
            f"winsorise must be a fraction from 0 up to (not including) 0.5, such as 0.1 "
            f"for 10% at each end; got {winsorise!r}."
        )


def _funnel_target(
    target: object, events: np.ndarray, cases: np.ndarray, kind: str, scale: float
) -> float:
    """The funnel's centre on the unscaled scale: the pooled value, or the checked target."""
    if target is None:
        complete = ~(np.isnan(events) | np.isnan(cases))
        total = cases[complete].sum()
        return events[complete].sum() / total if total > 0 else math.nan
    if isinstance(target, bool) or not isinstance(target, numbers.Real) or math.isnan(target):
        raise InvalidArgumentError(
            f"target must be a number on the output scale (or None for the pooled "
            f"value); got {target!r}."
        )
    theta = float(target) / scale
    if theta < 0 or (kind == "proportion" and theta > 1):
        upper_bound = "the multiplier" if kind == "proportion" else "infinity"
        raise InvalidArgumentError(
            f"target must lie between 0 and {upper_bound} on the output scale "
            f"(multiplier {scale:g}); got {target!r}."
        )
    return theta


def _funnel_significance(value: np.ndarray, limits: dict[str, np.ndarray]) -> list[str | None]:
    """Each unit's place against the limits, the outer (99.8%) limits checked first."""
    significance: list[str | None] = []
    for position, value_ in enumerate(value):
        if np.isnan(value_):
            significance.append(None)
        elif value_ > limits["upper_998"][position]:
            significance.append("high_998")
        elif value_ > limits["upper_95"][position]:
            significance.append("high_95")
        elif value_ < limits["lower_998"][position]:
            significance.append("low_998")
        elif value_ < limits["lower_95"][position]:
            significance.append("low_95")
        else:
            significance.append("not_significant")
    return significance


def _adjustment(overdispersion: str | None, phi: float, tau2: float) -> str | None:
    """The adjustment actually applied: only when phi > 1 (multiplicative) or tau^2 > 0."""
    if overdispersion == "multiplicative" and phi > 1:
        return "multiplicative"
    if overdispersion == "additive" and tau2 > 0:
        return "additive"
    return None


def funnel(
    numerator,
    denominator,
    kind="proportion",
    target=None,
    multiplier=None,
    overdispersion=None,
    winsorise=0.1,
    method="exact",
    scale="transformed",
) -> pd.DataFrame:
    """Funnel-plot control limits and each unit's place (area, team, ...) against them.

    Limits are at 95% (about 2 sigma) and 99.8% (about 3 sigma) around the target, by
    ``method`` (see :mod:`lscb_analysis.stats.funnel_limits` for the formulas):

    - ``"exact"``: exact binomial (proportions) or Poisson (rates, expected count
      ``target x n``) limits, continuous in the count, as PHE's funnel method
      (PHEindicatormethods ``calculate_funnel_limits``). A unit is outside a limit exactly
      when the one-sided exact test at the target gives less than 2.5% (0.1%); no events
      against an expected count of 1 is within every limit.
    - ``"normal"``: ``g^-1(g(target) +/- z s)`` on ``scale`` (FunnelPlotR's approach): on the
      natural scale ``s = sqrt(V(target) / n)``, which for proportions equals PHE's Wilson
      score limits (``sigma_adjustment``); transformed, arcsine square root
      (``s = 1 / (2 sqrt(n))``, FunnelPlotR's proportion limits) or log
      (``s = 1 / sqrt(target n)``).

    Over-dispersion follows Spiegelhalter (2005) on ``scale``: z-scores
    ``(g(y) - g(target)) / s`` are winsorised at ``winsorise`` at each end (R's type 7
    quantiles) and ``phi = mean(z_w^2)``. ``"multiplicative"`` limits use ``sqrt(phi) s``;
    ``"additive"`` limits use ``sqrt(s^2 + tau^2)`` with
    ``tau^2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w))``, ``w = 1 / s^2``
    (FunnelPlotR ``tau_func``; FunnelPlotR itself is additive on the transformed scale).
    No adjustment is made when phi <= 1 (multiplicative) or tau^2 = 0 (additive); the
    limits are then those of ``method``. Adjusted limits are normal limits on ``scale``.
    On the log scale a rate with no events scores ``sqrt(E) log(0.5 / (E + 0.5))``.

    A unit with no numerator, no denominator or a denominator of zero is not placed: it
    keeps its row with no value, z or significance, its reason in ``not_placed``, and it is
    left out of the target and over-dispersion.

    Args:
        numerator: events per unit (>= 0; <= denominator for proportions).
        denominator: cases (proportions) or population / exposure (rates), >= 0.
        kind: "proportion" or "rate" (a standardised ratio is a rate with the expected
            counts as denominators and a target of 1).
        target: the centre line on the output scale (same units as ``value``); default
            the pooled value, sum of numerators / sum of denominators x multiplier.
        multiplier: output scale; default 1 for proportions (fractions) and 10,000 for
            rates (per 10,000, as :func:`rate_ci`).
        overdispersion: None, "multiplicative" or "additive".
        winsorise: fraction winsorised at each end when estimating phi, in [0, 0.5).
        method: "exact" or "normal".
        scale: "transformed" or "natural", for normal limits and over-dispersion.

    Returns:
        DataFrame with one row per unit: ``value``, ``target``, ``lower_95``, ``upper_95``,
        ``lower_998``, ``upper_998``, ``z`` (the score on ``scale`` against the spread in
        use: divided by sqrt(phi) or using s^2 + tau^2 when adjusted; under ``exact`` the
        place comes from the exact limits, not from z), ``significance`` ("high_998",
        "high_95", "low_998", "low_95" or "not_significant", checked in that order;
        strictly outside a limit), ``not_placed`` (None, "no_numerator",
        "no_denominator" or "zero_denominator"), then ``numerator`` and ``denominator``.
        ``attrs``: ``kind``, ``multiplier``, ``target``, ``method``, ``scale``,
        ``overdispersion`` (requested), ``adjusted`` (whether limits were widened), ``phi``
        and ``tau2`` (always estimated, on ``scale``; tau2 unscaled), ``winsorise``.

    Raises:
        InvalidArgumentError: invalid counts or denominators, an unknown kind, method,
            scale or over-dispersion method, winsorise outside [0, 0.5), a negative target
            or a proportion target above the multiplier.

    Example:
        >>> result = funnel([20, 130, 12, 0], [100, 500, 100, 25], target=0.2)
        >>> result[["value", "lower_95", "upper_95", "significance"]].round(6)
           value  lower_95  upper_95     significance
        0   0.20  0.119801  0.285937  not_significant
        1   0.26  0.164538  0.236601         high_998
        2   0.12  0.119801  0.285937  not_significant
        3   0.00  0.037676  0.385908           low_95
    """
    check_choice(kind, "kind", ("proportion", "rate"))
    check_choice(overdispersion, "overdispersion", (None, "multiplicative", "additive"))
    check_choice(method, "method", METHODS)
    check_choice(scale, "scale", SCALES)
    _check_winsorise(winsorise)
    if multiplier is None:
        multiplier = 1 if kind == "proportion" else 10000
    factor = check_multiplier(multiplier)
    arrays, index = broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    check_not_negative(events, "numerator")
    check_not_negative(cases, "denominator")
    if kind == "proportion":
        check_numerator_within_denominator(events, cases, "numerator", "denominator")
    not_placed = _not_placed(events, cases)
    placed = np.array([reason is None for reason in not_placed], dtype=bool)
    events = np.where(placed, events, np.nan)

    theta = _funnel_target(target, events, np.where(placed, cases, np.nan), kind, factor)
    error = funnel_limits.standard_error(cases, theta, kind, scale)
    raw_z = funnel_limits.z_scores(events, cases, theta, kind, scale)
    phi, tau2 = funnel_limits.overdispersion(raw_z, error, float(winsorise))
    adjustment = _adjustment(overdispersion, phi, tau2)

    limits = {
        column: limit * factor
        for column, limit in _limits(
            cases, theta, kind, method, scale, adjustment, phi, tau2
        ).items()
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        z = raw_z * error / funnel_limits.spread(error, adjustment, phi, tau2)
        value = np.where(placed, events / np.where(cases > 0, cases, np.nan), np.nan) * factor

    frame = pd.DataFrame(
        {
            "value": value,
            "target": np.full(value.shape, theta * factor),
            **limits,
            "z": np.where(np.isfinite(z), z, np.nan),
            "significance": _funnel_significance(value, limits),
            "not_placed": not_placed,
            "numerator": arrays["numerator"],
            "denominator": cases,
        },
        index=index,
    )
    frame.attrs.update(
        kind=kind,
        multiplier=factor,
        target=float(theta * factor),
        method=method,
        scale=scale,
        overdispersion=overdispersion,
        adjusted=adjustment is not None,
        phi=float(phi),
        tau2=float(tau2),
        winsorise=float(winsorise),
    )
    return frame


def funnel_curve(frame: pd.DataFrame, points: int = 200) -> pd.DataFrame:
    """Smooth funnel limits across the range of denominators of a :func:`funnel` result.

    Uses exactly the method recorded in ``frame.attrs`` (kind, multiplier, target, method,
    scale and any over-dispersion adjustment with its phi and tau^2), so the curve matches the per-unit
    limits. For drawing funnel plots.

    Args:
        frame: the DataFrame returned by :func:`funnel`.
        points: number of denominators, geometrically spaced from half the smallest to
            1.05 x the largest denominator in ``frame``.

    Returns:
        DataFrame with one row per denominator: ``denominator``, ``target``, ``lower_95``,
        ``upper_95``, ``lower_998``, ``upper_998``.

    Raises:
        InvalidArgumentError: ``frame`` is not a funnel result, or it has no positive
            denominators.

    Example:
        >>> curve = funnel_curve(funnel([20, 30], [100, 300], target=0.2), points=3)
        >>> curve.round(4)
           denominator  target  lower_95  upper_95  lower_998  upper_998
        0       50.000     0.2    0.0859    0.3257     0.0370     0.3986
        1      125.499     0.2    0.1286    0.2760     0.0936     0.3203
        2      315.000     0.2    0.1552    0.2466     0.1317     0.2737
    """
    required = {"kind", "multiplier", "target", "adjusted", "overdispersion", "phi", "tau2"}
    required |= {"method", "scale"}
    if not required <= set(frame.attrs) or "denominator" not in frame:
        raise InvalidArgumentError(
            "frame must be the DataFrame returned by funnel() (its attrs and denominator "
            "column are needed); pass that result unchanged."
        )
    if isinstance(points, bool) or not isinstance(points, numbers.Integral) or points < 2:
        raise InvalidArgumentError(f"points must be a whole number of at least 2; got {points!r}.")
    denominators = frame["denominator"].to_numpy(dtype=float, na_value=np.nan)
    denominators = denominators[np.isfinite(denominators) & (denominators > 0)]
    if denominators.size == 0:
        raise InvalidArgumentError("frame has no positive denominators to draw a curve over.")
    attrs = frame.attrs
    grid = np.geomspace(denominators.min() / 2, denominators.max() * 1.05, int(points))
    scale = float(attrs["multiplier"])
    theta = float(attrs["target"]) / scale
    adjustment = attrs["overdispersion"] if attrs["adjusted"] else None
    limits = _limits(
        grid,
        theta,
        attrs["kind"],
        attrs["method"],
        attrs["scale"],
        adjustment,
        attrs["phi"],
        attrs["tau2"],
    )
    return pd.DataFrame(
        {
            "denominator": grid,
            "target": np.full(grid.shape, theta * scale),
            **{column: limit * scale for column, limit in limits.items()},
        }
    )
