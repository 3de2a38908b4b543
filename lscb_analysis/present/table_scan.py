"""The table scan: find raw pandas output in the tables of reports and workbooks.

What a reader must never see in a table (issue 15, "Tables a reader understands"):
``nan``, ``NaN``, ``NaT``, ``None``, ``<NA>``; a snake_case header or code; a number with
more decimals than its column allows (the column's dictionary entry in
``data/reference/data_dictionary.csv``, else at most :data:`MAX_FREE_DECIMALS`); a timestamp
with a time of day; a table pandas truncated ("..." rows or columns).

:func:`scan_html` reads every ``<table>`` of an HTML page (header cells and data cells) and
:func:`scan_workbook` every sheet of an .xlsx. Each returns :class:`Finding` s; an empty list
means the tables are clean. :func:`scan_folder` scans a reports folder.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

MISSING_TOKENS = re.compile(r"(?<![\w-])(nan|NaN|NaT|None|<NA>)(?![\w-])")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*\.(\d+)(?![\w.])")
TRUNCATED = {"...", "…"}
MAX_FREE_DECIMALS = 3


@dataclass(frozen=True)
class Finding:
    """One problem: where (file, table or sheet, cell), what, and the text found."""

    file: str
    where: str
    problem: str
    text: str

    def __str__(self) -> str:
        return f"{self.file} {self.where}: {self.problem}: {self.text!r}"


class _Tables(HTMLParser):
    """Collect each table's rows of (tag, text) cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, str]]]] = []
        self._depth = 0
        self._cell: list[str] | None = None
        self._tag = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
            self.tables.append([])
        elif tag == "tr" and self._depth:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self._depth and self.tables[-1]:
            self._cell, self._tag = [], tag

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append((self._tag, " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "table" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _allowed_decimals() -> dict[str, int]:
    """Header text -> most decimals its values may show, from the data dictionary."""
    from lscb_analysis.present import data_dictionary

    allowed = {}
    defaults = {"count": 0, "rate": 1, "percent": 0, "share": 0, "number": 1, "pvalue": 3}
    for column in data_dictionary.load_dictionary().values():
        if column.kind in defaults:
            allowed[column.header] = (
                column.decimals if column.decimals is not None else defaults[column.kind]
            )
    return allowed


def check_cell(text: str, header: str | None, allowed: dict[str, int]) -> list[str]:
    """The problems of one cell's text (a header cell when ``header`` is None).

    >>> check_cell("nan", "Value", {}), check_cell("0.705246", "Kappa", {"Kappa": 2})
    (['missing value shown as nan'], ['6 decimals where Kappa allows 2'])
    >>> check_cell("days_used", None, {}), check_cell("2025-03-14 00:00:00", "Due", {})
    (['snake_case header'], ['timestamp with a time of day'])
    """
    problems = []
    if match := MISSING_TOKENS.search(text):
        problems.append(f"missing value shown as {match.group(1)}")
    if text.strip() in TRUNCATED:
        problems.append("truncated table")
    if header is None:
        if SNAKE.match(text.strip()):
            problems.append("snake_case header")
        return problems
    if SNAKE.match(text.strip()):
        problems.append("internal code shown")
    if TIMESTAMP.search(text):
        problems.append("timestamp with a time of day")
    limit = allowed.get(header, MAX_FREE_DECIMALS)
    places = max((len(m.group(1)) for m in NUMBER.finditer(text)), default=0)
    if places > limit:
        problems.append(f"{places} decimals where {header} allows {limit}")
    return problems


def presenter_headers(text: str) -> list[str]:
    """The header cells of the presenter's tables (``<table class="lscb-table">``) in a page."""
    headers = []
    for table in re.findall(r'<table class="lscb-table">.*?</thead>', text, re.S):
        headers += [
            html.unescape(cell)
            for cell in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", table, re.S)
        ]
    return headers


def scan_html(text: str, file: str = "", allowed: dict[str, int] | None = None) -> list[Finding]:
    """Scan every table of an HTML page. Input: the page text (and its name for the
    findings). Output: the findings. Raises nothing."""
    allowed = _allowed_decimals() if allowed is None else allowed
    parser = _Tables()
    parser.feed(text)
    findings = []
    for number, table in enumerate(parser.tables, start=1):
        headers: list[str] = []
        for row_number, row in enumerate(table, start=1):
            if row and all(tag == "th" for tag, _ in row):
                headers = [cell for _, cell in row]
                cells = [(None, cell) for cell in headers]
            else:
                cells = [
                    (headers[i] if i < len(headers) else "", cell)
                    for i, (_, cell) in enumerate(row)
                ]
            for column, (header, cell) in enumerate(cells, start=1):
                for problem in check_cell(cell, header, allowed):
                    findings.append(
                        Finding(
                            file, f"table {number} row {row_number} column {column}", problem, cell
                        )
                    )
    return findings


def scan_workbook(path: Path | str, allowed: dict[str, int] | None = None) -> list[Finding]:
    """Scan every sheet of a workbook: text cells as :func:`check_cell` reads them, and
    numbers shown with the General format and more than :data:`MAX_FREE_DECIMALS` decimals.
    Raises what openpyxl raises for an unreadable file."""
    import openpyxl

    allowed = _allowed_decimals() if allowed is None else allowed
    book = openpyxl.load_workbook(path)
    findings = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":  # data-validation lists, not read by people
            continue
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                where = f"{sheet.title}!{cell.coordinate}"
                if (
                    isinstance(value, float)
                    and cell.number_format == "General"
                    and len(repr(value).split(".")[-1]) > MAX_FREE_DECIMALS
                ):
                    findings.append(Finding(str(path), where, "unformatted decimals", repr(value)))
                elif isinstance(value, str):
                    findings += [
                        Finding(str(path), where, problem, value)
                        for problem in check_cell(value, "", allowed)
                        if problem != "internal code shown" or cell.row <= 3
                    ]
    return findings


def scan_folder(folder: Path | str) -> list[Finding]:
    """Scan every ``report.html`` and visible sheet of every ``.xlsx`` under a reports
    folder (not ``_checks``; the index is the index's own business)."""
    allowed = _allowed_decimals()
    findings = []
    for path in sorted(Path(folder).rglob("*")):
        if "_checks" in path.parts or not path.is_file():
            continue
        if path.name == "report.html":
            findings += scan_html(path.read_text(encoding="utf-8"), str(path), allowed)
        elif path.suffix == ".xlsx":
            findings += scan_workbook(path, allowed)
    return findings
