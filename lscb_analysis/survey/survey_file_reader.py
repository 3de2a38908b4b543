"""Reading one survey file into items: :class:`SurveyFileReader` walks the grids of one returned
file, finds each sheet's header and section, and turns rows into item records, about-sheet
answers and issues (every non-blank row either read or reported).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from lscb_analysis.core import register
from lscb_analysis.core.returned_workbook_cells import Grid, cell_text
from lscb_analysis.survey.survey_header import (
    HEADER_SHARE,
    SheetHeader,
    block_grid,
    column_blocks,
    column_letter,
    default_section,
    has_own_content,
    header_sources,
    map_header,
    quote_text,
    sheet_label,
    table_header,
    untaken_values,
)
from lscb_analysis.survey.survey_result import (
    ITEM_COLUMNS,
    SECTIONS,
)
from lscb_analysis.survey.survey_rules import (
    SurveyRules,
    find_borough,
    normalise_key,
)

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


@dataclass
class _SheetResult:
    name: str
    section: str
    header_row: int
    non_blank: int
    records: list[dict[str, Any]]
    borough: register.LocalAuthority | None


class SurveyFileReader:
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
        self.table = ""  # the columns of the table being read, when a sheet holds several

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
            if not has_own_content(grid, r):
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
                f"{sheet_label(grid.name)}, row {r + 1}: this line is not one of the About "
                "questions, so it was not read. Read it in the file if it matters, or "
                "add its label as a synonym under about.fields in data/reference/"
                "survey.yaml.",
            )

    # -- data sheets --

    def read_sheet(self, grid: Grid) -> None:
        rules = self.rules
        if not any(has_own_content(grid, r) for r in range(len(grid.rows))):
            self.sheets.append(self._sheet_row(grid.name, "blank", "", None, None))
            return
        self.content_sheets += 1
        fixed = rules.sheet_sections.by_synonym(grid.name) or rules.sheet_sections.contained(
            grid.name
        )
        sections = (fixed,) if fixed else SECTIONS
        tables = self._side_by_side(grid, sections)
        for table in tables[1:]:
            self.issue(
                grid.name,
                None,
                "",
                "second_table",
                f"{sheet_label(grid.name)} holds another table beside the first (from column "
                f"{column_letter(table[1])}); it was read as a table of its own, with its own "
                "header row.",
            )
        for table_grid, first, header in tables:
            self.table = f"from column {column_letter(first)}" if len(tables) > 1 else ""
            self._read_table(table_grid, fixed, sections, header)
        self.table = ""

    def _side_by_side(
        self, grid: Grid, sections: tuple[str, ...]
    ) -> list[tuple[Grid, int, SheetHeader | None]]:
        """The sheet's tables side by side (separated by an empty column, each with its own
        header row: one naming a data item, or a wish-list table headed "Data we would
        like"), as (grid keeping the sheet's addresses, first column, header); the sheet
        itself, its header found as usual, when it holds one table."""
        blocks = column_blocks(grid)
        if len(blocks) > 1:
            parts = [(block_grid(grid, first, last), first) for first, last in blocks]
            headers = [self._table_header(part, sections) for part, _ in parts]
            if all(header is not None for header in headers):
                return [(part, first, h) for (part, first), h in zip(parts, headers, strict=True)]
        return [(grid, 0, None)]

    def _table_header(self, grid: Grid, sections: tuple[str, ...]) -> SheetHeader | None:
        """A table's header: the usual one, or a row whose cell naming its section stands
        for the item column (:func:`table_header`)."""
        found = self._find_header(grid, sections)
        if found is not None:
            return found
        for r in range(min(self.rules.scan_rows, len(grid.rows))):
            for section in sections:
                header = table_header(grid.rows[r], r, self.rules, section)
                if header is not None:
                    return header
        return None

    def _read_table(
        self, grid: Grid, fixed: str, sections: tuple[str, ...], header: SheetHeader | None
    ) -> None:
        rules = self.rules
        header = header or self._find_header(grid, sections)
        if header is None:
            self.sheets.append(self._sheet_row(grid.name, "not_recognised", "", None, None))
            self.issue(
                grid.name,
                None,
                "",
                "sheet_not_recognised",
                f"{sheet_label(grid.name)} has no header row naming a data item column (looked "
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
            "table": self.table,
            "kind": kind,
            "section": section,
            "header_row": header_row,
            "non_blank_rows": non_blank,
            "borough": "",
            "la_number": "",
        }

    def _find_header(self, grid: Grid, sections: tuple[str, ...]) -> SheetHeader | None:
        """The row mapping the most fields (with the data item) in the first rows; but when
        an earlier row is a header in full (nearly every cell maps), that one: a second
        table further down is then read as a repeated header, not lost above the first."""
        best: SheetHeader | None = None
        for r in range(min(self.rules.scan_rows, len(grid.rows))):
            candidate = map_header(grid.rows[r], r, self.rules, sections)
            if not candidate.has_item(sections) or candidate.score < self.rules.min_header_fields:
                continue
            if best is None or candidate.score > best.score:
                best = candidate
            if candidate.share >= HEADER_SHARE:
                return candidate
        return best

    def _above_header(self, grid: Grid, header_row: int) -> None:
        for r in range(header_row):
            if not has_own_content(grid, r):
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
                f"{sheet_label(grid.name)}, row {r + 1} is above the header row (row "
                f"{header_row + 1}) and holds text (a title or note); it was not read "
                "as data. Read it in the file in case it qualifies the data.",
            )

    def _heading(self, text: str) -> str:
        return self.rules.headings.match(text) or self.rules.sheet_sections.by_synonym(text)

    def _read_rows(self, grid: Grid, header: SheetHeader, fixed: str) -> _SheetResult:
        rules = self.rules
        default = fixed or default_section(header)
        body = range(header.row + 1, len(grid.rows))
        has_headings = any(
            len(header_sources(grid, r)) == 1
            and self._heading(next(cell_text(v) for v in grid.rows[r] if cell_text(v)))
            for r in body
            if has_own_content(grid, r)
        )
        possible = {default}
        if has_headings or "would_like" in header.flags.values():
            possible.add("would_like")
        if has_headings or "collected" in header.flags.values():
            possible.add("collects")
        self._report_columns(grid, header, possible)
        records: list[dict[str, Any]] = []
        current = default
        in_notes = after_heading = False
        non_blank = 0
        for r in body:
            if not has_own_content(grid, r):
                continue
            non_blank += 1
            values = grid.rows[r]
            row = r + 1
            where = f"{sheet_label(grid.name)}, row {row}"
            own_header = table_header(values, r, rules, current) if after_heading else None
            after_heading = False
            if own_header is not None:
                # A second table under its heading, with its own header row ("What we would
                # like | Barrier | Agency"): its rows are read with its columns.
                header = own_header
                self._report_columns(grid, header, {current})
                self.issue(
                    grid.name,
                    row,
                    "",
                    "repeated_header",
                    f"{where} is the header row of the '{current}' table under the heading "
                    "above; the rows below it were read with its columns.",
                )
                continue
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
            sources = header_sources(grid, r)
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
                    current, after_heading = heading, True
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
            again = map_header(values, r, rules, SECTIONS)
            if (
                again.has_item(SECTIONS)
                and again.score >= rules.min_header_fields
                and again.share >= HEADER_SHARE
            ):
                header = again
                current = fixed or default_section(header)
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

    def _report_columns(self, grid: Grid, header: SheetHeader, possible: set[str]) -> None:
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
            letter = column_letter(column)
            duplicate = next(
                (header.duplicates[s][column] for s in possible if column in header.duplicates[s]),
                "",
            )
            if duplicate:
                message = (
                    f"{sheet_label(grid.name)}, column {letter} ({quote_text(text)}) is a second "
                    f"'{duplicate}' column; the first one was used and this one's values "
                    "were kept in 'extra'. Merge the two columns if both matter."
                )
            elif text:
                message = (
                    f"{sheet_label(grid.name)}, column {letter} ({quote_text(text)}) does not match "
                    "any survey field; its values were kept in 'extra'. If it is one of "
                    "the fields, add the header as a synonym in data/reference/"
                    "survey.yaml."
                )
            else:
                message = (
                    f"{sheet_label(grid.name)}, column {letter} has values but no header; "
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
                f"{sheet_label(sheet)}, row {row}, column '{header}': {quote_text(text)} is not in "
                f"the {kind} list; it was kept as written in {kind}_original and left "
                f"blank in {kind}. If it means one of the listed values, add it as a "
                f"synonym under code_lists.{kind} in data/reference/survey.yaml.",
            )
        return found

    def _record(
        self, grid: Grid, header: SheetHeader, r: int, current: str, fixed: str
    ) -> dict[str, Any] | None:
        values = grid.rows[r]
        row = r + 1
        where = f"{sheet_label(grid.name)}, row {row}"

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
                f"column {column_letter(column)}" if column is not None else "a data item column"
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
        extra.extend(untaken_values(header, columns, values))
        if flag_text.get("would_like"):
            extra.append(f"{flag_header['would_like']}: {flag_text['would_like']}")
        record.update(
            section=section,
            extra="; ".join(extra),
            sheet=grid.name,
            row=row,
            table=self.table,
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
        header: SheetHeader,
        current: str,
        fixed: str,
    ) -> str | None:
        """The section a row is read into, from its tick columns (None: ticked as neither, so
        not read); apart from :meth:`_record` so the tick rules read on their own."""
        where = f"{sheet_label(sheet)}, row {row}"
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
        """The score of a usefulness cell on the survey's scale (a score or its words, see
        :meth:`lscb_analysis.survey.survey_rules.UsefulnessScale.read`); NaN, reported, for
        anything else."""
        if not text or normalise_key(text) in self.rules.not_stated:
            return math.nan
        scale = self.rules.usefulness
        score = scale.read(text)
        if score is not None:
            return float(score)
        low, high = scale.scores[0], scale.scores[-1]
        self.issue(
            sheet,
            row,
            header,
            "usefulness_not_1_to_5",
            f"{sheet_label(sheet)}, row {row}, column '{header}': usefulness should be a whole "
            f"number from {low} ({scale.labels[low]}) to {high} ({scale.labels[high]}) or the "
            f"scale's words ({scale.describe()}); the value was kept as written in "
            "usefulness_original and left blank in usefulness. Ask the board for a score if "
            "it matters.",
        )
        return math.nan
