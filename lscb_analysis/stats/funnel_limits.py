"""Funnel-plot limit formulas: exact limits, normal limits on a scale, and over-dispersion.

The building blocks of :func:`lscb_analysis.stats.funnels.funnel`; every function takes and
returns numpy arrays on the *unscaled* scale (a fraction for proportions, a rate per one
unit of denominator for rates).

Exact limits (``method="exact"``) invert the exact tail probabilities of the binomial
(proportions) or Poisson (rates) distribution at the target, treating the count as
continuous through the regularised incomplete beta and gamma functions
(scipy.special ``bdtrik`` and ``chdtriv``, cdflib). For a whole count the unit lies strictly
outside a limit exactly when the one-sided exact test at the target rejects
(``P(X <= y) < tail`` below, ``P(X >= y) < tail`` above), which is also when its exact
(Clopper-Pearson or Garwood) interval excludes the target. This is how PHE draws rate and
ratio funnels (PHEindicatormethods ``calculate_funnel_limits``: for each count the
population at which it is on the limit, by bisection on the Poisson distribution; the same
points as here) and classifies them (``assign_funnel_significance``: exact Poisson
intervals below 10 events, Byar's approximation from 10). PHE's proportion funnels use
the Wilson score limit, which equals the normal approximation on the natural scale; the
exact binomial limit here is the exact analogue (Spiegelhalter 2005, appendix A.1.1).
NHS-R FunnelPlotR draws Poisson ratio limits differently: the exact (Garwood) interval of a
count equal to the expected count (``qchisq(tail, 2E) / 2E`` and ``qchisq(1 - tail, 2E + 2)
/ 2E``), which flags no events against 1 expected below its 99.8% limit; the limits here do
not, since that count is not unusual (P = 0.37). The tests quote FunnelPlotR's published
values and both conventions.

Normal limits (``method="normal"``) and every over-dispersion adjustment use the normal
approximation on a ``scale``: ``"natural"`` (``target +/- z s`` with
``s = sqrt(V(target) / n)``) or ``"transformed"`` as NHS-R FunnelPlotR does, following
Spiegelhalter (2005) "Funnel plots for comparing institutional performance", Stat Med
24:1185: arcsine square root for proportions (``s = 1 / (2 sqrt(n))``) and log for rates
(``s = 1 / sqrt(expected count)``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special
from scipy import stats as scipy_stats

LEVELS: tuple[tuple[str, float], ...] = (("95", 0.95), ("998", 0.998))
"""Funnel levels: column suffix and two-sided coverage (about 2 and 3 sigma)."""

METHODS: tuple[str, ...] = ("exact", "normal")
SCALES: tuple[str, ...] = ("transformed", "natural")

ZERO_COUNT_ON_LOG_SCALE = 0.5
"""On the log scale a unit with no events counts as 0.5 events against E + 0.5 expected."""


def _binomial_upper_count(n: np.ndarray, theta: float, tail: float) -> np.ndarray:
    """The count U with ``P(X >= U) = tail``, X binomial(n, theta), continuous in U.

    ``bdtrik`` inverts the distribution function for counts of 0 and up, which covers
    U >= 1; when even one event is unusual (``P(X >= 1) < tail``) U lies between 0 and 1 and
    is found by Brent's method (scipy.optimize ``brentq``) on the incomplete beta function
    ``P(X <= k) = I_{1 - theta}(n - k, k + 1)`` for k = U - 1 in (-1, 0).
    """
    with np.errstate(invalid="ignore"):
        upper = special.bdtrik(1 - tail, n, theta) + 1
        below_one = np.isfinite(n) & ((1 - theta) ** n > 1 - tail)
    for position in np.flatnonzero(below_one):
        size = float(n[position])

        def excess(k: float, size: float = size) -> float:
            return float(special.betainc(size - k, k + 1, 1 - theta)) - (1 - tail)

        upper[position] = optimize.brentq(excess, -1 + 1e-12, 0.0, xtol=1e-12) + 1
    return np.minimum(upper, n)


def exact_limits(
    denominator: np.ndarray, theta: float, kind: str, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact lower and upper limits (as values, not counts) at a two-sided ``level``.

    Inputs: denominators (NaN or 0 give NaN), the target ``theta`` (unscaled), ``kind``
    ("proportion" or "rate") and ``level`` (0.95, 0.998). Outputs: two float arrays.

    The lower count ``L`` solves ``P(X <= L) = tail`` and the upper count ``U`` solves
    ``P(X >= U) = tail`` with ``tail = (1 - level) / 2`` and X binomial(n, theta) or
    Poisson(theta n), continuous in the count: for rates ``L = chdtriv(1 - tail, 2E) / 2 - 1``
    and ``U = chdtriv(tail, 2E) / 2`` (scipy.special, the chi-squared form of the Poisson
    distribution, E the expected count); for proportions scipy.special ``bdtrik``. ``L``
    is 0 when even no events is not unusual (``P(X = 0) >= tail``) and ``U`` is at most n
    for proportions.
    """
    tail = (1 - level) / 2
    n = np.where(denominator > 0, denominator, np.nan)
    missing = np.isnan(n)
    if theta <= 0 or (kind == "proportion" and theta >= 1):
        # Every unit must show the target exactly: the limits collapse onto it.
        collapsed = np.where(missing, np.nan, theta)
        return collapsed, collapsed.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "proportion":
            low_count = special.bdtrik(tail, n, theta)
            high_count = _binomial_upper_count(n, theta, tail)
        else:
            expected = theta * n
            low_count = special.chdtriv(1 - tail, 2 * expected) / 2 - 1
            high_count = special.chdtriv(tail, 2 * expected) / 2
        low_count = np.where(missing, np.nan, np.maximum(low_count, 0.0))
        return low_count / n, high_count / n


def to_scale(value: np.ndarray, kind: str, scale: str) -> np.ndarray:
    """A value (unscaled) on the ``scale``: itself, arcsine square root or log."""
    if scale == "natural":
        return np.asarray(value, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "proportion":
            return np.arcsin(np.sqrt(value))
        return np.log(value)


def from_scale(value: np.ndarray, kind: str, scale: str) -> np.ndarray:
    """Back from the ``scale`` to a value, kept within what the kind allows."""
    if scale == "natural":
        bounded = np.maximum(value, 0.0)
        return np.minimum(bounded, 1.0) if kind == "proportion" else bounded
    if kind == "proportion":
        return np.sin(np.clip(value, 0.0, math.pi / 2)) ** 2
    return np.exp(value)


def standard_error(denominator: np.ndarray, theta: float, kind: str, scale: str) -> np.ndarray:
    """The standard error of one unit at the target, on the ``scale`` (NaN for n <= 0).

    Natural: ``sqrt(theta (1 - theta) / n)`` or ``sqrt(theta / n)``; transformed:
    ``1 / (2 sqrt(n))`` (arcsine) or ``1 / sqrt(theta n)`` (log), as FunnelPlotR.
    """
    n = np.where(denominator > 0, denominator, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        if scale == "natural":
            unit_variance = theta * (1 - theta) if kind == "proportion" else theta
            return np.sqrt(unit_variance / n)
        if kind == "proportion":
            return 1 / (2 * np.sqrt(n))
        return 1 / np.sqrt(theta * n)


def z_scores(
    events: np.ndarray, denominator: np.ndarray, theta: float, kind: str, scale: str
) -> np.ndarray:
    """Unadjusted z-scores ``(g(y) - g(theta)) / s`` on the ``scale`` (NaN where undefined).

    On the log scale (rates, transformed) the score is ``sqrt(E) log(O / E)`` with O the
    events and E = theta n the expected count (FunnelPlotR's SHMI z-score); log 0 being
    undefined, a unit with no events scores ``sqrt(E) log(0.5 / (E + 0.5))``, the +0.5
    correction of FunnelPlotR's ratio-of-counts transform, which is below 0 for any E.
    """
    n = np.where(denominator > 0, denominator, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "rate" and scale == "transformed":
            expected = theta * n
            ratio = np.where(
                events == 0, ZERO_COUNT_ON_LOG_SCALE / (expected + 0.5), events / expected
            )
            z = np.sqrt(expected) * np.log(ratio)
        else:
            observed = events / n
            centre = to_scale(theta, kind, scale)
            z = (to_scale(observed, kind, scale) - centre) / standard_error(n, theta, kind, scale)
    return np.where(np.isfinite(z), z, np.nan)


def spread(error: np.ndarray, adjustment: str | None, phi: float, tau2: float) -> np.ndarray:
    """The standard error in use: ``s``, ``sqrt(phi) s`` or ``sqrt(s^2 + tau^2)``."""
    if adjustment == "multiplicative":
        return math.sqrt(phi) * error
    if adjustment == "additive":
        return np.sqrt(error**2 + tau2)
    return error


def normal_limits(
    denominator: np.ndarray,
    theta: float,
    kind: str,
    scale: str,
    level: float,
    adjustment: str | None = None,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Normal limits ``g^-1(g(theta) -/+ z sigma)`` on the ``scale``, sigma from :func:`spread`.

    Outputs: lower and upper limits (unscaled) as float arrays; clamped at 0 (and 1 for
    proportions). A target of 0 on the log scale gives limits of 0.
    """
    z = scipy_stats.norm.ppf(1 - (1 - level) / 2)
    sigma = spread(standard_error(denominator, theta, kind, scale), adjustment, phi, tau2)
    if kind == "rate" and scale == "transformed" and theta <= 0:
        zeros = np.where(denominator > 0, 0.0, np.nan)  # log 0: every unit must show 0
        return zeros, zeros.copy()
    centre = to_scale(theta, kind, scale)
    return (
        from_scale(centre - z * sigma, kind, scale),
        from_scale(centre + z * sigma, kind, scale),
    )


def overdispersion(z: np.ndarray, error: np.ndarray, winsorise: float) -> tuple[float, float]:
    """Spiegelhalter's (2005) dispersion ratio phi and between-unit variance tau^2.

    Inputs: unadjusted z-scores and the standard errors ``s`` on the same scale, and the
    fraction winsorised at each end. The z-scores are winsorised to their ``winsorise``
    and ``1 - winsorise`` quantiles (numpy's linear quantiles, R's type 7, as FunnelPlotR),
    ``phi = mean(z_w^2)`` and ``tau^2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 /
    sum w))`` with ``w = 1 / s^2`` (FunnelPlotR ``phi_func`` and ``tau_func``). Outputs:
    (phi, tau2), both NaN with fewer than two usable z-scores.
    """
    usable = np.isfinite(z) & np.isfinite(error)
    count = int(usable.sum())
    if count < 2:
        return math.nan, math.nan
    z_usable = z[usable]
    low_cut, high_cut = np.quantile(z_usable, [winsorise, 1 - winsorise])
    phi = float(np.mean(np.clip(z_usable, low_cut, high_cut) ** 2))
    weights = 1 / error[usable] ** 2
    spread_of_weights = weights.sum() - (weights**2).sum() / weights.sum()
    if spread_of_weights <= 0:
        return phi, 0.0
    return phi, float(max(0.0, (count * phi - (count - 1)) / spread_of_weights))
