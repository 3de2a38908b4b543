"""Writing the pilot ingest's outputs: the checked copy of each return (findings written
back as fills and comments), the values, issues, returns and changes tables, and
:func:`read_ingested_pilot` and :func:`load_pilot_values` reading them back (no later step
reads ``data/raw/pilot/`` again).
"""

from __future__ import annotations

import io as std_io
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from lscb_analysis.core import ingest_record, io, paths, register
from lscb_analysis.core.errors import (
    MissingDataFileError,
)
from lscb_analysis.pilot import pilot_periods, pilot_read, pilot_workbook
from lscb_analysis.pilot.pilot_identify import ReturnIdentity
from lscb_analysis.pilot.pilot_result import COMMENT_AUTHOR, FILLS, PilotIngest, ReturnFile
from lscb_analysis.present import workbook_print
from lscb_analysis.protect import disclosure_config, safe_files

LOGGER = logging.getLogger(__name__)
INGEST_COMMAND = "lscb pilot ingest"
TABLES = ("values", "superseded", "issues", "returns", "feasibility", "changes")


# --- writing ----------------------------------------------------------------------------------


def checked_copy_path(
    ret: ReturnFile, ident: ReturnIdentity, reports_dir: Path | None = None
) -> Path:
    """Where a return's checked copy goes: ``reports/pilot/<borough>/<file>_checked.xlsx``
    (``agency-<agency>`` for an agency-wide return, ``<file>`` when several boroughs)."""
    root = (reports_dir or paths.reports_dir()) / "pilot"
    if ident.agency:
        folder = f"agency-{register.slugify(ident.agency)}"
    elif len(ident.areas) == 1:
        folder = ident.areas[0].slug
    else:
        folder = register.slugify(ret.path.stem)
    return root / folder / f"{ret.path.stem}_checked.xlsx"


def write_checked_copy(
    ret: ReturnFile,
    issues: pd.DataFrame,
    target: Path | str,
    rules: Mapping | None = None,
    summary: Mapping[str, str] | None = None,
) -> Path:
    """Write a copy of one return with its findings: highlighted cells, comments, Validation.

    Inputs: the :class:`ReturnFile` (its bytes are copied; the original file is never
    opened for writing), the findings of this file (:data:`ISSUE_COLUMNS`), the target path,
    the rules and ``summary`` lines (label -> text) for the top of the Validation sheet.
    Each finding with a cell fills it (error red, query amber, continuity blue; the most
    serious wins) and adds a comment with the messages. A ``Validation`` sheet (first, and
    active) lists the counts and every finding with a link to its cell.
    Output: the path written. Raises RawDataWriteError under data/raw/.
    """
    rules = rules or pilot_periods.load_rules()
    target = io.ensure_writable(target)
    workbook = openpyxl.load_workbook(std_io.BytesIO(ret.content), keep_vba=False, keep_links=False)
    order = list(rules["severities"])
    marked: dict[tuple[str, str], list[Mapping]] = {}
    for item in issues.to_dict("records"):
        if item["cell"] and item["sheet"] in workbook.sheetnames:
            marked.setdefault((item["sheet"], item["cell"]), []).append(item)
    for (sheet, cell), items in marked.items():
        items = sorted(items, key=lambda i: order.index(i["severity"]))
        target_cell = workbook[sheet][cell]
        fill = FILLS.get(items[0]["severity"])
        if fill is not None:
            target_cell.fill = fill
        text = "\n\n".join(f"{i['severity'].upper()} {i['code']}: {i['message']}" for i in items)
        comment = Comment(text[:30000], COMMENT_AUTHOR)
        comment.width, comment.height = 420, min(60 + 60 * len(items), 600)
        target_cell.comment = comment
    name = rules["sheets"]["validation"]
    if name in workbook.sheetnames:
        del workbook[name]
    sheet = workbook.create_sheet(name, 0)
    title = _print_title(ret, summary)
    top = workbook_print.write_title_rows(sheet, title)
    safe_files.write_cell(
        sheet.cell(row=top, column=1), f"Validation of {ret.path.name}"
    ).font = Font(bold=True, size=14)
    lines = dict(summary or {})
    counts = issues["severity"].value_counts()
    lines["Findings"] = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in order)
    lines["Colours"] = (
        "red: error (the figure cannot be used as it stands); amber: query "
        "(check it); blue: continuity (a period missing)"
    )
    r = top + 1
    for label, text in lines.items():
        safe_files.write_cell(sheet.cell(row=r, column=1), label).font = Font(bold=True)
        safe_files.write_cell(sheet.cell(row=r, column=2), text)
        r += 1
    r += 1
    headers = ["Severity", "Code", "What", "Borough", "PI", "Period", "Sheet", "Cell", "Message"]
    widths = [11, 26, 32, 18, 10, 9, 12, 8, 110]
    for c, (label, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = safe_files.write_cell(sheet.cell(row=r, column=c), label)
        cell.font, cell.fill = pilot_workbook.HEADER_FONT, pilot_workbook.HEADER_FILL
        sheet.column_dimensions[get_column_letter(c)].width = width
    header_row = r
    ranked = issues.assign(_rank=issues["severity"].map(order.index)).sort_values(
        ["_rank", "file", "row"], kind="stable"
    )
    for item in ranked.to_dict("records"):
        r += 1
        values = [
            item["severity"],
            item["code"],
            item["title"],
            item["borough"],
            item["pi_id"],
            item["period"],
            item["sheet"],
            item["cell"],
            item["message"],
        ]
        for c, value in enumerate(values, start=1):
            cell = safe_files.write_cell(sheet.cell(row=r, column=c), value)
            cell.alignment = Alignment(wrap_text=c == len(values), vertical="top")
        if item["cell"] and item["sheet"] in workbook.sheetnames:
            link = sheet.cell(row=r, column=8)
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=(f"{quote_sheetname(item['sheet'])}!{item['cell']}")
            )
            link.font = Font(color="0563C1", underline="single")
        fill = FILLS.get(item["severity"])
        if fill is not None:
            sheet.cell(row=r, column=1).fill = fill
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{max(r, header_row)}"
    workbook.active = 0
    for other in workbook.worksheets[1:]:
        other.sheet_view.tabSelected = False
    _set_print(workbook, ret, title, header_row)
    workbook.save(target)
    return target


def _set_print(workbook: Any, ret: ReturnFile, title: Any, header_row: int) -> None:
    """Print layout: the Validation sheet (first) in full; the return's own sheets keep their
    rows (the findings point at their cells), so only their page, header and footer are set
    (and the data sheet's header row repeated)."""
    workbook_print.setup_sheet(workbook.worksheets[0], title, header_row)
    for other in workbook.worksheets[1:]:
        workbook_print.setup_page(other, title)
        if other.title == ret.data_sheet:
            other.print_title_rows = f"{ret.header_row}:{ret.header_row}"


def _print_title(ret: ReturnFile, summary: Mapping[str, str] | None):
    """A checked copy's title rows, header and footer: an analyst workbook (every figure as
    returned), NOT FOR PUBLICATION."""
    summary = summary or {}
    return workbook_print.PrintTitle(
        "Checked pilot return",
        str(summary.get("Borough(s)", "")),
        str(summary.get("Periods", "")),
        disclosure_config.tier_label("analyst"),
        workbook_print.data_are_synthetic(),
        ret.path.name,
    )


def write_checked_copies(
    result: PilotIngest, reports_dir: Path | str | None = None, rules: Mapping | None = None
) -> list[Path]:
    """Write the checked copy of every readable return (see :func:`write_checked_copy`).

    Output: the paths written. Raises RawDataWriteError when ``reports_dir`` is under
    data/raw/.
    """
    rules = rules or pilot_periods.load_rules()
    root = Path(reports_dir) if reports_dir is not None else None
    written = []
    returns = result.returns
    for ret in result.files:
        mine = result.issues[result.issues["file"] == ret.path.name]
        info = returns[returns["file"] == ret.path.name]
        first = info.iloc[0]
        summary = {
            "Borough(s)": ", ".join(info["borough"].astype(str)),
            "Agency": first["agency"] or "none (a borough return)",
            "Model version": str(first["model_version"]),
            "Periods": str(first["periods"]),
            "Identified from": str(first["identified_from"]),
            "SHA-256 of the original": ret.sha256,
        }
        if mine["superseded"].any():
            summary["Superseded"] = (
                f"{int(mine['superseded'].sum())} finding(s) are on rows a later return replaced."
            )
        folder = Path(first["checked_copy"])
        if root is not None:
            folder = root / "pilot" / folder.parent.name / folder.name
        written.append(write_checked_copy(ret, mine, folder, rules, summary))
    return written


def write_pilot_outputs(
    result: PilotIngest,
    processed_dir: Path | str | None = None,
    reports_dir: Path | str | None = None,
    *,
    source: Path | str,
) -> dict[str, Any]:
    """Write the processed tables, the ingest's record and the checked copies.

    Outputs: ``pilot_<table>.parquet`` for the values, superseded rows, issues, changes,
    returns and feasibility answers, with ``pilot_ingest.json`` (the folder read, its
    fingerprint and rows per table: :mod:`lscb_analysis.core.ingest_record`), which is what
    every later step reads; the same tables as CSV for people (text that could run as a
    formula neutralised) under ``processed_dir`` (None: ``data/processed/``); and
    ``<reports_dir>/pilot/<borough>/<file>_checked.xlsx`` (None: ``reports/``). ``source``
    is the folder ``result`` was read from. Returns
    ``{name: path}`` plus ``"checked": [paths]``.
    Raises RawDataWriteError when a folder is under data/raw/.
    """
    out = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    tables = {table: getattr(result, table) for table in TABLES}
    files = result.returns.drop_duplicates("file")
    record = ingest_record.write_ingested(
        "pilot",
        source,
        tables,
        INGEST_COMMAND,
        out,
        {
            "files": len(files),
            "rejected": int((files["state"] == "rejected").sum()),
            "values_in_use": len(result.values),
            "values_superseded": len(result.superseded),
        },
    )
    written: dict[str, Any] = {
        "pilot_values.parquet": ingest_record.table_path("pilot", "values", out),
        "pilot_ingest.json": record,
    }
    for table in ("values", "issues", "changes", "returns", "feasibility"):
        name = f"pilot_{table}.csv"
        written[name] = safe_files.write_safe_csv(tables[table], out / name)
    written["checked"] = write_checked_copies(result, reports_dir)
    LOGGER.info("Wrote the pilot tables and %d checked cop(ies).", len(written["checked"]))
    return written


def read_ingested_pilot(
    folder: Path | str | None = None, processed_dir: Path | str | None = None
) -> PilotIngest:
    """Read back the tables the last ``lscb pilot ingest`` wrote, for ``folder``.

    Input: ``folder``: the returns folder meant (None: ``data/raw/pilot/``). Output:
    :class:`PilotIngest` with every table (``files``, the returns' bytes, left empty).
    Raises: MissingDataFileError when the pilot has not been ingested; StaleDataError when
    the tables came from another folder or the folder changed since (both say what to run).
    """
    source = Path(folder) if folder is not None else pilot_read.pilot_folder()
    tables = ingest_record.read_ingested(
        "pilot", TABLES, source, INGEST_COMMAND, processed_dir, pilot_read.pilot_folder()
    )
    return PilotIngest(**tables)


def load_pilot_values(processed_dir: Path | str | None = None) -> pd.DataFrame:
    """Read ``data/processed/pilot_values.parquet`` (written by ``lscb pilot ingest``).

    Raises MissingDataFileError when it has not been written yet.
    """
    if processed_dir is None:
        return io.read_processed_table("pilot_values", "lscb pilot ingest")
    path = Path(processed_dir) / "pilot_values.parquet"
    if not path.is_file():
        raise MissingDataFileError(f"{path} has not been built yet. Run `lscb pilot ingest`.")
    return pd.read_parquet(path)
