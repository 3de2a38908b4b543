"""The one decision about a series' latest period: its figure, or why there is none.

The score card, the deep dive (its charts, questions and index headline) and the exception
list all ask :func:`latest_verdict` what to say about the latest period of a series, so they
give the same verdict for the same series. The latest period is the period the report is
for, never an earlier one: when it is suppressed, missing or not yet due the verdict says so
("2024-25: suppressed; last shown 2023-24: 8.6%") and carries no SPC icon, as Making Data
Count's rules read (the variation and assurance icons describe the latest point).

Wording lives in ``data/reference/latest.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from lscb_analysis.core import indicators, io
from lscb_analysis.present import presenter
from lscb_analysis.stats.xmr import xmr_summary

RULES_FILE = "latest.yaml"
OK = "ok"  # the status / state of a figure that may be shown (public_data.OK, scorecard.USABLE)
VALUE, SUPPRESSED, MISSING, NOT_YET_DUE = "value", "suppressed", "missing", "not_yet_due"
STATES = (VALUE, SUPPRESSED, MISSING, NOT_YET_DUE)
_XMR_COLUMNS = {"value", "mean", "lpl", "upl", "outside_limits", "trend", "variation"}


REQUIRED_KEYS = ("state_words", "last_shown", "no_earlier", "not_assessed")


def load_rules() -> dict:
    """The wording of ``data/reference/latest.yaml``.

    Output: ``{"state_words": {status: words}, "last_shown", "no_earlier", "not_assessed"}``.
    Raises: ReferenceDataError when the file is missing, unreadable or lacks one of those keys.
    """
    path = io.reference_file(RULES_FILE)
    return _read_rules(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read_rules(path: str, modified: int) -> dict:
    """Read once per file version (a score card build asks for every PI of every borough)."""
    return io.read_reference_yaml(RULES_FILE, REQUIRED_KEYS)


def period_text(label: Any) -> str:
    """A period as a reader writes it (:func:`lscb_analysis.present.presenter.format_period`).

    >>> period_text(2025), period_text("2025Q3"), period_text(np.int64(2013))
    ('2024-25', 'Q2 2025-26', '2012-13')
    """
    return presenter.format_period(label)


def figure_text(value: float, unit: str | None = None, decimals: int = 1) -> str:
    """A value at ``decimals`` with its unit's suffix (``'8.6%'``); empty for a missing value.

    >>> figure_text(8.6, "percent"), figure_text(1234.56, "rate_per_10000"), figure_text(np.nan)
    ('8.6%', '1,234.6', '')
    """
    if value is None or pd.isna(value):
        return ""
    suffix = indicators.unit_suffix(unit) if unit else ""
    rounded = indicators.round_half_up(float(value), int(decimals))
    return f"{rounded:,.{int(decimals)}f}{suffix}"


@dataclass(frozen=True)
class LatestVerdict:
    """What a report says about a series' latest period.

    Attributes: ``period`` (the latest period's label, e.g. ``'2024-25'``), ``state``
    (``value``, ``suppressed``, ``missing`` or ``not_yet_due``), ``status`` (the row's own
    status, e.g. ``not_available``), ``value`` (NaN unless ``state == 'value'``),
    ``value_text``, ``last_shown_period`` / ``last_shown_value`` / ``last_shown_text`` (the
    latest earlier period with a figure; empty / NaN when none), ``variation``,
    ``variation_icon`` and ``assurance`` (as :func:`lscb_analysis.stats.xmr.xmr_summary`; None
    unless the latest period has a value and the series has SPC limits), and ``text``, the
    sentence every output shows ("2024-25: suppressed; last shown 2023-24: 8.6%").
    """

    period: str
    state: str
    status: str
    value: float
    value_text: str
    last_shown_period: str
    last_shown_value: float
    last_shown_text: str
    variation: str | None
    variation_icon: str | None
    assurance: str | None
    text: str

    @property
    def has_value(self) -> bool:
        """True when the latest period has a figure that may be shown (and so SPC icons)."""
        return self.state == VALUE

    @property
    def special_cause(self) -> bool:
        """True when the latest period has a value showing special-cause variation."""
        return self.variation is not None and self.variation != "common_cause"

    def spc_text(self, rules: Mapping | None = None) -> str:
        """The SPC verdict in words: the variation code, or "not assessed" without a value."""
        if self.variation is not None:
            return str(self.variation)
        return str((rules or load_rules())["not_assessed"])


def _state(status: str, value: float) -> str:
    if status == OK:
        return VALUE if not pd.isna(value) else MISSING
    if status == SUPPRESSED:
        return SUPPRESSED
    if status == NOT_YET_DUE:
        return NOT_YET_DUE
    return MISSING


def _statuses(frame: pd.DataFrame, status_column: str | None) -> pd.Series:
    """Each row's status: the given column, else ``state`` or ``status``, else from the value."""
    for column in [status_column] if status_column else ["state", "status"]:
        if column in frame.columns:
            return frame[column].fillna("not_available").astype(str)
    return pd.Series(np.where(frame["value"].notna(), OK, "not_available"), index=frame.index)


def latest_verdict(
    frame: pd.DataFrame,
    period: Any = None,
    *,
    status_column: str | None = None,
    unit: str | None = None,
    decimals: int | None = None,
    label: Callable[[Any], str] = period_text,
    target: float | None = None,
    rules: Mapping | None = None,
) -> LatestVerdict:
    """Decide what to say about the latest period of one series.

    Inputs:
        frame: the series in time order, indexed by period (reporting years as ints, quarters
            as ``'2025Q1'``), with a ``value`` column and a status column (``status_column``,
            else ``state`` or ``status``; ``ok`` = a figure that may be shown; a frame without
            one reads a missing value as ``not_available``). Rows with a status other than
            ``ok`` count as having no value, whatever ``value`` holds. When it is an
            :func:`lscb_analysis.stats.xmr.xmr` frame (its columns and ``attrs``) the SPC icons of
            the latest period are read from it.
        period: the period the report is for (an index label). None: the frame's last row.
            Rows after it are ignored; a period after the last row is ``missing``
            (``not_available``), never the last row's.
        unit, decimals: for the value texts (default: ``frame.attrs`` ``unit`` and
            ``decimals``, else no suffix and 1 decimal).
        label: turns an index label into text (default :func:`period_text`).
        target: the target for the assurance icon (default ``frame.attrs['target']``).
        rules: :func:`load_rules` (None: read them).

    Output: a :class:`LatestVerdict`. Its icons are None unless the latest period itself has
    a value. Raises: ReferenceDataError when latest.yaml is unreadable.

    >>> frame = pd.DataFrame({"value": [8.1, 8.6, np.nan],
    ...                       "status": ["ok", "ok", "suppressed"]}, index=[2023, 2024, 2025])
    >>> latest_verdict(frame, unit="percent").text
    '2024-25: suppressed; last shown 2023-24: 8.6%'
    """
    rules = rules or load_rules()
    unit = unit if unit is not None else frame.attrs.get("unit")
    decimals = int(decimals if decimals is not None else frame.attrs.get("decimals", 1))
    statuses = _statuses(frame, status_column)
    if period is None and len(frame):
        period = frame.index[-1]
    if len(frame) and period in frame.index:
        position = int(np.flatnonzero(frame.index == period)[-1])
    else:
        position = _position_before(frame.index, period)
    values = frame["value"].to_numpy(dtype=float, na_value=np.nan)
    shown = [i for i in range(position + 1) if statuses.iloc[i] == OK and not np.isnan(values[i])]
    at_period = position >= 0 and len(frame) and frame.index[position] == period
    status = str(statuses.iloc[position]) if at_period else "not_available"
    value = float(values[position]) if at_period else math.nan
    state = _state(status, value)
    period_label = label(period) if period is not None else ""
    last = shown[-1] if shown and state != VALUE else None
    last_period = label(frame.index[last]) if last is not None else ""
    last_value = float(values[last]) if last is not None else math.nan
    last_text = figure_text(last_value, unit, decimals)
    variation = icon = assurance = None
    if state == VALUE and set(frame.columns) >= _XMR_COLUMNS and "improvement" in frame.attrs:
        summary = xmr_summary(frame.iloc[: position + 1], target=target).iloc[0]
        if not pd.isna(summary["mean"]):
            variation, icon = summary["variation"], summary["variation_icon"]
            assurance = summary["assurance"]
    if state == VALUE:
        value_text = figure_text(value, unit, decimals)
        text = f"{period_label}: {value_text}"
    else:
        value, value_text = math.nan, _state_words(status, state, rules)
        shown_part = (
            str(rules["last_shown"]).format(period=last_period, value=last_text)
            if last is not None
            else str(rules["no_earlier"])
        )
        text = f"{period_label}: {value_text}; {shown_part}"
    return LatestVerdict(
        period_label,
        state,
        status,
        value,
        value_text,
        last_period,
        last_value,
        last_text,
        variation,
        icon,
        assurance,
        text,
    )


def _position_before(index: pd.Index, period: Any) -> int:
    """The position of the last label before ``period`` (-1: none), for a period not in it."""
    if period is None:
        return len(index) - 1
    try:
        before = [i for i, item in enumerate(index) if _order(item) < _order(period)]
    except TypeError:
        return len(index) - 1
    return before[-1] if before else -1


def _order(label: Any) -> Any:
    if isinstance(label, str) and len(label) == 6 and label[4] == "Q":
        return int(label[:4]) * 4 + int(label[5])
    return label


def _state_words(status: str, state: str, rules: Mapping) -> str:
    words = rules["state_words"]
    if status in words:
        return str(words[status])
    return str(words.get(state, words.get("not_available", "not available")))


def verdicts(
    frames: Mapping[str, pd.DataFrame],
    period: Any = None,
    rules: Mapping | None = None,
    **options: Any,
) -> dict[str, LatestVerdict]:
    """:func:`latest_verdict` of each frame of ``{key: frame}`` (same keys, same order).

    ``period`` and ``options`` are passed on; a frame whose ``attrs`` hold ``period`` uses
    that instead (the deep dive's frames carry their report period). Raises as
    :func:`latest_verdict`.
    """
    rules = rules or load_rules()
    return {
        key: latest_verdict(frame, frame.attrs.get("period", period), rules=rules, **options)
        for key, frame in frames.items()
    }
