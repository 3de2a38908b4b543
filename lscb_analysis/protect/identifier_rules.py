"""Identifier scan rules: what counts as an identifier, the word lists and the check digits.

What is looked for (``kind`` in the findings), and the rule used:

* ``person_name``: capitalised words after a role or label word ("Child: John", "Mother Jane
  Doe", "Name - Jane Doe") or a title ("Mrs Smith"). After a colon, dash, "named" or "called"
  one capitalised word is enough; after a plain space two are needed. A label word right after
  a ``not_person_qualifiers`` word ("LA name", "school name") is ignored. A suspected name stops at
  the first word of ``not_name_words`` (so "Child Protection Plan" is not a person) and is
  dropped when it starts with a place name ("Kingston upon Thames"). Names with no such context,
  and names in capitals, are not found: this is a pattern scan, not a name recogniser.
* ``date_of_birth``: a real calendar date within ``dob_window`` characters after a keyword
  ("DOB", "date of birth", "born", ...), written dd/mm/yyyy, dd/mm/yy, yyyy-mm-dd or in words
  ("3rd March 2015"); and, without a keyword, any full dd/mm/yyyy date (also with - or .)
  between ``bare_date_earliest_year`` and the day of the scan, unless a ``not_dob_words`` word
  ("as at", "period", "to", ...) comes just before it or it is one end of a date range. Years
  alone ("born in 2015"), financial years (2015/16) and percentages are never dates of birth.
* ``nhs_number``: ten digits, together or spaced/dashed 3-3-4, whose modulus-11 check digit is
  valid (numbers made of one repeated digit are ignored).
* ``ni_number``: two letters, six digits and a letter A-D, excluding the prefixes HMRC never
  issues (first letter D, F, I, Q, U, V; second letter D, F, I, O, Q, U, V; BG, GB, KN, NK,
  NT, TN, ZZ).
* ``postcode``: a full UK postcode in capitals ("SW1A 1AA"); district codes alone are not.
* ``email``: an email address.
* ``phone``: a UK number starting 0 or +44 with 9 or 10 digits after the leading 0, first digit
  1, 2, 3, 5, 7, 8 or 9. So a DfE LA number (301) or an ONS code (E09000002) is not a phone.
* ``case_reference``: a raw case reference from a list you pass, or matching one of the
  ``case_reference_patterns``.

Word lists live in ``data/reference/identifier_patterns.yaml``. Findings never contain the
identifier itself: the matched text is masked except its first and last character.

Findings are a DataFrame with columns :data:`FINDING_COLUMNS`: ``file`` (path, "" for plain
text), ``location`` (human-readable: "line 3, column 5", "Sheet1!B4", "cell 2 output 1 line
3"), ``kind``, ``masked``, ``reason`` (why it was flagged), ``start`` and ``end`` (character
offsets in the scanned text unit: the text, line, cell or output). A file that could not be
scanned gives one row of kind ``unscanned`` whose reason says why.

This module holds the rules: the kinds and finding columns, the word-list configuration
(:class:`IdentifierConfig`, :func:`load_identifier_config`), masking and the NHS and NI number
checks. Scanning text is in :mod:`lscb_analysis.protect.identifier_text`; scanning output files
(HTML, workbooks, CSV, notebooks, folders) in :mod:`lscb_analysis.protect.identifiers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.core.io import read_yaml_mapping
from lscb_analysis.core.paths import reference_dir

CONFIG_FILE = "identifier_patterns.yaml"
FINDING_COLUMNS: tuple[str, ...] = ("file", "location", "kind", "masked", "reason", "start", "end")
KINDS: tuple[str, ...] = (
    "case_reference",
    "nhs_number",
    "ni_number",
    "email",
    "phone",
    "postcode",
    "date_of_birth",
    "person_name",
)
"""Kinds of finding, in priority order: when two overlap, the earlier kind is kept."""

_INVALID_NI_FIRST = set("DFIQUV")
_INVALID_NI_SECOND = set("DFIOQUV")
_INVALID_NI_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


@dataclass(frozen=True)
class IdentifierConfig:
    """Word lists and windows for the scan, normally from :func:`load_identifier_config`.

    Attributes mirror the keys of ``identifier_patterns.yaml``: ``name_triggers``,
    ``not_person_qualifiers``, ``titles``,
    ``not_name_words``, ``places``, ``dob_keywords``, ``dob_window``,
    ``bare_date_earliest_year``, ``not_dob_window``, ``not_dob_words``,
    ``case_reference_patterns``, ``allowlist``; plus ``source`` for messages. Raises
    ReferenceDataError when a pattern does not compile or a number is unusable.
    """

    name_triggers: tuple[str, ...]
    not_person_qualifiers: tuple[str, ...]
    titles: tuple[str, ...]
    not_name_words: tuple[str, ...]
    places: tuple[str, ...]
    dob_keywords: tuple[str, ...]
    dob_window: int
    bare_date_earliest_year: int
    not_dob_window: int
    not_dob_words: tuple[str, ...]
    case_reference_patterns: tuple[str, ...] = ()
    allowlist: tuple[str, ...] = ()
    source: str = "identifier patterns"
    _compiled: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("dob_window", "not_dob_window", "bare_date_earliest_year"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ReferenceDataError(
                    f"{self.source}: {name} must be a whole number of 0 or more, not {value!r}."
                )
        for pattern in self.case_reference_patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ReferenceDataError(
                    f"{self.source}: case reference pattern {pattern!r} is not a valid regular "
                    f"expression ({error}); correct it."
                ) from error
        compiled = self._compiled
        compiled["trigger"] = re.compile(
            r"(?<![\w-])(?i:" + _alternation(self.name_triggers) + r")(?![\w-])"
        )
        compiled["qualifier"] = re.compile(
            r"(?<![\w])(?i:" + _alternation(self.not_person_qualifiers) + r")[ \t_-]+$"
        )
        compiled["title"] = re.compile(
            r"(?<![\w])(?:" + _alternation(self.titles, spaces=False) + r")\.?(?=[ \t]+[A-Z])"
        )
        compiled["stop"] = {
            w.lower() for w in (*self.not_name_words, *self.name_triggers, *self.titles)
        }
        compiled["places"] = re.compile(
            r"(?i:" + _alternation(self.places) + r")(?![\w])" if self.places else r"(?!x)x"
        )
        compiled["dob"] = re.compile(
            r"(?<![\w])(?i:" + _alternation(self.dob_keywords) + r")(?![\w])"
        )
        compiled["not_dob"] = re.compile(
            r"(?<![\w])(?i:" + _alternation(self.not_dob_words) + r")(?![\w])"
            if self.not_dob_words
            else r"(?!x)x"
        )
        compiled["allow"] = {a.strip().lower() for a in self.allowlist}


def load_identifier_config(path: str | Path | None = None) -> IdentifierConfig:
    """Load the identifier-scan word lists from YAML.

    Input: ``path`` (None means ``data/reference/identifier_patterns.yaml``).
    Output: :class:`IdentifierConfig`. Raises: ReferenceDataError when the file is missing,
    invalid, lacks a key or holds an unusable value.

    >>> "mother" in load_identifier_config().name_triggers
    True
    """
    file = Path(path) if path is not None else _reference_file()
    config = read_yaml_mapping(file, "Identifier patterns file")
    lists = (
        "name_triggers",
        "not_person_qualifiers",
        "titles",
        "not_name_words",
        "places",
        "dob_keywords",
        "not_dob_words",
    )
    numbers = ("dob_window", "bare_date_earliest_year", "not_dob_window")
    missing = [key for key in (*lists, *numbers) if key not in config]
    if missing:
        raise ReferenceDataError(f"{file} lacks {', '.join(missing)}; add them.")
    values: dict[str, Any] = {}
    for key in (*lists, "case_reference_patterns", "allowlist"):
        items = config.get(key) or []
        if not isinstance(items, list):
            raise ReferenceDataError(f"{file}: {key} must be a list of texts.")
        odd = [repr(i) for i in items if not isinstance(i, str)]
        if odd:
            raise ReferenceDataError(
                f"{file}: {key} holds {', '.join(odd)}, which YAML did not read as text; put "
                'quotes around them (e.g. "No", "Yes", "On").'
            )
        values[key] = tuple(items)
    for key in numbers:
        values[key] = config[key]
    return IdentifierConfig(**values, source=str(file))


def mask_text(text: str) -> str:
    """Mask a matched identifier: keep the first and last character, star the rest.

    Input: the matched text. Output: a masked copy of the same length (texts of one or two
    characters are fully starred). Raises nothing.

    >>> mask_text("John Smith"), mask_text("AB"), mask_text("")
    ('J********h', '**', '')
    """
    if len(text) <= 2:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 2) + text[-1]


def nhs_number_is_valid(number: str) -> bool:
    """Check an NHS number's modulus-11 check digit.

    Input: text holding ten digits, with or without spaces or dashes. Output: True when the
    tenth digit is the check digit of the first nine (weights 10 down to 2; a check of 10 is
    never valid, 11 means 0) and the digits are not all the same. Raises nothing.

    >>> nhs_number_is_valid("943 476 5919"), nhs_number_is_valid("943 476 5918")
    (True, False)
    """
    digits = re.sub(r"[ -]", "", number)
    if not re.fullmatch(r"\d{10}", digits) or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def ni_number_is_valid(number: str) -> bool:
    """Check the format of a UK national insurance number.

    Input: text such as ``"QQ 12 34 56 C"``. Output: True for two letters, six digits and a
    suffix A-D whose prefix HMRC can issue. Raises nothing.

    >>> ni_number_is_valid("AB 12 34 56 C"), ni_number_is_valid("QQ123456C")
    (True, False)
    """
    text = re.sub(r"\s", "", number).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", text):
        return False
    prefix = text[:2]
    return (
        prefix[0] not in _INVALID_NI_FIRST
        and prefix[1] not in _INVALID_NI_SECOND
        and prefix not in _INVALID_NI_PREFIXES
    )


def _reference_file() -> Path:
    return reference_dir() / CONFIG_FILE


def _alternation(words: Iterable[str], *, spaces: bool = True) -> str:
    ordered = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    escaped = [re.escape(w) for w in ordered]
    if spaces:
        escaped = [re.sub(r"(\\ )+", r"\\s+", e) for e in escaped]
    return "|".join(escaped) or r"(?!x)x"
