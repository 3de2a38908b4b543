"""Benchmarking and peers: comparison flags against a benchmark, quartile bands, neighbours.

References: Fingertips' comparison of an area's interval with the benchmark value; DfE LA
Interactive Tool (LAIT) quartile banding by rank (of whichever areas the caller gives: all
English LAs as LAIT, or the London boroughs) and statistical-neighbour averages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.inputs import (
    broadcast,
    first_position,
    to_float_array,
)

__all__ = ["compare_to_benchmark", "neighbour_mean", "quartile_band"]


_POLARITIES = ("high", "low")


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
        >>> from lscb_analysis.stats.intervals import proportion_ci
        >>> ci = proportion_ci(65, 100)
        >>> result = compare_to_benchmark(
        ...     ci["value"], ci["lower"], ci["upper"], [60, 50, 75, None], polarity="high")
        >>> result["comparison"].tolist()
        ['similar', 'better', 'worse', 'not_compared']
    """
    arrays, index = broadcast(value=value, lower=lower, upper=upper, benchmark=benchmark)
    low, high, bench = arrays["lower"], arrays["upper"], arrays["benchmark"]
    reversed_interval = low > high
    if reversed_interval.any():
        position = first_position(reversed_interval)
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


def quartile_band(values, polarity) -> pd.DataFrame:
    """Quartile bands A (best quarter) to D (worst) of the areas given, by rank.

    The bands are relative to the areas passed in, which the caller chooses and must name
    where the band is shown: every English local authority with a value in the published
    data gives the bands as DfE's LA Interactive Tool (LAIT) shows them ("England quartile
    (LAIT)"), the London boroughs alone give London bands ("London quartile"); the two can
    differ by a whole band.

    All areas with a value are ranked from best to worst following the polarity (rank 1 is
    the highest value when higher is better), as LAIT ranks local authorities (its quartile
    banding A-D follows the measure's polarity, ``Polarity`` High / Low in
    ``data/external/lait_data_dictionary.csv``). Ties share the best rank among them
    (competition ranking, as Excel's RANK), so tied areas always share a band. The band is
    ``ceil(4 x rank / n)`` with n the number of areas with a value: with 152 local
    authorities, ranks 1-38 are A, 39-76 B, 77-114 C and 115-152 D. Missing values
    (suppressed, not published) get no rank and no band, do not count towards n, and are
    listed in ``attrs["left_out"]``.

    Args:
        values: one value per area (a Series indexed by area keeps its index).
        polarity: "high" (higher is better) or "low" (lower is better).

    Returns:
        DataFrame with one row per area: ``value``, ``rank`` (1 = best; NaN when
        missing) and ``band`` ("A", "B", "C", "D", or missing). ``attrs``: ``ranked`` (n,
        the areas with a value) and ``left_out`` (list of the index labels with no value).

    Raises:
        InvalidArgumentError: a polarity other than "high" or "low" (bands need a
            direction; use the values themselves for indicators with no polarity).

    Example:
        >>> values = pd.Series([10, 40, 30, 30, None], index=list("VWXYZ"))
        >>> bands = quartile_band(values, polarity="high")
        >>> bands
           value  rank band
        V   10.0   4.0    D
        W   40.0   1.0    A
        X   30.0   2.0    B
        Y   30.0   2.0    B
        Z    NaN   NaN  NaN
        >>> bands.attrs["ranked"], bands.attrs["left_out"]
        (4, ['Z'])
    """
    if not (isinstance(polarity, str) and polarity.strip().lower() in _POLARITIES):
        raise InvalidArgumentError(
            f"polarity must be 'high' (higher is better) or 'low' (lower is better) to band "
            f"areas; got {polarity!r}. Indicators with no polarity are not banded."
        )
    polarity = polarity.strip().lower()
    arrays, index = broadcast(values=values)
    series = pd.Series(arrays["values"], index=index)
    rank = series.rank(method="min", ascending=polarity == "low", na_option="keep")
    count = int(series.notna().sum())
    band = [
        None if np.isnan(rank_) else "ABCD"[min(4, math.ceil(4 * rank_ / count)) - 1]
        for rank_ in rank.to_numpy()
    ]
    frame = pd.DataFrame({"value": series, "rank": rank, "band": band}, index=index)
    frame.attrs.update(ranked=count, left_out=list(series.index[series.isna()]))
    return frame


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
        to_float_array(values.to_numpy(), "values_by_la"), index=values.index, dtype=float
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
