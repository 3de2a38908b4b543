"""Keeping identifiers out of a run's published outputs: the display guard and the scan.

Every executed notebook starts with the display guard cell (:func:`with_display_guard`); every
run's rendered outputs are scanned for child-level identifiers and recoverable suppressed
counts before anything is installed (:func:`screen_outputs`, :func:`screen_run`). A hit fails
the run and withholds its outputs; error messages are masked (:func:`mask_identifiers`).
"""

from __future__ import annotations

import copy
import logging
import shutil
import time
from pathlib import Path

import nbformat

from lscb_analysis.core import paths
from lscb_analysis.core.errors import LscbError
from lscb_analysis.protect import display_guard
from lscb_analysis.runs.run_record import LAST_GOOD, RunJob

logger = logging.getLogger(__name__)

SCANNED_SUFFIXES = (".html", ".htm", ".xlsx", ".xlsm", ".csv", ".ipynb")
SCAN_ERROR = "IdentifierFoundError"


def with_display_guard(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of a notebook whose first code cell installs the display guard.

    The cell (tagged :data:`lscb_analysis.protect.display_guard.GUARD_TAG`) runs before the
    parameters, so every later display of a record-level frame fails the run.
    """
    guarded = copy.deepcopy(notebook)
    cell = nbformat.v4.new_code_cell(display_guard.GUARD_SOURCE)
    cell.metadata["tags"] = [display_guard.GUARD_TAG]
    first_code = next(
        (n for n, c in enumerate(guarded.cells) if c.cell_type == "code"), len(guarded.cells)
    )
    guarded.cells.insert(first_code, cell)
    return guarded


def _scan_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in Path(folder).rglob("*")
        if path.is_file()
        and path.suffix.lower() in SCANNED_SUFFIXES
        and LAST_GOOD not in path.relative_to(folder).parts
    )


def screen_outputs(folder: Path, case_references=(), config=None):
    """Scan a run's rendered outputs for identifiers; withhold every output on a hit.

    The publication scan of :mod:`lscb_analysis.protect.identifiers` (as ``lscb check reports``):
    each HTML, xlsx, csv and executed notebook in ``folder`` (not ``last_good/``) is scanned,
    with the raw audit case references as well. A file that cannot be scanned counts as a
    hit. When anything is found, every file in ``folder`` but the manifest is deleted, so
    nothing of the run is published.

    Args:
        folder: the run's staging folder.
        case_references: raw case references to look for (kept in memory only).
        config: an :class:`lscb_analysis.protect.identifier_rules.IdentifierConfig` (None: the project's).

    Returns:
        ``(findings, seconds)``: the findings (``file`` relative to ``folder``; ``masked``
        never holds the matched text) and the time the scan took.

    Raises:
        ReferenceDataError: ``identifier_patterns.yaml`` is missing or invalid.
    """

    clock = time.monotonic()
    folder = Path(folder)
    findings = scan_outputs(_scan_files(folder), folder, case_references, config)
    if not findings.empty:
        for leftover in folder.iterdir():
            if leftover.name in ("manifest.json", LAST_GOOD):
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
    return findings, round(time.monotonic() - clock, 3)


def scan_outputs(files, root: Path, case_references=(), config=None):
    """Scan output files for identifiers; a file that cannot be scanned counts as a hit.

    Inputs: ``files`` (paths under ``root``); ``case_references`` (raw audit case references,
    kept in memory only); ``config`` (None: the project's identifier patterns). Output: the
    findings of :mod:`lscb_analysis.protect.identifiers` with ``file`` relative to ``root`` and
    ``masked`` never holding the matched text. Raises: ReferenceDataError for a bad config.
    """
    import pandas as pd

    from lscb_analysis.protect import identifier_rules, identifiers

    config = config or identifier_rules.load_identifier_config()
    references = tuple(case_references)
    frames = []
    for path in files:
        try:
            found = identifiers.scan_file(path, case_references=references, config=config)
        except (LscbError, OSError, ValueError, KeyError) as error:
            found = pd.DataFrame(
                [
                    {
                        "file": str(path),
                        "location": "",
                        "kind": identifiers.UNSCANNED,
                        "masked": "",
                        "reason": f"could not be scanned ({type(error).__name__})",
                        "start": 0,
                        "end": 0,
                    }
                ]
            )
        if not found.empty:
            frames.append(found.assign(file=Path(path).relative_to(root).as_posix()))
    frames += _attack_findings(files, root)
    if not frames:
        return pd.DataFrame(columns=list(identifier_rules.FINDING_COLUMNS))
    return pd.concat(frames, ignore_index=True)


RECOVERABLE = "recoverable suppressed count"
"""Finding kind of a suppressed count the recovery attack rebuilt (value never shown)."""


def _attack_findings(files, root: Path) -> list:
    """The recovery attack (:mod:`lscb_analysis.protect.recovery_attack`) on the board-tier HTML and
    workbooks among ``files``, as identifier-scan findings (a failed attack counts as a hit)."""
    import pandas as pd

    from lscb_analysis.protect import identifiers, recovery_attack

    board = [Path(p) for p in files if Path(p).suffix.lower() in (".html", ".htm", ".xlsx")]
    if not board:
        return []
    try:
        hits = recovery_attack.attack_folder(root, files=board)
    except (LscbError, OSError, ValueError, KeyError) as error:
        return [
            pd.DataFrame(
                [
                    {
                        "file": "",
                        "location": "",
                        "kind": identifiers.UNSCANNED,
                        "masked": "",
                        "reason": f"recovery attack could not run ({type(error).__name__})",
                        "start": 0,
                        "end": 0,
                    }
                ]
            )
        ]
    if hits.empty:
        return []
    return [
        pd.DataFrame(
            {
                "file": hits["file"],
                "location": hits["place"],
                "kind": RECOVERABLE,
                "masked": "",
                "reason": hits["method"],
                "start": 0,
                "end": 0,
            }
        )
    ]


def screen_step_outputs(since_ns: int, case_references=(), config=None, skip=()):
    """Scan what a pack step wrote under ``reports/``; withhold every such file on a hit.

    Steps such as ``lscb pilot ingest`` (checked copies of the returns) and ``lscb scorecard
    build`` (board workbooks) write outside the runs, so the runner's own scan does not see
    them. Inputs: ``since_ns`` (the step's start, ``time.time_ns()``: files modified since
    are the step's); ``case_references``, ``config`` as :func:`scan_outputs`; ``skip``: run
    folders installed meanwhile by runs going on beside the step (each run screens its own
    outputs before they are installed, so they are neither scanned nor deleted here). Output: the
    findings (empty when nothing was found). On a hit, every file the step wrote there is
    deleted (they are rebuilt by the step once the source is corrected), so none of them is
    published. Raises: ReferenceDataError for a bad config.
    """
    root = paths.reports_dir()
    if not root.is_dir():
        return scan_outputs([], root)
    skipped = [Path(folder) for folder in skip]
    written = [
        path
        for path in _scan_files(root)
        if not any(part.startswith(".") for part in path.relative_to(root).parts)
        and not any(path.is_relative_to(folder) for folder in skipped)
        and path.stat().st_mtime_ns >= since_ns
    ]
    findings = scan_outputs(written, root, case_references, config)
    if not findings.empty:
        for path in written:
            path.unlink(missing_ok=True)
    return findings


def identifier_error(findings, shown: int = 5) -> str:
    """The error of a run whose outputs the scan stopped: counts, places, what to do.

    Names each file and place (cell and line, sheet and cell, or line) and the kind of
    identifier with its masked form (first and last character only), never the text.

    >>> import pandas as pd
    >>> identifier_error(pd.DataFrame([{"file": "report.html", "location": "line 40",
    ...     "kind": "nhs_number", "masked": "9**********9"}]))[:76]
    'IdentifierFoundError: the outputs may contain child-level identifiers (1 nhs'
    """
    counts = findings["kind"].value_counts()
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    places = "; ".join(
        " ".join(str(part) for part in (row.file, row.location, row.kind, row.masked) if part)
        for row in findings.head(shown).itertuples()
    )
    more = f" and {len(findings) - shown} more" if len(findings) > shown else ""
    if set(counts.index) == {RECOVERABLE}:
        # Not an identifier: the allowlist cannot help, only suppressing the derived figure.
        return (
            f"{SCAN_ERROR}: a suppressed count can be worked out from what the outputs "
            f"show ({summary}), so this run was not published: {places}{more}. Suppress "
            "the figures named (lscb_analysis.protect.disclosure_figures.show_figure) and run again."
        )
    return (
        f"{SCAN_ERROR}: the outputs may contain child-level identifiers ({summary}), so "
        f"this run was not published: {places}{more}. Remove them at their source (or, if "
        "one is not an identifier, add its exact text to allowlist in "
        "data/reference/identifier_patterns.yaml) and run again."
    )


def mask_identifiers(text: str | None, case_references=(), config=None) -> str | None:
    """Return ``text`` (an error message) with anything that looks like an identifier masked.

    >>> mask_identifiers("ValueError: bad NHS number 943 476 5919")
    'ValueError: bad NHS number 9**********9'
    """
    if not text:
        return text
    from lscb_analysis.protect import identifier_rules, identifier_text

    found = identifier_text.scan_text(text, case_references=case_references, config=config)
    for row in found.sort_values("start", ascending=False).itertuples():
        start, end = int(row.start), int(row.end)
        text = text[:start] + identifier_rules.mask_text(text[start:end]) + text[end:]
    return text


def screen_run(job: RunJob, status: str, error: str | None, outputs: dict, index: dict):
    """Scan a run's staging folder; on a hit, fail the run and withhold its outputs.

    Returns ``(status, error, outputs, index, scan seconds)``; error texts are masked.
    """
    from lscb_analysis.protect import identifier_rules

    try:
        config = identifier_rules.load_identifier_config()
        findings, seconds = screen_outputs(Path(job.staging), job.case_references, config)
    except LscbError as problem:  # no scan, no publication
        for leftover in Path(job.staging).iterdir():
            if leftover.is_file() and leftover.name != "manifest.json":
                leftover.unlink()
        return (
            "failed",
            f"{SCAN_ERROR}: the identifier scan could not run ({problem}); "
            "nothing of this run was published.",
            {},
            {},
            0.0,
        )
    error = mask_identifiers(error, job.case_references, config)
    if "traceback" in outputs:
        outputs["traceback"] = mask_identifiers(outputs["traceback"], job.case_references, config)
    if findings.empty:
        return status, error, outputs, index, seconds
    logger.warning(
        "%s: %d possible identifiers in its outputs; not published.", job.key, len(findings)
    )
    scan = identifier_error(findings)
    error = scan if error is None else f"{scan} (The run had also failed: {error})"
    withheld = {"withheld": sorted(set(findings["file"]))}
    if "traceback" in outputs:
        withheld["traceback"] = outputs["traceback"]
    return "failed", error, withheld, {}, seconds
