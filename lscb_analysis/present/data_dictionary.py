"""The data dictionary and the presenter's reference data: column headers, code labels, layout.

``data/reference/data_dictionary.csv`` gives each column name the package shows a
:class:`Column` (columns ``column, label, unit, kind, decimals, codes, missing, description``):
its plain-English header with unit, its kind (how values are formatted), decimals, code list
and the words shown for a missing value. ``code_labels.csv`` holds the code lists,
``symbols.csv`` the published symbols' meanings (:func:`symbol_words`), ``indicators.csv`` each
indicator's unit and decimals (:func:`indicator_formats`) and ``presentation.yaml`` the A4
limits and empty-table sentences. Used by :mod:`lscb_analysis.present.presenter`,
:mod:`lscb_analysis.present.value_format` and :mod:`lscb_analysis.present.presenter_workbook`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lscb_analysis.core import indicators, io
from lscb_analysis.core.errors import ReferenceDataError

DICTIONARY_FILE = "data_dictionary.csv"
CODES_FILE = "code_labels.csv"
LAYOUT_FILE = "presentation.yaml"
KINDS = (
    "count",
    "rate",
    "percent",
    "share",
    "number",
    "pvalue",
    "date",
    "datetime",
    "period",
    "quarter",
    "text",
    "code",
    "indicator",
    "indicator_value",
)
NUMERIC_KINDS = ("count", "rate", "percent", "share", "number", "pvalue", "indicator_value")
DEFAULT_MISSING = "not available"


@dataclass(frozen=True)
class Column:
    """One data dictionary entry: how a column is headed and how its values are written."""

    name: str
    label: str
    unit: str = ""
    kind: str = "text"
    decimals: int | None = None
    codes: str = ""
    missing: str = ""
    description: str = ""

    @property
    def header(self) -> str:
        """The column's header: its label, with its unit in brackets when it has one."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


@functools.lru_cache(maxsize=4)
def _dictionary(path: Path, stamp: float) -> dict[str, Column]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    wanted = {"column", "label", "unit", "kind", "decimals", "codes", "missing", "description"}
    if missing := wanted - set(frame.columns):
        raise ReferenceDataError(
            f"{path} lacks columns {sorted(missing)}; add them to its header row."
        )
    entries = {}
    for number, row in enumerate(frame.to_dict("records"), start=2):
        if row["kind"] not in KINDS:
            raise ReferenceDataError(
                f"{path} line {number}: kind {row['kind']!r} of column "
                f"{row['column']!r} is not one of {', '.join(KINDS)}."
            )
        if not row["label"].strip():
            raise ReferenceDataError(
                f"{path} line {number}: column {row['column']!r} has no "
                "label; write the header a reader sees."
            )
        if row["column"] in entries:
            raise ReferenceDataError(
                f"{path} line {number}: column {row['column']!r} is "
                "described twice; keep one row for it."
            )
        if row["decimals"].strip() and not row["decimals"].strip().isdigit():
            raise ReferenceDataError(
                f"{path} line {number}: decimals {row['decimals']!r} of "
                f"column {row['column']!r} is not a whole number from 0; "
                "write e.g. 1, or leave it empty."
            )
        decimals = int(row["decimals"]) if row["decimals"].strip() else None
        entries[row["column"]] = Column(
            row["column"],
            row["label"],
            row["unit"],
            row["kind"],
            decimals,
            row["codes"],
            row["missing"],
            row["description"],
        )
    return entries


def load_dictionary() -> dict[str, Column]:
    """The data dictionary: column name -> :class:`Column`.

    Reads ``data/reference/data_dictionary.csv``. Raises ReferenceDataError when it lacks a
    column, names an unknown kind, has an entry without a label or with decimals that are not
    a whole number, or describes a column twice.
    """
    path = io.reference_file(DICTIONARY_FILE)
    return _dictionary(path, path.stat().st_mtime)


@functools.lru_cache(maxsize=4)
def _code_labels(path: Path, stamp: float) -> dict[str, dict[str, str]]:
    frame = io.read_reference_csv(CODES_FILE, ["list", "code", "label"])
    lists: dict[str, dict[str, str]] = {}
    for row in frame.to_dict("records"):
        lists.setdefault(row["list"], {})[row["code"]] = row["label"]
    return lists


def code_labels(name: str) -> dict[str, str]:
    """One code list, code -> label: ``indicators`` (indicator id -> short title, from
    indicators.csv) or a list of ``data/reference/code_labels.csv`` (columns ``list, code,
    label``). An unknown list is empty."""
    if name == "indicators":
        table = io.read_reference_csv("indicators.csv", ["id", "short_title"])
        return dict(zip(table["id"], table["short_title"], strict=True))
    if name == "exceptions":
        rules = io.read_reference_yaml("scorecard.yaml").get("exceptions", {})
        return {
            code: str(entry["label"])
            for code, entry in rules.items()
            if isinstance(entry, dict) and "label" in entry
        }
    path = io.reference_file(CODES_FILE)
    return _code_labels(path, path.stat().st_mtime).get(name, {})


def indicator_formats() -> dict[str, tuple[str, int]]:
    """Indicator or PI id -> (unit, decimals): indicators.csv, then the best-fit model's PIs
    (:func:`lscb_analysis.core.indicators.model_pi_formats`)."""
    table = io.read_reference_csv("indicators.csv", ["id", "unit", "decimals"])
    formats = {row.id: (str(row.unit), int(row.decimals)) for row in table.itertuples()}
    for pi_id, unit_decimals in indicators.model_pi_formats().items():
        formats.setdefault(pi_id, unit_decimals)
    return formats


def symbol_words(rules=None) -> dict[str, str]:
    """Published symbol -> the words shown instead of it.

    ``c`` (and any symbol whose status is ``suppressed`` in symbols.csv) reads as
    :func:`lscb_analysis.protect.disclosure_config.suppressed_wording`; the others as their meaning in
    ``data/reference/symbols.csv``, in lower case ("not available", "not applicable").
    """
    from lscb_analysis.protect import disclosure_config

    table = io.read_reference_csv("symbols.csv", ["symbol", "status", "meaning"])
    suppressed = disclosure_config.suppressed_wording(rules)
    return {
        str(row.symbol): suppressed if row.status == "suppressed" else str(row.meaning).lower()
        for row in table.itertuples()
    }


def layout_rules() -> dict:
    """Limits for fitting a table on A4 from ``data/reference/presentation.yaml``:
    ``max_columns``, ``max_width_chars``, ``column_cap_chars``."""
    rules = io.read_reference_yaml(LAYOUT_FILE)
    for key in ("max_columns", "max_width_chars", "column_cap_chars"):
        if not isinstance(rules.get(key), int):
            raise ReferenceDataError(f"{LAYOUT_FILE}: '{key}' must be a whole number.")
    return rules


def empty_sentence(title: str) -> str:
    """The sentence shown instead of the empty table ``title``: from ``empty_tables`` in
    ``data/reference/presentation.yaml``, else "<title>: none to show."."""
    sentences = io.read_reference_yaml(LAYOUT_FILE).get("empty_tables") or {}
    return str(sentences.get(title) or f"{title}: none to show.")


def _snake_to_words(name: str) -> str:
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def column_for(
    name: str, dictionary: dict[str, Column] | None = None, *, strict: bool = False
) -> Column:
    """The dictionary entry of a column (a text column headed in words when there is none).

    Raises ReferenceDataError for an unknown column when ``strict``, naming the column and
    the file to add it to.
    """
    dictionary = load_dictionary() if dictionary is None else dictionary
    if str(name) in dictionary:
        return dictionary[str(name)]
    if strict:
        raise ReferenceDataError(
            f"Column {name!r} is not in data/reference/{DICTIONARY_FILE}; add a row giving "
            "its label, unit, kind and decimals."
        )
    return Column(str(name), _snake_to_words(name))
