"""Consultation on the best-fit model: the folder of returned feedback forms, read as a whole.

Partners comment on a version of the model with the form
:func:`lscb_analysis.model.feedback_form.write_feedback_form` writes (``lscb model
feedback-form``): keep, amend or remove for each PI, a suggested rating and wording, a
comment, and suggested new PIs. Returned forms go in ``data/raw/consultation/`` exactly as
received.

* :func:`ingest_feedback` reads every file there (read-only) and gives a
  :class:`~lscb_analysis.model.consultation_config.FeedbackIngest`: ``responses`` (one row per
  form and PI), ``new_pis``, ``files`` (every file: used, superseded or rejected, with the
  reason) and ``issues`` (file, sheet, cell, severity, what to do). Each form is read by
  :mod:`lscb_analysis.model.consultation_forms`, matched to its PI list by the hidden ``Model``
  sheet (version and :func:`~lscb_analysis.model.catalogue.pi_checksum`). The same
  organisation answering the same version twice: the latest form (Respondent date, then file
  time, then name) is used and the earlier one is kept as ``superseded``.
* :func:`write_feedback_outputs` writes ``data/processed/consultation_*`` (``lscb model
  feedback``: :func:`run_feedback_command`); :func:`read_ingested_feedback` reads them back
  for the consultation report, which never reads the forms again.

The settings and table columns are in :mod:`lscb_analysis.model.consultation_config`; the
summary per PI for the steering group in :mod:`lscb_analysis.model.consultation_summary`;
which answers carry to a later version of the model (each answer keeps the fingerprint of
what the respondent saw of its PI) in :mod:`lscb_analysis.model.consultation_carry`; how a
form's version and organisation are identified (a form whose file name, folders and
organisation name different boroughs is set aside) in
:mod:`lscb_analysis.model.consultation_identity`.

Privacy: the respondent's name is never kept (only whether one was given); free text that
looks like a personal identifier (:func:`lscb_analysis.protect.identifier_text.scan_text`) is
replaced by ``[withheld: possible identifier]`` and listed by cell, never with its text. Logs
hold counts only.
"""

from __future__ import annotations

import fnmatch
import logging
import sys
from pathlib import Path

import pandas as pd

from lscb_analysis.core import ingest_record, io, paths
from lscb_analysis.core.errors import FeedbackFileError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model.consultation_config import (
    FILE_COLUMNS,
    ISSUE_COLUMNS,
    NEW_PI_COLUMNS,
    RESPONSE_COLUMNS,
    FeedbackIngest,
    FormContext,
    consultation_folder,
    load_config,
)
from lscb_analysis.model.consultation_forms import read_form
from lscb_analysis.model.consultation_identity import Form, file_modified
from lscb_analysis.protect import safe_files

LOGGER = logging.getLogger(__name__)
INGEST_COMMAND = "lscb model feedback"
TABLES = ("responses", "new_pis", "files", "issues")


# --- the folder -------------------------------------------------------------------------------


def _supersede(forms: list[Form]) -> None:
    """Per organisation and version, the latest form is used; earlier ones are superseded."""
    groups: dict[tuple[str, str], list[Form]] = {}
    for form in forms:
        if form.status == "used" and form.org_key:
            groups.setdefault((form.org_key, form.version), []).append(form)

    def order(form: Form) -> tuple:
        return (form.date if form.date is not None else pd.Timestamp.min, form.modified, form.file)

    for group in groups.values():
        latest = max(group, key=order)
        for form in group:
            if form is latest:
                continue
            if form.date is not None and latest.date is not None and form.date != latest.date:
                basis = (
                    f"dated {latest.date.date()} on its Respondent sheet, later than "
                    f"{form.date.date()}"
                )
            elif latest.modified != form.modified:
                basis = "saved later (file modification time)"
            else:
                basis = "later by file name (same date and time)"
            form.status, form.reason = "superseded", "superseded"
            form.message = (
                f"Replaced by {latest.file} from the same organisation on version "
                f"{form.version} ({basis}): its answers are kept with used = "
                "False. Nothing to do unless this form should count instead (then "
                "remove or re-date the other)."
            )


def ingest_feedback(
    folder: Path | str | None = None, *, config: dict | None = None
) -> FeedbackIngest:
    """Read every returned feedback form in ``folder`` (default ``data/raw/consultation/``).

    Inputs: ``folder`` (its sub-folders too: a form in one is listed by its path under
    ``folder``, and a folder naming a borough counts in the identity check); ``config``
    (None: :func:`load_config`). Files named in
    ``skip_files`` of consultation.yaml (README, SYNTHETIC.md, Excel lock files) are not
    forms and are listed nowhere; every other file ends used, superseded or rejected.
    Nothing is written and no file is changed.

    Output: :class:`FeedbackIngest` with

    * ``responses``: ``file, organisation, agency`` (from the organisation's words, through
      survey.yaml's agency list; "" when none matches), ``borough`` (when the organisation
      names one), ``name_given`` (bool; the name itself is never kept), ``version, date``
      (Respondent sheet), ``pi_id, choice`` (keep, amend, remove or "" for no answer),
      ``suggested_rating`` ("" or one of the ratings), ``suggested_wording, comment``
      (``[withheld: possible identifier]`` when they may hold one), ``wording_withheld,
      comment_withheld`` (kinds found, "" when none), ``used`` (False for a superseded form),
      ``sheet, row, cell``;
    * ``new_pis``: ``file, organisation, agency, version, used, title, definition,
      numerator, denominator, data_agency, why, withheld, sheet, row``;
    * ``files``: ``file, sha256, status, reason`` (a rejection code of :data:`ISSUE_CODES`,
      ``superseded``, or ""), ``organisation, agency, borough, name_given, version, date,
      modified, pis_answered, new_pis, errors, queries, message``;
    * ``issues``: ``file, sheet, cell, severity`` (error or query), ``code, message,
      superseded``; messages name the file, sheet and cell and say what to do, never quoting
      what the respondent wrote.

    Raises:
        FeedbackFileError: (code ``missing_folder``) the folder does not exist.
        ReferenceDataError: consultation.yaml, the catalogue, its code lists or the workbook
            limits are missing or invalid.
    """
    source = Path(folder) if folder is not None else consultation_folder()
    if not source.is_dir():
        raise FeedbackFileError(
            f"There is no folder of returned feedback forms at {source}. Put the forms there "
            "as they arrive (or run `lscb demo-data` for a synthetic set).",
            code="missing_folder",
        )
    context = FormContext(config if config is not None else load_config())
    skip = [p.lower() for p in context.config["skip_files"]]
    paths_found = sorted(
        (
            p
            for p in source.rglob("*")
            if p.is_file() and not any(fnmatch.fnmatch(p.name.lower(), s) for s in skip)
        ),
        key=lambda p: p.relative_to(source).as_posix(),
    )
    forms: list[Form] = []
    first_by_hash: dict[str, str] = {}
    for path in paths_found:
        sha = io.sha256_of(path)
        relative = path.relative_to(source)
        name = relative.as_posix()
        try:
            if sha in first_by_hash:
                raise FeedbackFileError(
                    f"{name} is byte-identical to {first_by_hash[sha]} (same SHA-256), so "
                    f"it was not read again; {first_by_hash[sha]} is used. Nothing to do "
                    "unless a different form was meant.",
                    code="duplicate",
                )
            first_by_hash[sha] = name
            form = read_form(path, sha, context, name, relative.parts[:-1])
        except FeedbackFileError as error:
            form = Form(
                name,
                sha,
                file_modified(path),
                status="rejected",
                reason=error.code,
                message=str(error),
            )
            form.add("", "", "error", error.code, str(error))
        forms.append(form)
    _supersede(forms)
    result = _assemble(forms)
    counts = result.files["status"].value_counts()
    LOGGER.info(
        "Consultation ingest of %d file(s): %d used, %d superseded, %d rejected; %d "
        "PI answer row(s), %d new PI(s), %d issue(s).",
        len(forms),
        counts.get("used", 0),
        counts.get("superseded", 0),
        counts.get("rejected", 0),
        len(result.responses),
        len(result.new_pis),
        len(result.issues),
    )
    return result


def _assemble(forms: list[Form]) -> FeedbackIngest:
    responses, new_pis, files, issues = [], [], [], []
    for form in forms:
        used = form.status == "used"
        base = {
            "file": form.file,
            "organisation": form.organisation,
            "agency": form.agency,
            "version": form.version,
            "used": used,
        }
        for record in form.responses:
            responses.append(
                {
                    **base,
                    "borough": form.borough,
                    "name_given": form.name_given,
                    "date": form.date,
                    **record,
                }
            )
        for record in form.new_pis:
            new_pis.append({**base, **record})
        for issue in form.issues:
            issues.append({**issue, "superseded": form.status == "superseded"})
        severities = [i["severity"] for i in form.issues]
        files.append(
            {
                "file": form.file,
                "sha256": form.sha256,
                "status": form.status,
                "reason": form.reason,
                "organisation": form.organisation,
                "agency": form.agency,
                "borough": form.borough,
                "name_given": form.name_given,
                "version": form.version,
                "fingerprint_source": form.fingerprint_source,
                "date": form.date,
                "modified": form.modified,
                "pis_answered": sum(bool(r["choice"]) for r in form.responses),
                "new_pis": len(form.new_pis),
                "errors": severities.count("error"),
                "queries": severities.count("query"),
                "message": form.message,
            }
        )
    response_frame = pd.DataFrame(responses, columns=RESPONSE_COLUMNS)
    response_frame["date"] = pd.to_datetime(response_frame["date"])
    response_frame["row"] = response_frame["row"].astype(int)
    for column in ("used", "name_given"):
        response_frame[column] = response_frame[column].astype(bool)
    new_frame = pd.DataFrame(new_pis, columns=NEW_PI_COLUMNS)
    new_frame["used"] = new_frame["used"].astype(bool)
    new_frame["row"] = new_frame["row"].astype(int)
    file_frame = pd.DataFrame(files, columns=FILE_COLUMNS)
    file_frame["date"] = pd.to_datetime(file_frame["date"])
    file_frame["modified"] = pd.to_datetime(file_frame["modified"])
    for column in ("pis_answered", "new_pis", "errors", "queries"):
        file_frame[column] = file_frame[column].astype(int)
    file_frame["name_given"] = file_frame["name_given"].astype(bool)
    issue_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    issue_frame["superseded"] = issue_frame["superseded"].astype(bool)
    return FeedbackIngest(response_frame, new_frame, file_frame, issue_frame)


# --- writing and the command line ---------------------------------------------------------------


def write_feedback_outputs(
    result: FeedbackIngest,
    processed_dir: Path | str | None = None,
    *,
    source: Path | str,
) -> dict[str, Path]:
    """Write the ingest's tables to ``processed_dir`` (default ``data/processed/``).

    Writes ``consultation_<table>.parquet`` for the responses, new PIs, files and issues,
    with ``consultation_ingest.json`` (the folder read, its fingerprint and rows per table:
    :mod:`lscb_analysis.core.ingest_record`), which is what every later step reads; and
    ``consultation_responses.csv``, ``consultation_new_pis.csv``, ``consultation_files.csv``
    and ``consultation_issues.csv`` for people, CSV text that could run as a formula in Excel
    neutralised (:func:`lscb_analysis.protect.safe_files.write_safe_csv`). ``source`` is the
    folder ``result`` was read from.
    Output: ``{file name: path}``. Raises RawDataWriteError when the folder is under
    ``data/raw/``.
    """
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    tables = {table: getattr(result, table) for table in TABLES}
    record = ingest_record.write_ingested(
        "consultation",
        source,
        tables,
        INGEST_COMMAND,
        folder,
        {
            "files": len(result.files),
            "used": int((result.files["status"] == "used").sum()),
            "rejected": int((result.files["status"] == "rejected").sum()),
        },
    )
    written = {
        "consultation_responses.parquet": ingest_record.table_path(
            "consultation", "responses", folder
        ),
        "consultation_ingest.json": record,
    }
    for table in TABLES:
        name = f"consultation_{table}.csv"
        written[name] = safe_files.write_safe_csv(tables[table], folder / name)
    return written


def read_ingested_feedback(
    folder: Path | str | None = None, processed_dir: Path | str | None = None
) -> FeedbackIngest:
    """Read back the tables the last ``lscb model feedback`` wrote, for ``folder``.

    Input: ``folder``: the forms folder meant (None: ``data/raw/consultation/``). Output:
    :class:`FeedbackIngest`. Raises: MissingDataFileError when the forms have not been read
    yet; StaleDataError when the tables came from another folder or a form was added,
    removed or replaced since (both say what to run).
    """
    source = Path(folder) if folder is not None else consultation_folder()
    tables = ingest_record.read_ingested(
        "consultation", TABLES, source, INGEST_COMMAND, processed_dir, consultation_folder()
    )
    return FeedbackIngest(**tables)


def summary_line(result: FeedbackIngest) -> str:
    """One line on what an ingest found, for the command line and the notebook.

    Output: e.g. ``"15 form(s) read: 13 used, 1 superseded, 1 rejected; answers from 12
    organisation(s) on version 1.0 (12 forms), 0.3 (1); 2 new PI(s) suggested; 3 error(s) and
    9 query(ies)."``
    """
    files = result.files
    counts = files["status"].value_counts()
    used = files[files["status"] == "used"]
    by_version = used["version"].value_counts()
    versions = (
        ", ".join(
            f"{v} ({n} form{'s' if n != 1 else ''})"
            for v, n in sorted(
                by_version.items(),
                key=lambda item: catalogue_module.version_key(item[0]),
                reverse=True,
            )
        )
        or "none"
    )
    organisations = used.loc[used["organisation"] != "", "organisation"].nunique()
    current = result.issues[~result.issues["superseded"]]
    severities = current["severity"].value_counts()
    new = int(result.new_pis["used"].sum()) if len(result.new_pis) else 0
    return (
        f"{len(files)} form(s) read: {counts.get('used', 0)} used, "
        f"{counts.get('superseded', 0)} superseded, {counts.get('rejected', 0)} rejected; "
        f"answers from {organisations} organisation(s) on version {versions}; {new} new "
        f"PI(s) suggested; {severities.get('error', 0)} error(s) and "
        f"{severities.get('query', 0)} query(ies)."
    )


def run_feedback_command(folder: Path | str | None = None) -> FeedbackIngest:
    """``lscb model feedback [DIR]``: read the returned forms, write the tables, report.

    Input: ``folder`` (None: ``data/raw/consultation/``). Prints :func:`summary_line` and
    where the tables went; each file set aside (rejected) is listed on stderr with its reason
    and what to do (``SET ASIDE file (reason): ...``). Output: the :class:`FeedbackIngest`,
    from which the command line takes its exit code by the rule every ingest follows
    (:func:`feedback_counts`; README, "one exit-code rule"). Raises FeedbackFileError when the
    folder does not exist, and ReferenceDataError as :func:`ingest_feedback`.
    """
    source = Path(folder) if folder is not None else consultation_folder()
    result = ingest_feedback(source)
    written = write_feedback_outputs(result, source=source)
    print(summary_line(result))
    print(
        f"Answers: {written['consultation_responses.parquet']}; files, issues and new PIs: "
        f"{written['consultation_files.csv'].parent}/consultation_*.csv."
    )
    rejected = result.files[result.files["status"] == "rejected"]
    for row in rejected.itertuples(index=False):
        print(f"SET ASIDE {row.file} ({row.reason}): {row.message}", file=sys.stderr)
    return result


def feedback_counts(result: FeedbackIngest) -> tuple[int, int, int]:
    """(forms read and used or superseded, files set aside, errors in cells of the forms in
    use) for the ingest exit-code rule. Raises nothing."""
    status = result.files["status"]
    read = int(status.isin(["used", "superseded"]).sum())
    current = result.issues[~result.issues["superseded"]]
    used_files = set(result.files.loc[status == "used", "file"])
    errors = int(((current["severity"] == "error") & current["file"].isin(used_files)).sum())
    return read, int((status == "rejected").sum()), errors
