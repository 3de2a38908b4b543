"""Phase III pilot: read the returned data tables, check every figure, write the findings back.

:func:`ingest_pilot` reads every return in ``data/raw/pilot/`` (read-only: a file is hashed
and read, never changed) and :func:`write_pilot_outputs` writes what it found:

* ``data/processed/pilot_values.parquet`` (+ ``.csv``): one row per borough, PI and period
  (:data:`VALUE_COLUMNS`) with the figures, status, source, narrative, provenance (file,
  SHA-256, sheet, cell) and ``validation_status`` (``ok``, ``continuity``, ``query`` or
  ``error``, the most serious finding on the row: rows with errors are kept, never dropped);
* ``data/processed/pilot_issues.csv``: every finding (:data:`ISSUE_COLUMNS`) with its code,
  severity, PI, period, cell and a plain-English message naming the file, sheet and cell and
  saying what to do;
* ``data/processed/pilot_changes.csv``: what a re-submission changed (:data:`CHANGE_COLUMNS`);
* ``data/processed/pilot_returns.csv`` and ``pilot_feasibility.csv``: one row per file and
  borough, and the feasibility answers;
* ``reports/pilot/<borough>/<file>_checked.xlsx``: a copy of each return with the offending
  cells highlighted (errors red, queries amber, continuity blue), a comment on each, and a
  ``Validation`` sheet listing every finding. An agency-wide return's copy goes to
  ``reports/pilot/agency-<agency>/``. The original is untouched.

How a return is read (settings in ``data/reference/pilot_rules.yaml``):

* Identity: the hidden ``Template info`` sheet gives the borough (or the agency and its
  boroughs), periods and model version, and its checksum is recomputed
  (:func:`lscb_analysis.pilot.pilot_table.template_checksum`). A table a borough rebuilt by hand
  is identified from its contents: the header row is found by the header synonyms (reusing
  :class:`lscb_analysis.survey.survey_rules.Matcher`), the borough from a borough column, the text
  above the header, the sheet name or the file name (:func:`lscb_analysis.survey.survey_rules.
  find_borough`), the model version from a "model v1.0" in the title (else the latest, with a
  query), and the periods from the rows.
* Checks: the ``E_`` (errors), ``Q_`` (queries) and ``C_`` (continuity) codes listed under
  ``findings`` in pilot_rules.yaml. A quarter-on-quarter jump is judged against the XmR
  limits of the borough's own earlier figures (:func:`lscb_analysis.stats.xmr.xmr`) when there
  are at least ``checks.jump.min_points`` of them, otherwise by the stated rule.
* Re-submissions: a later file from the same returner (the same borough, or the same agency)
  replaces the earlier one's rows for each borough, PI and period it covers, and every value
  that changed is logged. Later means a later "Date returned", then a later file
  modification time, then the file name. Where a borough's return and an agency's return
  both cover a borough, PI and period, a row with a figure wins over one without, then the
  later; if both have different figures a ``Q_SOURCES_DIFFER`` query is raised.
* A national PI's year-end row holds the published figure: that figure is used, and a
  changed one is queried.

Logs hold counts only, never cell values.

Where the pieces live: the tables' columns in ``pilot_result``; reading one return in
``pilot_read``; whose return it is in ``pilot_identify``; the value checks in
``pilot_checks``; re-submissions, series and narratives in ``pilot_resubmissions``; the
checked copies and written tables in ``pilot_outputs``; the folder and assembling here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lscb_analysis.core.errors import (
    CatalogueError,
    PilotFileError,
)
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods, pilot_table
from lscb_analysis.pilot.pilot_checks import check_feasibility_rows, check_rows
from lscb_analysis.pilot.pilot_identify import IngestContext, ReturnIdentity, identify_return
from lscb_analysis.pilot.pilot_outputs import checked_copy_path
from lscb_analysis.pilot.pilot_read import pilot_folder, read_return
from lscb_analysis.pilot.pilot_resubmissions import (
    narrative_checks,
    resolve_versions,
    series_checks,
)
from lscb_analysis.pilot.pilot_result import (
    CHANGE_COLUMNS,
    FEASIBILITY_COLUMNS,
    ISSUE_COLUMNS,
    RETURN_COLUMNS,
    VALUE_COLUMNS,
    PilotIngest,
    ReturnFile,
)

LOGGER = logging.getLogger(__name__)


# --- the whole folder -------------------------------------------------------------------------


def _is_skipped(name: str, rules: Mapping) -> bool:
    return any(
        fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in rules.get("skip_files", [])
    )


def ingest_pilot(
    folder: Path | str | None = None,
    *,
    published: pd.DataFrame | None = None,
    rules: Mapping | None = None,
) -> PilotIngest:
    """Read and check every pilot return in a folder (nothing is written).

    Inputs: ``folder`` (None: ``data/raw/pilot/``); ``published``: the published statistics
    (None: ``public_indicators``, built in memory if not built yet); ``rules`` (None:
    pilot_rules.yaml). Files named in ``skip_files`` (README, SYNTHETIC.md) are ignored.

    Output: :class:`PilotIngest`. A file that cannot be read is listed in ``returns`` as
    ``rejected`` with its reason and an ``F_REJECTED`` issue; it never stops the others.

    Raises:
        PilotFileError: (code ``missing_folder``) the folder does not exist.
        ReferenceDataError: pilot_rules.yaml or the catalogue is missing or invalid.
    """
    rules = rules or pilot_periods.load_rules()
    source = Path(folder) if folder is not None else pilot_folder()
    if not source.is_dir():
        raise PilotFileError(
            f"The pilot returns folder {source} does not exist. Put the returned workbooks "
            "in data/raw/pilot/ (or run `lscb demo-data` for a synthetic set).",
            code="missing_folder",
        )
    context = IngestContext(
        rules, published if published is not None else pilot_table.published_figures()
    )
    rows: list[dict] = []
    findings: list[dict] = []
    feasibility: list[dict] = []
    returns: list[dict] = []
    files: list[ReturnFile] = []
    identities: dict[str, ReturnIdentity] = {}
    layouts = []
    for path in sorted(p for p in source.iterdir() if p.is_file()):
        if _is_skipped(path.name, rules):
            continue
        try:
            ret = read_return(path, rules)
            ident = identify_return(ret, context)
        except PilotFileError as error:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            findings.append(
                context.finding("F_REJECTED", {"file": path.name, "sha256": sha}, str(error))
            )
            returns.append(
                {
                    "file": path.name,
                    "sha256": sha,
                    "state": "rejected",
                    "reason": error.code,
                    "message": str(error),
                }
            )
            continue
        files.append(ret)
        identities[ret.path.name] = ident
        layouts.append(ident.layout)
        findings.extend(ident.notes)
        if ret.feasibility_sheet is None:
            findings.append(
                context.finding(
                    "F_NO_FEASIBILITY",
                    {"file": ret.path.name, "sha256": ret.sha256},
                    "The workbook has no feasibility sheet.",
                )
            )
        file_values, file_findings = check_rows(ret, ident, context)
        for value in file_values:
            ident.row_counts[value["la_number"]] = ident.row_counts.get(value["la_number"], 0) + 1
        rows.extend(file_values)
        findings.extend(file_findings)
        feasibility.extend(check_feasibility_rows(ret, ident, context))
    current, superseded, changes = resolve_versions(rows, findings, context)
    layout = (
        pd.concat(layouts, ignore_index=True)
        if layouts
        else pd.DataFrame(columns=pilot_table.ROW_COLUMNS)
    )
    blocked = {(f["file"], f["sheet"], f["row"]) for f in findings if f["severity"] == "error"}
    findings.extend(series_checks(current, layout, context, blocked))
    findings.extend(narrative_checks(current, findings, context))
    result = _assemble(
        current, superseded, changes, findings, feasibility, returns, files, identities, rules
    )
    LOGGER.info(
        "Read %d pilot return(s): %d value rows in use, %d superseded, %d finding(s).",
        len(files),
        len(result.values),
        len(result.superseded),
        len(result.issues),
    )
    return result


def _status_of(severities: list[str], order: list[str]) -> str:
    for severity in order:
        if severity in severities:
            return severity
    return "ok"


def _assemble(
    current: list[dict],
    superseded: list[dict],
    changes: list[dict],
    findings: list[dict],
    feasibility: list[dict],
    returns: list[dict],
    files: list[ReturnFile],
    identities: dict[str, ReturnIdentity],
    rules: Mapping,
) -> PilotIngest:
    order = [s for s in rules["severities"] if s != "note"]
    issues = pd.DataFrame(findings, columns=ISSUE_COLUMNS)
    replaced = {
        (r["file"], r["sheet"], r["row"]) for r in superseded if r["superseded_by"] != r["file"]
    }
    if len(issues):
        issues["superseded"] = [
            (f, s, r) in replaced
            for f, s, r in zip(issues["file"], issues["sheet"], issues["row"], strict=True)
        ]
    by_row: dict[tuple, list[str]] = {}
    for item in findings:
        by_row.setdefault((item["file"], item["sheet"], item["row"]), []).append(item["severity"])
    for row in (*current, *superseded):
        row["validation_status"] = _status_of(
            by_row.get((row["file"], row["sheet"], row["row"]), []), order
        )
    pi_order = {pi: n for n, pi in enumerate(_all_pi_ids())}

    def frame(records: list[dict], extra: list[str]) -> pd.DataFrame:
        table = pd.DataFrame(
            [{k: r.get(k) for k in VALUE_COLUMNS + extra} for r in records],
            columns=VALUE_COLUMNS + extra,
        )
        for name in ("numerator", "denominator", "value"):
            table[name] = pd.to_numeric(table[name], errors="coerce").astype(float)
        table["row"] = table["row"].astype("Int64")
        table["prefilled"] = table["prefilled"].astype(bool)
        table["submitted"] = pd.to_datetime(table["submitted"])
        if len(table):
            table = (
                table.assign(
                    _pi=table["pi_id"].map(pi_order).fillna(len(pi_order)),
                    _period=table["period"].map(
                        lambda p: pilot_periods.period_index(p) if p else -1
                    ),
                )
                .sort_values(["la_number", "borough", "_pi", "pi_id", "_period", "file"])
                .drop(columns=["_pi", "_period"])
            )
        return table.reset_index(drop=True)

    values = frame(current, [])
    values.attrs["record_level"] = True  # returned figures: never displayed whole
    old = frame(superseded, ["superseded_by"])
    change_table = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    feasibility_table = _current_feasibility(feasibility)
    issues["row"] = pd.to_numeric(issues["row"], errors="coerce").astype("Int64")
    issues["superseded"] = issues["superseded"].astype(bool)
    issues = issues.sort_values(
        ["file", "row", "code"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    return PilotIngest(
        values,
        old,
        issues,
        _returns_table(returns, files, identities, values, issues),
        feasibility_table,
        change_table,
        files,
    )


def _all_pi_ids() -> list[str]:
    ids: list[str] = []
    for version in catalogue_module.available_versions():
        try:
            ids += [i for i in catalogue_module.load_catalogue(version).pis["id"] if i not in ids]
        except CatalogueError:
            continue
    return ids


def _current_feasibility(rows: list[dict]) -> pd.DataFrame:
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["la_number"], row["pi_id"]), []).append(row)
    out = []
    for group in groups.values():
        group.sort(key=lambda r: (r["_answered"], r["_order"]), reverse=True)
        for position, row in enumerate(group):
            out.append({**row, "current": position == 0})
    table = pd.DataFrame(
        [{k: r.get(k) for k in FEASIBILITY_COLUMNS} for r in out], columns=FEASIBILITY_COLUMNS
    )
    table["row"] = table["row"].astype("Int64")
    table["current"] = table["current"].astype(bool)
    return table.sort_values(["la_number", "pi_id", "file"]).reset_index(drop=True)


def _returns_table(
    returns: list[dict],
    files: list[ReturnFile],
    identities: dict[str, ReturnIdentity],
    values: pd.DataFrame,
    issues: pd.DataFrame,
) -> pd.DataFrame:
    rows = list(returns)
    for ret in files:
        ident = identities[ret.path.name]
        file_issues = issues[issues["file"] == ret.path.name]
        for area in ident.areas:
            mine = file_issues[
                (file_issues["la_number"] == area.la_number) | (file_issues["la_number"] == "")
            ]
            counts = mine["severity"].value_counts()
            errors = int(counts.get("error", 0))
            rows.append(
                {
                    "file": ret.path.name,
                    "sha256": ret.sha256,
                    "state": "ingested_with_errors" if errors else "ingested",
                    "reason": "",
                    "borough": area.name,
                    "la_number": area.la_number,
                    "agency": ident.agency,
                    "returner": ident.returner,
                    "model_version": ident.model_version,
                    "periods": (
                        f"{ident.periods[0]}..{ident.periods[-1]}" if ident.periods else ""
                    ),
                    "identified_from": ident.identified_from,
                    "submitted": ident.submitted,
                    "rows": ident.row_counts.get(area.la_number, 0),
                    "errors": errors,
                    "queries": int(counts.get("query", 0)),
                    "continuity": int(counts.get("continuity", 0)),
                    "checked_copy": str(checked_copy_path(ret, ident)),
                    "message": f"{len(mine)} finding(s) for {area.name}.",
                }
            )
    table = pd.DataFrame(rows, columns=RETURN_COLUMNS)
    for name in ("rows", "errors", "queries", "continuity"):
        table[name] = table[name].fillna(0).astype(int)
    return table.sort_values(["file", "la_number"], na_position="first").reset_index(drop=True)


def summary_line(result: PilotIngest) -> str:
    """One line on what an ingest found, for the command line.

    Output: e.g. ``"13 return(s) read (1 rejected): 2,904 figures in use (12 with errors,
    30 queried); 1 re-submission changed 3 value(s)."``
    """
    files = result.returns.drop_duplicates("file")
    rejected = int((files["state"] == "rejected").sum())
    status = result.values["validation_status"].value_counts()
    changed = result.changes.drop_duplicates(["new_file"]) if len(result.changes) else []
    return (
        f"{len(files)} return(s) read ({rejected} rejected): {len(result.values):,} rows "
        f"in use ({int(status.get('error', 0))} with errors, "
        f"{int(status.get('query', 0))} queried, {int(status.get('continuity', 0))} with "
        f"continuity findings); {len(changed)} re-submission(s) changed "
        f"{len(result.changes)} value(s)."
    )
