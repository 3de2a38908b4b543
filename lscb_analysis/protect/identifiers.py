"""Identifier scan: find child-level identifiers in text and in output files before publication.

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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from lscb_analysis.core.errors import (
    IdentifierFoundError,
    InvalidArgumentError,
    LscbError,
    MissingDataFileError,
    ReferenceDataError,
)
from lscb_analysis.core.io import read_yaml_mapping
from lscb_analysis.core.paths import reference_dir
from lscb_analysis.core.workbook_checks import check_workbook

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

UNSCANNED = "unscanned"
SCANNERS: dict[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ipynb": "notebook",
    ".csv": "csv",
    ".txt": "text",
    ".md": "text",
    ".json": "text",
}
"""File suffix -> scanner used by :func:`scan_file` and :func:`scan_folder`."""

_INVALID_NI_FIRST = set("DFIQUV")
_INVALID_NI_SECOND = set("DFIOQUV")
_INVALID_NI_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:Mc|Mac|[{_UPPER}]['’])?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}](?:['’][{_UPPER}])?[{_LOWER}]+)?"
_TOKEN = re.compile(rf"(?P<word>{_NAME_WORD})(?![\w])|(?P<initial>[{_UPPER}]\.?)(?![\w])")
_STRONG_SEPARATOR = re.compile(r"[ \t]*[:\-–—][ \t]*|,?[ \t]+(?i:named|called)[ \t]+")
_WEAK_SEPARATOR = re.compile(r"[ \t]+")
_NHS = re.compile(r"(?<![\w])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w])")
_NI = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-Da-d])(?![A-Za-z0-9])"
)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?"
    r"[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_PHONE = re.compile(
    r"(?<![\w+/.])(?:\+44[ \t-]?(?:\(0\)[ \t-]?)?\d|\(0\d{1,4}\)[ \t-]?\d|0\d)"
    r"(?:[ \t-]?\d){7,9}(?![\w/])"
)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_NUMBER = {
    name[:3]: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_DATE_NUMERIC = re.compile(
    r"(?<![\w/.\-])(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"(?![\w/\-]|\.\d)"
)
_DATE_ISO = re.compile(r"(?<![\w/.\-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w/\-]|\.\d)")
_DATE_WORDS = re.compile(
    rf"(?<![\w])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ \t]+(?P<mon>{_MONTHS})\.?,?[ \t]+(?P<y>\d{{4}})"
    rf"(?![\w])|(?<![\w])(?P<mon2>{_MONTHS})\.?[ \t]+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?[ \t]+"
    rf"(?P<y2>\d{{4}})(?![\w])",
    re.IGNORECASE,
)
_RANGE_AFTER = re.compile(r"\s*(?:-|–|—|to|until|and)\s*\d", re.IGNORECASE)
_RANGE_BEFORE = re.compile(r"(?:-|–|—|\bto|\buntil|\band)\s*$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_PLAIN_NUMBER = re.compile(r"\s*[-+]?[\d,]*\.?\d*%?\s*")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "title",
    "tr",
    "ul",
}
_CELL_TAGS = {"td", "th"}
_SKIPPED_TAGS = {"script", "style", "template", "noscript"}


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


@dataclass(frozen=True)
class _Hit:
    kind: str
    start: int
    end: int
    text: str
    reason: str


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


def scan_text(
    text: str,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Find identifiers in a piece of text.

    Inputs: ``text``; ``case_references`` (raw case references to look for); ``config``
    (None loads ``identifier_patterns.yaml``); ``today`` (latest possible date of birth;
    None means today). Output: findings DataFrame with :data:`FINDING_COLUMNS`, ``file``
    empty and ``location`` "line L, column C". Raises: ReferenceDataError for a bad config.

    >>> found = scan_text("Referral for child: John Smith, DOB 03/02/2015.")
    >>> found[["location", "kind", "masked"]].values.tolist()
    [['line 1, column 21', 'person_name', 'J********h'], ['line 1, column 37', 'date_of_birth', '0********5']]
    >>> scan_text("Kingston upon Thames (LA 314, E09000021): 12.5% in 2015").empty
    True
    """
    scanner = _Scanner(config, case_references, today)
    rows = [_row("", _line_location(text, hit.start), hit) for hit in scanner.find(text)]
    return _frame(rows)


WITHHELD_TEXT = "[withheld: possible identifier]"
"""What replaces free text from a return that may hold a personal identifier."""


def identifier_kinds(
    text: str,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    memo: dict[str, str] | None = None,
) -> str:
    """The kinds of identifier in one piece of free text, for withholding it on ingest.

    Inputs: ``text``; ``case_references`` and ``config`` as for :func:`scan_text`; ``memo``
    (a dict kept for one ingest, so repeated text is scanned once). Output: the kinds found,
    sorted and comma-separated ("" when none). Raises: ReferenceDataError for a bad config.

    >>> identifier_kinds("Seen at home, NW1 2AB, with mum")
    'postcode'
    >>> identifier_kinds("Plan reviewed on time")
    ''
    """
    if not text:
        return ""
    memo = {} if memo is None else memo
    if text not in memo:
        found = scan_text(text, case_references=case_references, config=config)
        memo[text] = ",".join(sorted(set(found["kind"]))) if not found.empty else ""
    return memo[text]


def describe_kinds(kinds: str) -> str:
    """Kinds from :func:`identifier_kinds` as words for a message.

    >>> describe_kinds("date_of_birth,nhs_number")
    'date of birth, nhs number'
    """
    return kinds.replace(",", ", ").replace("_", " ")


def scan_text_file(
    path: str | Path,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Scan a plain-text file (.txt, .md, .json, ...) as text; location "line L, column C".

    Inputs as :func:`scan_text` plus ``path``. Output: findings DataFrame.
    Raises: MissingDataFileError when the file does not exist.
    """
    file = _existing(path)
    text = file.read_text(encoding="utf-8", errors="replace")
    scanner = _Scanner(config, case_references, today)
    return _frame([_row(str(file), _line_location(text, h.start), h) for h in scanner.find(text)])


def scan_html(
    path: str | Path,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Scan an HTML report: tags are stripped, the visible text and alt/title texts scanned.

    Script and style content is skipped. Inputs as :func:`scan_text` plus ``path``.
    Output: findings DataFrame, location "line L" of the HTML source.
    Raises: MissingDataFileError when the file does not exist.
    """
    file = _existing(path)
    extractor = _TextExtractor()
    extractor.feed(file.read_text(encoding="utf-8", errors="replace"))
    extractor.close()
    text = extractor.text()
    scanner = _Scanner(config, case_references, today)
    rows = [
        _row(str(file), f"line {extractor.source_line(h.start)}", h) for h in scanner.find(text)
    ]
    return _frame(rows)


def scan_xlsx(
    path: str | Path,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Scan every cell of every sheet of a workbook (and the sheet names).

    The workbook first passes :func:`lscb_analysis.core.workbook_checks.check_workbook`, then is read
    with cached values. Each cell is scanned with its column's first-row header and the text
    to its left as context, so a name under "Child name", a date under "DOB" or beside
    "Date of birth:" is found, and a date beside "Date returned:" is not taken for one. Dates are scanned as
    dd/mm/yyyy. Inputs as :func:`scan_text` plus ``path``. Output: findings DataFrame,
    location "Sheet!A1" ("Sheet (sheet name)" for a sheet's name).
    Raises: MissingDataFileError, UnsafeWorkbookError from the workbook check.
    """
    file = Path(path)
    check_workbook(file)
    scanner = _Scanner(config, case_references, today)
    rows: list[dict[str, Any]] = []
    workbook = openpyxl.load_workbook(file, read_only=True, data_only=True, keep_links=False)
    try:
        for sheet in workbook.worksheets:
            rows += [
                _row(str(file), f"{sheet.title} (sheet name)", h) for h in scanner.find(sheet.title)
            ]
            headers: dict[int, str] = {}
            sheet.reset_dimensions()  # read every row, whatever the stored dimension says
            for row in sheet.iter_rows():
                label = None  # the text to the left: "Date returned:" | 09/04/2026
                for cell in row:
                    text = _cell_text(getattr(cell, "value", None))
                    if not text or not hasattr(cell, "coordinate"):
                        continue  # empty cells in read-only mode have no coordinate
                    if cell.row == 1:
                        headers[cell.column] = text
                    header = headers.get(cell.column) if cell.row > 1 else None
                    parts = [part for part in (label, header) if part]  # header nearest
                    context = " ".join(parts) if parts else None
                    label = text
                    location = f"{_quote_sheet(sheet.title)}!{cell.coordinate}"
                    rows += [
                        _row(str(file), location, h)
                        for h in scanner.find_with_context(text, context)
                    ]
    finally:
        workbook.close()
    return _frame(rows)


def scan_csv(
    path: str | Path,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Scan every field of a CSV file, with its column's header as context.

    Inputs as :func:`scan_text` plus ``path``. Output: findings DataFrame, location
    "line L, column C" (1-based; C counts fields). Raises: MissingDataFileError.
    """
    file = _existing(path)
    scanner = _Scanner(config, case_references, today)
    rows: list[dict[str, Any]] = []
    text = file.read_text(encoding="utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    headers: list[str] = []
    line = 1
    for record_number, record in enumerate(reader):
        if record_number == 0:
            headers = record
        for c, value in enumerate(record, start=1):
            context = headers[c - 1] if record_number and c - 1 < len(headers) else None
            for hit in scanner.find_with_context(value, context):
                rows.append(_row(str(file), f"line {line}, column {c}", hit))
        line = reader.line_num + 1
    return _frame(rows)


def scan_notebook(
    path: str | Path,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Scan an executed notebook: every cell's source and every text output.

    Outputs scanned: stream text, ``text/plain``, ``text/markdown``, ``text/latex`` and
    ``text/html`` (tags stripped) of results and displays, and error messages and tracebacks.
    Images are not scanned. Inputs as :func:`scan_text` plus ``path``. Output: findings
    DataFrame, location "cell N source line L" or "cell N output K line L" (N and K count
    from 1; for HTML outputs L is the line of the HTML). Raises: MissingDataFileError;
    InvalidArgumentError when the file is not notebook JSON.
    """
    file = _existing(path)
    try:
        notebook = json.loads(file.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise InvalidArgumentError(
            f"{file} is not a notebook (invalid JSON: {error}); scan it as text instead."
        ) from error
    scanner = _Scanner(config, case_references, today)
    rows: list[dict[str, Any]] = []
    cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
    for n, cell in enumerate(cells, start=1):
        source = _joined(cell.get("source", ""))
        for hit in scanner.find(source):
            rows.append(_row(str(file), f"cell {n} source line {_line(source, hit.start)}", hit))
        for k, output in enumerate(cell.get("outputs", []) or [], start=1):
            for text, html in _output_texts(output):
                for hit in scanner.find(text):
                    line = html.source_line(hit.start) if html else _line(text, hit.start)
                    rows.append(_row(str(file), f"cell {n} output {k} line {line}", hit))
    return _frame(rows)


def scan_file(
    path: str | Path,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Scan one file with the scanner its suffix calls for (see :data:`SCANNERS`).

    Inputs as :func:`scan_text` plus ``path``. Output: findings DataFrame.
    Raises: InvalidArgumentError for a suffix with no scanner; the chosen scanner's errors.
    """
    file = Path(path)
    kind = SCANNERS.get(file.suffix.lower())
    if kind is None:
        raise InvalidArgumentError(
            f"No identifier scanner for {file.suffix or 'files without a suffix'} ({file}); "
            f"supported: {', '.join(sorted(SCANNERS))}. Check such files by hand."
        )
    scanner = {
        "html": scan_html,
        "xlsx": scan_xlsx,
        "notebook": scan_notebook,
        "csv": scan_csv,
        "text": scan_text_file,
    }[kind]
    return scanner(file, case_references=case_references, config=config, today=today)


def scan_folder(
    folder: str | Path,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Scan every supported file under a folder (e.g. ``reports/``), recursively.

    Files are visited in sorted order; a file that cannot be scanned (unsafe workbook,
    damaged notebook, unreadable) is listed as one ``unscanned`` row with the reason instead
    of stopping the scan. Other files (images, PDFs) are not scanned. Inputs as
    :func:`scan_text` plus ``folder``. Output: findings DataFrame for all files.
    Raises: MissingDataFileError when the folder does not exist.
    """
    root = Path(folder)
    if not root.is_dir():
        raise MissingDataFileError(f"Folder {root} does not exist; check the path.")
    config = config or load_identifier_config()
    references = tuple(case_references)
    frames = []
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        if file.suffix.lower() not in SCANNERS:
            continue
        try:
            frames.append(scan_file(file, case_references=references, config=config, today=today))
        except (LscbError, OSError, ValueError, KeyError) as error:
            frames.append(
                _frame(
                    [
                        {
                            "file": str(file),
                            "location": "",
                            "kind": UNSCANNED,
                            "masked": "",
                            "reason": f"could not be scanned: {error}",
                            "start": 0,
                            "end": 0,
                        }
                    ]
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else _frame([])


def raise_if_found(findings: pd.DataFrame, *, what: str = "the output") -> None:
    """Stop publication when a scan found anything (including files it could not scan).

    Inputs: ``findings`` from a scanner; ``what`` names the output in the message.
    Output: None when ``findings`` is empty. Raises: IdentifierFoundError with counts by kind
    and the first locations (masked, so the message itself discloses nothing).

    >>> raise_if_found(scan_text("Quarter 3: 42 referrals"))
    >>> raise_if_found(scan_text("Mother: Jane Doe"), what="the Barnet score card")
    Traceback (most recent call last):
    ...
    lscb_analysis.core.errors.IdentifierFoundError: the Barnet score card may contain child-level identifiers: 1 person_name. First: line 1, column 9 person_name J******e. Remove them (or, if they are not identifiers, add the exact text to allowlist in data/reference/identifier_patterns.yaml) and run again.
    """
    if findings.empty:
        return
    counts = findings["kind"].value_counts()
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    first = "; ".join(
        " ".join(str(part) for part in (row.file, row.location, row.kind, row.masked) if part)
        for row in findings.head(5).itertuples()
    )
    raise IdentifierFoundError(
        f"{what} may contain child-level identifiers: {summary}. First: {first}. Remove them "
        f"(or, if they are not identifiers, add the exact text to allowlist in "
        f"data/reference/{CONFIG_FILE}) and run again."
    )


# --- internals ------------------------------------------------------------------------------


def _reference_file() -> Path:
    return reference_dir() / CONFIG_FILE


def _alternation(words: Iterable[str], *, spaces: bool = True) -> str:
    ordered = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    escaped = [re.escape(w) for w in ordered]
    if spaces:
        escaped = [re.sub(r"(\\ )+", r"\\s+", e) for e in escaped]
    return "|".join(escaped) or r"(?!x)x"


class _Scanner:
    """Holds a config, compiled case-reference pattern and the day of the scan."""

    def __init__(
        self, config: IdentifierConfig | None, references: Iterable[str], today: dt.date | None
    ) -> None:
        self.config = config or load_identifier_config()
        self.today = today or dt.date.today()
        compiled = self.config._compiled
        self.trigger, self.title = compiled["trigger"], compiled["title"]
        self.qualifier = compiled["qualifier"]
        self.stop, self.places = compiled["stop"], compiled["places"]
        self.dob, self.not_dob, self.allow = compiled["dob"], compiled["not_dob"], compiled["allow"]
        parts = [re.escape(r.strip()) for r in references if r and r.strip()]
        parts += list(self.config.case_reference_patterns)
        self.references = (
            re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)
            if parts
            else None
        )

    def find_with_context(self, text: str, context: str | None) -> list[_Hit]:
        """Scan ``text`` as if it followed "context: " (a column header), offsets in ``text``."""
        if not context or _nothing_to_find(text):
            return self.find(text)
        prefix = re.sub(r"[_\s]+", " ", context).strip() + ": "
        hits = self.find(prefix + text)
        shift = len(prefix)
        return [
            _Hit(h.kind, h.start - shift, h.end - shift, h.text, h.reason)
            for h in hits
            if h.start >= shift
        ]

    def find(self, text: str) -> list[_Hit]:
        if _nothing_to_find(text):
            return []
        hits: list[_Hit] = []
        hits += self._references(text)
        if _DIGIT.search(text):  # every other fixed format holds a digit
            hits += self._nhs(text)
            hits += self._regex(
                text,
                _NI,
                "ni_number",
                "national insurance number format",
                lambda m: ni_number_is_valid(m.group(0)),
            )
            hits += self._regex(text, _PHONE, "phone", "UK phone number", _valid_phone)
            hits += self._regex(text, _POSTCODE, "postcode", "UK postcode")
            hits += self._dates(text)
        if "@" in text:
            hits += self._regex(text, _EMAIL, "email", "email address")
        hits += self._names(text)
        hits = [h for h in hits if h.text.strip().lower() not in self.allow]
        return _without_overlaps(hits)

    def _regex(self, text, pattern, kind, reason, valid=None) -> list[_Hit]:
        return [
            _Hit(kind, m.start(), m.end(), m.group(0), reason)
            for m in pattern.finditer(text)
            if valid is None or valid(m)
        ]

    def _references(self, text: str) -> list[_Hit]:
        if self.references is None:
            return []
        return self._regex(text, self.references, "case_reference", "listed case reference")

    def _nhs(self, text: str) -> list[_Hit]:
        return self._regex(
            text,
            _NHS,
            "nhs_number",
            "ten digits with a valid NHS modulus-11 check digit",
            lambda m: nhs_number_is_valid(m.group(0)),
        )

    def _dates(self, text: str) -> list[_Hit]:
        found: list[tuple[int, int, str, dt.date, bool]] = []  # start, end, text, date, bare
        for pattern in (_DATE_NUMERIC, _DATE_ISO, _DATE_WORDS):
            for match in pattern.finditer(text):
                date = _to_date(match, self.today)
                if date is None:
                    continue
                bare = pattern is _DATE_NUMERIC and len(match.group("y")) == 4
                found.append((match.start(), match.end(), match.group(0), date, bare))
        found.sort()
        starts = [f[0] for f in found]
        hits = []
        for start, end, matched, date, bare in found:
            window = text[max(0, start - self.config.dob_window) : start]
            keyword = None
            for keyword_match in self.dob.finditer(window):
                keyword = keyword_match
            if keyword is not None:
                keyword_end = start - len(window) + keyword.end()
                between = bisect_right(starts, keyword_end - 1)
                if starts[between] == start:  # no other date between the keyword and this one
                    reason = f"date after '{keyword.group(0)}'"
                    hits.append(_Hit("date_of_birth", start, end, matched, reason))
                    continue
            if bare and self._could_be_birth(text, start, end, date):
                reason = "full dd/mm/yyyy date that could be a date of birth"
                hits.append(_Hit("date_of_birth", start, end, matched, reason))
        return hits

    def _could_be_birth(self, text: str, start: int, end: int, date: dt.date) -> bool:
        if not (self.config.bare_date_earliest_year <= date.year and date <= self.today):
            return False
        before = text[max(0, start - self.config.not_dob_window) : start]
        if self.not_dob.search(before) or _RANGE_BEFORE.search(before):
            return False
        return not _RANGE_AFTER.match(text, end)

    def _names(self, text: str) -> list[_Hit]:
        hits = []
        for trigger in self.trigger.finditer(text):
            line_start = text.rfind("\n", 0, trigger.start()) + 1
            if self.qualifier.search(text, max(line_start, trigger.start() - 40), trigger.start()):
                continue  # "LA name", "school name": not a person's name
            hit = self._name_after(text, trigger.end(), trigger.group(0), strong_only=False)
            if hit:
                hits.append(hit)
        for title in self.title.finditer(text):
            hit = self._name_after(text, title.end(), title.group(0), strong_only=True)
            if hit:
                hits.append(hit)
        return hits

    def _name_after(self, text: str, position: int, context: str, strong_only: bool) -> _Hit | None:
        strong = _STRONG_SEPARATOR.match(text, position)
        if strong:
            position, minimum = strong.end(), 1
        else:
            weak = _WEAK_SEPARATOR.match(text, position)
            if not weak:
                return None
            position, minimum = weak.end(), 1 if strong_only else 2
        if self.places.match(text, position):
            return None
        tokens: list[re.Match[str]] = []
        cursor = position
        while len(tokens) < 4:
            token = _TOKEN.match(text, cursor)
            if not token or (token.group("word") and token.group(0).lower() in self.stop):
                break
            tokens.append(token)
            gap = _WEAK_SEPARATOR.match(text, token.end())
            if not gap:
                break
            cursor = gap.end()
        while tokens and tokens[-1].group("word") is None:
            tokens.pop()  # a name does not end with an initial
        words = [t for t in tokens if t.group("word")]
        if len(words) < minimum:
            return None
        start, end = tokens[0].start(), tokens[-1].end()
        reason = f"capitalised words after '{context.strip()}'"
        return _Hit("person_name", start, end, text[start:end], reason)


def _nothing_to_find(text: str) -> bool:
    """True for texts too short, or numbers with too few digits, to hold an identifier."""
    if len(text) < 3:
        return True
    return bool(_PLAIN_NUMBER.fullmatch(text)) and sum(c.isdigit() for c in text) < 9


def _valid_phone(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    if match.group(0).startswith("+"):
        digits = digits[2:]
        digits = digits[1:] if digits.startswith("0") else digits
    else:
        digits = digits[1:]
    return len(digits) in (9, 10) and digits[0] in "1235789"


def _to_date(match: re.Match[str], today: dt.date) -> dt.date | None:
    groups = match.groupdict()
    try:
        if groups.get("mon") or groups.get("mon2"):
            month_name = (groups.get("mon") or groups.get("mon2")).lower()[:3]
            day = int(groups.get("d") or groups.get("d2"))
            year = int(groups.get("y") or groups.get("y2"))
            month = _MONTH_NUMBER[month_name]
        else:
            day, month, year = int(groups["d"]), int(groups["m"]), int(groups["y"])
            if len(groups["y"]) == 2:
                year += 2000 if year <= today.year % 100 else 1900
        return dt.date(year, month, day)
    except (ValueError, KeyError, TypeError):
        return None


def _without_overlaps(hits: list[_Hit]) -> list[_Hit]:
    priority = {kind: n for n, kind in enumerate(KINDS)}
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (priority[h.kind], h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: (h.start, priority[h.kind]))


def _row(file: str, location: str, hit: _Hit) -> dict[str, Any]:
    return {
        "file": file,
        "location": location,
        "kind": hit.kind,
        "masked": mask_text(hit.text),
        "reason": hit.reason,
        "start": hit.start,
        "end": hit.end,
    }


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return frame.astype({"start": "int64", "end": "int64"})


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _line_location(text: str, offset: int) -> str:
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {_line(text, offset)}, column {column}"


def _existing(path: str | Path) -> Path:
    file = Path(path)
    if not file.is_file():
        raise MissingDataFileError(f"{file} does not exist; check the path.")
    return file


def _quote_sheet(title: str) -> str:
    return title if re.fullmatch(r"\w+", title) else "'" + title.replace("'", "''") + "'"


def _cell_text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%d/%m/%Y")
            if value.time() == dt.time()
            else value.strftime("%d/%m/%Y %H:%M")
        )
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value) if value is not None else ""


def _output_texts(output: dict[str, Any]) -> Iterator[tuple[str, _TextExtractor | None]]:
    """Texts of one notebook output, each with its HTML extractor (for source lines) or None."""
    kind = output.get("output_type")
    if kind == "stream":
        yield _joined(output.get("text", "")), None
    elif kind in ("execute_result", "display_data", "update_display_data"):
        data = output.get("data", {}) or {}
        for mime in ("text/plain", "text/markdown", "text/latex"):
            if mime in data:
                yield _joined(data[mime]), None
        if "text/html" in data:
            extractor = _TextExtractor()
            extractor.feed(_joined(data["text/html"]))
            extractor.close()
            yield extractor.text(), extractor
    elif kind == "error":
        yield f"{output.get('ename', '')}: {output.get('evalue', '')}", None
        yield _ANSI.sub("", "\n".join(output.get("traceback", []) or [])), None


class _TextExtractor(HTMLParser):
    """Visible text of an HTML document, remembering the source line of every piece."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._length = 0
        self._starts: list[int] = []
        self._lines: list[int] = []
        self._originals: list[str] = []
        self._skipping = 0

    def _add(self, text: str, line: int) -> None:
        self._starts.append(self._length)
        self._lines.append(line)
        self._originals.append(text)
        flat = text.replace("\r", " ").replace("\n", " ")
        self._parts.append(flat)
        self._length += len(flat)

    def _separator(self, separator: str) -> None:
        self._parts.append(separator)
        self._length += len(separator)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
            return
        self._separator("\n" if tag in _BLOCK_TAGS else "\t" if tag in _CELL_TAGS else " ")
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self._add(value, self.getpos()[0])
                self._separator("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIPPED_TAGS:
            self._skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
            return
        self._separator("\n" if tag in _BLOCK_TAGS else "\t" if tag in _CELL_TAGS else " ")

    def handle_data(self, data: str) -> None:
        if not self._skipping and data:
            self._add(data, self.getpos()[0])

    def text(self) -> str:
        return "".join(self._parts)

    def source_line(self, offset: int) -> int:
        k = bisect_right(self._starts, offset) - 1
        if k < 0:
            return 1
        within = offset - self._starts[k]
        return self._lines[k] + self._originals[k].count("\n", 0, max(within, 0))
