"""The survey ingest's outputs: :func:`row_accounting` (every non-blank row read or reported)
and :func:`write_survey_outputs` (the items, issues and returns tables on disk).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lscb_analysis.core import io, paths
from lscb_analysis.protect import safe_files
from lscb_analysis.survey.survey_result import (
    ACCOUNTING_COLUMNS,
    ROW_EXCLUSION_CODES,
    SurveyIngest,
)


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
