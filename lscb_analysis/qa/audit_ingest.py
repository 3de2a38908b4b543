"""The ingest of completed audit tools: one record per case x agency x question, and issues.

:func:`ingest_audit` (``lscb audit ingest``) reads every completed tool in
``data/raw/audit/<audit-id>/`` (one workbook holding several agencies' sheets, or one copy per
agency: a sheet nobody started is ignored) and returns one record per case x agency x
question. Case references are replaced by keyed pseudonyms (:mod:`lscb_analysis.protect.pseudonym`)
as they are read; the raw reference never reaches a record, an issue or a log. Evidence and
moderation reasons that look like they hold an identifier (:func:`identifier_text.scan_text`: a
name next to a child, a date of birth, an NHS number, a postcode, ... or a raw case
reference) are withheld. Problems are listed as issues with the file, sheet and cell
(``'Police'!E7``), never with the cell's text; rows with problems are kept with a status.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lscb_analysis.core import io, paths, register, workbook_checks
from lscb_analysis.core.errors import (
    DataFileError,
    MissingDataFileError,
)
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import cell_text
from lscb_analysis.protect import pseudonym, safe_files
from lscb_analysis.protect.identifier_rules import load_identifier_config
from lscb_analysis.qa.audit import (
    CASES_SHEET,
    ENTRY_FIELDS,
    FILE_COLUMNS,
    ISSUE_COLUMNS,
    RECORD_COLUMNS,
    STATUS_ORDER,
    agency_sheet_title,
    audit_config,
    cell_address,
    resolve_theme,
)
from lscb_analysis.qa.audit_records import records_for_file
from lscb_analysis.qa.audit_returned import (
    ParsedFile,
    audit_issue,
    is_filled,
    parse_file,
    set_aside_other_boroughs,
)

logger = logging.getLogger(__name__)


@dataclass
class AuditIngest:
    """What :func:`ingest_audit` read from one audit folder.

    ``records`` (:data:`RECORD_COLUMNS`), ``issues`` (:data:`ISSUE_COLUMNS`), ``files``
    (:data:`FILE_COLUMNS`) and ``folder``. ``records.attrs["key_fingerprint"]`` says which
    pseudonymisation key was used (not the key).
    """

    records: pd.DataFrame
    issues: pd.DataFrame
    files: pd.DataFrame
    folder: Path = field(default_factory=Path)

    @property
    def audit_id(self) -> str:
        """The audit id (the folder's name)."""
        return self.folder.name


def ingest_audit(folder: Path | str, *, key: bytes | None = None) -> AuditIngest:
    """Read every completed audit tool in one audit folder, ``data/raw/audit/<audit-id>/``.

    Inputs: ``folder`` (its name is the audit id; every .xlsx/.xlsm in it is read, Excel lock
    files ``~$...`` are skipped); ``key`` (the pseudonymisation key; None:
    :func:`pseudonym.load_key`). Each workbook passes :func:`workbook_checks.check_workbook` first.

    Output: :class:`AuditIngest` with

    * ``records``: one row per case x agency x question on every started agency sheet, with
      :data:`RECORD_COLUMNS`: ``audit_id, borough, theme, audit_date`` (from the tool);
      ``agency`` (canonical name); ``case`` (pseudonym ``CASE-...``, "" when the reference is
      missing), ``case_slot``; ``section, question_id, question`` (from today's question
      bank); ``grade, second_grade, moderated_grade`` (grade names or "Not applicable"; empty
      when blank or invalid); ``auditor, second_auditor, moderator``; ``moderation_reason``;
      ``moderation`` ("confirmed", "up", "down"; "changed" when one of the two is "Not
      applicable"; "" when not moderated);
      ``final_grade`` (the moderated grade when given, else the grade); ``evidence`` (or
      :data:`WITHHELD_TEXT`); ``evidence_withheld`` and ``reason_withheld`` (kinds of
      identifier found, comma-separated, "" when none); ``status`` ("ok" or the first of
      :data:`STATUS_ORDER` that applies); ``problems`` (every problem code, ";"-separated);
      ``file, sheet, row, cell`` (the grade cell, e.g. ``'Police'!E7``).
      Case slots with no reference and no answers (unused slots) give no records.
    * ``issues``: ``file, sheet, row, column, cell, severity, code, message``; never the
      text of a cell.
    * ``files``: :data:`FILE_COLUMNS`, one row per workbook (status read or rejected).

    Raises: MissingDataFileError when the folder does not exist; PseudonymKeyError when no key
    is set up (before any file is read).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingDataFileError(
            f"Audit folder {folder} does not exist. Completed tools go in "
            "data/raw/audit/<audit-id>/, one folder per audit."
        )
    key = key if key is not None else pseudonym.load_key()
    config = audit_config()
    audit_id = folder.name
    issues: list[dict] = []
    parsed_files: list[ParsedFile] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in workbook_checks.WORKBOOK_SUFFIXES + (
            ".xls",
        ):
            continue
        if path.name.startswith("~$"):
            issues.append(
                audit_issue(
                    path.name,
                    "",
                    None,
                    "",
                    "",
                    "info",
                    "lock_file_skipped",
                    f"{path.name} is an Excel lock file (the workbook was open "
                    "when copied); it was skipped.",
                )
            )
            continue
        parsed_files.append(parse_file(path, audit_id, config))
    set_aside_other_boroughs(parsed_files, audit_id)

    references = sorted(
        {cell_text(raw) for p in parsed_files for raw, _ in p.cases.values() if raw is not None}
    )
    scan_config = load_identifier_config()
    memo: dict[str, str] = {}
    records: list[dict] = []
    file_rows: list[dict] = []
    for parsed in parsed_files:
        issues.extend(parsed.issues)
        file_records = records_for_file(parsed, key, config, references, scan_config, issues, memo)
        records.extend(file_records)
        file_rows.append(_file_row(parsed, file_records))
    _mark_duplicates(records, issues)
    _check_cross_file(parsed_files, key, issues)
    for row in file_rows:
        mine = [i for i in issues if i["file"] == row["file"]]
        row["errors"] = sum(i["severity"] == "error" for i in mine)
        row["warnings"] = sum(i["severity"] == "warning" for i in mine)

    frame = pd.DataFrame(records, columns=list(RECORD_COLUMNS))
    frame["case_slot"] = frame["case_slot"].astype("Int64")
    frame["row"] = frame["row"].astype("Int64")
    frame["audit_date"] = pd.to_datetime(frame["audit_date"], errors="coerce")
    frame.attrs["key_fingerprint"] = pseudonym.key_fingerprint(key)
    issue_frame = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS))
    issue_frame["row"] = issue_frame["row"].astype("Int64")
    files = pd.DataFrame(file_rows, columns=list(FILE_COLUMNS))
    logger.info(
        "Audit %s: %d workbook(s) read, %d rejected, %d records, %d issues.",
        audit_id,
        int((files["status"] == "read").sum()),
        int((files["status"] == "rejected").sum()),
        len(frame),
        len(issue_frame),
    )
    return AuditIngest(records=frame, issues=issue_frame, files=files, folder=folder)


def _file_row(parsed: ParsedFile, records: list[dict]) -> dict:
    meta = parsed.meta
    return {
        "file": parsed.path.name,
        "sha256": parsed.sha256,
        "status": parsed.status,
        "audit_id": meta.get("audit_id", ""),
        "theme": meta.get("theme", ""),
        "borough": meta.get("borough", ""),
        "question_bank_version": meta.get("question_bank_version", ""),
        "agency_sheets": ", ".join(sorted({r["sheet"] for r in records})),
        "cases": len({r["case"] for r in records if r["case"]}),
        "records": len(records),
        "errors": 0,
        "warnings": 0,
        "reason": parsed.reason,
    }


def _mark_duplicates(records: list[dict], issues: list[dict]) -> None:
    """Mark repeated case x agency x question answers; the first answered one is used.

    An answered repeat is an error naming both cells. An empty repeat (the same row left blank
    in another copy of the tool) is kept with status "duplicate" and its missing-grade warning
    is dropped, because the question is answered elsewhere.
    """
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for record in records:
        if record["case"] and record["question_id"]:
            key = (record["agency"], record["case"], record["question_id"])
            groups.setdefault(key, []).append(record)
    dropped: set[tuple[str, str]] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        primary = next((r for r in group if r["_answered"]), group[0])
        for record in group:
            if record is primary:
                continue
            record["problems"] = ";".join(p for p in (record["problems"], "duplicate") if p)
            record["status"] = next(
                (s for s in STATUS_ORDER if s in record["problems"].split(";")), "ok"
            )
            if not record["_answered"]:
                dropped.add((record["file"], record["cell"]))
                continue
            issues.append(
                audit_issue(
                    record["file"],
                    record["sheet"],
                    record["row"],
                    "Grade",
                    record["cell"],
                    "error",
                    "duplicate",
                    f"{record['cell']} in {record['file']} answers the same case, agency and "
                    f"question as {primary['cell']} in {primary['file']}; the latter is used. "
                    "Remove one copy (or, if both were meant, check the case references).",
                )
            )
    if dropped:
        issues[:] = [
            i
            for i in issues
            if not (i["code"] == "missing_grade" and (i["file"], i["cell"]) in dropped)
        ]


def _check_cross_file(parsed_files: list[ParsedFile], key: bytes, issues: list[dict]) -> None:
    read = [p for p in parsed_files if p.status == "read"]
    slots: dict[int, tuple[str, str]] = {}
    for parsed in read:
        for slot, (raw, number) in sorted(parsed.cases.items()):
            if raw is None:
                continue
            pseudo = pseudonym.pseudonymise(raw, key)
            cell = cell_address(CASES_SHEET, "B", number)
            if slot in slots and slots[slot][0] != pseudo:
                issues.append(
                    audit_issue(
                        parsed.path.name,
                        CASES_SHEET,
                        number,
                        "Case reference",
                        cell,
                        "warning",
                        "case_slot_conflict",
                        f"{parsed.path.name} {cell}: case slot {slot} holds a different case "
                        f"reference from {slots[slot][1]}. Each copy of the tool should list the "
                        "same cases in the same slots; answers are linked by the reference in "
                        "their own file.",
                    )
                )
            slots.setdefault(slot, (pseudo, parsed.path.name))
    expected: dict[str, str] = {}
    started: set[str] = set()
    for parsed in read:
        for title, agency in parsed.meta.get("agencies", []):
            expected.setdefault(agency, title)
        for _title, agency, _, entries in parsed.sheets:
            if any(any(is_filled(v.get(f)) for f in ENTRY_FIELDS) for _, v in entries):
                started.add(agency)
    for agency, title in expected.items():
        if agency not in started:
            issues.append(
                audit_issue(
                    "",
                    title,
                    None,
                    "",
                    "",
                    "warning",
                    "agency_not_returned",
                    f"No completed {title} sheet was found in any file of this audit: chase "
                    f"{agency_sheet_title(agency)} for their return.",
                )
            )


def ingest_audits(
    root: Path | str | None = None, *, key: bytes | None = None
) -> dict[str, AuditIngest]:
    """Ingest every audit folder under ``root`` (None: ``data/raw/audit/``).

    Output: {audit id: AuditIngest}, for each sub-folder holding at least one workbook, in
    name order. Raises: MissingDataFileError when ``root`` does not exist; PseudonymKeyError
    when no key is set up.
    """
    root = Path(root) if root is not None else paths.raw_dir() / "audit"
    if not root.is_dir():
        raise MissingDataFileError(
            f"{root} does not exist. Put each audit's completed tools in "
            "data/raw/audit/<audit-id>/ (or run `lscb demo-data` for synthetic ones)."
        )
    key = key if key is not None else pseudonym.load_key()
    results = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if any(f.suffix.lower() in workbook_checks.WORKBOOK_SUFFIXES for f in folder.iterdir()):
            results[folder.name] = ingest_audit(folder, key=key)
    return results


def write_ingest(result: AuditIngest, out_dir: Path | str | None = None) -> dict[str, Path]:
    """Write an audit's records, issues and file list for the notebooks.

    Input: ``result`` from :func:`ingest_audit`; ``out_dir`` (None:
    ``data/processed/audit/<audit-id>/``). Output: {name: path} for ``records.parquet``,
    ``records.csv``, ``issues.csv`` and ``files.csv`` (CSV files neutralise formula-like text).
    Records carry pseudonyms only. Raises: RawDataWriteError when ``out_dir`` is under
    ``data/raw/``.
    """
    out = (
        Path(out_dir) if out_dir is not None else paths.processed_dir() / "audit" / result.audit_id
    )
    written = {"records.parquet": io.ensure_writable(out / "records.parquet")}
    records = result.records.copy()
    records.attrs = {}
    records.to_parquet(written["records.parquet"], index=False)
    written["records.csv"] = safe_files.write_safe_csv(records, out / "records.csv")
    written["issues.csv"] = safe_files.write_safe_csv(result.issues, out / "issues.csv")
    written["files.csv"] = safe_files.write_safe_csv(result.files, out / "files.csv")
    return written


def read_audit_records(
    processed: Path | str | None = None, *, theme: str | None = None, borough: str | None = None
) -> pd.DataFrame:
    """Read the records of every ingested audit (``data/processed/audit/*/records.parquet``).

    Inputs: ``processed`` (None: ``data/processed/``); optional ``theme`` and ``borough``
    filters (names resolved as in :func:`resolve_theme` and the register). Output: the records
    (:data:`RECORD_COLUMNS`), empty when nothing has been ingested. Raises: ParameterError or
    UnknownAreaError for an unknown theme or borough.
    """
    base = Path(processed) if processed is not None else paths.processed_dir()
    frames = [pd.read_parquet(p) for p in sorted((base / "audit").glob("*/records.parquet"))]
    frames = [f for f in frames if not f.empty]
    records = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=list(RECORD_COLUMNS))
    )
    if theme is not None:
        records = records[records["theme"] == resolve_theme(theme)]
    if borough is not None:
        records = records[records["borough"] == register.resolve(borough).name]
    records = records.reset_index(drop=True)
    records.attrs["record_level"] = True  # one row per case answer: never displayed whole
    return records


def raw_case_references(root: Path | str | None = None) -> list[str]:
    """Return the raw case references typed into every audit tool under ``root``.

    For the publication check only (:func:`identifiers.scan_folder` with
    ``case_references=``): a report must never contain one. Input: ``root`` (None:
    ``data/raw/audit/``); every workbook in its sub-folders passes
    :func:`workbook_checks.check_workbook` first and unreadable ones are skipped. Output: the
    references as typed (trimmed), sorted, unique. Keep the list in memory: never write,
    print or log it. Raises nothing for a missing folder (an empty list).
    """
    base = Path(root) if root is not None else paths.raw_dir() / "audit"
    found: set[str] = set()
    if not base.is_dir():
        return []
    for path in sorted(base.glob("*/*")):
        if path.suffix.lower() not in workbook_checks.WORKBOOK_SUFFIXES or path.name.startswith(
            "~$"
        ):
            continue
        try:
            workbook = read_xlsx_workbook(path)
        except (DataFileError, OSError, ValueError, KeyError, zipfile.BadZipFile):
            continue
        if CASES_SHEET in workbook:
            for row in workbook[CASES_SHEET].rows[1:]:
                text = cell_text(row[1]) if len(row) > 1 else ""
                if text:
                    found.add(text)
    return sorted(found)
