"""Identifier scan of output files: find child-level identifiers before publication.

This module scans files: plain text, HTML, workbooks, CSV, notebooks, one file by its suffix
and whole folders. What counts as an identifier (the kinds, names, dates of birth, NHS and NI
numbers, postcodes, emails, phones, case references), the word lists and masking are in
:mod:`lscb_analysis.protect.identifier_rules`; the scan of one text is in
:mod:`lscb_analysis.protect.identifier_text`.

Findings are a DataFrame with columns
:data:`~lscb_analysis.protect.identifier_rules.FINDING_COLUMNS`: ``file`` (path, "" for plain
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
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from lscb_analysis.core.errors import (
    InvalidArgumentError,
    LscbError,
    MissingDataFileError,
)
from lscb_analysis.core.workbook_checks import check_workbook
from lscb_analysis.protect.identifier_rules import IdentifierConfig, load_identifier_config
from lscb_analysis.protect.identifier_text import (
    TextScanner,
    finding_row,
    findings_frame,
    line_location,
    line_number,
)

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
    scanner = TextScanner(config, case_references, today)
    return findings_frame(
        [finding_row(str(file), line_location(text, h.start), h) for h in scanner.find(text)]
    )


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
    scanner = TextScanner(config, case_references, today)
    rows = [
        finding_row(str(file), f"line {extractor.source_line(h.start)}", h)
        for h in scanner.find(text)
    ]
    return findings_frame(rows)


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
    scanner = TextScanner(config, case_references, today)
    rows: list[dict[str, Any]] = []
    workbook = openpyxl.load_workbook(file, read_only=True, data_only=True, keep_links=False)
    try:
        for sheet in workbook.worksheets:
            rows += [
                finding_row(str(file), f"{sheet.title} (sheet name)", h)
                for h in scanner.find(sheet.title)
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
                        finding_row(str(file), location, h)
                        for h in scanner.find_with_context(text, context)
                    ]
    finally:
        workbook.close()
    return findings_frame(rows)


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
    scanner = TextScanner(config, case_references, today)
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
                rows.append(finding_row(str(file), f"line {line}, column {c}", hit))
        line = reader.line_num + 1
    return findings_frame(rows)


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
    scanner = TextScanner(config, case_references, today)
    rows: list[dict[str, Any]] = []
    cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
    for n, cell in enumerate(cells, start=1):
        source = _joined(cell.get("source", ""))
        for hit in scanner.find(source):
            rows.append(
                finding_row(
                    str(file), f"cell {n} source line {line_number(source, hit.start)}", hit
                )
            )
        for k, output in enumerate(cell.get("outputs", []) or [], start=1):
            for text, html in _output_texts(output):
                for hit in scanner.find(text):
                    line = html.source_line(hit.start) if html else line_number(text, hit.start)
                    rows.append(finding_row(str(file), f"cell {n} output {k} line {line}", hit))
    return findings_frame(rows)


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
                findings_frame(
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
    return pd.concat(frames, ignore_index=True) if frames else findings_frame([])


# --- internals ------------------------------------------------------------------------------


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
