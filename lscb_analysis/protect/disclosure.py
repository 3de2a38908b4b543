"""Disclosure control: small-number suppression for every table that leaves as a board output.

The rules live in ``data/reference/disclosure.yaml`` (see :func:`load_disclosure_rules`) and
follow the Department for Education's practice for children's social care statistics at local
authority level:

* **primary suppression**: a count from 1 up to the threshold (default 5) is shown as the
  symbol (default ``c``);
* **zeros**: with ``zero_rule: publish`` (the default, as DfE) a true zero is shown as 0 and
  is not suppressed, because a zero identifies nobody; with ``zero_rule: suppress`` zeros are
  treated like small numbers;
* **secondary suppression**: when a table publishes totals, a suppressed count could be worked
  out as "the total minus the others". Whenever a row or column with a published total has
  exactly one suppressed cell, the next smallest non-zero cell of that row or column is
  suppressed too (falling back to the total, then to a zero, when nothing else is left); this
  repeats until stable. For two-way tables with both row and column totals a further check
  finds the suppressed cells that could still be solved from several rows and columns at once
  (a "bridge" in the graph of suppressed cells) and suppresses one more cell to close each one,
  so no suppressed count can be calculated exactly from the published figures;
* **derived values**: a percentage or rate is shown as the symbol when a count it is computed
  from (its numerator, and its denominator if that is in the table) is suppressed.

Everything here is a pure function: a DataFrame goes in, a new DataFrame comes out; only
:func:`load_disclosure_rules` reads a file. Two output tiers exist: ``board`` (suppressed, the
default) and ``analyst`` (unsuppressed, always labelled NOT FOR PUBLICATION).

Limits, stated in :func:`method_note` terms: the secondary rule protects exact values, not
ranges (a reader may still learn that two suppressed cells add up to 7); cells that are
missing or hold other symbols (``x``, ``z``) are treated as known to the reader, which can only
lead to more suppression, never less.

This module holds the decision (:func:`suppress` and :func:`count_is_disclosive`, with the
tiers applied by :func:`table_for_tier`). Loading the rules, the tiers and the method's wording
are in :mod:`lscb_analysis.protect.disclosure_config`; what may be plotted and how figures
derived from counts are shown, in :mod:`lscb_analysis.protect.disclosure_figures`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import DisclosureError
from lscb_analysis.protect.disclosure_config import (
    DEFAULT_TIER,
    DisclosureRules,
    load_disclosure_rules,
    validate_tier,
)
from lscb_analysis.protect.suppression_graph import secondary as _secondary

PRIMARY, SECONDARY, DERIVED = "primary", "secondary", "derived"
"""Reasons a cell is suppressed, as found in :attr:`SuppressionResult.reasons`."""

_NONE, _PRIMARY, _SECONDARY = 0, 1, 2


@dataclass(frozen=True)
class SuppressionResult:
    """What :func:`suppress` returns.

    ``table``: a copy of the input where suppressed cells hold the symbol (those columns
    become object dtype); ``reasons``: a DataFrame of the same shape holding ``""``,
    ``"primary"``, ``"secondary"`` or ``"derived"``; ``mask`` (property): True where suppressed.
    """

    table: pd.DataFrame
    reasons: pd.DataFrame

    @property
    def mask(self) -> pd.DataFrame:
        """Boolean DataFrame, same shape as the table: True where a cell was suppressed."""
        return self.reasons.ne("")


def suppress(
    table: pd.DataFrame,
    *,
    count_columns: Sequence[Hashable] | None = None,
    rates: Mapping[Hashable, Hashable | Sequence[Hashable]] | None = None,
    row_total: Hashable | None = None,
    column_total: Hashable | None = None,
    rules: DisclosureRules | None = None,
) -> SuppressionResult:
    """Apply primary, secondary and derived suppression to a table.

    Inputs:
      ``table``: one row per category (e.g. borough), one column per measure.
      ``count_columns``: the columns holding counts; None means every column whose values are
        all numbers, numeric text, the symbol or one of ``other_symbols``, except the
        ``rates`` columns. When ``column_total`` is given, these columns must be exactly
        the parts and the total.
      ``rates``: rate or percentage column -> the count column(s) it is computed from (the
        numerator, plus the denominator if it is a count in the table).
      ``row_total``: index label of the row holding column totals (e.g. ``"Total"``), if any.
      ``column_total``: name of the column holding row totals, if any.
      ``rules``: None loads ``data/reference/disclosure.yaml``.
    Cells that already hold the symbol count as suppressed (primary); missing values and other
    text are left alone.
    Output: :class:`SuppressionResult` with ``table`` (suppressed copy), ``reasons`` and
    ``mask``. Raises: DisclosureError for unknown or duplicated columns or labels.

    >>> t = pd.DataFrame({"boys": [3, 10, 13], "girls": [8, 12, 20]},
    ...                  index=["A", "B", "Total"])
    >>> result = suppress(t, row_total="Total")
    >>> result.table
          boys  girls
    A        c      8
    B        c     12
    Total   13     20
    >>> result.reasons["boys"].tolist()
    ['primary', 'secondary', '']
    """
    rules = rules or load_disclosure_rules()
    if not isinstance(table, pd.DataFrame):
        raise DisclosureError(
            f"Disclosure control needs a DataFrame, not {type(table).__name__}; "
            "convert it with pandas.DataFrame(...) first."
        )
    if not table.columns.is_unique:
        duplicated = sorted({str(c) for c in table.columns[table.columns.duplicated()]})
        raise DisclosureError(
            f"Table has duplicated column names ({', '.join(duplicated)}); rename them "
            "before applying disclosure control."
        )
    rate_sources = _normalise_rates(table, rates or {})
    counts = _resolve_count_columns(table, count_columns, rate_sources, column_total, rules)
    total_row = _row_position(table, row_total)

    values, state = _parse_block(table, counts, rules)
    _primary(values, state, rules)
    if rules.secondary_suppression:
        total_col = counts.index(column_total) if column_total is not None else None
        _secondary(values, state, total_row, total_col)

    reasons = np.full(table.shape, "", dtype=object)
    positions = {column: table.columns.get_loc(column) for column in table.columns}
    for k, column in enumerate(counts):
        j = positions[column]
        reasons[state[:, k] == _PRIMARY, j] = PRIMARY
        reasons[state[:, k] == _SECONDARY, j] = SECONDARY
    for rate, sources in rate_sources.items():
        j = positions[rate]
        hit = np.zeros(len(table), dtype=bool)
        for source in sources:
            hit |= state[:, counts.index(source)] != _NONE
        present = table.iloc[:, j].notna().to_numpy()
        reasons[hit & present, j] = DERIVED

    out = table.copy()
    for j in range(table.shape[1]):
        rows = np.flatnonzero(reasons[:, j] != "")
        if len(rows) == 0:
            continue
        column = out.iloc[:, j].astype(object)
        column.iloc[rows] = rules.symbol
        out.isetitem(j, column)
    reason_frame = pd.DataFrame(reasons, index=table.index, columns=table.columns, dtype=object)
    return SuppressionResult(table=out, reasons=reason_frame)


def suppress_table(table: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Return only the suppressed copy of ``table``; options as for :func:`suppress`.

    Output: DataFrame with the same index and columns, suppressed cells holding the symbol.
    Raises: DisclosureError as :func:`suppress`.

    >>> suppress_table(pd.DataFrame({"n": [2, 0, 40]}))["n"].tolist()
    ['c', 0, 40]
    """
    return suppress(table, **options).table


def suppression_mask(table: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Return a boolean DataFrame: True where :func:`suppress` would suppress a cell.

    Inputs and errors as :func:`suppress`; use :attr:`SuppressionResult.reasons` to see why.

    >>> suppression_mask(pd.DataFrame({"n": [2, 0, 40]}))["n"].tolist()
    [True, False, False]
    """
    return suppress(table, **options).mask


def table_for_tier(
    table: pd.DataFrame,
    tier: str = DEFAULT_TIER,
    *,
    rules: DisclosureRules | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Prepare a table for an output tier.

    Inputs: ``table``; ``tier`` (``board``: suppressed, the default; ``analyst``:
    unsuppressed); ``rules`` (None loads the configured ones); other options as
    :func:`suppress`. Output: a new DataFrame whose ``attrs`` hold ``tier`` and
    ``tier_label`` (the analyst label contains NOT FOR PUBLICATION) for writers to print.
    Raises: ParameterError for an unknown tier; DisclosureError as :func:`suppress`.

    >>> t = pd.DataFrame({"n": [2, 40]})
    >>> table_for_tier(t)["n"].tolist(), table_for_tier(t, "analyst")["n"].tolist()
    (['c', 40], [2, 40])
    >>> table_for_tier(t, "analyst").attrs["tier_label"].startswith("NOT FOR PUBLICATION")
    True
    """
    name = validate_tier(tier)
    rules = rules or load_disclosure_rules()
    out = suppress(table, rules=rules, **options).table if name == "board" else table.copy()
    out.attrs["tier"] = name
    out.attrs["tier_label"] = rules.tier_labels[name]
    return out


def count_is_disclosive(value: Any, rules: DisclosureRules | None = None) -> bool:
    """Say whether one count may not be shown on the board tier (the primary rule).

    True for a count from 1 to the threshold (0 too under ``zero_rule: suppress``) and for a
    cell already holding the symbol. Input: a count (number, numeric text or the symbol) and
    ``rules``. Output: bool. Raises nothing for odd values (they are not counts: False).

    >>> count_is_disclosive(3), count_is_disclosive(0), count_is_disclosive("c")
    (True, False, True)
    """
    rules = rules or load_disclosure_rules()
    number, is_symbol = _parse_cell(value, rules.symbol)
    if is_symbol:
        return True
    if math.isnan(number):
        return False
    low = 0 if rules.zero_rule == "suppress" else 1
    return low <= number <= rules.threshold


def rows_with_suppression(
    table: pd.DataFrame, tier: str = DEFAULT_TIER, **options: Any
) -> pd.Series:
    """Which rows of a table have a count the board tier suppresses (primary or secondary).

    Inputs: ``table`` and ``options`` as :func:`suppress`; ``tier``. Output: a boolean Series
    on the table's index (all False on the analyst tier). Sentences and totals built from such
    a row must be suppressed too (:func:`derived_visible` with ``suppressed=...``).
    Raises: ParameterError, DisclosureError as :func:`suppress`.

    >>> rows_with_suppression(pd.DataFrame({"n": [2, 40]})).tolist()
    [True, False]
    """
    if validate_tier(tier) == "analyst" or table.empty:
        return pd.Series(False, index=table.index, dtype=bool)
    reasons = suppress(table, **options).reasons
    return reasons.isin([PRIMARY, SECONDARY]).any(axis=1)


# --- internals ---------------------------------------------------------------------------


def _normalise_rates(
    table: pd.DataFrame, rates: Mapping[Hashable, Hashable | Sequence[Hashable]]
) -> dict[Hashable, tuple[Hashable, ...]]:
    normalised: dict[Hashable, tuple[Hashable, ...]] = {}
    for rate, sources in rates.items():
        if isinstance(sources, str) or not isinstance(sources, Iterable):
            sources = (sources,)
        sources = tuple(sources)
        unknown = [str(c) for c in (rate, *sources) if c not in table.columns]
        if unknown:
            raise DisclosureError(
                f"Rate column {rate!r}: column(s) {', '.join(unknown)} not in the table; "
                "name the rate column and the count column(s) it is computed from."
            )
        if not sources:
            raise DisclosureError(
                f"Rate column {rate!r} has no count column; give at least its numerator."
            )
        normalised[rate] = sources
    return normalised


def _resolve_count_columns(
    table: pd.DataFrame,
    count_columns: Sequence[Hashable] | None,
    rate_sources: Mapping[Hashable, tuple[Hashable, ...]],
    column_total: Hashable | None,
    rules: DisclosureRules,
) -> list[Hashable]:
    if count_columns is None:
        counts = [
            column
            for column in table.columns
            if column not in rate_sources and _is_count_like(table[column], rules)
        ]
    else:
        if isinstance(count_columns, str):
            count_columns = [count_columns]
        counts = list(dict.fromkeys(count_columns))
        unknown = [str(c) for c in counts if c not in table.columns]
        if unknown:
            raise DisclosureError(
                f"count_columns names {', '.join(unknown)}, not in the table "
                f"(columns: {', '.join(map(str, table.columns))}); correct the names."
            )
    if column_total is not None:
        if column_total not in table.columns:
            raise DisclosureError(
                f"column_total {column_total!r} is not a column of the table; give the name "
                "of the column holding the row totals, or None."
            )
        if column_total not in counts:
            counts.append(column_total)
    clash = [str(c) for c in counts if c in rate_sources]
    if clash:
        raise DisclosureError(
            f"{', '.join(clash)} listed both as a count and as a rate; a column is one or "
            "the other."
        )
    for rate, sources in rate_sources.items():
        outside = [str(s) for s in sources if s not in counts]
        if outside:
            raise DisclosureError(
                f"Rate column {rate!r} depends on {', '.join(outside)}, which is not among "
                "the count columns; add it to count_columns so it can be suppressed."
            )
    return counts


def _row_position(table: pd.DataFrame, row_total: Hashable | None) -> int | None:
    if row_total is None:
        return None
    positions = np.flatnonzero(table.index == row_total)
    if len(positions) != 1:
        found = "is not in" if len(positions) == 0 else "appears more than once in"
        raise DisclosureError(
            f"row_total {row_total!r} {found} the table's index; set the index to the row "
            "labels (e.g. table.set_index('la_name')) and give the label of the total row."
        )
    return int(positions[0])


def _parse_cell(value: Any, symbol: str) -> tuple[float, bool]:
    """Return (numeric value or NaN, whether the cell already holds the symbol)."""
    if isinstance(value, bool | np.bool_):
        return math.nan, False
    if isinstance(value, numbers.Real):
        return float(value), False
    if isinstance(value, str):
        text = value.strip()
        if text == symbol:
            return math.nan, True
        try:
            return float(text.replace(",", "")), False
        except ValueError:
            return math.nan, False
    return math.nan, False


def _is_count_like(column: pd.Series, rules: DisclosureRules) -> bool:
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_numeric_dtype(column.dtype):
        return True
    present = [v for v in column if not _is_missing(v)]
    if not present:
        return False
    allowed = {rules.symbol, *rules.other_symbols}
    for value in present:
        if isinstance(value, str) and value.strip() in allowed:
            continue
        number, _ = _parse_cell(value, rules.symbol)
        if math.isnan(number):
            return False
    return True


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _parse_block(
    table: pd.DataFrame, counts: list[Hashable], rules: DisclosureRules
) -> tuple[np.ndarray, np.ndarray]:
    values = np.full((len(table), len(counts)), np.nan)
    state = np.zeros((len(table), len(counts)), dtype=np.int8)
    for k, column in enumerate(counts):
        for i, value in enumerate(table[column].tolist()):
            number, is_symbol = _parse_cell(value, rules.symbol)
            values[i, k] = number
            if is_symbol:
                state[i, k] = _PRIMARY
    return values, state


def _primary(values: np.ndarray, state: np.ndarray, rules: DisclosureRules) -> None:
    with np.errstate(invalid="ignore"):
        low = values >= 0 if rules.zero_rule == "suppress" else values > 0
        small = low & (values <= rules.threshold)
    state[small] = _PRIMARY
