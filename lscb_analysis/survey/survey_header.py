"""Finding a survey sheet's header: mapping a row's headers onto the template's fields
(:func:`_map_header`), the section a table belongs to, and the small cell and message
helpers (column letters, sheet places, quoted text) the file reader shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lscb_analysis.core.returned_workbook_cells import Grid, cell_text
from lscb_analysis.survey.survey_result import (
    SECTIONS,
)
from lscb_analysis.survey.survey_rules import (
    SurveyRules,
)

_QUOTE_LIMIT = 40


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
