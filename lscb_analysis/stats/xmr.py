"""SPC XmR charts: limits, rules (shift, trend, two of three, beyond limits) and summary icons.

Reference: NHS England "Making Data Count" and NHS-R NHSRplotthedots (XmR charts, rules,
variation and assurance icons).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.inputs import (
    broadcast,
    check_choice,
)

__all__ = ["xmr", "xmr_summary"]


# Making Data Count / NHSRplotthedots constants for XmR charts.
XMR_LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
XMR_SCREEN_FACTOR = 3.267  # D4 for n = 2: upper limit of the moving range chart
MINIMUM_POINTS_FOR_LIMITS = 12  # fewer points give provisional ("trial") limits

_IMPROVEMENTS = ("up", "down")


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
    check_choice(improvement, "improvement", (*_IMPROVEMENTS, None))
    shift_points = _check_whole_number(shift_points, "shift_points", 2)
    trend_points = _check_whole_number(trend_points, "trend_points", 2)
    if baseline is not None:
        baseline = _check_whole_number(baseline, "baseline", 2)
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, numbers.Real) or math.isnan(target)
    ):
        raise InvalidArgumentError(f"target must be a number or None; got {target!r}.")
    arrays, index = broadcast(values=values)
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
