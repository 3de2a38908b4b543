"""The survey ingest's outputs: :func:`row_accounting` (every non-blank row read or reported),
:func:`write_survey_outputs` (the tables on disk, with the ingest's record), and the read-back
every later step uses instead of reading ``data/raw/survey/`` again
(:func:`read_ingested_survey`, :func:`ingested_survey`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lscb_analysis.core import ingest_record, paths
from lscb_analysis.protect import safe_files
from lscb_analysis.survey import survey_ingest, survey_mapping
from lscb_analysis.survey.survey_result import (
    ACCOUNTING_COLUMNS,
    ISSUE_COLUMNS,
    ROW_EXCLUSION_CODES,
    SurveyIngest,
)

INGEST_COMMAND = "lscb survey ingest"
TABLES = ("items", "issues", "returns", "sheets", "accounting", "contacts", "contact_issues")


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
    # A sheet holding tables side by side is one row here: its tables' rows added up, each
    # item row counted once per table (the tables share row numbers).
    data = (
        result.sheets[result.sheets["kind"] == "data"]
        .groupby(["file", "sheet"], sort=False)
        .agg(header_row=("header_row", "min"), non_blank_rows=("non_blank_rows", "sum"))
        .reset_index()
    )
    states = result.returns.drop_duplicates("file").set_index("file")["state"]
    items = (
        result.items.drop_duplicates(["file", "sheet", "table", "row"])
        .groupby(["file", "sheet"])["row"]
        .size()
    )
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
    result: SurveyIngest,
    processed_dir: Path | str | None = None,
    *,
    source: Path | str,
    contacts: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write the ingest's tables to ``processed_dir`` (default ``data/processed/``).

    Writes ``survey_<table>.parquet`` for the items, issues, returns, sheets, row accounting
    (:func:`row_accounting`), contacts and contact issues, with ``survey_ingest.json`` (the
    folder read, its fingerprint, rows per table: :mod:`lscb_analysis.core.ingest_record`),
    which is what every later step reads; and ``survey_items.csv``, ``survey_issues.csv``
    and ``survey_returns.csv`` for people, with formula-like text neutralised since they
    open them in Excel.

    Args:
        result: :func:`ingest_survey`'s result.
        processed_dir: where to write (default ``data/processed/``).
        source: the folder ``result`` was read from.
        contacts: ``(contacts, issues)`` from
            :func:`lscb_analysis.survey.survey_mapping.read_contacts` (default: none).

    Returns:
        ``{"items_parquet", "items_csv", "issues", "returns", "record"}`` -> path written.

    Raises:
        RawDataWriteError: ``processed_dir`` is under ``data/raw/``.
    """
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    contacts_table, contact_issues = contacts if contacts is not None else _no_contacts()
    accounting = row_accounting(result)
    record = ingest_record.write_ingested(
        "survey",
        source,
        {
            "items": result.items,
            "issues": result.issues,
            "returns": result.returns,
            "sheets": result.sheets,
            "accounting": accounting,
            "contacts": contacts_table,
            "contact_issues": contact_issues,
        },
        INGEST_COMMAND,
        folder,
        {
            "files": int(result.returns["file"].nunique()),
            "rows_read": int(accounting["non_blank_rows"].sum()),
            "rows_unaccounted": int(accounting["unaccounted"].sum()),
        },
    )
    return {
        "items_parquet": ingest_record.table_path("survey", "items", folder),
        "items_csv": safe_files.write_safe_csv(result.items, folder / "survey_items.csv"),
        "issues": safe_files.write_safe_csv(result.issues, folder / "survey_issues.csv"),
        "returns": safe_files.write_safe_csv(result.returns, folder / "survey_returns.csv"),
        "record": record,
    }


def _no_contacts() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.DataFrame(columns=[*survey_mapping.CONTACT_COLUMNS, "la_number"]),
        pd.DataFrame(columns=ISSUE_COLUMNS),
    )


def ingest_folder(
    folder: Path | str | None = None, processed_dir: Path | str | None = None
) -> SurveyIngest:
    """``lscb survey ingest``: read every return and the contacts list, write the tables.

    Input: ``folder`` (None: ``data/raw/survey/``); its ``contacts.csv`` is read with
    :func:`lscb_analysis.survey.survey_mapping.read_contacts`. Output: the ingest's result,
    after :func:`write_survey_outputs`. Raises as :func:`ingest_survey` and
    :func:`write_survey_outputs`.
    """
    source = Path(folder) if folder is not None else survey_ingest.survey_folder()
    result = survey_ingest.ingest_survey(source)
    contacts = survey_mapping.read_contacts(source / "contacts.csv")
    write_survey_outputs(result, processed_dir, source=source, contacts=contacts)
    return result


@dataclass(frozen=True)
class IngestedSurvey:
    """The survey tables as ingested (read back from ``data/processed/``).

    ``items``, ``issues``, ``returns``, ``sheets``: as :class:`SurveyIngest`; ``accounting``:
    :func:`row_accounting`; ``contacts`` and ``contact_issues``: as
    :func:`lscb_analysis.survey.survey_mapping.read_contacts` returns them.
    """

    items: pd.DataFrame
    issues: pd.DataFrame
    returns: pd.DataFrame
    sheets: pd.DataFrame
    accounting: pd.DataFrame
    contacts: pd.DataFrame
    contact_issues: pd.DataFrame


def read_ingested_survey(
    folder: Path | str | None = None, processed_dir: Path | str | None = None
) -> IngestedSurvey:
    """Read the survey tables the last ``lscb survey ingest`` wrote, for ``folder``.

    Input: ``folder``: the returns folder meant (None: ``data/raw/survey/``). Output:
    :class:`IngestedSurvey`. Raises: MissingDataFileError when the survey has not been
    ingested; StaleDataError when the tables came from another folder or the folder changed
    since (both messages say which command to run).
    """
    source = Path(folder) if folder is not None else survey_ingest.survey_folder()
    tables = ingest_record.read_ingested(
        "survey", TABLES, source, INGEST_COMMAND, processed_dir, survey_ingest.survey_folder()
    )
    return IngestedSurvey(**tables)


def ingested_survey(
    folder: Path | str | None = None, processed_dir: Path | str | None = None
) -> tuple[IngestedSurvey, bool]:
    """The survey tables for ``folder``, ingesting it first only when they are not current.

    For commands that follow the ingest (``lscb survey compile``, ``lscb model gaps``): in a
    pack the ingest step has just run, so the returns are not read again. Output:
    ``(tables, ingested)``, ``ingested`` True when the folder had to be ingested first.
    """
    source = Path(folder) if folder is not None else survey_ingest.survey_folder()
    stale = ingest_record.stale_reason("survey", source, processed_dir) is not None
    if stale:
        ingest_folder(source, processed_dir)
    return read_ingested_survey(source, processed_dir), stale
