"""Funnel plots: control limits around a target, significance and over-dispersion.

References: PHEindicatormethods / Fingertips control limits; over-dispersion as in
Spiegelhalter (2005) "Funnel plots for comparing institutional performance" and NHS-R
FunnelPlotR (here on the natural scale).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.inputs import (
    broadcast,
    check_choice,
    check_multiplier,
    check_not_negative,
    check_numerator_within_denominator,
    check_positive,
)
from lscb_analysis.stats.intervals import exact_poisson_limits

__all__ = ["funnel", "funnel_curve"]


_FUNNEL_LEVELS = (("95", 0.95), ("998", 0.998))


def _unit_variance(theta: float, kind: str) -> float:
    """Variance of one case (proportion) or one unit of denominator (rate) at the target."""
    return theta * (1 - theta) if kind == "proportion" else theta


def _funnel_limits(
    denominator: np.ndarray,
    theta: float,
    kind: str,
    scale: float,
    adjustment: str | None,
    phi: float,
    tau2: float,
) -> dict[str, np.ndarray]:
    """Control limits on the output scale for each denominator.

    ``theta`` is the target on the unscaled scale (fraction, or rate per one unit).
    ``adjustment`` is the over-dispersion method actually applied (None, "multiplicative"
    or "additive").
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        standard_error = np.sqrt(_unit_variance(theta, kind) / denominator)
    limits: dict[str, np.ndarray] = {}
    for label, level in _FUNNEL_LEVELS:
        z = scipy_stats.norm.ppf(1 - (1 - level) / 2)
        if adjustment is None and kind == "rate":
            # Exact Poisson limits for a count equal to the expected count (FunnelPlotR).
            expected = theta * denominator
            low_count, high_count = exact_poisson_limits(expected, level)
            with np.errstate(invalid="ignore", divide="ignore"):
                low, high = low_count / denominator, high_count / denominator
        else:
            if adjustment == "multiplicative":
                spread = math.sqrt(phi) * standard_error
            elif adjustment == "additive":
                spread = np.sqrt(standard_error**2 + tau2)
            else:
                spread = standard_error
            low, high = theta - z * spread, theta + z * spread
        low = np.maximum(low, 0.0)
        if kind == "proportion":
            high = np.minimum(high, 1.0)
        limits[f"lower_{label}"] = low * scale
        limits[f"upper_{label}"] = high * scale
    return limits


def _overdispersion(
    observed: np.ndarray, denominator: np.ndarray, theta: float, kind: str, winsorise: float
) -> tuple[float, float]:
    """Spiegelhalter's (2005) dispersion ratio phi and between-area variance tau^2."""
    with np.errstate(invalid="ignore", divide="ignore"):
        standard_error = np.sqrt(_unit_variance(theta, kind) / denominator)
        z = (observed - theta) / standard_error
    usable = np.isfinite(z)
    count = int(usable.sum())
    if count < 2:
        return math.nan, math.nan
    z_usable = z[usable]
    # Winsorise: pull the most extreme fraction at each end in to the quantile (type 7).
    low_cut, high_cut = np.quantile(z_usable, [winsorise, 1 - winsorise])
    phi = float(np.mean(np.clip(z_usable, low_cut, high_cut) ** 2))
    weights = 1 / standard_error[usable] ** 2
    spread_of_weights = weights.sum() - (weights**2).sum() / weights.sum()
    if spread_of_weights <= 0:
        return phi, 0.0
    tau2 = max(0.0, (count * phi - (count - 1)) / spread_of_weights)
    return phi, float(tau2)


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


def funnel(
    numerator,
    denominator,
    kind="proportion",
    target=None,
    multiplier=None,
    overdispersion=None,
    winsorise=0.1,
) -> pd.DataFrame:
    """Funnel-plot control limits and significance for each unit (area, team, ...).

    Limits are at 95% (about 2 sigma) and 99.8% (about 3 sigma) around the target:

    - proportions: normal approximation ``target +/- z * sqrt(target (1 - target) / n)``,
      clamped to [0, multiplier]; numerically identical to PHEindicatormethods'
      ``sigma_adjustment`` used by ``phe_funnels`` / Fingertips;
    - rates: exact Poisson (chi-squared) limits for a count equal to the expected count
      ``target x n`` (as FunnelPlotR's Poisson limits), divided by n; lower limit >= 0.

    Over-dispersion follows Spiegelhalter (2005), on the natural (untransformed) scale:
    z-scores ``(y - target) / s`` with ``s = sqrt(V(target) / n)`` are winsorised at
    ``winsorise`` at each end (numpy's default linear quantiles, R's type 7) and
    ``phi = mean(z_w^2)``. ``"multiplicative"`` limits use ``target +/- z sqrt(phi) s``;
    ``"additive"`` limits use ``target +/- z sqrt(s^2 + tau^2)`` with
    ``tau^2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w))``, ``w = 1 / s^2`` and
    k the number of units (as FunnelPlotR's ``tau_func``). No adjustment is made when
    phi <= 1 (multiplicative) or tau^2 = 0 (additive); the limits are then the unadjusted
    ones above. Adjusted limits use the normal approximation for rates too.

    Args:
        numerator: events per unit (>= 0; <= denominator for proportions).
        denominator: cases (proportions) or population / exposure (rates), > 0.
        kind: "proportion" or "rate".
        target: the centre line on the output scale (same units as ``value``); default
            the pooled value, sum of numerators / sum of denominators x multiplier.
        multiplier: output scale; default 1 for proportions (fractions) and 10,000 for
            rates (per 10,000, as :func:`rate_ci`).
        overdispersion: None, "multiplicative" or "additive".
        winsorise: fraction winsorised at each end when estimating phi, in [0, 0.5).

    Returns:
        DataFrame with one row per unit: ``value``, ``target``, ``lower_95``, ``upper_95``,
        ``lower_998``, ``upper_998``, ``z`` (the standardised score against the limits in
        use: divided by sqrt(phi) or using s^2 + tau^2 when adjusted), ``significance``
        ("high_998", "high_95", "low_998", "low_95" or "not_significant", checked in that
        order; strictly outside a limit), then ``numerator`` and ``denominator`` (echoed so
        plots need not recompute). Missing inputs give missing value, z and significance.
        ``attrs``: ``kind``, ``multiplier``, ``target``, ``overdispersion`` (requested),
        ``adjusted`` (whether limits were widened), ``phi`` and ``tau2`` (always estimated;
        tau2 on the unscaled scale: fraction, or rate per one unit), ``winsorise``.

    Raises:
        InvalidArgumentError: invalid counts or denominators, an unknown kind or
            over-dispersion method, winsorise outside [0, 0.5), a negative target or a
            proportion target above the multiplier.

    Example:
        >>> result = funnel([20, 130, 12], [100, 500, 100], target=0.2)
        >>> result[["value", "lower_95", "upper_95", "significance"]].round(6)
           value  lower_95  upper_95     significance
        0   0.20  0.121601  0.278399  not_significant
        1   0.26  0.164939  0.235061         high_998
        2   0.12  0.121601  0.278399           low_95
    """
    check_choice(kind, "kind", ("proportion", "rate"))
    check_choice(overdispersion, "overdispersion", (None, "multiplicative", "additive"))
    _check_winsorise(winsorise)
    if multiplier is None:
        multiplier = 1 if kind == "proportion" else 10000
    scale = check_multiplier(multiplier)
    arrays, index = broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    check_not_negative(events, "numerator")
    check_positive(cases, "denominator")
    if kind == "proportion":
        check_numerator_within_denominator(events, cases, "numerator", "denominator")

    theta = _funnel_target(target, events, cases, kind, scale)

    with np.errstate(invalid="ignore", divide="ignore"):
        observed = events / cases
    phi, tau2 = _overdispersion(observed, cases, theta, kind, float(winsorise))
    adjustment: str | None = None
    if overdispersion == "multiplicative" and phi > 1:
        adjustment = "multiplicative"
    elif overdispersion == "additive" and tau2 > 0:
        adjustment = "additive"

    limits = _funnel_limits(cases, theta, kind, scale, adjustment, phi, tau2)
    with np.errstate(invalid="ignore", divide="ignore"):
        standard_error = np.sqrt(_unit_variance(theta, kind) / cases)
        if adjustment == "multiplicative":
            standard_error = standard_error * math.sqrt(phi)
        elif adjustment == "additive":
            standard_error = np.sqrt(standard_error**2 + tau2)
        z = (observed - theta) / standard_error
    z = np.where(np.isfinite(z), z, np.nan)
    value = observed * scale

    significance = _funnel_significance(value, limits)

    frame = pd.DataFrame(
        {
            "value": value,
            "target": np.full(value.shape, theta * scale),
            **limits,
            "z": z,
            "significance": significance,
            "numerator": events,
            "denominator": cases,
        },
        index=index,
    )
    frame.attrs.update(
        kind=kind,
        multiplier=scale,
        target=float(theta * scale),
        overdispersion=overdispersion,
        adjusted=adjustment is not None,
        phi=float(phi),
        tau2=float(tau2),
        winsorise=float(winsorise),
    )
    return frame


def funnel_curve(frame: pd.DataFrame, points: int = 200) -> pd.DataFrame:
    """Smooth funnel limits across the range of denominators of a :func:`funnel` result.

    Uses exactly the method recorded in ``frame.attrs`` (kind, multiplier, target and any
    over-dispersion adjustment with its phi and tau^2), so the curve matches the per-unit
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
        0       50.000     0.2    0.0891    0.3109     0.0252     0.3748
        1      125.499     0.2    0.1300    0.2700     0.0897     0.3103
        2      315.000     0.2    0.1558    0.2442     0.1304     0.2696
    """
    required = {"kind", "multiplier", "target", "adjusted", "overdispersion", "phi", "tau2"}
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
    limits = _funnel_limits(
        grid, theta, attrs["kind"], scale, adjustment, attrs["phi"], attrs["tau2"]
    )
    return pd.DataFrame(
        {"denominator": grid, "target": np.full(grid.shape, theta * scale), **limits}
    )
