"""A borough's own figures in one row of a pilot return: the numerator, denominator and value
cells read (:func:`typed_figures`), checked (:func:`figure_checks`: not a number, a unit
typed after the number, negative, zero denominator, numerator above denominator, value not
matching its counts, value without its counts, a percentage typed alone) and the status they
imply (:func:`status_checks`: a figure without a status, a figure status with no figure or
with a figure that says "not available").

Each check reports through ``add(code, cell_field, detail)``, the codes being those of
``findings`` in ``data/reference/pilot_rules.yaml``; :mod:`lscb_analysis.pilot.pilot_checks`
calls these for each row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

from lscb_analysis.core.returned_workbook_cells import cell_text
from lscb_analysis.pilot import pilot_value_text as typed_text
from lscb_analysis.pilot.pilot_value_text import TypedValue, ValueWords

FIGURES = ("numerator", "denominator", "value")


def number_text(number: float | None, decimals: int = 1) -> str:
    """A figure as a finding quotes it: ``"1,234"``, ``"24.2"`` or ``"blank"``."""
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return "blank"
    return f"{number:,.{decimals}f}" if not float(number).is_integer() else f"{number:,.0f}"


def typed_figures(raw: Mapping[str, Any], words: ValueWords) -> dict[str, TypedValue]:
    """The numerator, denominator and value cells of a row as read by
    :meth:`lscb_analysis.pilot.pilot_value_text.ValueWords.read` (the value cell holding the
    template's formula with no cached result counts as blank)."""
    read = {name: words.read(raw.get(name)) for name in FIGURES}
    if raw.get("value_formula") and raw.get("value") is None:
        read["value"] = TypedValue(None, typed_text.BLANK)
    return read


def status_checks(
    status: str,
    figures: Mapping[str, TypedValue],
    raw: Mapping[str, Any],
    value: float | None,
    with_figure: Collection[str],
    words: ValueWords,
    add: Callable[..., None],
) -> str:
    """The status a row is recorded with: "provided" for a figure without a status (queried);
    "not available" when the figure cells say so and there is no figure (queried when the
    status said a figure was given); a figure status with no figure at all is queried."""
    if not status and value is not None:
        add("Q_STATUS_MISSING", "status", "A figure is given but the status is blank.")
        return "provided"
    said = [name for name in FIGURES if figures[name].kind == typed_text.NOT_AVAILABLE]
    if value is None and said and (not status or status in with_figure):
        if status:
            cells = ", ".join(
                f"the {name} {figures[name].text!r} ({raw.get(f'{name}_cell') or 'no cell'})"
                for name in said
            )
            add(
                "Q_PROVIDED_NOT_AVAILABLE",
                "status",
                f"The status is {status!r} but {cells} says the figure is not available: read "
                f"as {words.not_available_status!r}, no figure used.",
            )
        return words.not_available_status
    empty = value is None and all(
        figures[name].kind == typed_text.BLANK for name in ("numerator", "denominator")
    )
    if status in with_figure and empty:
        add("Q_PROVIDED_EMPTY", "status", f"The status is {status!r} but there is no figure.")
    return status


def figure_checks(
    figures: Mapping[str, TypedValue],
    raw: Mapping[str, Any],
    unit: Mapping,
    decimals: int,
    pi: Mapping[str, Any] | None,
    tolerance: Mapping,
    words: ValueWords,
    add: Callable[..., None],
) -> tuple[float | None, float | None, float | None]:
    """Numerator, denominator and value of a borough's row, with their errors and queries
    reported."""
    numerator, denominator, typed = (figures[name].number for name in FIGURES)
    percent_only = _percent_without_counts(figures, unit, pi, words)
    _cell_findings(figures, raw, decimals, percent_only, add)
    for name, number in (("numerator", numerator), ("denominator", denominator), ("value", typed)):
        if number is not None and number < 0:
            add("E_NEGATIVE", name, f"The {name} is negative ({number_text(number)}).")
    computed = _computed(numerator, denominator, unit, pi is not None, add)
    if typed is not None and computed is not None:
        _value_mismatch(typed, computed, (numerator, denominator), unit, decimals, tolerance, add)
    if percent_only:
        add("Q_PERCENT_NO_COUNTS", "value", _percent_detail(figures["value"], decimals, words))
    elif (
        typed is not None
        and computed is None
        and _needs_counts(unit, pi)
        and numerator is None
        and denominator is None
    ):
        add(
            "Q_NO_COUNTS",
            "value",
            f"A value ({number_text(typed, decimals)}) is given without its numerator and denominator.",
        )
    return numerator, denominator, computed if computed is not None else typed


def _cell_findings(
    figures: Mapping[str, TypedValue],
    raw: Mapping[str, Any],
    decimals: int,
    percent_only: bool,
    add: Callable[..., None],
) -> None:
    """Text that is not a number (an error) and a number typed with a unit (a query; a
    percentage typed alone is queried by its own code instead)."""
    for name in FIGURES:
        figure = figures[name]
        if figure.kind == typed_text.TEXT:
            add("E_NOT_NUMBER", name, f"The {name} {cell_text(raw.get(name))!r} is not a number.")
        elif figure.kind == typed_text.UNITS and not (name == "value" and percent_only):
            add(
                "Q_VALUE_WITH_UNITS",
                name,
                f"The {name} {figure.text!r} has a unit after the number ({figure.unit}): read "
                f"as {number_text(figure.number, decimals if name == 'value' else 0)}.",
            )


def _needs_counts(unit: Mapping, pi: Mapping[str, Any] | None) -> bool:
    """True when the PI is a ratio whose definition names a numerator and a denominator."""
    return (
        pi is not None
        and unit.get("multiplier") is not None
        and bool(cell_text(pi.get("numerator")))
        and bool(cell_text(pi.get("denominator")))
    )


def _percent_without_counts(
    figures: Mapping[str, TypedValue],
    unit: Mapping,
    pi: Mapping[str, Any] | None,
    words: ValueWords,
) -> bool:
    """True when a percentage PI's value is typed as a percentage ("87%") or a proportion
    (0.87) with neither its numerator nor its denominator."""
    value = figures["value"]
    if (
        value.number is None
        or not (unit.get("proportion") and float(unit.get("multiplier") or 0) == 100)
        or not _needs_counts(unit, pi)
        or figures["numerator"].number is not None
        or figures["denominator"].number is not None
    ):
        return False
    return value.percent or (
        value.kind == typed_text.NUMBER and 0 < value.number <= words.proportion_max
    )


def _percent_detail(value: TypedValue, decimals: int, words: ValueWords) -> str:
    """The message of Q_PERCENT_NO_COUNTS: what was typed and how it was read."""
    if value.percent:
        return (
            f"A percentage ({value.text}) is given without its numerator and denominator: "
            f"read as {number_text(value.number, decimals)}%."
        )
    return (
        f"A value of {value.number:g} is given without its numerator and denominator: as a "
        f"percentage that is {number_text(value.number, decimals)}%, under "
        f"{words.proportion_max:g}%; if it is a proportion ({value.number * 100:g}%), type the "
        "percentage. The value is kept as typed."
    )


def _computed(
    numerator: float | None,
    denominator: float | None,
    unit: Mapping,
    known: bool,
    add: Callable[..., None],
) -> float | None:
    """numerator / denominator x multiplier (the numerator itself for a PI with no ratio),
    with a zero denominator and a percentage's numerator above its denominator reported."""
    multiplier = unit.get("multiplier")
    computed = None
    if multiplier is not None and numerator is not None and denominator is not None:
        if denominator == 0:
            if numerator:
                add(
                    "E_ZERO_DENOMINATOR",
                    "denominator",
                    f"The denominator is 0 but the numerator is {number_text(numerator)}.",
                )
        else:
            computed = numerator / denominator * float(multiplier)
    if (
        unit.get("proportion")
        and numerator is not None
        and denominator is not None
        and numerator > denominator > 0
    ):
        add(
            "E_NUMERATOR_ABOVE_DENOMINATOR",
            "numerator",
            f"The numerator ({number_text(numerator)}) is above the denominator "
            f"({number_text(denominator)}) for a percentage.",
        )
    if multiplier is None and known and numerator is not None:
        computed = numerator
    return computed


def _value_mismatch(
    typed: float,
    computed: float,
    counts: tuple[float | None, float | None],
    unit: Mapping,
    decimals: int,
    tolerance: Mapping,
    add: Callable[..., None],
) -> None:
    """Report a typed value that does not equal numerator / denominator x multiplier within
    the tolerance, with a hint when it is off by the multiplier."""
    multiplier = unit.get("multiplier")
    allowed = max(
        float(tolerance["absolute"]),
        0.5 * 10**-decimals + 1e-9,
        float(tolerance["relative"]) * abs(computed),
    )
    if abs(typed - computed) <= allowed:
        return
    hint = ""
    if multiplier and multiplier > 1 and abs(typed - computed / float(multiplier)) <= allowed:
        hint = f" The value looks like numerator / denominator without the x {multiplier:,}."
    elif (
        multiplier
        and multiplier > 1
        and abs(typed - computed * float(multiplier)) <= allowed * multiplier
    ):
        hint = (
            " The denominator looks already divided by "
            f"{multiplier:,}: enter the number of children itself."
        )
    numerator, denominator = counts
    add(
        "E_VALUE_MISMATCH",
        "value",
        f"The value ({number_text(typed, decimals)}) does not match numerator / "
        f"denominator ({number_text(numerator)} / {number_text(denominator)} = "
        f"{number_text(computed, decimals)}).{hint}",
    )
