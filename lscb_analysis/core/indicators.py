"""The indicator metadata table: one place that says how to label, round and colour a measure.

``data/reference/indicators.csv`` holds, for every indicator id, its title and short title,
unit, polarity (``high`` or ``low`` is better, or ``none`` for no judgement), decimals, the
published file and columns it comes from, and its definition. Everything that labels, rounds or
colours an indicator reads it from here.
"""

from __future__ import annotations

import decimal
import math
from functools import lru_cache

import pandas as pd

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import ReferenceDataError

METADATA_FILE = "indicators.csv"
METADATA_COLUMNS = [
    "id",
    "title",
    "short_title",
    "unit",
    "polarity",
    "decimals",
    "source_file",
    "row_filter",
    "value_rows",
    "value_column",
    "numerator_rows",
    "numerator_column",
    "denominator_rows",
    "denominator_column",
    "multiplier",
    "lait_measure",
    "definition",
]
POLARITIES = ("high", "low", "none")


@lru_cache(maxsize=1)
def load_metadata() -> pd.DataFrame:
    """Read and check ``data/reference/indicators.csv``.

    Returns:
        One row per indicator, indexed by ``id``, with the columns of ``METADATA_COLUMNS``;
        ``decimals`` is an int and ``multiplier`` a float.

    Raises:
        ReferenceDataError: a column is missing, an id repeats, or a polarity, unit or number
        is not valid; the message names the indicator and field.
    """
    table = io.read_reference_csv(METADATA_FILE, METADATA_COLUMNS)
    units = set(io.read_reference_csv("units.csv", ["unit", "label", "suffix"])["unit"])
    repeated = table["id"][table["id"].duplicated()].tolist()
    if repeated:
        raise ReferenceDataError(
            f"data/reference/{METADATA_FILE}: indicator id {repeated[0]!r} appears more than "
            "once. Give each indicator one row."
        )
    for row in table.itertuples(index=False):
        where = f"data/reference/{METADATA_FILE}, indicator {row.id!r}"
        if row.polarity not in POLARITIES:
            raise ReferenceDataError(
                f"{where}: polarity {row.polarity!r} is not one of {', '.join(POLARITIES)}."
            )
        if row.unit not in units:
            raise ReferenceDataError(
                f"{where}: unit {row.unit!r} is not listed in data/reference/units.csv."
            )
        for field in ("decimals", "multiplier"):
            try:
                float(getattr(row, field))
            except ValueError as error:
                raise ReferenceDataError(
                    f"{where}: {field} {getattr(row, field)!r} is not a number."
                ) from error
        if not row.value_column and not (row.numerator_column and row.denominator_column):
            raise ReferenceDataError(
                f"{where}: give a value_column (a published figure) or both numerator_column "
                "and denominator_column (a computed one)."
            )
    table = table.assign(
        decimals=table["decimals"].astype(int), multiplier=table["multiplier"].astype(float)
    )
    return table.set_index("id", drop=False)


def indicator(indicator_id: str) -> pd.Series:
    """Return the metadata row of one indicator.

    Raises:
        ReferenceDataError: the id is not in the table (the message lists the known ids).
    """
    table = load_metadata()
    if indicator_id not in table.index:
        raise ReferenceDataError(
            f"Unknown indicator {indicator_id!r}. Known indicators: {', '.join(table.index)}."
        )
    return table.loc[indicator_id]


def unit_suffix(unit: str) -> str:
    """Return the text shown after a value of this unit (``%`` for percentages)."""
    units = io.read_reference_csv("units.csv", ["unit", "label", "suffix"]).set_index("unit")
    return units.at[unit, "suffix"] if unit in units.index else ""


def round_half_up(value: float, decimals: int) -> float:
    """Round as DfE publishes figures: halves away from zero, not to the nearest even digit.

    >>> round_half_up(52.45, 1)
    52.5
    >>> round_half_up(2.5, 0)
    3.0
    >>> import math; math.isnan(round_half_up(float("nan"), 1))
    True
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    # Decimal(str()) avoids binary artefacts such as 52.45 being stored as 52.4499...
    quantum = decimal.Decimal(1).scaleb(-decimals)
    return float(decimal.Decimal(str(value)).quantize(quantum, rounding=decimal.ROUND_HALF_UP))


def format_value(value: float, indicator_id: str) -> str:
    """Format a value with the indicator's decimals and unit suffix, e.g. ``'22.6%'``.

    Missing values come back as an empty string; callers show the status instead.
    """
    if value is None or pd.isna(value):
        return ""
    meta = indicator(indicator_id)
    rounded = round_half_up(float(value), int(meta["decimals"]))
    return f"{rounded:,.{int(meta['decimals'])}f}{unit_suffix(meta['unit'])}"


UNIT_AXES_FILE = "unit_axes.csv"


@lru_cache(maxsize=1)
def _unit_axes() -> pd.DataFrame:
    table = io.read_reference_csv(
        UNIT_AXES_FILE, ["unit", "axis_label", "minimum", "maximum", "denominator_label"]
    )
    return table.set_index("unit")


def axis_label(unit: str | None) -> str:
    """The axis title naming a unit, from ``data/reference/unit_axes.csv`` (``'Per cent'``).

    Input: a unit of ``units.csv`` or the catalogue (None or an unknown unit: ``'Value'``).
    Output: the label text. Raises: ReferenceDataError when unit_axes.csv lacks a column.

    >>> axis_label("percent"), axis_label("rate_per_10000"), axis_label("count")
    ('Per cent', 'Rate per 10,000 children', 'Number')
    """
    axes = _unit_axes()
    if unit is None or unit not in axes.index or not str(axes.at[unit, "axis_label"]).strip():
        return "Value"
    return str(axes.at[unit, "axis_label"]).strip()


def value_range(unit: str | None) -> tuple[float | None, float | None]:
    """The range a measure of this unit can take: ``(0, 100)`` for a percentage, ``(0, None)``
    for counts and rates (None: no bound), from ``data/reference/unit_axes.csv``.

    Input: a unit (None or an unknown unit: ``(None, None)``). Output: ``(minimum, maximum)``.
    Raises: ReferenceDataError when a bound in unit_axes.csv is not a number.

    >>> value_range("percent"), value_range("rate_per_10000"), value_range(None)
    ((0.0, 100.0), (0.0, None), (None, None))
    """
    axes = _unit_axes()
    if unit is None or unit not in axes.index:
        return None, None
    bounds = []
    for column in ("minimum", "maximum"):
        text = str(axes.at[unit, column]).strip()
        if not text or text.lower() == "nan":
            bounds.append(None)
            continue
        try:
            bounds.append(float(text))
        except ValueError as error:
            raise ReferenceDataError(
                f"data/reference/{UNIT_AXES_FILE}, unit {unit!r}: {column} {text!r} is not a "
                "number; write a number or leave it empty for no bound."
            ) from error
    return bounds[0], bounds[1]


def denominator_label(unit: str | None) -> str:
    """The title of a funnel plot's denominator axis for a unit (unit_axes.csv).

    >>> denominator_label("rate_per_10000"), denominator_label(None)
    ('Children aged 0-17 (number)', 'Denominator (number)')
    """
    axes = _unit_axes()
    if unit is None or unit not in axes.index or not str(axes.at[unit, "denominator_label"]):
        return "Denominator (number)"
    return str(axes.at[unit, "denominator_label"]).strip()


MODEL_FOLDER = "best_fit_model"  # data/reference/best_fit_model/v<major>.<minor>.yaml


def model_pi_formats() -> dict[str, tuple[str, int]]:
    """PI id -> (unit, decimals), as written in the best-fit model files.

    Read for display only (the table presenter formats a PI's values by them): every
    ``v<major>.<minor>.yaml`` under ``data/reference/best_fit_model/``, oldest first, so the
    latest version's unit and decimals win. A file that cannot be read, or a PI without a
    whole-number ``decimals``, adds nothing: :func:`lscb_analysis.model.catalogue.load_catalogue`
    checks the files and reports their problems.
    """
    folder = paths.reference_dir() / MODEL_FOLDER
    files = sorted(folder.glob("v*.yaml"), key=_version_key) if folder.is_dir() else []
    formats: dict[str, tuple[str, int]] = {}
    for path in files:
        try:
            model = io.read_yaml_mapping(path)
        except (ReferenceDataError, OSError):
            continue
        for goal in model.get("goals") or []:
            for cluster in (goal or {}).get("clusters") or []:
                for pi in (cluster or {}).get("pis") or []:
                    decimals = (pi or {}).get("decimals")
                    if pi.get("id") and pi.get("unit") and isinstance(decimals, int):
                        formats[str(pi["id"])] = (str(pi["unit"]), decimals)
    return formats


def _version_key(path) -> tuple[int, ...]:
    """``v1.10.yaml`` -> (1, 10): versions sort as numbers, not as text."""
    parts = path.stem.lstrip("v").split(".")
    return tuple(int(part) if part.isdigit() else -1 for part in parts)
