"""The score card as an Excel workbook for the board, laid out for print.

:func:`write_workbook` writes the sheets Score card, Detail, Exceptions, Legend and Notes
(:func:`notes_table`), with numbers stored as published, colours as conditional formatting read
from the rules, and the print layout (repeated keys, fitted columns) of a board paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import indicators, io
from lscb_analysis.protect import disclosure_config
from lscb_analysis.scorecard.method import legend_rows, method_lines
from lscb_analysis.scorecard.scorecard import Scorecard
from lscb_analysis.scorecard.wording import period_text


def _workbook_columns(rules: Mapping) -> list[tuple[str, str, int]]:
    columns = [
        ("Goal", "goal_title", 24),
        ("Cluster", "cluster_title", 22),
        ("PI", "pi_id", 10),
        ("Indicator", "title", 42),
        ("Sub-group", "sub_group", 16),
        ("Rating", "rating", 13),
        ("Period", "period", 9),
        ("Value", "value", 12),
        ("Target", "target", 9),
        ("Target met", "target_icon", 12),
        ("Whose target", "target_source", 26),
        ("Previous period", "previous_period", 10),
        ("Previous value", "previous_value", 12),
        ("Direction of travel", "travel_icon", 15),
        ("SPC variation", "variation_text", 21),
        ("SPC assurance", "assurance_text", 20),
        ("SPC note", "spc_note", 24),
        ("Benchmark year", "benchmark_period", 10),
    ]
    for key, name in rules["benchmarks"].items():
        columns += [(name[0].upper() + name[1:], key, 11), (f"vs {name}", f"vs_{key}_text", 14)]
    columns += [
        ("Not compared because", "compare_reason", 28),
        (rules["bands"]["england"], "england_band_text", 16),
        (rules["bands"]["london"], "band_text", 16),
        ("Quartile note", "band_note", 36),
        ("Recent trend", "trend_text", 24),
        ("Trend method", "trend_method_text", 30),
        ("Data quality", "dq_text", 26),
        ("In-year figure", "in_year_text", 26),
        ("Narrative", "narrative", 48),
        ("Exception", "exception_text", 28),
    ]
    return columns


_PERIOD_KEYS = ("period", "previous_period", "benchmark_period")


def _number_format(unit: str, decimals: int) -> str:
    from lscb_analysis.present import presenter_workbook

    return presenter_workbook.indicator_number_format(unit, decimals)


def _quote(text: str) -> str:
    return '"' + str(text).replace('"', '""') + '"'


def _rule_formula(column: str, row: int, symbols: list[str]) -> str:
    tests = [f"${column}{row}={_quote(s)}" for s in symbols]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def write_workbook(card: Scorecard, path: Path | str) -> Path:
    """Write the score card as an Excel workbook for the board.

    Sheets: ``Score card`` (one row per PI, the same columns as the report; frozen header
    and PI columns, filters, widths, number formats; conditional formatting: red / amber /
    green by target on the value and target cells, blue / orange by SPC variation and by
    benchmark comparison; icons as text symbols), ``Exceptions`` (sentence and question),
    ``Legend`` (every symbol, its meaning and colour) and ``Notes`` (the score card's
    facts, method, disclosure rules, sources and every PI's definition). Each sheet starts
    with the output tier's label. Text can never run as a formula
    (:func:`lscb_analysis.protect.safe_files.write_cell`). Missing and suppressed figures are written
    as their status text and no formatting rule can colour them.

    Input: ``card``; ``path`` of the .xlsx (folders are created).
    Output: the path written.
    Raises: RawDataWriteError when ``path`` is under ``data/raw/``.
    """
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from lscb_analysis.protect.safe_files import write_cell

    target = io.ensure_writable(path)
    rules = card.rules
    book = Workbook()
    sheet = book.active
    sheet.title = "Score card"
    header_fill, header_font = (
        PatternFill("solid", fgColor="1F4E79"),
        Font(bold=True, color="FFFFFF"),
    )
    wrap = Alignment(wrap_text=True, vertical="top")
    columns = _workbook_columns(rules)
    write_cell(
        sheet.cell(1, 1),
        f"{card.borough} score card, {period_text(card.period.label)} "
        f"({card.subgroup or 'all sub-groups'}; best-fit model "
        f"{card.model_version}). {card.tier_label}",
    )
    sheet.cell(1, 1).font = Font(bold=True, size=12)
    for number, (header, _key, width) in enumerate(columns, start=1):
        cell = write_cell(sheet.cell(2, number), header)
        cell.fill, cell.font, cell.alignment = header_fill, header_font, wrap
        sheet.column_dimensions[get_column_letter(number)].width = width
    national_missing = "not published"
    for offset, row in enumerate(card.rows.to_dict("records")):
        r = 3 + offset
        fmt = _number_format(row["unit"], row["decimals"])
        for number, (_, key, _) in enumerate(columns, start=1):
            cell = sheet.cell(r, number)
            if key == "value":
                value = row["value"] if not pd.isna(row["value"]) else row["value_text"]
            elif key == "previous_value":
                value = (
                    row["previous_value"]
                    if not pd.isna(row["previous_value"])
                    else row["previous_text"]
                )
            elif key in ("target", *rules["benchmarks"]):
                value = row[key]
                if pd.isna(value):
                    value = (
                        national_missing
                        if (key != "target" and row["source_type"] == "national")
                        else None
                    )
            else:
                value = period_text(row[key]) if key in _PERIOD_KEYS else row[key]
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if numeric and key in ("value", "previous_value", "target", *rules["benchmarks"]):
                # Stored as published (rounded half up), so Excel shows what the report shows.
                value = indicators.round_half_up(float(value), int(row["decimals"]))
            write_cell(cell, value)
            if numeric:
                cell.number_format = fmt
            cell.alignment = wrap

    legend = legend_rows(rules)
    exceptions = book.create_sheet("Exceptions")
    table = card.exceptions.rename(
        columns={
            "pi_id": "PI",
            "title": "Indicator",
            "rating": "Rating",
            "sub_group": "Sub-group",
            "labels": "Exception",
            "sentence": "What the data show",
            "questions": "Question for the challenge meeting",
        }
    )
    _write_plain(
        exceptions,
        table[
            [
                "PI",
                "Indicator",
                "Rating",
                "Sub-group",
                "Exception",
                "What the data show",
                "Question for the challenge meeting",
            ]
        ],
        [10, 36, 12, 14, 24, 50, 50],
        card.tier_label,
        header_fill,
        header_font,
        wrap,
    )
    legend_sheet = book.create_sheet("Legend")
    _write_plain(
        legend_sheet,
        legend[["group", "symbol", "meaning"]].rename(
            columns={"group": "Icon", "symbol": "Symbol and words", "meaning": "Meaning"}
        ),
        [20, 26, 90],
        card.tier_label,
        header_fill,
        header_font,
        wrap,
    )
    for offset, colour in enumerate(legend["colour"]):
        if colour:
            legend_sheet.cell(3 + offset, 2).fill = PatternFill("solid", fgColor=colour)
    notes = book.create_sheet("Notes")
    _write_plain(
        notes, notes_table(card), [28, 110], card.tier_label, header_fill, header_font, wrap
    )
    _lay_out_for_print(book, sheet, card, columns, FormulaRule, PatternFill)
    book.save(target)
    return target


# The score card sheet's columns when printed (one A4 landscape page wide); the others move
# to the Detail sheet, keyed by PI and indicator (workbook_print.split_columns).
PRINT_KEYS = ("pi_id", "title")
# Then the comparison with each benchmark (``vs_<benchmark>_text``).
PRINT_MAIN = (
    "period",
    "value",
    "target",
    "target_icon",
    "travel_icon",
    "variation_text",
    "assurance_text",
)


def _lay_out_for_print(
    book: Any, sheet: Any, card: Scorecard, columns: list, formula_rule: Any, pattern_fill: Any
) -> None:
    """Split the score card sheet for print and give every sheet its title rows and layout.

    The written sheet (header row 2, every column) keeps :data:`PRINT_KEYS` and the
    :data:`PRINT_MAIN` columns that stay legible on one page wide; the rest go to a
    ``Detail`` sheet keyed by PI and indicator. Conditional formatting is added to the
    score card sheet after the split. Every sheet then gets :mod:`workbook_print`'s title
    rows, A4 landscape, print titles, frozen panes, header and footer.
    """
    from openpyxl.utils import get_column_letter

    from lscb_analysis.present import workbook_print

    settings = workbook_print.load_settings()
    title = workbook_print.PrintTitle(
        "Score card",
        card.borough,
        card.period.label,
        card.tier_label,
        workbook_print.data_are_synthetic(),
        f"{card.subgroup or 'all sub-groups'}; best-fit model {card.model_version}",
    )
    keys = [key for _, key, _ in columns]
    widths = {key: float(width) for _, key, width in columns}
    main, detail = workbook_print.split_columns(
        keys,
        list(PRINT_KEYS),
        widths,
        [
            k
            for k in (*PRINT_MAIN, *(f"vs_{b}_text" for b in card.rules["benchmarks"]))
            if k in keys
        ],
        settings,
    )
    detail_sheet = None
    if detail:
        detail_sheet = workbook_print.write_detail_sheet(
            book, sheet, [keys.index(k) + 1 for k in detail], 2, title, len(PRINT_KEYS), settings
        )
        workbook_print.delete_columns(sheet, [keys.index(k) + 1 for k in keys if k not in main])
    moved = workbook_print.insert_title_rows(sheet, title, settings, replace_rows=1)
    header = 2 + moved
    letters = {key: get_column_letter(i) for i, key in enumerate(main, start=1)}
    last_row = header + len(card.rows)
    sheet.auto_filter.ref = f"A{header}:{get_column_letter(len(main))}{last_row}"
    if len(card.rows):
        _add_rules(
            sheet, letters, last_row, card.rules, formula_rule, pattern_fill, first_row=header + 1
        )
    workbook_print.setup_sheet(
        sheet, title, header, freeze_column=len(PRINT_KEYS) + 1, settings=settings
    )
    for other in book.worksheets:
        if other is sheet or other is detail_sheet:
            continue
        moved = workbook_print.insert_title_rows(other, title, settings, replace_rows=1)
        if other.auto_filter.ref:
            other.auto_filter.ref = (
                f"A{2 + moved}:{get_column_letter(other.max_column)}{other.max_row}"
            )
        workbook_print.setup_sheet(other, title, 2 + moved, settings=settings)
    if detail_sheet is not None:  # after the score card and before the other sheets
        book.move_sheet(detail_sheet, offset=1 - book.index(detail_sheet))


def _add_rules(
    sheet: Any,
    letters: Mapping[str, str],
    last_row: int,
    rules: Mapping,
    formula_rule: Any,
    pattern_fill: Any,
    first_row: int = 3,
) -> None:
    """Conditional formatting, written from the rules' icons and colours (data from
    ``first_row`` to ``last_row``)."""
    icons, colours = rules["icons"], rules["colours"]

    def fill(colour: str) -> Any:
        return pattern_fill(start_color=colour, end_color=colour, fill_type="solid")

    for status, colour in colours["target"].items():
        formula = _rule_formula(letters["target_icon"], first_row, [icons["target"][status]])
        for key in ("value", "target_icon"):
            sheet.conditional_formatting.add(
                f"{letters[key]}{first_row}:{letters[key]}{last_row}",
                formula_rule(formula=[formula], fill=fill(colour), stopIfTrue=True),
            )
    kinds = {
        "special_cause_improvement": "improvement",
        "special_cause_concern": "concern",
        "special_cause_neither": "neither",
    }
    for variation, colour in colours["variation"].items():
        symbols = [icons["variation"][f"{kinds[variation]}_{side}"] for side in ("high", "low")]
        column = letters["variation_text"]
        sheet.conditional_formatting.add(
            f"{column}{first_row}:{column}{last_row}",
            formula_rule(
                formula=[_rule_formula(column, first_row, symbols)],
                fill=fill(colour),
                stopIfTrue=True,
            ),
        )
    for key in rules["benchmarks"]:
        column = letters[f"vs_{key}_text"]
        for comparison, colour in colours["comparison"].items():
            sheet.conditional_formatting.add(
                f"{column}{first_row}:{column}{last_row}",
                formula_rule(
                    formula=[_rule_formula(column, first_row, [icons["comparison"][comparison]])],
                    fill=fill(colour),
                    stopIfTrue=True,
                ),
            )


def _print_setup(sheet: Any) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_plain(
    sheet: Any,
    table: pd.DataFrame,
    widths: list[int],
    label: str,
    header_fill: Any,
    header_font: Any,
    wrap: Any,
) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from lscb_analysis.protect.safe_files import write_cell

    write_cell(sheet.cell(1, 1), label)
    sheet.cell(1, 1).font = Font(bold=True)
    for number, header in enumerate(table.columns, start=1):
        cell = write_cell(sheet.cell(2, number), header)
        cell.fill, cell.font, cell.alignment = header_fill, header_font, wrap
        sheet.column_dimensions[get_column_letter(number)].width = widths[number - 1]
    for offset, values in enumerate(table.itertuples(index=False)):
        for number, value in enumerate(values, start=1):
            write_cell(sheet.cell(3 + offset, number), value).alignment = wrap
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(table.columns))}{2 + max(len(table), 0)}"
    sheet.print_title_rows = "2:2"
    _print_setup(sheet)


def notes_table(card: Scorecard) -> pd.DataFrame:
    """The workbook's Notes sheet: facts, method, disclosure, sources, clusters, definitions.

    Output: columns ``Item, Note``.
    """
    rows = [
        ("Borough", card.borough),
        ("Period", period_text(card.period.label)),
        ("Sub-group", card.subgroup or "all"),
        ("Best-fit model", f"version {card.model_version}"),
        ("Data as at", card.as_at),
        ("Output", card.tier_label),
    ]
    rows += list(method_lines(card.rules))
    rows.append(
        (
            "Small numbers",
            disclosure_config.method_note()
            if card.tier == "board"
            else f"{card.tier_label}: nothing is suppressed in this copy.",
        )
    )
    rows.append(
        (
            "Sources",
            "DfE children in need, looked-after children and workforce "
            "statistics and ONS population estimates (Open Government Licence "
            "v3.0; data/external/README.md); the borough's Phase III pilot "
            "returns for local PIs (data/processed/pilot_values); the best-fit "
            "model catalogue (data/reference/best_fit_model).",
        )
    )
    clusters = card.rows.drop_duplicates("cluster")
    rows += [
        (f"{c.cluster} {c.cluster_title}", c.cluster_narrative)
        for c in clusters.itertuples(index=False)
    ]
    for pi in card.definitions.itertuples(index=False):
        target = f" Target: {pi.target_basis}." if isinstance(pi.target_basis, str) else ""
        rows.append(
            (
                f"{pi.id} {pi.title}",
                f"{pi.definition} Numerator: {pi.numerator}. Denominator: "
                f"{pi.denominator}. Source: {pi.source}. Polarity: {pi.polarity}.{target}",
            )
        )
    return pd.DataFrame(rows, columns=["Item", "Note"])
