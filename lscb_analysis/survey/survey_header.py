"""Finding a survey sheet's header: mapping a row's headers onto the template's fields
(:func:`map_header`), the section a table belongs to, and the small cell and message
helpers (column letters, sheet places, quoted text) the file reader shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from lscb_analysis.core.returned_workbook_cells import Grid, cell_text
from lscb_analysis.survey.survey_result import (
    SECTIONS,
)
from lscb_analysis.survey.survey_rules import (
    SurveyRules,
)

_QUOTE_LIMIT = 40


def untaken_values(header: SheetHeader, columns: dict[str, int], values: list[Any]) -> list[str]:
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
            else f"column {column_letter(column)}"
        )
        extra.append(f"{label}: {text}")
    return extra


# --- reading sheets -----------------------------------------------------------------------------


@dataclass
class SheetHeader:
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


def map_header(
    values: list[Any], row: int, rules: SurveyRules, sections: tuple[str, ...]
) -> SheetHeader:
    """Match a candidate header row's cells to the survey's fields (synonyms and patterns in
    survey.yaml) for ``sections``. Output: :class:`SheetHeader` (columns found per section,
    flag and borough columns, cells not matched)."""
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
    return SheetHeader(
        row, texts, flags, borough, columns, duplicates, score, mapped / filled if filled else 0.0
    )


HEADER_SHARE = 0.75
"""A header row below the first (a second table's) maps at least this share of its cells."""
_FLAG_SECTIONS = {"would_like": "would_like", "collected": "collects"}


def table_header(
    values: list[Any], row: int, rules: SurveyRules, section: str
) -> SheetHeader | None:
    """The header row of a second table under a section heading ("Wish list", then "What we
    would like | Barrier | Agency"), or None when the row is not one.

    It maps at least ``min_header_fields`` of the section's fields and at least
    :data:`HEADER_SHARE` of its cells; a cell naming the section itself ("what we would
    like", read as a would-like flag) is its item column when no item header is there.
    """
    header = map_header(values, row, rules, (section,))
    if header.score < rules.min_header_fields or header.share < HEADER_SHARE:
        return None
    if "item" not in header.columns[section]:
        named = [c for c, flag in header.flags.items() if _FLAG_SECTIONS.get(flag) == section]
        if not named:
            return None
        header.columns[section]["item"] = named[0]
        del header.flags[named[0]]
    return header


def column_blocks(grid: Grid) -> list[tuple[int, int]]:
    """The sheet's column ranges (first, last; 0-based) separated by columns empty on every
    row, left to right (one range for a sheet without an empty column between tables)."""
    width = max((len(row) for row in grid.rows), default=0)
    used = [any(c < len(row) and cell_text(row[c]) for row in grid.rows) for c in range(width)]
    blocks: list[tuple[int, int]] = []
    start = None
    for column, filled in enumerate([*used, False]):
        if filled and start is None:
            start = column
        elif not filled and start is not None:
            blocks.append((start, column - 1))
            start = None
    return blocks


def block_grid(grid: Grid, first: int, last: int) -> Grid:
    """The sheet with only columns ``first`` to ``last`` kept (others blanked, so cell
    addresses stay those of the sheet)."""
    rows = [
        [value if first <= c <= last else None for c, value in enumerate(row)] for row in grid.rows
    ]
    keep = {
        cell: anchor
        for cell, anchor in grid.anchors.items()
        if first <= cell[1] <= last and first <= anchor[1] <= last
    }
    spans = {cell: span for cell, span in grid.spans.items() if first <= cell[1] <= last}
    return Grid(grid.name, rows, keep, spans)


def default_section(header: SheetHeader) -> str:
    """A sheet's section from its headers: "would like" with a barrier column (or when only
    the would-like rules find the data item), unless tick columns decide row by row."""
    wanted = header.columns["would_like"]
    if not header.flags and (
        "barrier" in wanted or ("item" in wanted and "item" not in header.columns["collects"])
    ):
        return "would_like"
    return "collects"


def has_own_content(grid: Grid, r: int) -> bool:
    """True when row ``r`` holds a value in a cell of its own (not only merged from above)."""
    return any(cell_text(v) and grid.own(r, c) for c, v in enumerate(grid.rows[r]))


def header_sources(grid: Grid, r: int) -> set[tuple[int, int]]:
    """The cells (row, column of a merged range's top left) behind row ``r``'s values."""
    return {grid.source(r, c) for c, v in enumerate(grid.rows[r]) if cell_text(v)}


def column_letter(column: int) -> str:
    """The spreadsheet letter of a 0-based column number (0 -> ``A``, 26 -> ``AA``)."""
    return get_column_letter(column + 1)


def sheet_label(sheet: str) -> str:
    """How a message names a sheet ("Sheet 'About'"), or the file itself for a CSV."""
    return f"Sheet '{sheet}'" if sheet else "The file"


def quote_text(text: str) -> str:
    """Text as a message quotes it: whitespace collapsed, cut to the quote limit, in quotes."""
    text = " ".join(text.split())
    return repr(text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 3] + "...")
