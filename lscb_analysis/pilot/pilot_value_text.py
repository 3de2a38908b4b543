"""What people type in a pilot return's figure cells: a number, nothing, words saying the
figure is not available ("n/a", "-", "not known"), a number with a unit after it ("12
children", "45 %") or text that is not a number.

:class:`ValueWords` holds the words of ``data/reference/pilot_rules.yaml``
(``not_available_words``, ``blank_words``, ``typed_units``) and reads one cell into a
:class:`TypedValue`; :func:`word_key` is the form the words are compared in. The checks that
turn these readings into findings are in :mod:`lscb_analysis.pilot.pilot_checks`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lscb_analysis.core.errors import ReferenceDataError

RULES_FILE = "pilot_rules.yaml"

# The kinds of what a figure cell holds.
BLANK = "blank"
NOT_AVAILABLE = "not available"
NUMBER = "number"
UNITS = "number with units"
TEXT = "text"

_DASHES = re.compile(r"^[-\u2010-\u2015\u2212]+$")
# A number, then whatever follows it (the unit, checked against the rules' pattern).
_NUMBER_THEN_TEXT = re.compile(r"^([-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+))\s*(\S.*)$")


def word_key(text: Any) -> str:
    """The form the words of the rules and the cells are compared in: lower case, letters and
    digits only (``"N/A"``, ``"n.a."`` and ``"NA"`` are all ``"na"``); text with no letter or
    digit is kept without spaces, a run of dashes of any kind as ``"-"``.

    >>> word_key("N/A"), word_key(" Not  known "), word_key("--"), word_key("\u2013"), word_key("%")
    ('na', 'notknown', '-', '-', '%')
    """
    text = unicodedata.normalize("NFKC", str(text)).lower()
    letters = "".join(re.findall(r"[^\W_]+", text))
    if letters:
        return letters
    squeezed = "".join(text.split())
    return "-" if _DASHES.match(squeezed) else squeezed


@dataclass(frozen=True)
class TypedValue:
    """One figure cell as read: ``number`` (None when there is none), ``kind`` (one of
    :data:`BLANK`, :data:`NOT_AVAILABLE`, :data:`NUMBER`, :data:`UNITS`, :data:`TEXT`), the
    ``text`` as written, the ``unit`` written after the number and whether that unit marks a
    percentage (``percent``)."""

    number: float | None
    kind: str
    text: str = ""
    unit: str = ""
    percent: bool = False


@dataclass(frozen=True)
class ValueWords:
    """The rules for reading figure cells (see ``data/reference/pilot_rules.yaml``)."""

    not_available: frozenset[str]
    blank: frozenset[str]
    unit_pattern: re.Pattern[str]
    percent_units: frozenset[str]
    proportion_max: float
    not_available_status: str

    @classmethod
    def from_rules(cls, rules: Mapping[str, Any]) -> ValueWords:
        """Build from the pilot rules (:func:`lscb_analysis.pilot.pilot_periods.load_rules`).

        Raises ReferenceDataError naming the key when ``not_available_words``,
        ``not_available_status``, ``blank_words`` or ``typed_units`` is missing or wrong.

        >>> from lscb_analysis.pilot import pilot_periods
        >>> words = ValueWords.from_rules(pilot_periods.load_rules())
        >>> words.read("N/A").kind, words.read("12 children").number, words.read("87%").percent
        ('not available', 12.0, True)
        """
        units = rules.get("typed_units") or {}
        for key, found in (
            ("not_available_words", rules.get("not_available_words")),
            ("not_available_status", rules.get("not_available_status")),
            ("blank_words", rules.get("blank_words")),
            ("typed_units.unit_pattern", units.get("unit_pattern")),
            ("typed_units.percent_units", units.get("percent_units")),
            ("typed_units.proportion_max", units.get("proportion_max")),
        ):
            if found is None:
                raise ReferenceDataError(
                    f"data/reference/{RULES_FILE}: {key} is missing; add it (see the comments "
                    "above blank_words in the project's copy of the file)."
                )
        status = str(rules["not_available_status"])
        if status not in rules.get("statuses", {}).get("borough", [status]):
            raise ReferenceDataError(
                f"data/reference/{RULES_FILE}: not_available_status {status!r} is not one of "
                "statuses.borough; name one of them."
            )
        try:
            pattern = re.compile(str(units["unit_pattern"]), re.IGNORECASE)
        except re.error as error:
            raise ReferenceDataError(
                f"data/reference/{RULES_FILE}: typed_units.unit_pattern is not a valid "
                f"regular expression ({error}); correct it."
            ) from error
        return cls(
            not_available=_keys(rules["not_available_words"]),
            blank=_keys(rules["blank_words"]) | {""},
            unit_pattern=pattern,
            percent_units=_keys(units["percent_units"]),
            proportion_max=float(units["proportion_max"]),
            not_available_status=status,
        )

    def read(self, value: Any) -> TypedValue:
        """Read one figure cell. Numbers stay numbers; ``"1,234"`` is 1234; text among the
        blank words is no figure; text among the not-available words is not available;
        a number followed by a unit the pattern allows is the number with its unit; anything
        else (``"about 40"``, ``"12 of 40"``, a date) is text that is not a number.
        """
        if value is None:
            return TypedValue(None, BLANK)
        if isinstance(value, bool | dt.date | dt.time):
            return TypedValue(None, TEXT, str(value))
        if isinstance(value, int | float | np.integer | np.floating):
            number = float(value)
            if math.isnan(number):
                return TypedValue(None, BLANK)
            return TypedValue(None, TEXT, str(value)) if math.isinf(number) else _number(number)
        text = str(value).strip()
        key = word_key(text)
        if key in self.blank:
            return TypedValue(None, BLANK, text)
        if key in self.not_available:
            return TypedValue(None, NOT_AVAILABLE, text)
        plain = _plain_number(text)
        if plain is not None:
            return TypedValue(plain, NUMBER, text)
        return self._with_unit(text)

    def _with_unit(self, text: str) -> TypedValue:
        found = _NUMBER_THEN_TEXT.match(text.replace("\u00a0", " "))
        if found is not None:
            number = _plain_number(found.group(1))
            unit = " ".join(found.group(2).split())
            if number is not None and self.unit_pattern.match(unit):
                return TypedValue(
                    number, UNITS, text, unit, percent=word_key(unit) in self.percent_units
                )
        return TypedValue(None, TEXT, text)


def _number(number: float) -> TypedValue:
    return TypedValue(number, NUMBER)


def _plain_number(text: str) -> float | None:
    """A number written plainly (``"1,234"``, ``" 12.5 "``), else None."""
    cleaned = text.replace(",", "").replace("\u00a0", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _keys(words: Iterable[Any]) -> frozenset[str]:
    return frozenset(word_key(w) for w in words or [])
