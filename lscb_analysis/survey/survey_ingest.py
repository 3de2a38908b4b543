"""Phase I survey ingest: every return in the folder, whatever its shape, read into one table.

Boards send the data-collection workbook back in every shape: retitled columns, the header
moved down under a title, blank rows and notes, merged cells, ticks written ``Y``, ``x`` or
``✓``, agencies in their own words, several boroughs in one workbook, or a layout of their
own. :func:`ingest_survey` reads each file in the folder (.xlsx, .xlsm, .xls, .ods, .csv)
read-only, finds the header row on each sheet, maps headers and coded values onto the
template's fields with the synonym and pattern rules in ``data/reference/survey.yaml`` (never
rules in code), keeps the original text beside every normalised value, and reports every
cell it cannot map. Each file ends in exactly one state: ``ingested``,
``ingested_with_warnings`` or ``rejected`` (with a reason code and what to do).

Rules and conventions (configurable ones live under ``ingest:`` in survey.yaml):

* Header row: in the first ``header_scan_rows`` rows of a sheet, the row mapping the most
  fields (it must map the data item and at least ``min_header_fields`` fields), unless an
  earlier row is a header in full (three quarters of its cells map): then that one, and a
  later header row starts a second table (``repeated_header``).
* Section: the sheet's name (``sheet_synonyms``), else its headers (a barrier column means
  "would like"); tick columns ("Collected?", "Would like?") and section heading rows decide
  row by row in a board's own layout.
* A row counts as non-blank when a cell holds a value of its own (a cell filled from a merged
  range that starts on an earlier row is not its own). Every non-blank row below the header is
  either an item or reported in ``issues`` (:data:`ROW_EXCLUSION_CODES`):
  :func:`row_accounting` checks it.
* Borough: per row from a borough column, else the sheet's name, else the About sheet (or
  "Board:" lines above the header), else the file name, all through :func:`register.resolve`
  (London boroughs only).
* Two readable returns for one borough: both kept, the latest (About date, then file
  modification time, then file name) has ``used = True``; the other gets ``superseded_return``.
* A workbook holding several boroughs gives one ``returns`` row per borough.

Logs hold counts only, never cell values.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import io, paths, register, workbook_checks
from lscb_analysis.core.errors import (
    InvalidArgumentError,
    SurveyFileError,
    UnknownAreaError,
)
from lscb_analysis.core.returned_workbook import EXPECTED_FORMAT, read_returned_workbook
from lscb_analysis.core.returned_workbook_cells import Grid, cell_text
from lscb_analysis.protect import safe_files

LOGGER = logging.getLogger(__name__)

SURVEY_CONFIG = "survey.yaml"
SECTIONS: tuple[str, ...] = ("collects", "would_like")
ITEM_COLUMNS: list[str] = [
    "borough",
    "la_number",
    "section",
    "item",
    "description",
    "agency",
    "agency_original",
    "frequency",
    "frequency_original",
    "age_range",
    "system",
    "why_useful",
    "usefulness",
    "usefulness_original",
    "indicator_code",
    "why",
    "barrier",
    "barrier_original",
    "comment",
    "collected_flag_original",
    "extra",
    "used",
    "file",
    "sha256",
    "sheet",
    "row",
]
ISSUE_COLUMNS: list[str] = ["file", "sheet", "row", "column", "severity", "code", "message"]
RETURN_COLUMNS: list[str] = [
    "file",
    "sha256",
    "state",
    "reason",
    "borough",
    "la_number",
    "return_date",
    "modified",
    "sections_filled",
    "items_collects",
    "items_would_like",
    "used",
    "message",
]
SHEET_COLUMNS: list[str] = [
    "file",
    "sheet",
    "kind",
    "section",
    "header_row",
    "non_blank_rows",
    "borough",
    "la_number",
]
ACCOUNTING_COLUMNS: list[str] = [
    "file",
    "sheet",
    "state",
    "header_row",
    "non_blank_rows",
    "item_rows",
    "reported_rows",
    "rejected_rows",
    "unaccounted",
]
STATES: tuple[str, ...] = ("ingested", "ingested_with_warnings", "rejected")
REJECTION_CODES: tuple[str, ...] = (
    "corrupt",
    "password_protected",
    "empty",
    "no_recognisable_sheet",
    "borough_not_identifiable",
    "duplicate",
    "unsafe_workbook",
)
ROW_EXCLUSION_CODES: frozenset[str] = frozenset(
    {
        "note_row",
        "section_heading",
        "repeated_header",
        "missing_item",
        "not_collected",
        "unknown_borough",
    }
)
"""Issue codes that stand for a non-blank row below the header that was not read as an item."""
ISSUE_CODES: dict[str, str] = {
    # errors: the file was rejected (one issue per rejected file)
    "corrupt": "not a workbook, damaged, or not a spreadsheet at all",
    "password_protected": "encrypted with a password",
    "empty": "no data items (blank template, 0 bytes, or only notes and headings)",
    "no_recognisable_sheet": "no sheet has a header row naming a data item",
    "borough_not_identifiable": "no borough from the About sheet, file name, sheets or column",
    "duplicate": "byte-identical to an earlier file (by name order), which is used",
    "unsafe_workbook": "over the workbook limits (size, zip bomb, rows, cells, XML entities)",
    # warnings: a row below the header that was not read as an item
    "note_row": "a single note, a merged note, or a row in a notes block",
    "section_heading": "a heading starting a section of items",
    "repeated_header": "a second header row; the rows below use its columns",
    "missing_item": "values but no data item",
    "not_collected": "tick columns say neither collected nor wanted",
    "unknown_borough": "the row's borough cell (or every fallback) names no London borough",
    # warnings: read, with something to check
    "unmapped_column": "a column no field matches (or a second column for a field): in extra",
    "unmapped_value": "an agency, frequency, barrier, tick or date matching no listed value",
    "usefulness_not_1_to_5": "usefulness is not a whole number from 1 to 5",
    "text_above_header": "a title or note above the header row",
    "unmapped_about_row": "an About line that is none of the About questions",
    "unflagged_row": "neither tick column filled in; the sheet's default section was used",
    "unknown_borough_name": "the About sheet's board name is not one London borough",
    "borough_from_sheet": "a sheet named after another borough than the About sheet's",
    "superseded_return": "a later return for the same borough is used instead",
    "sheet_not_recognised": "a sheet with content but no header row naming a data item",
    "wrong_extension": "the file's contents are another format than its name says",
    "macros_not_run": "the workbook holds macros; they were neither run nor kept",
    "external_link_ignored": "the workbook links to another file; not followed",
    "formula_without_value": "formula cells with no saved value read as blank",
}
"""Every issue code the ingest writes, with what it means (rejections first)."""

_TEXT_FIELDS = (
    "item",
    "description",
    "age_range",
    "system",
    "why_useful",
    "indicator_code",
    "why",
    "comment",
)
_USEFULNESS = re.compile(
    r"^\s*([1-5])(?:\.0+)?\s*(?:(?:/|out\s+of)\s*5)?\s*(?:[-\u2013:(,].*)?$", re.IGNORECASE
)
_RANGE = re.compile(r"^\s*\d+(?:\.\d+)?\s*[-\u2013]\s*\d")
_QUOTE_LIMIT = 40
_HEADER_SHARE = 0.75  # a repeated header row below the first maps at least this share of cells


# --- public result ---------------------------------------------------------------------------


@dataclass
class SurveyIngest:
    """What :func:`ingest_survey` read.

    ``items`` (:data:`ITEM_COLUMNS`): one row per data item; ``issues``
    (:data:`ISSUE_COLUMNS`): everything not read as it stood, with what to do; ``returns``
    (:data:`RETURN_COLUMNS`): one row per file (per file and borough for a workbook holding
    several boroughs); ``sheets`` (:data:`SHEET_COLUMNS`): one row per sheet read, for
    :func:`row_accounting`.
    """

    items: pd.DataFrame
    issues: pd.DataFrame
    returns: pd.DataFrame
    sheets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SHEET_COLUMNS))


# --- matching rules from survey.yaml -----------------------------------------------------------


def normalise_key(text: Any) -> str:
    """Return the form texts are compared in: lower case, ``&`` as "and", words only.

    A text with no letters or digits (a tick, a dash) is kept as written, stripped.

    >>> normalise_key("  How often? ")
    'how often'
    >>> normalise_key("A&E")
    'a and e'
    >>> normalise_key(" ✓ ")
    '✓'
    """
    text = unicodedata.normalize("NFKC", str(text)).lower().replace("&", " and ")
    text = text.replace("\u2019", "'")
    words = re.findall(r"[^\W_]+", text)
    return " ".join(words) if words else " ".join(text.split())


def _pattern_text(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(text)).lower().split())


@dataclass(frozen=True)
class Matcher:
    """Synonym and pattern rules mapping written text onto canonical names.

    ``synonyms`` maps a normalised text (:func:`normalise_key`) to its name; ``patterns`` are
    (compiled regular expression, name) pairs searched anywhere in the lower-cased text.
    """

    synonyms: dict[str, str]
    patterns: tuple[tuple[re.Pattern[str], str], ...]

    def by_synonym(self, text: Any) -> str:
        """The name ``text`` is a synonym of, or ``""``."""
        return self.synonyms.get(normalise_key(text), "")

    def by_pattern(self, text: Any) -> tuple[str, int]:
        """The name whose pattern matches ``text`` longest (ties: first listed), and the length."""
        subject = _pattern_text(text)
        best, length = "", 0
        for pattern, name in self.patterns:
            found = pattern.search(subject)
            if found and len(found.group(0)) > length:
                best, length = name, len(found.group(0))
        return best, length

    def match(self, text: Any) -> str:
        """Synonyms first (whole text), then patterns; ``""`` when nothing matches."""
        return self.by_synonym(text) or self.by_pattern(text)[0]

    def contained(self, text: Any) -> str:
        """The name of the longest synonym found as whole words inside ``text``, or ``""``."""
        key = f" {normalise_key(text)} "
        hits = [(len(k), name) for k, name in self.synonyms.items() if f" {k} " in key]
        return max(hits, key=lambda hit: hit[0])[1] if hits else ""


def _matcher(spec: dict[str, Any], where: str) -> Matcher:
    """Build a Matcher from ``{name: {label?, synonyms?, patterns?}}`` (names match themselves)."""
    synonyms: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for name, rules in (spec or {}).items():
        rules = rules or {}
        for word in [name, rules.get("label", ""), *rules.get("synonyms", [])]:
            if str(word).strip():
                synonyms.setdefault(normalise_key(word), name)
        for pattern in rules.get("patterns", []) or []:
            try:
                patterns.append((re.compile(pattern, re.IGNORECASE), name))
            except re.error as error:
                raise InvalidArgumentError(
                    f"data/reference/{SURVEY_CONFIG}: pattern {pattern!r} for {name!r} under "
                    f"{where} is not a valid regular expression ({error}); correct it."
                ) from error
    return Matcher(synonyms, tuple(patterns))


@dataclass(frozen=True)
class SurveyRules:
    """Everything the ingest reads from survey.yaml, compiled once per run."""

    fields: dict[str, Matcher]
    field_names: dict[str, tuple[str, ...]]
    labels: dict[str, dict[str, str]]
    flags: Matcher
    borough_column: Matcher
    about: Matcher
    about_sheets: frozenset[str]
    sheet_sections: Matcher
    headings: Matcher
    notes: Matcher
    boilerplate: Matcher
    codes: dict[str, Matcher]
    not_stated: frozenset[str]
    skip_files: tuple[str, ...]
    ignore_sheets: frozenset[str]
    scan_rows: int
    min_header_fields: int
    max_header_length: int

    def is_skipped(self, name: str) -> bool:
        """True for files in the folder that are not returns (contacts list, README, ...)."""
        return any(fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in self.skip_files)


def load_rules(config: dict | None = None) -> SurveyRules:
    """Compile the ingest rules from survey.yaml (or from ``config``, a dict of the same shape).

    >>> rules = load_rules()
    >>> rules.codes["agency"].match("Met Police"), rules.codes["frequency"].match("Qtr")
    ('police', 'quarterly')

    Raises:
        ReferenceDataError: survey.yaml is missing or not a mapping.
        InvalidArgumentError: a pattern is not a valid regular expression.
    """
    config = config if config is not None else io.read_reference_yaml(SURVEY_CONFIG)
    ingest = config.get("ingest", {}) or {}
    sections = config["sections"]
    fields = {s: _matcher(sections[s]["fields"], f"sections.{s}.fields") for s in SECTIONS}
    names = {s: tuple(sections[s]["fields"]) for s in SECTIONS}
    labels = {
        s: {f: spec.get("label", f) for f, spec in sections[s]["fields"].items()} for s in SECTIONS
    }
    about_fields = config["about"]["fields"]
    borough_spec = {"borough": about_fields.get("borough", {})}
    sheet_spec = {
        s: {"synonyms": [sections[s]["sheet"], *sections[s].get("sheet_synonyms", [])]}
        for s in SECTIONS
    }
    headings_spec = ingest.get("section_headings", {}) or {}
    codes = {
        name: _matcher(spec, f"code_lists.{name}")
        for name, spec in config.get("code_lists", {}).items()
    }
    about_sheets = {normalise_key(config["about"].get("sheet", "About"))}
    about_sheets |= {normalise_key(name) for name in ingest.get("about_sheets", [])}
    return SurveyRules(
        fields=fields,
        field_names=names,
        labels=labels,
        flags=_matcher(ingest.get("flag_columns", {}), "ingest.flag_columns"),
        borough_column=_matcher(borough_spec, "about.fields.borough"),
        about=_matcher(about_fields, "about.fields"),
        about_sheets=frozenset(about_sheets),
        sheet_sections=_matcher(sheet_spec, "sections.*.sheet_synonyms"),
        headings=_matcher(headings_spec, "ingest.section_headings"),
        notes=_matcher({"notes": ingest.get("note_markers", {})}, "ingest.note_markers"),
        boilerplate=_matcher({"boilerplate": ingest.get("boilerplate", {})}, "ingest.boilerplate"),
        codes=codes,
        not_stated=frozenset(normalise_key(v) for v in ingest.get("not_stated", [])),
        skip_files=tuple(ingest.get("skip_files", ["contacts.csv", "README*", "*.md"])),
        ignore_sheets=frozenset(normalise_key(s) for s in ingest.get("ignore_sheets", [])),
        scan_rows=int(ingest.get("header_scan_rows", 30)),
        min_header_fields=int(ingest.get("min_header_fields", 2)),
        max_header_length=int(ingest.get("max_header_length", 80)),
    )


# --- boroughs -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _resolve_london(text: str) -> register.LocalAuthority | None:
    try:
        area = register.resolve(text)
    except UnknownAreaError:
        return None
    return area if area.is_london else None


def find_borough(text: Any) -> register.LocalAuthority | None:
    """Return the one London borough a text names (a board name, file name or sheet name).

    The whole text is resolved first (so aliases such as "RBKC", ONS codes and DfE numbers
    work), then runs of its words, longest first, where numbers are never read as DfE
    numbers (a "2026" or "302" inside a file name is not a borough). None when no London
    borough or more than one is named.

    >>> find_borough("SYNTHETIC_kensington_and_chelsea_return_v2").name
    'Kensington and Chelsea'
    >>> find_borough("LB Barnet LSCB").la_number
    '302'
    >>> find_borough("City and Hackney") is None
    True
    """
    raw = str(text or "").strip()
    if not raw:
        return None
    key = register.normalise_name(raw)
    whole = _resolve_london(key)
    if whole is not None:
        return whole
    tokens = key.split()
    found: dict[str, register.LocalAuthority] = {}
    covered: set[int] = set()
    for size in range(min(len(tokens), 6), 0, -1):
        for start in range(len(tokens) - size + 1):
            span = range(start, start + size)
            words = tokens[start : start + size]
            if covered.intersection(span) or any(w.isdigit() for w in words):
                continue
            if size == 1 and len(words[0]) < 3:
                continue
            area = _resolve_london(" ".join(words))
            if area is not None:
                found[area.la_number] = area
                covered.update(span)
    return next(iter(found.values())) if len(found) == 1 else None


# --- reading files into grids -------------------------------------------------------------------


def _read_any(path: Path, limits: workbook_checks.WorkbookLimits) -> tuple[list[Grid], list[tuple]]:
    """Read any supported file into grids (merged cells filled) with notes for the board
    (sheet, code, message); raise SurveyFileError (with a code) to reject it."""
    book = read_returned_workbook(path, limits, error=SurveyFileError, sender="the board")
    suffix = path.suffix.lower()
    notes: list[tuple] = []
    if book.format in ("xlsx", "xls", "ods") and EXPECTED_FORMAT.get(suffix) not in (
        None,
        book.format,
    ):
        kind = book.format.upper()
        notes.append(
            (
                "",
                "wrong_extension",
                f"The file is really {kind} although it "
                f"is named {suffix}; it was read as {kind}. Nothing to do.",
            )
        )
    if book.check is not None:
        notes += _check_notes(book.check)
    return [sheet.grid() for sheet in book.worksheets], notes


def _check_notes(check: workbook_checks.WorkbookCheck) -> list[tuple]:
    """Notes on an .xlsx's macros, external links and formulas without a saved value."""
    notes: list[tuple] = []
    if check.has_macros:
        notes.append(
            (
                "",
                "macros_not_run",
                "The workbook contains macros; they were neither "
                "run nor kept, only the cell values were read. Nothing to do.",
            )
        )
    for link in check.external_links:
        notes.append(
            (
                "",
                "external_link_ignored",
                "The workbook links to another file; the "
                f"link ({link[:60]}) was not followed. If values came from it, ask the "
                "board to paste them in as values.",
            )
        )
    missing = check.formulas[~check.formulas["has_cached_value"]]
    for sheet, rows in missing.groupby("sheet"):
        notes.append(
            (
                sheet,
                "formula_without_value",
                f"{len(rows)} formula cell(s) (e.g. "
                f"{rows['cell'].iloc[0]}) have no saved value, so they read as blank. "
                "Ask the board to open the file in Excel, save it and send it again.",
            )
        )
    return notes


def _untaken_values(header: _Header, columns: dict[str, int], values: list[Any]) -> list[str]:
    """'label: value' for a row's filled cells no field or tick column took, so nothing the
    board wrote is lost (kept in 'extra')."""
    taken = (
        set(columns.values())
        | set(header.flags)
        | ({header.borough} if header.borough is not None else set())
    )
    extra = []
    for column, value in enumerate(values):
        text = cell_text(value)
        if column in taken or not text:
            continue
        label = (
            header.texts[column]
            if column < len(header.texts) and header.texts[column]
            else f"column {_column_letter(column)}"
        )
        extra.append(f"{label}: {text}")
    return extra


# --- reading sheets -----------------------------------------------------------------------------


@dataclass
class _Header:
    """What one candidate header row maps: flags, a borough column, fields per section."""

    row: int
    texts: list[str]
    flags: dict[int, str]
    borough: int | None
    columns: dict[str, dict[str, int]]
    duplicates: dict[str, dict[int, str]]
    score: int
    share: float

    def has_item(self, sections: Iterable[str]) -> bool:
        return any("item" in self.columns[s] for s in sections)


def _map_header(
    values: list[Any], row: int, rules: SurveyRules, sections: tuple[str, ...]
) -> _Header:
    texts = [cell_text(v) for v in values]
    flags: dict[int, str] = {}
    borough: int | None = None
    columns: dict[str, dict[str, int]] = {s: {} for s in SECTIONS}
    duplicates: dict[str, dict[int, str]] = {s: {} for s in SECTIONS}
    mapped = filled = 0
    for column, text in enumerate(texts):
        if not text:
            continue
        filled += 1
        if len(text) > rules.max_header_length:
            continue
        # Synonyms beat patterns across every kind of column, then the longest pattern wins.
        if rules.flags.by_synonym(text):
            kind = "flag"
        elif rules.borough_column.by_synonym(text):
            kind = "borough"
        elif any(rules.fields[s].by_synonym(text) for s in sections):
            kind = "field"
        else:
            flag, flag_length = rules.flags.by_pattern(text)
            best = max(rules.fields[s].by_pattern(text)[1] for s in sections)
            kind = "flag" if flag and flag_length >= best else "field"
        if kind == "flag" and rules.flags.match(text) not in flags.values():
            flags[column] = rules.flags.match(text)
            mapped += 1
            continue
        if kind == "borough" and borough is None:
            borough = column
            mapped += 1
            continue
        hit = False
        for section in SECTIONS:
            name = rules.fields[section].match(text)
            if not name:
                continue
            hit = hit or section in sections
            if name in columns[section]:
                duplicates[section][column] = name
            else:
                columns[section][name] = column
        mapped += hit
    distinct = {f for s in sections for f in columns[s]}
    score = len(distinct) + len(flags) + (borough is not None)
    return _Header(
        row, texts, flags, borough, columns, duplicates, score, mapped / filled if filled else 0.0
    )


def _default_section(header: _Header) -> str:
    """A sheet's section from its headers: "would like" with a barrier column (or when only
    the would-like rules find the data item), unless tick columns decide row by row."""
    wanted = header.columns["would_like"]
    if not header.flags and (
        "barrier" in wanted or ("item" in wanted and "item" not in header.columns["collects"])
    ):
        return "would_like"
    return "collects"


def _has_own_content(grid: Grid, r: int) -> bool:
    return any(cell_text(v) and grid.own(r, c) for c, v in enumerate(grid.rows[r]))


def _sources(grid: Grid, r: int) -> set[tuple[int, int]]:
    return {grid.source(r, c) for c, v in enumerate(grid.rows[r]) if cell_text(v)}


def _column_letter(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _place(sheet: str) -> str:
    """How a message names a sheet ("Sheet 'About'"), or the file itself for a CSV."""
    return f"Sheet '{sheet}'" if sheet else "The file"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 3] + "...")


@dataclass
class _SheetResult:
    name: str
    section: str
    header_row: int
    non_blank: int
    records: list[dict[str, Any]]
    borough: register.LocalAuthority | None


class _FileReader:
    """Reads the grids of one file, collecting about-answers, records and issues."""

    def __init__(self, file: str, rules: SurveyRules):
        self.file = file
        self.rules = rules
        self.issues: list[dict[str, Any]] = []
        self.about: dict[str, tuple[Any, str, int]] = {}
        self.about_above: dict[str, tuple[Any, str, int]] = {}
        self.sheets: list[dict[str, Any]] = []
        self.results: list[_SheetResult] = []
        self.recognised = 0
        self.content_sheets = 0

    def issue(
        self,
        sheet: str,
        row: int | None,
        column: str,
        code: str,
        message: str,
        severity: str = "warning",
    ) -> None:
        self.issues.append(
            {
                "file": self.file,
                "sheet": sheet,
                "row": row,
                "column": column,
                "severity": severity,
                "code": code,
                "message": message,
            }
        )

    # -- about --

    def _about_line(self, values: list[Any]) -> tuple[str, Any] | None:
        cells = [v for v in values if cell_text(v)]
        if not cells:
            return None
        label = cell_text(cells[0])
        value = cells[1] if len(cells) > 1 else None
        name = self.rules.about.by_synonym(label)
        if not name and ":" in label:
            head, _, rest = label.partition(":")
            name = self.rules.about.by_synonym(head)
            if name and rest.strip():
                value = rest.strip()
        return (name, value) if name else None

    def read_about(self, grid: Grid) -> None:
        self.sheets.append(self._sheet_row(grid.name, "about", "", None, None))
        for r, values in enumerate(grid.rows):
            if not _has_own_content(grid, r):
                continue
            line = self._about_line(values)
            if line:
                self.about.setdefault(line[0], (line[1], grid.name, r + 1))
                continue
            first = next(cell_text(v) for v in values if cell_text(v))
            if self.rules.boilerplate.match(first):
                continue
            self.issue(
                grid.name,
                r + 1,
                "",
                "unmapped_about_row",
                f"{_place(grid.name)}, row {r + 1}: this line is not one of the About "
                "questions, so it was not read. Read it in the file if it matters, or "
                "add its label as a synonym under about.fields in data/reference/"
                "survey.yaml.",
            )

    # -- data sheets --

    def read_sheet(self, grid: Grid) -> None:
        rules = self.rules
        if not any(_has_own_content(grid, r) for r in range(len(grid.rows))):
            self.sheets.append(self._sheet_row(grid.name, "blank", "", None, None))
            return
        self.content_sheets += 1
        fixed = rules.sheet_sections.by_synonym(grid.name) or rules.sheet_sections.contained(
            grid.name
        )
        sections = (fixed,) if fixed else SECTIONS
        header = self._find_header(grid, sections)
        if header is None:
            self.sheets.append(self._sheet_row(grid.name, "not_recognised", "", None, None))
            self.issue(
                grid.name,
                None,
                "",
                "sheet_not_recognised",
                f"{_place(grid.name)} has no header row naming a data item column (looked "
                f"in its first {rules.scan_rows} rows for headers such as 'Data item', "
                "'Indicator' or 'Measure'), so nothing was read from it. If it holds "
                "data items, add a header row, or add the board's header words as "
                "synonyms in data/reference/survey.yaml.",
            )
            return
        self.recognised += 1
        self._above_header(grid, header.row)
        result = self._read_rows(grid, header, fixed)
        self.results.append(result)
        self.sheets.append(
            self._sheet_row(grid.name, "data", result.section, header.row + 1, result.non_blank)
        )

    def _sheet_row(
        self, sheet: str, kind: str, section: str, header_row: int | None, non_blank: int | None
    ) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": sheet,
            "kind": kind,
            "section": section,
            "header_row": header_row,
            "non_blank_rows": non_blank,
            "borough": "",
            "la_number": "",
        }

    def _find_header(self, grid: Grid, sections: tuple[str, ...]) -> _Header | None:
        """The row mapping the most fields (with the data item) in the first rows; but when
        an earlier row is a header in full (nearly every cell maps), that one: a second
        table further down is then read as a repeated header, not lost above the first."""
        best: _Header | None = None
        for r in range(min(self.rules.scan_rows, len(grid.rows))):
            candidate = _map_header(grid.rows[r], r, self.rules, sections)
            if not candidate.has_item(sections) or candidate.score < self.rules.min_header_fields:
                continue
            if best is None or candidate.score > best.score:
                best = candidate
            if candidate.share >= _HEADER_SHARE:
                return candidate
        return best

    def _above_header(self, grid: Grid, header_row: int) -> None:
        for r in range(header_row):
            if not _has_own_content(grid, r):
                continue
            line = self._about_line(grid.rows[r])
            if line:
                self.about_above.setdefault(line[0], (line[1], grid.name, r + 1))
                continue
            first = next(cell_text(v) for v in grid.rows[r] if cell_text(v))
            if self.rules.boilerplate.match(first):
                continue
            self.issue(
                grid.name,
                r + 1,
                "",
                "text_above_header",
                f"{_place(grid.name)}, row {r + 1} is above the header row (row "
                f"{header_row + 1}) and holds text (a title or note); it was not read "
                "as data. Read it in the file in case it qualifies the data.",
            )

    def _heading(self, text: str) -> str:
        return self.rules.headings.match(text) or self.rules.sheet_sections.by_synonym(text)

    def _read_rows(self, grid: Grid, header: _Header, fixed: str) -> _SheetResult:
        rules = self.rules
        default = fixed or _default_section(header)
        body = range(header.row + 1, len(grid.rows))
        has_headings = any(
            len(_sources(grid, r)) == 1
            and self._heading(next(cell_text(v) for v in grid.rows[r] if cell_text(v)))
            for r in body
            if _has_own_content(grid, r)
        )
        possible = {default}
        if has_headings or "would_like" in header.flags.values():
            possible.add("would_like")
        if has_headings or "collected" in header.flags.values():
            possible.add("collects")
        self._report_columns(grid, header, possible)
        records: list[dict[str, Any]] = []
        current = default
        in_notes = False
        non_blank = 0
        for r in body:
            if not _has_own_content(grid, r):
                continue
            non_blank += 1
            values = grid.rows[r]
            row = r + 1
            where = f"{_place(grid.name)}, row {row}"
            if in_notes:
                self.issue(
                    grid.name,
                    row,
                    "",
                    "note_row",
                    f"{where} is in the notes block at "
                    "the end of the sheet; it was not read as an item. Read it in the "
                    "file in case it qualifies the data.",
                )
                continue
            sources = _sources(grid, r)
            first = next(cell_text(v) for v in values if cell_text(v))
            if rules.notes.match(first):
                in_notes = True
                self.issue(
                    grid.name,
                    row,
                    "",
                    "note_row",
                    f"{where} starts a notes block; "
                    "it and the rows after it were not read as items. Read them in "
                    "the file in case they qualify the data.",
                )
                continue
            if len(sources) == 1:
                anchor = next(iter(sources))
                text = cell_text(grid.rows[anchor[0]][anchor[1]])
                heading = self._heading(text)
                if heading:
                    current = heading
                    self.issue(
                        grid.name,
                        row,
                        "",
                        "section_heading",
                        f"{where} is a section heading: the rows below it were read as "
                        f"'{heading}' items. Check this is what the board meant.",
                    )
                    continue
                item_column = header.columns[current].get("item")
                filled = [c for c, v in enumerate(values) if cell_text(v)]
                if grid.spans.get(anchor, (1, 1))[1] > 1 or filled != [item_column]:
                    self.issue(
                        grid.name,
                        row,
                        "",
                        "note_row",
                        f"{where} holds a single note, not a data item; it was not read "
                        "as an item. Read it in the file in case it qualifies the data.",
                    )
                    continue
            again = _map_header(values, r, rules, SECTIONS)
            if (
                again.has_item(SECTIONS)
                and again.score >= rules.min_header_fields
                and again.share >= _HEADER_SHARE
            ):
                header = again
                current = fixed or _default_section(header)
                self._report_columns(grid, header, set(SECTIONS))
                self.issue(
                    grid.name,
                    row,
                    "",
                    "repeated_header",
                    f"{where} is another header row; the rows below it were read with "
                    f"its columns as '{current}' items. Check this is what the board "
                    "meant.",
                )
                continue
            record = self._record(grid, header, r, current, fixed)
            if record is not None:
                records.append(record)
        sections = {rec["section"] for rec in records}
        label = sections.pop() if len(sections) == 1 else ("mixed" if sections else default)
        return _SheetResult(
            grid.name,
            label,
            header.row + 1,
            non_blank,
            records,
            find_borough(grid.name) if grid.name else None,
        )

    def _report_columns(self, grid: Grid, header: _Header, possible: set[str]) -> None:
        width = max((len(row) for row in grid.rows), default=0)
        used = set(header.flags) | ({header.borough} if header.borough is not None else set())
        for section in possible:
            used |= set(header.columns[section].values())
        for column in range(width):
            if column in used:
                continue
            has_values = any(
                column < len(grid.rows[r]) and cell_text(grid.rows[r][column])
                for r in range(header.row + 1, len(grid.rows))
            )
            if not has_values:
                continue
            text = header.texts[column] if column < len(header.texts) else ""
            letter = _column_letter(column)
            duplicate = next(
                (header.duplicates[s][column] for s in possible if column in header.duplicates[s]),
                "",
            )
            if duplicate:
                message = (
                    f"{_place(grid.name)}, column {letter} ({_quote(text)}) is a second "
                    f"'{duplicate}' column; the first one was used and this one's values "
                    "were kept in 'extra'. Merge the two columns if both matter."
                )
            elif text:
                message = (
                    f"{_place(grid.name)}, column {letter} ({_quote(text)}) does not match "
                    "any survey field; its values were kept in 'extra'. If it is one of "
                    "the fields, add the header as a synonym in data/reference/"
                    "survey.yaml."
                )
            else:
                message = (
                    f"{_place(grid.name)}, column {letter} has values but no header; "
                    f"they were kept in 'extra' as 'column {letter}'. Give the column a "
                    "header the survey knows."
                )
            self.issue(
                grid.name, header.row + 1, text or f"column {letter}", "unmapped_column", message
            )

    def _code(self, kind: str, text: str, sheet: str, row: int, header: str) -> str:
        """Map a coded value; report (and leave blank) what matches nothing."""
        if not text or (kind != "yes_no" and normalise_key(text) in self.rules.not_stated):
            return ""
        codes = self.rules.codes.get(kind)
        if codes is None:
            return text
        found = ""
        if kind == "agency":
            # "Police / CSC": each agency named, when every part is a known agency.
            parts = [p for p in re.split(r"[/;,+]|\s&\s|\band\b", text) if p.strip()]
            mapped = [codes.match(p) for p in parts]
            if len(parts) > 1 and all(mapped):
                found = "; ".join(dict.fromkeys(mapped))
        found = found or codes.match(text)
        if not found:
            self.issue(
                sheet,
                row,
                header,
                "unmapped_value",
                f"{_place(sheet)}, row {row}, column '{header}': {_quote(text)} is not in "
                f"the {kind} list; it was kept as written in {kind}_original and left "
                f"blank in {kind}. If it means one of the listed values, add it as a "
                f"synonym under code_lists.{kind} in data/reference/survey.yaml.",
            )
        return found

    def _record(
        self, grid: Grid, header: _Header, r: int, current: str, fixed: str
    ) -> dict[str, Any] | None:
        values = grid.rows[r]
        row = r + 1
        where = f"{_place(grid.name)}, row {row}"

        def cell(column: int | None) -> str:
            return cell_text(values[column]) if column is not None and column < len(values) else ""

        flag_text = {name: cell(column) for column, name in header.flags.items()}
        flag_header = {name: header.texts[column] for column, name in header.flags.items()}
        answers = {}
        for name, text in flag_text.items():
            answers[name] = self._code("yes_no", text, grid.name, row, flag_header[name])
        section = self._section(grid.name, row, answers, header, current, fixed)
        if section is None:
            return None
        columns = header.columns[section]
        item = cell(columns.get("item"))
        if not item:
            column = columns.get("item")
            place = (
                f"column {_column_letter(column)}" if column is not None else "a data item column"
            )
            self.issue(
                grid.name,
                row,
                "",
                "missing_item",
                f"{where} has values but no data item, so it was not read. Add the "
                f"item's name in {place} and ingest again.",
            )
            return None
        record: dict[str, Any] = dict.fromkeys(ITEM_COLUMNS, "")
        extra: list[str] = []
        for name, column in columns.items():
            text = cell(column)
            if name in _TEXT_FIELDS:
                record[name] = text
            elif name in ("agency", "frequency", "barrier"):
                record[f"{name}_original"] = text
                record[name] = self._code(name, text, grid.name, row, header.texts[column])
            elif name == "usefulness":
                record["usefulness_original"] = text
                record["usefulness"] = self._usefulness(text, grid.name, row, header.texts[column])
            elif text:
                extra.append(f"{self.rules.labels[section].get(name, name)}: {text}")
        record["collected_flag_original"] = flag_text.get("collected", "")
        extra.extend(_untaken_values(header, columns, values))
        if flag_text.get("would_like"):
            extra.append(f"{flag_header['would_like']}: {flag_text['would_like']}")
        record.update(
            section=section,
            extra="; ".join(extra),
            sheet=grid.name,
            row=row,
            _borough_cell=cell(header.borough),
        )
        if record["usefulness"] == "":
            record["usefulness"] = math.nan
        return record

    def _section(
        self,
        sheet: str,
        row: int,
        answers: dict[str, str],
        header: _Header,
        current: str,
        fixed: str,
    ) -> str | None:
        """The section a row is read into, from its tick columns (None: ticked as neither, so
        not read); apart from :meth:`_record` so the tick rules read on their own."""
        where = f"{_place(sheet)}, row {row}"
        section = current
        if answers.get("collected") == "yes":
            section = "collects"
        elif answers.get("would_like") == "yes":
            section = "would_like"
        elif "no" in answers.values():
            self.issue(
                sheet,
                row,
                "",
                "not_collected",
                f"{where} is ticked as neither collected nor wanted, so it was not read "
                "as an item. If the board does collect it, tick it in the file.",
            )
            return None
        elif len(header.flags) > 1 and not fixed:
            self.issue(
                sheet,
                row,
                "",
                "unflagged_row",
                f"{where}: neither tick column is filled in, so the item was read as "
                f"'{section}' (the sheet's default). Check this with the board.",
            )
        return section

    def _usefulness(self, text: str, sheet: str, row: int, header: str) -> float:
        if not text or normalise_key(text) in self.rules.not_stated:
            return math.nan
        found = None if _RANGE.match(text) else _USEFULNESS.match(text)
        if found:
            return float(found.group(1))
        self.issue(
            sheet,
            row,
            header,
            "usefulness_not_1_to_5",
            f"{_place(sheet)}, row {row}, column '{header}': usefulness should be a whole "
            "number from 1 (hardly useful) to 5 (essential); the value was kept as written "
            "in usefulness_original and left blank in usefulness. Ask the board for a "
            "score if it matters.",
        )
        return math.nan


# --- one file -----------------------------------------------------------------------------------


@dataclass
class _Outcome:
    file: str
    sha256: str
    modified: pd.Timestamp
    state: str = ""
    reason: str = ""
    message: str = ""
    return_date: Any = pd.NaT
    items: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    boroughs: dict[str, register.LocalAuthority] = field(default_factory=dict)
    used: dict[str, bool] = field(default_factory=dict)


def _rejected(
    outcome: _Outcome, code: str, message: str, borough: register.LocalAuthority | None = None
) -> _Outcome:
    outcome.state, outcome.reason, outcome.message = "rejected", code, message
    outcome.items, outcome.issues = (
        [],
        [
            {
                "file": outcome.file,
                "sheet": "",
                "row": None,
                "column": "",
                "severity": "error",
                "code": code,
                "message": message,
            }
        ],
    )
    area = borough or find_borough(Path(outcome.file).stem)
    outcome.boroughs = {area.la_number: area} if area else {}
    return outcome


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %Y",
    "%b %Y",
)


def _date(value: Any) -> Any:
    """A return date from a cell: a real date, or text written day first (UK style)."""
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value)
    text = " ".join(cell_text(value).split())
    for pattern in _DATE_FORMATS:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, pattern))
        except ValueError:
            continue
    return pd.NaT


def _file_borough(
    reader: _FileReader, about: dict[str, tuple[Any, str, int]], path: Path
) -> register.LocalAuthority | None:
    """The borough a whole file is from: the About sheet's board, else the file name (an
    About board that names no borough is reported)."""
    board_text = cell_text(about.get("borough", (None,))[0])
    file_borough = find_borough(board_text) if board_text else None
    if board_text and file_borough is None:
        _, sheet, row = about["borough"]
        reader.issue(
            sheet,
            row,
            "borough",
            "unknown_borough_name",
            f"{_place(sheet)}, row {row}: the board is given as {_quote(board_text)}, "
            "which does not name one London borough; the borough was taken from the "
            "file name or the sheets instead. Add a common name to "
            "data/reference/area_aliases.csv if it should resolve.",
        )
    if file_borough is None:
        file_borough = find_borough(path.stem)
    return file_borough


def _return_date(reader: _FileReader, answer: tuple[Any, str, int]) -> pd.Timestamp:
    """The About sheet's return date (NaT, reported, when it is not a date)."""
    value, sheet, row = answer
    return_date = _date(value)
    if pd.isna(return_date) and cell_text(value):
        reader.issue(
            sheet,
            row,
            "date",
            "unmapped_value",
            f"{_place(sheet)}, row {row}: the return date is not a date "
            "(day/month/year expected), so the file's modification time decides "
            "which return is the latest. Correct it in the file if it matters.",
        )
    return return_date


def _without_items(
    outcome: _Outcome,
    reader: _FileReader,
    path: Path,
    file_borough: register.LocalAuthority | None,
) -> _Outcome:
    """Reject a file that gave no items, with the reason the board can act on."""
    outcome.sheets = reader.sheets
    data_rows = sum(result.non_blank for result in reader.results)
    unattributed = any(i["code"] == "unknown_borough" for i in reader.issues)
    if unattributed:
        return _rejected(
            outcome,
            "borough_not_identifiable",
            f"{path.name}: no borough could be identified for its items (not "
            "from the About sheet, the file name, a borough column or the "
            "sheet names). Add the board's name on the About sheet (or rename "
            "the file after the borough) and ingest again.",
        )
    if reader.recognised == 0 and reader.content_sheets > 0:
        return _rejected(
            outcome,
            "no_recognisable_sheet",
            f"{path.name}: none of its sheets has a header row naming a data "
            "item (e.g. 'Data item', 'Indicator', 'Measure'). Ask the board "
            "to use the survey template, or add their header words as "
            "synonyms in data/reference/survey.yaml.",
            file_borough,
        )
    detail = f" ({data_rows} row(s) were notes or headings)" if data_rows else ""
    return _rejected(
        outcome,
        "empty",
        f"{path.name} holds no data items{detail}. If the board meant to "
        "send data, ask for the completed return; otherwise record it as "
        "acknowledged without data.",
        file_borough,
    )


def _ingest_file(
    path: Path,
    sha: str,
    modified: pd.Timestamp,
    rules: SurveyRules,
    limits: workbook_checks.WorkbookLimits,
) -> _Outcome:
    outcome = _Outcome(path.name, sha, modified)
    try:
        grids, notes = _read_any(path, limits)
    except SurveyFileError as error:
        return _rejected(outcome, error.code, str(error))
    reader = _FileReader(path.name, rules)
    for sheet, code, message in notes:
        reader.issue(sheet, None, "", code, message)
    for grid in grids:
        key = normalise_key(grid.name) if grid.name else ""
        if key and key in rules.about_sheets:
            reader.read_about(grid)
        elif key and key in rules.ignore_sheets:
            reader.sheets.append(reader._sheet_row(grid.name, "ignored", "", None, None))
        else:
            reader.read_sheet(grid)
    about = {**reader.about_above, **reader.about}
    file_borough = _file_borough(reader, about, path)
    if "date" in about:
        outcome.return_date = _return_date(reader, about["date"])
    items: list[dict[str, Any]] = []
    attributed = 0
    for result in reader.results:
        sheet_borough = result.borough
        if sheet_borough and file_borough and sheet_borough.la_number != file_borough.la_number:
            reader.issue(
                result.name,
                None,
                "",
                "borough_from_sheet",
                f"{_place(result.name)} is named after {sheet_borough.name}, so its "
                f"items were filed under {sheet_borough.name}, not "
                f"{file_borough.name}. Check this with the board.",
            )
        for record in result.records:
            cell = record.pop("_borough_cell")
            area = (find_borough(cell) if cell else None) or (
                None if cell else (sheet_borough or file_borough)
            )
            if area is None:
                said = f"names {_quote(cell)}, which is not" if cell else "does not name"
                reader.issue(
                    result.name,
                    record["row"],
                    "borough",
                    "unknown_borough",
                    f"{_place(result.name)}, row {record['row']} {said} a London "
                    "borough, and the sheet, About sheet and file name do not say "
                    "either, so the row was not read. Write the borough's name.",
                )
                continue
            attributed += 1
            record.update(borough=area.name, la_number=area.la_number, file=path.name, sha256=sha)
            outcome.boroughs.setdefault(area.la_number, area)
            items.append(record)
        for sheet_row in reader.sheets:
            if sheet_row["sheet"] == result.name and sheet_row["kind"] == "data":
                area = sheet_borough or file_borough
                sheet_row.update(
                    borough=area.name if area else "", la_number=area.la_number if area else ""
                )
    if not items:
        return _without_items(outcome, reader, path, file_borough)
    outcome.items = items
    outcome.issues = reader.issues
    outcome.sheets = reader.sheets
    return outcome


# --- the folder ---------------------------------------------------------------------------------


def survey_folder() -> Path:
    """Return the default returns folder, ``data/raw/survey/``."""
    return paths.raw_dir() / "survey"


def _modified(path: Path) -> pd.Timestamp:
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return pd.Timestamp(stamp.replace(tzinfo=None, microsecond=0))


def _supersede(outcomes: list[_Outcome]) -> None:
    """Mark, per borough, the latest readable return as used and the others as superseded."""
    by_borough: dict[str, list[_Outcome]] = {}
    for outcome in outcomes:
        if outcome.state == "rejected":
            continue
        for la_number in outcome.boroughs:
            by_borough.setdefault(la_number, []).append(outcome)
    for la_number, group in by_borough.items():

        def order(o: _Outcome) -> tuple:
            date = o.return_date if pd.notna(o.return_date) else pd.Timestamp.min
            return (date, o.modified, o.file)

        latest = max(group, key=order)
        for outcome in group:
            outcome.used[la_number] = outcome is latest
            if outcome is latest:
                continue
            name = outcome.boroughs[la_number].name
            if (
                pd.notna(outcome.return_date)
                and pd.notna(latest.return_date)
                and latest.return_date != outcome.return_date
            ):
                basis = (
                    f"dated {latest.return_date.date()} on its About sheet, later than "
                    f"{outcome.return_date.date()} on this one"
                )
            else:
                basis = (
                    "saved later (file modification time)"
                    if latest.modified != outcome.modified
                    else "later by file name (same date and time)"
                )
            outcome.issues.append(
                {
                    "file": outcome.file,
                    "sheet": "",
                    "row": None,
                    "column": "",
                    "severity": "warning",
                    "code": "superseded_return",
                    "message": f"This return for {name} was replaced by {latest.file} ({basis}): "
                    "its items are kept with used = False. Nothing to do unless this "
                    "return should be used instead (then remove or re-date the other).",
                }
            )


def ingest_survey(folder: Path | str | None = None, *, config: dict | None = None) -> SurveyIngest:
    """Read every survey return in ``folder`` (default ``data/raw/survey/``), read-only.

    Args:
        folder: the folder of returns; files named in ``ingest.skip_files`` (contacts.csv,
            README, the SYNTHETIC.md marker) are not returns and are listed nowhere.
        config: survey.yaml's content (None reads it from data/reference/).

    Returns:
        :class:`SurveyIngest` with

        * ``items``: ``borough, la_number, section (collects|would_like), item, description,
          agency, agency_original, frequency, frequency_original, age_range, system,
          why_useful, usefulness (1-5 or NaN), usefulness_original, indicator_code, why,
          barrier, barrier_original, comment, collected_flag_original, extra, used (bool),
          file, sha256, sheet, row`` (1-based spreadsheet row); empty strings for fields a
          section does not have;
        * ``issues``: ``file, sheet, row, column, severity (error|warning), code, message``;
        * ``returns``: ``file, sha256, state (ingested|ingested_with_warnings|rejected),
          reason (a rejection code), borough, la_number, return_date, modified,
          sections_filled, items_collects, items_would_like, used, message``: one row per
          file, or per file and borough when a workbook holds several boroughs;
        * ``sheets``: ``file, sheet, kind (data|about|ignored|blank|not_recognised), section,
          header_row, non_blank_rows, borough, la_number``.

    Rejection codes: ``corrupt``, ``password_protected``, ``empty``,
    ``no_recognisable_sheet``, ``borough_not_identifiable``, ``duplicate`` (byte-identical to
    an earlier file by name order; the first is kept) and ``unsafe_workbook``.

    Raises:
        SurveyFileError: the folder does not exist (code ``missing_folder``).
        ReferenceDataError: survey.yaml, the register or the workbook limits are missing.
    """
    folder = Path(folder) if folder is not None else survey_folder()
    if not folder.is_dir():
        raise SurveyFileError(
            f"There is no returns folder at {folder}. Put the returns there (or pass the "
            "folder that holds them); `lscb demo-data` writes a synthetic set.",
            code="missing_folder",
        )
    rules = load_rules(config)
    limits = workbook_checks.load_workbook_limits()
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and not rules.is_skipped(p.name)),
        key=lambda p: p.name,
    )
    first_by_hash: dict[str, str] = {}
    outcomes = []
    for path in files:
        sha = io.sha256_of(path)
        modified = _modified(path)
        if sha in first_by_hash:
            outcome = _rejected(
                _Outcome(path.name, sha, modified),
                "duplicate",
                f"{path.name} is byte-identical to {first_by_hash[sha]} (same SHA-256), so it "
                f"was not read again; {first_by_hash[sha]} is used. Nothing to do unless a "
                "different return was meant.",
            )
        else:
            first_by_hash[sha] = path.name
            outcome = _ingest_file(path, sha, modified, rules, limits)
        outcomes.append(outcome)
    _supersede(outcomes)
    result = _assemble(outcomes)
    states = result.returns.drop_duplicates("file")["state"].value_counts()
    LOGGER.info(
        "Survey ingest of %d files: %d ingested, %d with warnings, %d rejected; %d items, "
        "%d issues.",
        len(files),
        states.get("ingested", 0),
        states.get("ingested_with_warnings", 0),
        states.get("rejected", 0),
        len(result.items),
        len(result.issues),
    )
    return result


def _assemble(outcomes: list[_Outcome]) -> SurveyIngest:
    items, issues, returns, sheets = [], [], [], []
    for outcome in outcomes:
        if outcome.state != "rejected":
            warned = any(i["severity"] == "warning" for i in outcome.issues)
            outcome.state = "ingested_with_warnings" if warned else "ingested"
        for record in outcome.items:
            record["used"] = outcome.used.get(record["la_number"], True)
            items.append(record)
        issues.extend(outcome.issues)
        sheets.extend(outcome.sheets)
        base = {
            "file": outcome.file,
            "sha256": outcome.sha256,
            "state": outcome.state,
            "reason": outcome.reason,
            "return_date": outcome.return_date,
            "modified": outcome.modified,
            "message": outcome.message,
        }
        if not outcome.boroughs:
            returns.append(
                {
                    **base,
                    "borough": "",
                    "la_number": "",
                    "sections_filled": 0,
                    "items_collects": 0,
                    "items_would_like": 0,
                    "used": False,
                }
            )
        for la_number, area in outcome.boroughs.items():
            mine = [i for i in outcome.items if i["la_number"] == la_number]
            collects = sum(i["section"] == "collects" for i in mine)
            returns.append(
                {
                    **base,
                    "borough": area.name,
                    "la_number": la_number,
                    "sections_filled": len({i["section"] for i in mine}),
                    "items_collects": collects,
                    "items_would_like": len(mine) - collects,
                    "used": outcome.state != "rejected" and outcome.used.get(la_number, True),
                }
            )
    items_frame = pd.DataFrame(items, columns=ITEM_COLUMNS)
    items_frame["usefulness"] = pd.to_numeric(items_frame["usefulness"]).astype(float)
    items_frame["row"] = items_frame["row"].astype(int)
    items_frame["used"] = items_frame["used"].astype(bool)
    issues_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    issues_frame["row"] = issues_frame["row"].astype("Int64")
    returns_frame = pd.DataFrame(returns, columns=RETURN_COLUMNS)
    returns_frame["return_date"] = pd.to_datetime(returns_frame["return_date"])
    returns_frame["modified"] = pd.to_datetime(returns_frame["modified"])
    for column in ("sections_filled", "items_collects", "items_would_like"):
        returns_frame[column] = returns_frame[column].astype(int)
    returns_frame["used"] = returns_frame["used"].astype(bool)
    sheets_frame = pd.DataFrame(sheets, columns=SHEET_COLUMNS)
    sheets_frame["header_row"] = sheets_frame["header_row"].astype("Int64")
    sheets_frame["non_blank_rows"] = sheets_frame["non_blank_rows"].astype("Int64")
    items_frame.attrs["record_level"] = True  # rows of the returns: never displayed whole
    return SurveyIngest(items_frame, issues_frame, returns_frame, sheets_frame)


def row_accounting(result: SurveyIngest) -> pd.DataFrame:
    """Check that every non-blank row below a header was either read or reported.

    Args:
        result: :func:`ingest_survey`'s result.

    Returns:
        One row per file and data sheet: ``file, sheet, state, header_row, non_blank_rows``
        (rows below the header holding a value of their own), ``item_rows`` (read as items),
        ``reported_rows`` (reported in issues with a code in :data:`ROW_EXCLUSION_CODES`),
        ``rejected_rows`` (all of them when the whole file was rejected) and ``unaccounted``
        (should be 0).
    """
    data = result.sheets[result.sheets["kind"] == "data"]
    states = result.returns.drop_duplicates("file").set_index("file")["state"]
    items = result.items.groupby(["file", "sheet"])["row"].nunique()
    reported = result.issues[result.issues["code"].isin(ROW_EXCLUSION_CODES)]
    reported = reported.groupby(["file", "sheet"])["row"].nunique()
    rows = []
    for sheet in data.itertuples(index=False):
        key = (sheet.file, sheet.sheet)
        state = states.get(sheet.file, "")
        non_blank = int(sheet.non_blank_rows)
        item_rows = int(items.get(key, 0))
        reported_rows = int(reported.get(key, 0))
        rejected = non_blank if state == "rejected" else 0
        rows.append(
            {
                "file": sheet.file,
                "sheet": sheet.sheet,
                "state": state,
                "header_row": int(sheet.header_row),
                "non_blank_rows": non_blank,
                "item_rows": item_rows,
                "reported_rows": reported_rows,
                "rejected_rows": rejected,
                "unaccounted": non_blank - item_rows - reported_rows - rejected,
            }
        )
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS)


def write_survey_outputs(
    result: SurveyIngest, processed_dir: Path | str | None = None
) -> dict[str, Path]:
    """Write the ingest's tables to ``processed_dir`` (default ``data/processed/``).

    Writes ``survey_items.parquet`` and ``survey_items.csv`` (:func:`io.write_table`; the CSV
    is then rewritten with formula-like text neutralised, since people open it in Excel),
    ``survey_issues.csv`` and ``survey_returns.csv`` (neutralised the same way).

    Returns:
        ``{"items_parquet", "items_csv", "issues", "returns"}`` -> path written.

    Raises:
        RawDataWriteError: ``processed_dir`` is under ``data/raw/``.
    """
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    parquet_path, csv_path = io.write_table(result.items, folder / "survey_items")
    safe_files.write_safe_csv(result.items, csv_path)
    issues = safe_files.write_safe_csv(result.issues, folder / "survey_issues.csv")
    returns = safe_files.write_safe_csv(result.returns, folder / "survey_returns.csv")
    return {
        "items_parquet": parquet_path,
        "items_csv": csv_path,
        "issues": issues,
        "returns": returns,
    }
