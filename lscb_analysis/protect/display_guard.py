"""Display guard: executed notebooks show aggregates, never the records of a local return.

Loaders that return record-level data (one row per audited case, per returned figure, per
support entry, per survey item) mark the frame with ``frame.attrs["record_level"] = True``.
pandas carries ``attrs`` through filtering, copies and column selection, so a slice of the
records stays marked; aggregations that build a new frame (``groupby(...).agg``, ``size``,
``value_counts``, ``crosstab``, merges) do not carry it. A package function whose aggregate
is built by an operation that does keep ``attrs`` (``groupby(...).sum()``, ``pivot_table``,
``describe``) clears the mark with :func:`clear_mark`.

:func:`install` registers IPython display formatters for pandas ``DataFrame``, ``Series`` and
``Styler`` (``text/html`` and ``text/plain``) that raise :class:`RecordLevelDisplayError`
when a marked object is displayed (as a cell's last value or with ``display``); other
objects display exactly as before. IPython shows the error in the cell's output instead of
the table, and papermill then fails the run, so a report never shows records.

Where it is installed:

* every run of ``lscb run`` / ``lscb pack``: the runner puts a first code cell (tagged
  :data:`GUARD_TAG`) into the notebook it executes, whatever the kernel;
* a notebook opened by hand in Jupyter: its imports cell loads the guard as an IPython
  extension (``%load_ext lscb_analysis.protect.display_guard``), so what an analyst sees while
  editing follows the same rule as the report.

What it cannot see: text printed with ``print``, HTML built by hand (``df.to_html()``) and
charts. Notebooks display tables made by package functions, which is what keeps this simple.
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from lscb_analysis.core.errors import RecordLevelDisplayError

RECORD_LEVEL = "record_level"
"""The ``attrs`` key that marks a frame as record-level."""

GUARD_TAG = "lscb-display-guard"
"""Tag of the cell the runner puts first in every notebook it executes."""

GUARD_SOURCE = "from lscb_analysis.protect import display_guard\ndisplay_guard.install();  # no output in the report"
"""The code of that cell."""

MIME_TYPES = ("text/html", "text/plain")
GUARDED_TYPES = (pd.DataFrame, pd.Series, Styler)
_INSTALLED = "_lscb_display_guard"


def mark_record_level(frame):
    """Mark a DataFrame or Series as record-level (in place) and return it.

    Input: a DataFrame or Series from a loader. Output: the same object, with
    ``attrs["record_level"] = True``. Raises nothing.

    >>> mark_record_level(pd.DataFrame({"a": [1]})).attrs
    {'record_level': True}
    """
    frame.attrs[RECORD_LEVEL] = True
    return frame


def clear_mark(frame):
    """Return a shallow copy of an aggregate without the record-level mark.

    For package functions whose aggregate keeps the records' ``attrs`` (``groupby().sum()``,
    ``pivot_table``). Input: a DataFrame or Series. Output: a copy without the mark (other
    ``attrs`` kept). Raises nothing.

    >>> marked = mark_record_level(pd.DataFrame({"a": [1]}))
    >>> clear_mark(marked).attrs, marked.attrs
    ({}, {'record_level': True})
    """
    out = frame.copy(deep=False)
    out.attrs = {key: value for key, value in frame.attrs.items() if key != RECORD_LEVEL}
    return out


def is_record_level(value) -> bool:
    """Say whether a value is a marked DataFrame or Series, or a Styler of one.

    >>> table = pd.DataFrame({"a": [1]})
    >>> is_record_level(table), is_record_level(mark_record_level(table).style)
    (False, True)
    """
    frame = value.data if isinstance(value, Styler) else value
    return isinstance(frame, pd.DataFrame | pd.Series) and bool(frame.attrs.get(RECORD_LEVEL))


def describe(value) -> str:
    """Name a displayed object without its values: kind, shape and first column names.

    >>> describe(pd.DataFrame({"case": ["x"], "grade": [2]}).style)
    'a styled DataFrame of 1 row x 2 columns (case, grade)'
    """
    styled = isinstance(value, Styler)
    frame = value.data if styled else value
    kind = f"{'a styled ' if styled else 'a '}{type(frame).__name__}"
    rows = len(frame)
    if isinstance(frame, pd.Series):
        return f"{kind} of {rows} row{'s' * (rows != 1)} ({frame.name or 'unnamed'})"
    names = ", ".join(str(column) for column in list(frame.columns)[:6])
    more = ", ..." if frame.shape[1] > 6 else ""
    return f"{kind} of {rows} row{'s' * (rows != 1)} x {frame.shape[1]} columns ({names}{more})"


def check_display(value) -> None:
    """Refuse to display a record-level object.

    Raises:
        RecordLevelDisplayError: ``value`` is record-level; the message names the object
            (kind, shape, columns; never values) and says what to show instead.
    """
    if is_record_level(value):
        raise RecordLevelDisplayError(
            f"Refused to display {describe(value)}: it holds the records of a local return "
            "(marked record_level by the loader that read them). Notebooks show aggregates "
            "only: display a count, share or summary table made by a package function "
            "instead. To look at records while checking data, use them outside the report, "
            "never as a cell's output."
        )


def _html(value):
    check_display(value)
    method = getattr(value, "_repr_html_", None)
    return method() if method is not None else None


def _plain(value, printer, cycle) -> None:
    check_display(value)
    printer.text(repr(value))


def install(shell=None) -> bool:
    """Register the guard's display formatters in an IPython shell (again: no change).

    Input: ``shell`` (None: the running IPython, if any). Output: True when installed (or
    already there), False outside IPython (plain Python prints no rich displays). Raises
    nothing.
    """
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell, _INSTALLED, False):
        return True
    formatters = shell.display_formatter.formatters
    for kind in GUARDED_TYPES:
        formatters["text/html"].for_type(kind, _html)
        formatters["text/plain"].for_type(kind, _plain)
    setattr(shell, _INSTALLED, True)
    return True


def load_ipython_extension(ipython) -> None:
    """``%load_ext lscb_analysis.protect.display_guard``: install the guard in this session."""
    install(ipython)
