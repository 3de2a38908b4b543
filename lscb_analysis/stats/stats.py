"""Statistics for the workbench: intervals, benchmarking, funnels, SPC charts, trends and peers.

Every function here is pure: it takes numbers (scalars, lists, numpy arrays or pandas
Series) and returns a new pandas DataFrame with one row per input (or per point) and the
columns listed in its docstring. Nothing is cached and nothing is configured globally.

Conventions shared by all functions
-----------------------------------
- Array-like inputs are matched by position, not by pandas index. Scalars are broadcast.
  The result takes the index of the first pandas Series argument whose length matches,
  otherwise a plain ``RangeIndex``.
- Missing values (``None``, ``NaN``, ``pd.NA``) give missing results, never errors.
- Invalid input (negative counts, a numerator above its denominator for a proportion,
  zero or negative denominators, a confidence level outside (0.9, 1), unknown options)
  raises :class:`lscb_analysis.core.errors.InvalidArgumentError`, a ``ValueError`` whose message
  names the argument and says what to do.
- ``confidence`` is a fraction strictly between 0.9 and 1 (0.95, 0.998). Percentages such
  as 95 are rejected rather than guessed at.
- Metadata (confidence level, method, options, warnings) is kept in ``DataFrame.attrs``.

Reference implementations followed
----------------------------------
- Confidence intervals: OHID PHEindicatormethods ``phe_proportion`` (Wilson score) and
  ``phe_rate`` (exact Poisson below 10 events, Byar's method from 10).
- Benchmarking: Fingertips' comparison of an area's interval with the benchmark value.
- Funnel plots: PHEindicatormethods / Fingertips control limits; over-dispersion as in
  Spiegelhalter (2005) "Funnel plots for comparing institutional performance" and NHS-R
  FunnelPlotR (here on the natural scale).
- SPC: NHS England "Making Data Count" and NHS-R NHSRplotthedots (XmR charts, rules,
  variation and assurance icons); p- and u-charts as in Montgomery's textbook form.
- Recent trends: Fingertips trend markers (PHEindicatormethods ``assign_trend_markers``).
- Peers: DfE LA Interactive Tool quartile banding and statistical-neighbour averages.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from lscb_analysis.core.errors import InvalidArgumentError

__all__ = [
    "compare_to_benchmark",
    "funnel",
    "funnel_curve",
    "neighbour_mean",
    "p_chart",
    "proportion_ci",
    "quartile_band",
    "rate_ci",
    "trend_test",
    "u_chart",
    "xmr",
    "xmr_summary",
]

# Making Data Count / NHSRplotthedots constants for XmR charts.
XMR_LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
XMR_SCREEN_FACTOR = 3.267  # D4 for n = 2: upper limit of the moving range chart
MINIMUM_POINTS_FOR_LIMITS = 12  # fewer points give provisional ("trial") limits

# Fingertips tests recent trends on the last five points at 99.8% confidence.
TREND_POINTS = 5

_POLARITIES = ("high", "low")
_IMPROVEMENTS = ("up", "down")


# ---------------------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------------------


def _to_float_array(values: object, name: str) -> np.ndarray:
    """Convert a scalar or 1-D array-like to a float array, missing values as NaN."""
    try:
        if isinstance(values, (pd.Series, pd.Index)):
            array = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            try:
                array = np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                # Lists holding pd.NA or numeric strings: let pandas parse them.
                series = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
                array = pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"{name} must be a number or a list of numbers; got {values!r}. "
            "Convert text columns with pd.to_numeric first."
        ) from exc
    if array.ndim > 1:
        raise InvalidArgumentError(
            f"{name} must be a single number or a one-dimensional list of numbers; "
            f"got an array of shape {array.shape}. Pass one column at a time."
        )
    if np.isinf(array).any():
        raise InvalidArgumentError(
            f"{name} contains an infinite value; replace it with a real number or NaN."
        )
    return array


def _broadcast(**arguments: object) -> tuple[dict[str, np.ndarray], pd.Index]:
    """Convert named arguments to equal-length float arrays and choose the result index."""
    arrays = {
        name: np.atleast_1d(_to_float_array(value, name)) for name, value in arguments.items()
    }
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError as exc:
        lengths = ", ".join(f"{name} has {len(array)}" for name, array in arrays.items())
        raise InvalidArgumentError(
            f"the inputs must have the same length (or be single numbers): {lengths}."
        ) from exc
    result = {
        name: np.array(array, dtype=float) for name, array in zip(arrays, shaped, strict=True)
    }
    length = len(shaped[0])
    index: pd.Index = pd.RangeIndex(length)
    for value in arguments.values():
        if isinstance(value, pd.Series) and len(value) == length:
            index = value.index
            break
    return result, index


def _check_confidence(confidence: object, name: str = "confidence") -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise InvalidArgumentError(
            f"{name} must be a number strictly between 0.9 and 1, such as 0.95 or 0.998; "
            f"got {confidence!r}."
        )
    level = float(confidence)
    if not 0.9 < level < 1:
        hint = " Give it as a fraction, not a percentage." if 1 < level <= 100 else ""
        raise InvalidArgumentError(
            f"{name} must be strictly between 0.9 and 1 (for example 0.95 or 0.998); "
            f"got {confidence!r}.{hint}"
        )
    return level


def _check_multiplier(multiplier: object, name: str = "multiplier") -> float:
    if isinstance(multiplier, bool) or not isinstance(multiplier, numbers.Real):
        raise InvalidArgumentError(
            f"{name} must be a positive number such as 1, 100 or 10000; got {multiplier!r}."
        )
    value = float(multiplier)
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgumentError(
            f"{name} must be a positive number such as 1, 100 or 10000; got {multiplier!r}."
        )
    return value


def _first_position(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_not_negative(array: np.ndarray, name: str) -> None:
    bad = array < 0  # NaN compares False, so missing values pass
    if bad.any():
        position = _first_position(bad)
        raise InvalidArgumentError(
            f"{name} must not be negative: position {position} is {array[position]:g}. "
            "Counts cannot be below zero; check the source data."
        )


def _check_positive(array: np.ndarray, name: str) -> None:
    bad = array <= 0
    if bad.any():
        position = _first_position(bad)
        raise InvalidArgumentError(
            f"{name} must be greater than zero: position {position} is {array[position]:g}. "
            "Leave the row out or set it to NaN if the denominator is unknown."
        )


def _check_numerator_within_denominator(
    numerator: np.ndarray, denominator: np.ndarray, numerator_name: str, denominator_name: str
) -> None:
    bad = numerator > denominator
    if bad.any():
        position = _first_position(bad)
        raise InvalidArgumentError(
            f"{numerator_name} must not exceed {denominator_name} for a proportion: position "
            f"{position} has {numerator[position]:g} of {denominator[position]:g}. "
            "Check that the columns are not swapped, or use a rate instead."
        )


def _check_choice(value: object, name: str, choices: Sequence[object]) -> None:
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise InvalidArgumentError(f"{name} must be one of {allowed}; got {value!r}.")


# ---------------------------------------------------------------------------------------
# Confidence intervals
# ---------------------------------------------------------------------------------------


def proportion_ci(numerator, denominator, confidence=0.95, multiplier=100) -> pd.DataFrame:
    """Proportions with Wilson score confidence intervals (no continuity correction).

    Follows PHEindicatormethods ``phe_proportion`` / ``wilson_lower`` / ``wilson_upper``;
    the interval itself comes from ``statsmodels.stats.proportion.proportion_confint``
    (``method="wilson"``). With 0 events the lower limit is exactly 0; when every case is
    an event the upper limit is exactly ``multiplier``.

    Args:
        numerator: events (scalar or array-like), 0 <= numerator <= denominator.
        denominator: cases (scalar or array-like), > 0.
        confidence: two-sided confidence level, strictly between 0.9 and 1.
        multiplier: scale of the output (100 gives percentages, 1 gives fractions).

    Returns:
        DataFrame with one row per input and columns ``value`` (numerator / denominator
        x multiplier), ``lower`` and ``upper``. Missing inputs give NaN in every column.
        ``attrs``: ``confidence``, ``multiplier``, ``method`` ("wilson").

    Raises:
        InvalidArgumentError: negative numerator, denominator <= 0, numerator above
            denominator, confidence outside (0.9, 1), or a non-positive multiplier.

    Example:
        >>> proportion_ci([0, 3, 10], [10, 7, 10]).round(4)
              value    lower     upper
        0    0.0000   0.0000   27.7533
        1   42.8571  15.8220   74.9542
        2  100.0000  72.2467  100.0000
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    arrays, index = _broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    _check_not_negative(events, "numerator")
    _check_positive(cases, "denominator")
    _check_numerator_within_denominator(events, cases, "numerator", "denominator")

    valid = ~(np.isnan(events) | np.isnan(cases))
    lower = np.full(events.shape, np.nan)
    upper = np.full(events.shape, np.nan)
    if valid.any():
        low, high = proportion_confint(
            events[valid], cases[valid], alpha=1 - level, method="wilson"
        )
        lower[valid] = np.asarray(low, dtype=float)
        upper[valid] = np.asarray(high, dtype=float)
    # Floating-point rounding can leave 1e-17 instead of the exact bounds.
    lower[valid & (events == 0)] = 0.0
    upper[valid & (events == cases)] = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        value = events / cases
    frame = pd.DataFrame(
        {"value": value * scale, "lower": lower * scale, "upper": upper * scale}, index=index
    )
    frame.attrs.update(confidence=level, multiplier=scale, method="wilson")
    return frame


def _byar_lower(count: np.ndarray, z: float) -> np.ndarray:
    return count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3


def _byar_upper(count: np.ndarray, z: float) -> np.ndarray:
    shifted = count + 1
    return shifted * (1 - 1 / (9 * shifted) + z / (3 * np.sqrt(shifted))) ** 3


def _exact_poisson_limits(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-squared) Poisson limits for a count; the lower limit of 0 events is 0."""
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        # chi2.ppf(q, 0) is NaN in scipy; the limit for a count of zero is zero.
        lower = np.where(count > 0, scipy_stats.chi2.ppf(tail, 2 * count) / 2, 0.0)
        upper = scipy_stats.chi2.ppf(1 - tail, 2 * count + 2) / 2
    lower = np.where(np.isnan(count), np.nan, lower)
    return lower, upper


def rate_ci(count, population, confidence=0.95, multiplier=10000) -> pd.DataFrame:
    """Crude rates with exact Poisson (count < 10) or Byar's (count >= 10) intervals.

    Follows PHEindicatormethods ``phe_rate``: exact limits from the chi-squared
    distribution when the count is below 10, Byar's approximation from 10 upwards
    (a count of exactly 10 uses Byar). A count of 0 has a lower limit of 0.

    Args:
        count: events (scalar or array-like), >= 0; need not be a whole number.
        population: denominator (scalar or array-like), > 0.
        confidence: two-sided confidence level, strictly between 0.9 and 1.
        multiplier: rate per this many of the population (default per 10,000).

    Returns:
        DataFrame with one row per input and columns ``value``, ``lower``, ``upper`` (all
        per ``multiplier``) and ``method`` ("exact" or "byar"; missing when the count is
        missing). ``attrs``: ``confidence``, ``multiplier``.

    Raises:
        InvalidArgumentError: negative count, population <= 0, confidence outside
            (0.9, 1), or a non-positive multiplier.

    Example:
        >>> rate_ci([0, 9, 10, 65], [5000, 45000, 45000, 52000]).round(6)
               value     lower      upper method
        0   0.000000  0.000000   7.377759  exact
        1   2.000000  0.914527   3.796623  exact
        2   2.222222  1.063878   4.086991   byar
        3  12.500000  9.646767  15.932527   byar
    """
    level = _check_confidence(confidence)
    scale = _check_multiplier(multiplier)
    arrays, index = _broadcast(count=count, population=population)
    events, people = arrays["count"], arrays["population"]
    _check_not_negative(events, "count")
    _check_positive(people, "population")

    z = scipy_stats.norm.ppf(1 - (1 - level) / 2)
    exact_lower, exact_upper = _exact_poisson_limits(events, level)
    use_byar = events >= 10
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(use_byar, _byar_lower(events, z), exact_lower)
        upper = np.where(use_byar, _byar_upper(events, z), exact_upper)
        value = events / people * scale
        lower = lower / people * scale
        upper = upper / people * scale
    missing = np.isnan(events) | np.isnan(people)
    value[missing] = lower[missing] = upper[missing] = np.nan
    method = [
        None if np.isnan(count_) else ("byar" if count_ >= 10 else "exact") for count_ in events
    ]
    frame = pd.DataFrame(
        {"value": value, "lower": lower, "upper": upper, "method": method}, index=index
    )
    frame.attrs.update(confidence=level, multiplier=scale)
    return frame


# ---------------------------------------------------------------------------------------
# Benchmarking
# ---------------------------------------------------------------------------------------


def _polarity_list(polarity: object, length: int) -> list[str | None]:
    def normalise(item: object) -> str | None:
        if item is None or (isinstance(item, float) and math.isnan(item)) or item is pd.NA:
            return None
        if isinstance(item, str) and item.strip().lower() in _POLARITIES:
            return item.strip().lower()
        if isinstance(item, str) and item.strip().lower() in ("none", ""):
            return None  # the metadata table spells "no polarity" as "none"
        raise InvalidArgumentError(
            f"polarity must be 'high' (higher is better), 'low' (lower is better) or None / "
            f"'none' (no judgement); got {item!r}."
        )

    if polarity is None or isinstance(polarity, str):
        return [normalise(polarity)] * length
    items = list(polarity)  # type: ignore[call-overload]
    if len(items) == 1:
        return [normalise(items[0])] * length
    if len(items) != length:
        raise InvalidArgumentError(
            f"polarity must be a single value or one per row: got {len(items)} values for "
            f"{length} rows."
        )
    return [normalise(item) for item in items]


def compare_to_benchmark(value, lower, upper, benchmark, polarity) -> pd.DataFrame:
    """Compare each area's confidence interval with a benchmark value, as Fingertips does.

    Fingertips' single-overlapping-interval rule: an area is "similar" when the benchmark's
    value lies inside the area's interval, bounds included. Otherwise the area is above
    (lower limit > benchmark) or below (upper limit < benchmark) it, reported as
    better/worse when the indicator has a polarity, higher/lower when it has none.

    Convention: the result is always a DataFrame (one row per input, even for scalars);
    read a single answer with ``result["comparison"].iloc[0]``.

    Args:
        value: the areas' values (echoed in the output; not used in the decision).
        lower, upper: the areas' confidence limits, on the benchmark's scale.
        benchmark: the comparator's value (England, London, ...), scalar or per row.
        polarity: "high" (higher is better), "low" (lower is better) or None (also the
            string "none": no judgement); a single value or one per row.

    Returns:
        DataFrame with columns ``value``, ``lower``, ``upper``, ``benchmark`` and
        ``comparison``: one of "better", "similar", "worse" (with polarity), "higher",
        "similar", "lower" (without), or "not_compared" when the interval or the benchmark
        is missing.

    Raises:
        InvalidArgumentError: an unknown polarity, a lower limit above its upper limit,
            or inputs of different lengths.

    Example:
        >>> ci = proportion_ci(65, 100)
        >>> result = compare_to_benchmark(
        ...     ci["value"], ci["lower"], ci["upper"], [60, 50, 75, None], polarity="high")
        >>> result["comparison"].tolist()
        ['similar', 'better', 'worse', 'not_compared']
    """
    arrays, index = _broadcast(value=value, lower=lower, upper=upper, benchmark=benchmark)
    low, high, bench = arrays["lower"], arrays["upper"], arrays["benchmark"]
    reversed_interval = low > high
    if reversed_interval.any():
        position = _first_position(reversed_interval)
        raise InvalidArgumentError(
            f"lower must not exceed upper: position {position} has lower {low[position]:g} "
            f"and upper {high[position]:g}. Check that the columns are not swapped."
        )
    polarities = _polarity_list(polarity, len(bench))
    comparisons: list[str] = []
    for low_, high_, bench_, polarity_ in zip(low, high, bench, polarities, strict=True):
        if np.isnan(low_) or np.isnan(high_) or np.isnan(bench_):
            comparisons.append("not_compared")
        elif low_ <= bench_ <= high_:
            comparisons.append("similar")
        else:
            above = low_ > bench_
            if polarity_ is None:
                comparisons.append("higher" if above else "lower")
            elif (polarity_ == "high") == above:
                comparisons.append("better")
            else:
                comparisons.append("worse")
    return pd.DataFrame(
        {
            "value": arrays["value"],
            "lower": low,
            "upper": high,
            "benchmark": bench,
            "comparison": comparisons,
        },
        index=index,
    )


# ---------------------------------------------------------------------------------------
# Funnel plots
# ---------------------------------------------------------------------------------------

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
            low_count, high_count = _exact_poisson_limits(expected, level)
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
    _check_choice(kind, "kind", ("proportion", "rate"))
    _check_choice(overdispersion, "overdispersion", (None, "multiplicative", "additive"))
    _check_winsorise(winsorise)
    if multiplier is None:
        multiplier = 1 if kind == "proportion" else 10000
    scale = _check_multiplier(multiplier)
    arrays, index = _broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    _check_not_negative(events, "numerator")
    _check_positive(cases, "denominator")
    if kind == "proportion":
        _check_numerator_within_denominator(events, cases, "numerator", "denominator")

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


# ---------------------------------------------------------------------------------------
# SPC: XmR charts (Making Data Count / NHSRplotthedots)
# ---------------------------------------------------------------------------------------


def _runs(codes: np.ndarray) -> list[tuple[int, int, int]]:
    """Maximal runs of equal non-zero codes as (start, stop_exclusive, code)."""
    runs: list[tuple[int, int, int]] = []
    start = 0
    for position in range(1, len(codes) + 1):
        if position == len(codes) or codes[position] != codes[start]:
            if codes[start] != 0:
                runs.append((start, position, int(codes[start])))
            start = position
    return runs


def _segment_limits(
    segment: np.ndarray, baseline: int | None, screen_outliers: bool
) -> tuple[float, float, int]:
    """Mean, mean moving range and number of points used, for one segment."""
    fixed = segment if baseline is None else segment[:baseline]
    used = int(np.count_nonzero(~np.isnan(fixed)))
    if used == 0:
        return math.nan, math.nan, 0
    mean = float(np.nanmean(fixed))
    moving_ranges = np.abs(np.diff(fixed))
    moving_ranges = moving_ranges[~np.isnan(moving_ranges)]
    if moving_ranges.size == 0:
        return mean, math.nan, used
    average_range = float(moving_ranges.mean())
    if screen_outliers:
        # Nelson's screen (NHSRplotthedots): drop moving ranges at or above the upper
        # range limit once, then average what is left.
        kept = moving_ranges[moving_ranges < XMR_SCREEN_FACTOR * average_range]
        average_range = float(kept.mean()) if kept.size else math.nan
    return mean, average_range, used


def _segment_rules(
    values: np.ndarray,
    mean: float,
    average_range: float,
    shift_points: int,
    trend_points: int,
    beyond_counts_for_two_of_three: bool,
) -> dict[str, np.ndarray]:
    """Special-cause rules for one segment; also the direction (+1/-1) of each signal."""
    length = len(values)
    present = ~np.isnan(values)
    upper = mean + XMR_LIMIT_FACTOR * average_range
    lower = mean - XMR_LIMIT_FACTOR * average_range
    near_width = 2 / 3 * XMR_LIMIT_FACTOR * average_range
    side = np.where(present, np.sign(values - mean), 0).astype(int)

    outside = present & ((values > upper) | (values < lower))

    shift = np.zeros(length, dtype=bool)
    for start, stop, _ in _runs(side):
        if stop - start >= shift_points:
            shift[start:stop] = True

    steps = np.zeros(length, dtype=int)  # steps[i]: direction from point i - 1 to i
    if length > 1:
        difference = np.diff(values)
        steps[1:] = np.where(np.isnan(difference), 0, np.sign(difference)).astype(int)
    trend = np.zeros(length, dtype=bool)
    trend_direction = np.zeros(length, dtype=int)
    for start, stop, code in _runs(steps):
        # A run of k equal steps covers k + 1 points, starting one point earlier.
        if stop - start + 1 >= trend_points:
            trend[start - 1 : stop] = True
            covered = trend_direction[start - 1 : stop]
            # A peak or trough belongs to two trends; mark it ambiguous (0).
            trend_direction[start - 1 : stop] = np.where(
                (covered != 0) & (covered != code), 0, code
            )

    with np.errstate(invalid="ignore"):
        near_high = present & (values > mean + near_width)
        near_low = present & (values < mean - near_width)
    if not beyond_counts_for_two_of_three:
        near_high &= ~outside
        near_low &= ~outside
    two_of_three = np.zeros(length, dtype=bool)
    for start in range(length - 2):
        window = slice(start, start + 3)
        window_side = side[window]
        if not (window_side[0] != 0 and (window_side == window_side[0]).all()):
            continue
        near = near_high[window] if window_side[0] > 0 else near_low[window]
        if near.sum() >= 2:
            two_of_three[window] |= near

    # Direction of each signal, in NHSRplotthedots' order of precedence: beyond the
    # limits (side of the mean), trend (its direction), two of three, shift (side).
    direction = np.zeros(length, dtype=int)
    for position in range(length):
        if outside[position]:
            direction[position] = side[position]
        elif trend[position] and trend_direction[position] != 0:
            direction[position] = trend_direction[position]
        elif trend[position] or two_of_three[position] or shift[position]:
            direction[position] = side[position]
    return {
        "outside_limits": outside,
        "shift": shift,
        "trend": trend,
        "two_of_three": two_of_three,
        "direction": direction,
    }


def _rebase_positions(rebase_at: object, values: object, length: int) -> list[int]:
    if rebase_at is None:
        return []
    if isinstance(rebase_at, (numbers.Integral, str)) or not isinstance(rebase_at, Iterable):
        items = [rebase_at]
    else:
        items = list(rebase_at)
    positions: list[int] = []
    for item in items:
        if isinstance(item, numbers.Integral) and not isinstance(item, bool):
            position = int(item)
        elif isinstance(values, pd.Series):
            try:
                position = values.index.get_loc(item)
            except KeyError as exc:
                raise InvalidArgumentError(
                    f"rebase_at entry {item!r} is not a position or an index label of values."
                ) from exc
            if not isinstance(position, numbers.Integral):
                raise InvalidArgumentError(
                    f"rebase_at entry {item!r} matches more than one row of values; use "
                    "whole-number positions instead."
                )
            position = int(position)
        else:
            raise InvalidArgumentError(
                f"rebase_at must hold whole-number positions (0 is the first point); got {item!r}."
            )
        if not 0 < position < length:
            raise InvalidArgumentError(
                f"rebase_at position {position} is outside the series: limits can restart at "
                f"positions 1 to {length - 1} (0 is already the start)."
            )
        positions.append(position)
    if len(set(positions)) != len(positions):
        raise InvalidArgumentError(f"rebase_at lists a position twice: {sorted(positions)}.")
    return sorted(positions)


def _check_whole_number(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InvalidArgumentError(
            f"{name} must be a whole number of at least {minimum}; got {value!r}."
        )
    return int(value)


def _variation_label(direction: int, improvement: str | None) -> str:
    if improvement is None:
        return "special_cause_neither"
    improving = (direction > 0) == (improvement == "up")
    return "special_cause_improvement" if improving else "special_cause_concern"


def xmr(
    values,
    improvement=None,
    target=None,
    baseline=None,
    rebase_at=(),
    shift_points=7,
    trend_points=7,
    screen_outliers=False,
    two_of_three_includes_beyond_limits=False,
    value_range=(None, None),
) -> pd.DataFrame:
    """XmR (individuals) chart with Making Data Count rules, as NHSRplotthedots' ``ptd_spc``.

    Limits: mean +/- 2.66 x mean moving range (process limits); 2-sigma lines at
    +/- (2/3) x 2.66 x mean moving range. With ``screen_outliers`` moving ranges at or above
    3.267 x the mean moving range are dropped once before averaging (Nelson's screen, the
    NHSRplotthedots default; the Making Data Count Excel tool does not screen).

    Special-cause rules, applied within each segment (see ``rebase_at``):

    - outside_limits: a point strictly above the upper or below the lower process limit;
    - shift: ``shift_points`` or more consecutive points strictly on one side of the mean
      (a point exactly on the mean breaks the run);
    - trend: ``trend_points`` or more consecutive points each strictly above (or below)
      the one before (a tie breaks the trend);
    - two_of_three: two or three of three consecutive points beyond the same 2-sigma line
      with all three strictly on the same side of the mean. The points beyond the line are
      flagged; points beyond the process limits count only when
      ``two_of_three_includes_beyond_limits`` is true.

    Every point of a shift or trend is flagged. The direction of a signal (for
    ``variation``) follows NHSRplotthedots' precedence: beyond the limits (side of the
    mean), then trend (its direction), then two of three and shift (side of the mean).

    Missing values are not interpolated: they get no flags, break shifts, trends and
    two-of-three windows, and the moving ranges either side of them are missing.

    Args:
        values: the measurements in time order (a Series keeps its index, e.g. dates).
        improvement: "up" (higher is better), "down" (lower is better) or None.
        target: optional target, kept in ``attrs`` for :func:`xmr_summary` and plots.
        baseline: fix the mean and limits on the first ``baseline`` points of each
            segment (NHSRplotthedots' ``fix_after_n_points``); None uses every point.
        rebase_at: positions (0-based; or index labels of a Series) where the limits
            restart. Rebasing is only ever done on request, never automatically.
        shift_points: run length for a shift (default 7).
        trend_points: number of points for a trend (default 7).
        screen_outliers: screen moving ranges before setting limits (default False).
        two_of_three_includes_beyond_limits: let points beyond the process limits count
            towards two of three (default False, as NHSRplotthedots).
        value_range: ``(minimum, maximum)`` the measure can take (None: no bound), e.g.
            ``(0, 100)`` for a percentage, ``(0, None)`` for counts and rates
            (:func:`lscb_analysis.core.indicators.value_range`). The process and 2-sigma lines
            are clipped to it, so no table or chart shows an impossible limit such as -3%;
            the rules are unchanged (no point can lie beyond a clipped limit).

    Returns:
        DataFrame with one row per point: ``value``, ``mean``, ``mr`` (moving range from
        the previous point, unscreened), ``lpl``, ``upl`` (process limits),
        ``lower_2sigma``, ``upper_2sigma``, the boolean rules ``outside_limits``,
        ``shift``, ``trend``, ``two_of_three``, ``special_cause`` (any rule), and
        ``variation``: "common_cause", "special_cause_improvement",
        "special_cause_concern" or (no improvement direction) "special_cause_neither";
        missing for missing values. Use ``frame["shift"]``: ``frame.shift`` is a method.
        ``attrs``: ``improvement``, ``target``, ``baseline``, ``rebase_at``,
        ``screen_outliers``, ``shift_points``, ``trend_points``,
        ``two_of_three_includes_beyond_limits``, ``points_used`` (per segment) and
        ``warning`` (None, or a sentence when limits rest on fewer than 12 points).

    Raises:
        InvalidArgumentError: unknown improvement direction, bad rebase positions,
            baseline / shift_points / trend_points below 2, or non-numeric values.

    Example:
        >>> series = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
        >>> chart = xmr(series, improvement="down", screen_outliers=True)
        >>> chart.loc[0, ["mean", "lpl", "upl"]].round(6).tolist()
        [1.944444, -0.715556, 4.604444]
        >>> chart.index[chart["outside_limits"]].tolist(), chart.loc[4, "variation"]
        ([4], 'special_cause_concern')
        >>> chart.attrs["warning"] is None
        True
    """
    _check_choice(improvement, "improvement", (*_IMPROVEMENTS, None))
    shift_points = _check_whole_number(shift_points, "shift_points", 2)
    trend_points = _check_whole_number(trend_points, "trend_points", 2)
    if baseline is not None:
        baseline = _check_whole_number(baseline, "baseline", 2)
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, numbers.Real) or math.isnan(target)
    ):
        raise InvalidArgumentError(f"target must be a number or None; got {target!r}.")
    arrays, index = _broadcast(values=values)
    series = arrays["values"]
    length = len(series)
    positions = _rebase_positions(rebase_at, values, length)
    bounds = [0, *positions, length]

    columns = {
        name: np.full(length, np.nan)
        for name in ("mean", "mr", "lpl", "upl", "lower_2sigma", "upper_2sigma")
    }
    flags = {
        name: np.zeros(length, dtype=bool)
        for name in ("outside_limits", "shift", "trend", "two_of_three")
    }
    direction = np.zeros(length, dtype=int)
    points_used: list[int] = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        segment = series[start:stop]
        mean, average_range, used = _segment_limits(segment, baseline, bool(screen_outliers))
        points_used.append(used)
        columns["mean"][start:stop] = mean
        if len(segment) > 1:
            columns["mr"][start + 1 : stop] = np.abs(np.diff(segment))
        columns["lpl"][start:stop] = mean - XMR_LIMIT_FACTOR * average_range
        columns["upl"][start:stop] = mean + XMR_LIMIT_FACTOR * average_range
        columns["lower_2sigma"][start:stop] = mean - 2 / 3 * XMR_LIMIT_FACTOR * average_range
        columns["upper_2sigma"][start:stop] = mean + 2 / 3 * XMR_LIMIT_FACTOR * average_range
        rules = _segment_rules(
            segment,
            mean,
            average_range,
            shift_points,
            trend_points,
            bool(two_of_three_includes_beyond_limits),
        )
        for name in flags:
            flags[name][start:stop] = rules[name]
        direction[start:stop] = rules["direction"]

    lowest, highest = _check_value_range(value_range)
    for name in ("lpl", "upl", "lower_2sigma", "upper_2sigma"):
        columns[name] = np.clip(columns[name], lowest, highest)
    special = flags["outside_limits"] | flags["shift"] | flags["trend"] | flags["two_of_three"]
    variation: list[str | None] = []
    for position in range(length):
        if np.isnan(series[position]):
            variation.append(None)
        elif not special[position]:
            variation.append("common_cause")
        else:
            variation.append(_variation_label(direction[position], improvement))

    short = [
        (bounds[number], used)
        for number, used in enumerate(points_used)
        if used < MINIMUM_POINTS_FOR_LIMITS
    ]
    warning = None
    if short:
        described = "; ".join(f"segment from position {start}: {used}" for start, used in short)
        warning = (
            f"limits rest on fewer than {MINIMUM_POINTS_FOR_LIMITS} points ({described}); "
            "treat them as provisional and the signals with caution."
        )

    frame = pd.DataFrame(
        {
            "value": series,
            **columns,
            **flags,
            "special_cause": special,
            "variation": variation,
        },
        index=index,
    )
    frame.attrs.update(
        improvement=improvement,
        target=None if target is None else float(target),
        baseline=baseline,
        rebase_at=positions,
        screen_outliers=bool(screen_outliers),
        shift_points=shift_points,
        trend_points=trend_points,
        two_of_three_includes_beyond_limits=bool(two_of_three_includes_beyond_limits),
        points_used=points_used,
        warning=warning,
        value_range=(None if lowest == -np.inf else lowest, None if highest == np.inf else highest),
    )
    return frame


def _check_value_range(value_range: object) -> tuple[float, float]:
    """``(minimum, maximum)`` as floats, None read as no bound (minus or plus infinity)."""
    try:
        lowest, highest = value_range  # type: ignore[misc]
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"value_range must be (minimum, maximum) with None for no bound; got {value_range!r}."
        ) from error
    bounds = []
    for bound, infinite in ((lowest, -np.inf), (highest, np.inf)):
        if bound is None:
            bounds.append(infinite)
        elif isinstance(bound, bool) or not isinstance(bound, numbers.Real) or math.isnan(bound):
            raise InvalidArgumentError(
                f"value_range bounds must be numbers or None; got {value_range!r}."
            )
        else:
            bounds.append(float(bound))
    if bounds[0] > bounds[1]:
        raise InvalidArgumentError(f"value_range minimum is above its maximum: {value_range!r}.")
    return bounds[0], bounds[1]


def _latest_direction(frame: pd.DataFrame, position: int) -> int:
    """Direction (+1 high, -1 low) of the signal at a point, from the chart's columns."""
    row = frame.iloc[position]
    side = int(np.sign(row["value"] - row["mean"]))
    if bool(row["outside_limits"]):
        return side
    if bool(row["trend"]) and position > 0:
        step = np.sign(row["value"] - frame["value"].iloc[position - 1])
        if step != 0 and not np.isnan(step):
            return int(step)
    return side


def xmr_summary(frame: pd.DataFrame, target=None) -> pd.DataFrame:
    """Variation and assurance icons for the latest point of an :func:`xmr` chart.

    As Making Data Count and NHSRplotthedots: the variation icon describes the latest
    (last non-missing) point; assurance compares the target with that point's process
    limits: a target beyond the limits on the failing side means the process will
    consistently fail it, beyond them on the passing side consistently pass, and a target
    between the limits (or on one) means it will hit and miss.

    Args:
        frame: the DataFrame returned by :func:`xmr` (its ``attrs`` give the improvement
            direction and, when ``target`` is None, the target).
        target: the target to assure against; overrides ``frame.attrs["target"]``.

    Returns:
        One-row DataFrame: ``latest_point`` (index label), ``latest_value``, ``mean``,
        ``lpl``, ``upl``, ``variation`` (as in :func:`xmr`), ``variation_icon``
        ("common_cause", "improvement_high", "improvement_low", "concern_high",
        "concern_low", "neither_high", "neither_low"), ``target`` and ``assurance``
        ("consistently_pass", "consistently_fail", "hit_and_miss", or None when there is
        no target, no improvement direction or no limits).

    Raises:
        InvalidArgumentError: ``frame`` is not an XmR chart or holds no values.

    Example:
        >>> chart = xmr([5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 5], improvement="up")
        >>> summary = xmr_summary(chart, target=9)
        >>> summary[["latest_value", "variation_icon", "assurance"]].to_dict("records")
        [{'latest_value': 5.0, 'variation_icon': 'common_cause', 'assurance': 'consistently_fail'}]
    """
    needed = {"value", "mean", "lpl", "upl", "outside_limits", "trend", "variation"}
    if not needed <= set(frame.columns) or "improvement" not in frame.attrs:
        raise InvalidArgumentError(
            "frame must be the DataFrame returned by xmr(); pass that result unchanged."
        )
    present = np.flatnonzero(frame["value"].notna().to_numpy())
    if present.size == 0:
        raise InvalidArgumentError("frame holds no values, so there is no latest point.")
    position = int(present[-1])
    row = frame.iloc[position]
    improvement = frame.attrs.get("improvement")
    if target is None:
        target = frame.attrs.get("target")
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, numbers.Real) or math.isnan(target)
    ):
        raise InvalidArgumentError(f"target must be a number or None; got {target!r}.")

    variation = row["variation"]
    if variation == "common_cause":
        icon = "common_cause"
    else:
        height = "high" if _latest_direction(frame, position) > 0 else "low"
        kind = {
            "special_cause_improvement": "improvement",
            "special_cause_concern": "concern",
        }.get(variation, "neither")
        icon = f"{kind}_{height}"

    assurance = None
    lower, upper = float(row["lpl"]), float(row["upl"])
    if target is not None and improvement is not None and not (np.isnan(lower) or np.isnan(upper)):
        if target > upper:
            assurance = "consistently_fail" if improvement == "up" else "consistently_pass"
        elif target < lower:
            assurance = "consistently_pass" if improvement == "up" else "consistently_fail"
        else:
            assurance = "hit_and_miss"
    return pd.DataFrame(
        {
            "latest_point": [frame.index[position]],
            "latest_value": [float(row["value"])],
            "mean": [float(row["mean"])],
            "lpl": [lower],
            "upl": [upper],
            "variation": [variation],
            "variation_icon": [icon],
            "target": [None if target is None else float(target)],
            "assurance": [assurance],
        }
    )


# ---------------------------------------------------------------------------------------
# SPC: p- and u-charts
# ---------------------------------------------------------------------------------------


def _attribute_chart(
    value: np.ndarray,
    centre: float,
    sigma: np.ndarray,
    upper_bound: float | None,
    index: pd.Index,
) -> pd.DataFrame:
    lower = np.maximum(centre - 3 * sigma, 0.0)
    upper = centre + 3 * sigma
    if upper_bound is not None:
        upper = np.minimum(upper, upper_bound)
    signal: list[str | None] = []
    for value_, lower_, upper_ in zip(value, lower, upper, strict=True):
        if np.isnan(value_):
            signal.append(None)
        elif value_ > upper_:
            signal.append("above")
        elif value_ < lower_:
            signal.append("below")
        else:
            signal.append("within")
    return pd.DataFrame(
        {
            "value": value,
            "centre": np.full(value.shape, centre),
            "lpl": lower,
            "upl": upper,
            "outside_limits": np.array([item in ("above", "below") for item in signal]),
            "signal": signal,
        },
        index=index,
    )


def p_chart(numerator, denominator) -> pd.DataFrame:
    """p-chart: proportions with 3-sigma limits that vary with each point's denominator.

    Centre line: the pooled proportion (sum of numerators / sum of denominators over the
    complete rows). Limits: centre +/- 3 sqrt(centre (1 - centre) / n), truncated to [0, 1].
    A signal is a point strictly outside its limits.

    Args:
        numerator: events per period (>= 0, <= denominator).
        denominator: cases per period (> 0).

    Returns:
        DataFrame with one row per point: ``value`` (proportion, 0-1), ``centre``,
        ``lpl``, ``upl``, ``outside_limits`` (bool) and ``signal`` ("above", "below",
        "within"; missing for a missing point).

    Raises:
        InvalidArgumentError: negative numerators, denominators <= 0, or a numerator
            above its denominator.

    Example:
        >>> p_chart([10, 12, 30], [100, 100, 100]).round(4)
           value  centre     lpl     upl  outside_limits  signal
        0   0.10  0.1733  0.0598  0.2869           False  within
        1   0.12  0.1733  0.0598  0.2869           False  within
        2   0.30  0.1733  0.0598  0.2869            True   above
    """
    arrays, index = _broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    _check_not_negative(events, "numerator")
    _check_positive(cases, "denominator")
    _check_numerator_within_denominator(events, cases, "numerator", "denominator")
    complete = ~(np.isnan(events) | np.isnan(cases))
    total = cases[complete].sum()
    centre = events[complete].sum() / total if total > 0 else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        value = events / cases
        sigma = np.sqrt(centre * (1 - centre) / cases)
    return _attribute_chart(value, centre, sigma, 1.0, index)


def u_chart(count, exposure, multiplier=1) -> pd.DataFrame:
    """u-chart: rates per unit of exposure with 3-sigma limits varying with the exposure.

    Centre line: the pooled rate (sum of counts / sum of exposures) x multiplier. Limits:
    centre +/- 3 sqrt(pooled rate / exposure) x multiplier, truncated at 0. A signal is a
    point strictly outside its limits.

    Args:
        count: events per period (>= 0).
        exposure: exposure per period (population, bed-days, ...), > 0.
        multiplier: report rates per this many units of exposure (default 1).

    Returns:
        DataFrame with one row per point: ``value``, ``centre``, ``lpl``, ``upl``,
        ``outside_limits`` (bool) and ``signal`` ("above", "below", "within"; missing
        for a missing point).

    Raises:
        InvalidArgumentError: negative counts, exposures <= 0, or a non-positive
            multiplier.

    Example:
        >>> u_chart([4, 5, 20], [1000, 1000, 1000], multiplier=1000).round(3)
           value  centre    lpl     upl  outside_limits  signal
        0    4.0   9.667  0.339  18.994           False  within
        1    5.0   9.667  0.339  18.994           False  within
        2   20.0   9.667  0.339  18.994            True   above
    """
    scale = _check_multiplier(multiplier)
    arrays, index = _broadcast(count=count, exposure=exposure)
    events, exposures = arrays["count"], arrays["exposure"]
    _check_not_negative(events, "count")
    _check_positive(exposures, "exposure")
    complete = ~(np.isnan(events) | np.isnan(exposures))
    total = exposures[complete].sum()
    centre = events[complete].sum() / total if total > 0 else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        value = events / exposures * scale
        sigma = np.sqrt(centre / exposures) * scale
    return _attribute_chart(value, centre * scale, sigma, None, index)


# ---------------------------------------------------------------------------------------
# Recent trends (Fingertips trend markers)
# ---------------------------------------------------------------------------------------


def _weighted_slope(values: np.ndarray, weights: np.ndarray, times: np.ndarray):
    """Weighted least-squares slope and its variance (Fingertips, non-proportions)."""
    sum_w = weights.sum()
    sum_wt = (weights * times).sum()
    sum_wy = (weights * values).sum()
    sum_wty = (weights * times * values).sum()
    sum_wtt = (weights * times**2).sum()
    determinant = sum_w * sum_wtt - sum_wt**2
    slope = (sum_w * sum_wty - sum_wt * sum_wy) / determinant
    return slope, sum_w / determinant


def _ols_slope(values: np.ndarray, times: np.ndarray) -> float:
    centred = times - times.mean()
    return float((centred * (values - values.mean())).sum() / (centred**2).sum())


def _armitage_statistic(events: np.ndarray, cases: np.ndarray, times: np.ndarray) -> float:
    """Chi-squared test for trend in proportions (one degree of freedom)."""
    total_cases, total_events = cases.sum(), events.sum()
    score = total_cases * (events * times).sum() - total_events * (cases * times).sum()
    spread = total_cases * (cases * times**2).sum() - (cases * times).sum() ** 2
    return float(total_cases * score**2 / (total_events * (total_cases - total_events) * spread))


def _armitage_direction(events: np.ndarray, cases: np.ndarray, times: np.ndarray) -> float:
    return float(cases.sum() * (events * times).sum() - events.sum() * (cases * times).sum())


def _poisson_trend(events: np.ndarray, exposure: np.ndarray, times: np.ndarray):
    design = sm.add_constant(times, has_constant="add")
    model = sm.GLM(events, design, family=sm.families.Poisson(), offset=np.log(exposure))
    with warnings.catch_warnings():
        # Near-degenerate fits warn; the result is judged by its statistic instead.
        warnings.simplefilter("ignore")
        fitted = model.fit()
    return float(fitted.params[1]), float(fitted.bse[1])


def _trend_frame(
    method: str,
    used: int,
    slope: float,
    statistic: float,
    trend: str,
    reason: str,
    confidence: float,
) -> pd.DataFrame:
    p_value = float(scipy_stats.chi2.sf(statistic, 1)) if np.isfinite(statistic) else math.nan
    direction = (
        None if np.isnan(slope) else ("up" if slope > 0 else "down" if slope < 0 else "flat")
    )
    frame = pd.DataFrame(
        {
            "method": [method],
            "points_used": [used],
            "slope": [slope],
            "statistic": [statistic],
            "p_value": [p_value],
            "direction": [direction],
            "trend": [trend],
            "reason": [reason],
        }
    )
    frame.attrs.update(confidence=confidence)
    return frame


def _trend_values_input(
    values: object, lower: object, upper: object, interval_confidence: object
) -> tuple[str, tuple[np.ndarray, ...], float]:
    """Check values with their confidence limits for a trend; returns method, columns, level."""
    if values is None or lower is None or upper is None:
        raise InvalidArgumentError(
            "values, lower and upper must all be given for a trend on values with "
            "confidence intervals."
        )
    interval_level = _check_confidence(interval_confidence, "interval_confidence")
    arrays, _ = _broadcast(values=values, lower=lower, upper=upper)
    series, low, high = arrays["values"], arrays["lower"], arrays["upper"]
    if (low > high).any():
        position = _first_position(low > high)
        raise InvalidArgumentError(
            f"lower must not exceed upper: position {position} has {low[position]:g} "
            f"and {high[position]:g}."
        )
    return "weighted_regression", (series, low, high), interval_level


def _trend_counts_input(
    numerator: object, denominator: object, kind: object
) -> tuple[str, tuple[np.ndarray, ...]]:
    """Check counts and denominators for a trend; returns the method and the columns."""
    _check_choice(kind, "kind", ("proportion", "rate"))
    if numerator is None or denominator is None:
        raise InvalidArgumentError("numerator and denominator must both be given.")
    arrays, _ = _broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    _check_not_negative(events, "numerator")
    _check_positive(cases, "denominator")
    if kind == "proportion":
        _check_numerator_within_denominator(events, cases, "numerator", "denominator")
    method = "chi_squared_trend" if kind == "proportion" else "poisson_regression"
    return method, (events, cases)


# A trend fit: the slope, its chi-squared statistic and the slope with one point left out;
# or, as a string, the reason the trend cannot be calculated.
_TrendFit = tuple[float, float, Callable[[int], float]] | str


def _weighted_regression_trend(
    recent: list[np.ndarray], interval_level: float, times: np.ndarray
) -> _TrendFit:
    """Fingertips' weighted regression of values on time, weighted by 1 / SE^2."""
    series, low, high = recent
    z = scipy_stats.norm.ppf(1 - (1 - interval_level) / 2)
    standard_error = (high - low) / (2 * z)
    if (standard_error <= 0).any():
        return "a confidence interval of zero width among the last five points"
    weights = 1 / standard_error**2
    slope, slope_variance = _weighted_slope(series, weights, times)
    statistic = slope**2 / slope_variance

    def slope_without(skip: int) -> float:
        keep = np.arange(TREND_POINTS) != skip
        return _weighted_slope(series[keep], weights[keep], times[keep])[0]

    return slope, statistic, slope_without


def _chi_squared_trend(recent: list[np.ndarray], times: np.ndarray) -> _TrendFit:
    """Chi-squared test for trend in proportions; direction from the log-odds when defined."""
    events, cases = recent
    if events.sum() == 0 or events.sum() == cases.sum():
        return "no events, or every case an event, in the last five points"
    statistic = _armitage_statistic(events, cases, times)
    if ((events > 0) & (events < cases)).all():
        log_odds = np.log(events / (cases - events))
        slope = _ols_slope(log_odds, times)

        def slope_without(skip: int) -> float:
            keep = np.arange(TREND_POINTS) != skip
            return _ols_slope(log_odds[keep], times[keep])

    else:
        slope = _armitage_direction(events, cases, times)

        def slope_without(skip: int) -> float:
            keep = np.arange(TREND_POINTS) != skip
            return _armitage_direction(events[keep], cases[keep], times[keep])

    return slope, statistic, slope_without


def _poisson_regression_trend(recent: list[np.ndarray], times: np.ndarray) -> _TrendFit:
    """Poisson regression of counts on time for rates; Wald chi-squared of the slope."""
    events, exposure = recent
    if events.sum() == 0:
        return "no events in the last five points"
    slope, slope_error = _poisson_trend(events, exposure, times)
    statistic = (slope / slope_error) ** 2 if slope_error > 0 else math.nan

    def slope_without(skip: int) -> float:
        keep = np.arange(TREND_POINTS) != skip
        if events[keep].sum() == 0:
            return math.nan
        return _poisson_trend(events[keep], exposure[keep], times[keep])[0]

    return slope, statistic, slope_without


def _trend_verdict(
    method: str,
    slope: float,
    statistic: float,
    slope_without: Callable[[int], float],
    critical: float,
    level: float,
) -> pd.DataFrame:
    """Judge a fitted trend: significant, and not reversed by leaving out any one point."""
    if not np.isfinite(statistic):
        return _trend_frame(
            method,
            TREND_POINTS,
            slope,
            statistic,
            "cannot_be_calculated",
            "the test statistic could not be computed",
            level,
        )
    if statistic <= critical:
        return _trend_frame(
            method,
            TREND_POINTS,
            slope,
            statistic,
            "no_significant_change",
            "no significant trend",
            level,
        )
    reversed_by_one_point = any(
        np.sign(slope_without(skip)) != np.sign(slope) for skip in range(TREND_POINTS)
    )
    if reversed_by_one_point:
        return _trend_frame(
            method,
            TREND_POINTS,
            slope,
            statistic,
            "no_significant_change",
            "outlier found: leaving out one point reverses the direction",
            level,
        )
    return _trend_frame(
        method,
        TREND_POINTS,
        slope,
        statistic,
        "increasing" if slope > 0 else "decreasing",
        "significant trend with no outlier",
        level,
    )


def trend_test(
    values=None,
    lower=None,
    upper=None,
    *,
    numerator=None,
    denominator=None,
    kind="proportion",
    interval_confidence=0.95,
    confidence=0.998,
) -> pd.DataFrame:
    """Recent-trend marker on the last five points, as Fingertips' trend markers.

    Give either ``values`` with their ``lower`` and ``upper`` confidence limits, or
    ``numerator`` and ``denominator`` (with ``kind``). Points must be in time order, oldest
    first, equally spaced (Fingertips tests yearly, non-overlapping periods); times are
    taken as 1 to 5. Methods:

    - values with intervals (Fingertips, "other" indicators): weighted least squares of
      value on time with weights 1 / SE^2, SE = (upper - lower) / (2 z) for the
      interval's confidence; statistic = (slope / SE(slope))^2;
    - proportions (Fingertips): chi-squared test for trend; direction from the slope of
      the log-odds on time (from the chi-squared score when a proportion is 0 or 1 and
      the log-odds is undefined);
    - rates: Poisson regression of counts on time with log(denominator) offset
      (statsmodels GLM); statistic = Wald chi-squared of the slope.

    The trend is significant when the statistic exceeds the chi-squared (1 df) quantile
    at ``confidence`` (9.5495 at 99.8%, as Fingertips). As Fingertips, a significant trend
    is reported as "no_significant_change" when leaving out any one point reverses the
    direction of the slope (an outlier drives it).

    Args:
        values, lower, upper: indicator values and their confidence limits.
        numerator, denominator: counts and denominators (keyword-only).
        kind: "proportion" or "rate" for numerator / denominator input.
        interval_confidence: confidence level of ``lower`` / ``upper`` (default 0.95).
        confidence: significance level of the test (default 0.998, as Fingertips).

    Returns:
        One-row DataFrame: ``method`` ("weighted_regression", "chi_squared_trend",
        "poisson_regression"), ``points_used``, ``slope`` (per period: value units,
        log-odds or log rate ratio), ``statistic`` (chi-squared, 1 df), ``p_value``,
        ``direction`` ("up", "down", "flat", or None), ``trend`` ("increasing",
        "decreasing", "no_significant_change", "cannot_be_calculated") and ``reason``.

    Raises:
        InvalidArgumentError: both or neither kind of input, an unknown kind, invalid
            counts, lower above upper, or a confidence level outside (0.9, 1).

    Example:
        >>> result = trend_test(numerator=[100, 120, 140, 160, 180],
        ...                     denominator=[1000, 1000, 1000, 1000, 1000])
        >>> result[["direction", "trend", "reason"]].to_dict("records")
        [{'direction': 'up', 'trend': 'increasing', 'reason': 'significant trend with no outlier'}]
        >>> trend_test([30.6, 30.2, 28.0, 24.6, 24.67], [28.98, 28.63, 26.44, 23.15, 23.16],
        ...            [32.25, 31.9, 29.64, 26.19, 26.25])["trend"].item()
        'decreasing'
    """
    level = _check_confidence(confidence)
    counts_given = numerator is not None or denominator is not None
    values_given = values is not None or lower is not None or upper is not None
    if counts_given == values_given:
        raise InvalidArgumentError(
            "give either values with lower and upper, or numerator and denominator "
            "(as keywords), not both and not neither."
        )
    critical = float(scipy_stats.chi2.ppf(level, 1))

    if values_given:
        method, columns, interval_level = _trend_values_input(
            values, lower, upper, interval_confidence
        )
    else:
        method, columns = _trend_counts_input(numerator, denominator, kind)
        interval_level = math.nan  # not used: only values carry confidence intervals

    length = len(columns[0])
    if length < TREND_POINTS:
        return _trend_frame(
            method,
            length,
            math.nan,
            math.nan,
            "cannot_be_calculated",
            f"fewer than {TREND_POINTS} points",
            level,
        )
    recent = [column[-TREND_POINTS:] for column in columns]
    if any(np.isnan(column).any() for column in recent):
        return _trend_frame(
            method,
            TREND_POINTS,
            math.nan,
            math.nan,
            "cannot_be_calculated",
            f"a missing value among the last {TREND_POINTS} points",
            level,
        )
    times = np.arange(1, TREND_POINTS + 1, dtype=float)

    if method == "weighted_regression":
        fit = _weighted_regression_trend(recent, interval_level, times)
    elif method == "chi_squared_trend":
        fit = _chi_squared_trend(recent, times)
    else:
        fit = _poisson_regression_trend(recent, times)
    if isinstance(fit, str):
        return _trend_frame(
            method, TREND_POINTS, math.nan, math.nan, "cannot_be_calculated", fit, level
        )
    slope, statistic, slope_without = fit
    return _trend_verdict(method, slope, statistic, slope_without, critical, level)


# ---------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------


def quartile_band(values, polarity) -> pd.DataFrame:
    """Quartile bands A (best quarter) to D (worst), as DfE's LA Interactive Tool.

    All areas with a value are ranked from best to worst following the polarity (rank 1 is
    the highest value when higher is better). Ties share the best rank among them
    (competition ranking, as Excel's RANK), so tied areas always share a band. The band is
    ``ceil(4 x rank / n)`` with n the number of areas with a value: with 152 local
    authorities, ranks 1-38 are A, 39-76 B, 77-114 C and 115-152 D. Missing values get no
    rank and no band and do not count towards n.

    Args:
        values: one value per area (a Series indexed by area keeps its index).
        polarity: "high" (higher is better) or "low" (lower is better).

    Returns:
        DataFrame with one row per area: ``value``, ``rank`` (1 = best; NaN when
        missing) and ``band`` ("A", "B", "C", "D", or missing).

    Raises:
        InvalidArgumentError: a polarity other than "high" or "low" (bands need a
            direction; use the values themselves for indicators with no polarity).

    Example:
        >>> values = pd.Series([10, 40, 30, 30, None], index=list("VWXYZ"))
        >>> quartile_band(values, polarity="high")
           value  rank band
        V   10.0   4.0    D
        W   40.0   1.0    A
        X   30.0   2.0    B
        Y   30.0   2.0    B
        Z    NaN   NaN  NaN
    """
    if not (isinstance(polarity, str) and polarity.strip().lower() in _POLARITIES):
        raise InvalidArgumentError(
            f"polarity must be 'high' (higher is better) or 'low' (lower is better) to band "
            f"areas; got {polarity!r}. Indicators with no polarity are not banded."
        )
    polarity = polarity.strip().lower()
    arrays, index = _broadcast(values=values)
    series = pd.Series(arrays["values"], index=index)
    rank = series.rank(method="min", ascending=polarity == "low", na_option="keep")
    count = int(series.notna().sum())
    band = [
        None if np.isnan(rank_) else "ABCD"[min(4, math.ceil(4 * rank_ / count)) - 1]
        for rank_ in rank.to_numpy()
    ]
    return pd.DataFrame({"value": series, "rank": rank, "band": band}, index=index)


def neighbour_mean(values_by_la, neighbours) -> pd.DataFrame:
    """Plain mean of each area's statistical neighbours' values, with the count used.

    As DfE's statistical-neighbour averages: the unweighted mean of the values available
    for the listed neighbours (usually ten). Neighbours with no value, or not in
    ``values_by_la``, are left out and listed in ``neighbours_missing``.

    Args:
        values_by_la: mapping (dict or Series) from area name or code to value.
        neighbours: mapping from each area to the list of its statistical neighbours.

    Returns:
        DataFrame indexed by area (in the order of ``neighbours``) with columns
        ``neighbour_mean`` (NaN when no neighbour has a value), ``neighbours_used``,
        ``neighbours_listed`` and ``neighbours_missing`` (tuple of names).

    Raises:
        InvalidArgumentError: inputs that are not mappings, an area listed as its own
            neighbour, a neighbour listed twice, or a non-numeric value.

    Example:
        >>> values = {"Camden": 50.0, "Islington": 40.0, "Hackney": None, "Lambeth": 60.0}
        >>> neighbour_mean(values, {"Camden": ["Islington", "Hackney", "Lambeth"]})
                neighbour_mean  neighbours_used  neighbours_listed neighbours_missing
        Camden            50.0                2                  3         (Hackney,)
    """
    if not isinstance(values_by_la, (Mapping, pd.Series)):
        raise InvalidArgumentError(
            "values_by_la must map each area to its value (a dict or a Series indexed by area)."
        )
    if not isinstance(neighbours, (Mapping, pd.Series)):
        raise InvalidArgumentError(
            "neighbours must map each area to the list of its statistical neighbours."
        )
    values = pd.Series(values_by_la, dtype=object)
    numeric = pd.Series(
        _to_float_array(values.to_numpy(), "values_by_la"), index=values.index, dtype=float
    )
    rows = []
    areas = list(neighbours.keys())
    for area in areas:
        listed = neighbours[area]
        if isinstance(listed, str) or not isinstance(listed, Iterable):
            raise InvalidArgumentError(
                f"the neighbours of {area!r} must be a list of area names; got {listed!r}."
            )
        listed = list(listed)
        if area in listed:
            raise InvalidArgumentError(
                f"{area!r} is listed as its own statistical neighbour; remove it from its list."
            )
        if len(set(listed)) != len(listed):
            raise InvalidArgumentError(f"the neighbour list of {area!r} names an area twice.")
        available = [
            name for name in listed if name in numeric.index and not np.isnan(numeric[name])
        ]
        missing = tuple(name for name in listed if name not in available)
        mean = float(np.mean([numeric[name] for name in available])) if available else math.nan
        rows.append(
            {
                "neighbour_mean": mean,
                "neighbours_used": len(available),
                "neighbours_listed": len(listed),
                "neighbours_missing": missing,
            }
        )
    return pd.DataFrame(
        rows,
        index=pd.Index(areas),
        columns=["neighbour_mean", "neighbours_used", "neighbours_listed", "neighbours_missing"],
    )
