"""Run notebooks for one, several or all boroughs: plan, skip what is unchanged, run, index.

``lscb run NOTEBOOK --borough NAME[,NAME...]|all`` (and ``lscb pack``, see
:mod:`lscb_analysis.runs.pack`) work in four steps:

1. Plan: check the parameters first (an unknown name or a borough that does not resolve stops
   everything before anything runs) and list the runs, one per borough.
2. Skip: a run whose notebook source, parameters, input file hashes and workbench version (and
   code) are unchanged since its last successful run is skipped and reported as such;
   ``force`` re-runs everything.
3. Run: each run executes in a fresh child forked from a warm worker that has already imported
   the scientific stack (:mod:`lscb_analysis.runs.warm_worker`), through papermill with an
   in-process kernel (``isolation="process"``, the default) or a freshly started ``lscb``
   kernel (``isolation="kernel"``, the foundation's way). The child writes the executed
   notebook, ``report.html`` (code hidden) and ``manifest.json`` into a staging folder. A run
   still going after ``timeout`` seconds is killed and reported as failed.
4. Install: the staging folder replaces ``<out>/<notebook>/<borough-slug>/`` by renames, so a
   reader never sees a half-written report; a failed run keeps the last good report beside
   its log (``last_good/``). The index (``<out>/index.html`` and ``index.csv``) is rebuilt.

Runs go to local warm workers or to a Dask cluster (:mod:`lscb_analysis.runs.executors`).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import jupytext
import nbformat
import yaml

from lscb_analysis import __version__
from lscb_analysis.core import io, paths, provenance, register
from lscb_analysis.core.errors import LscbError, NotebookRunError, ParameterError
from lscb_analysis.core.notebooks import (  # noqa: F401  (runner.notebook_registry, as before)
    NOTEBOOK_REGISTRY,
    notebook_registry,
)
from lscb_analysis.present import report_html
from lscb_analysis.present.report_html import export_html  # noqa: F401  (runner.export_html, as before)
from lscb_analysis.protect import display_guard
from lscb_analysis.runs import report_index

logger = logging.getLogger(__name__)

KERNEL_NAME = "lscb"
CELL_TIMEOUT_SECONDS = 600
RUN_TIMEOUT_SECONDS = 1800
BOROUGH_PARAMETER = "borough"
LONDON_SLUG = "london"
ISOLATIONS = ("process", "kernel")
RUN_DIR_VARIABLE = "LSCB_RUN_DIR"
WARM_UP = "lscb_analysis.runs.runner:warm_up"
STAGING_PREFIX = ".staging-"
RETIRED_PREFIX = ".retired-"
LAST_GOOD = "last_good"
ANALYST_FOLDER = "analyst"
TIER_PARAMETER = "tier"
SCANNED_SUFFIXES = (".html", ".htm", ".xlsx", ".xlsm", ".csv", ".ipynb")
SCAN_ERROR = "IdentifierFoundError"
WARM_MODULES = (
    "numpy",
    "pandas",
    "scipy.stats",
    "statsmodels.api",
    "matplotlib.pyplot",
    "seaborn",
    "openpyxl",
    "pyarrow.parquet",
    "pyarrow.dataset",
    "IPython",
    "ipykernel.inprocess.ipkernel",
    "ipykernel.debugger",
    "tornado.queues",
    "tornado.locks",
    "matplotlib_inline.backend_inline",
    "papermill",
    "nbclient",
    "nbconvert",
    "bs4",
    "scrapbook",
    "jupytext",
)


@dataclass(frozen=True)
class RunSpec:
    """One planned run: a notebook, its parameters and where its outputs go."""

    notebook: str
    parameters: dict
    borough: str
    slug: str
    out_dir: str
    inputs: list[str] = field(default_factory=list)

    @property
    def run_dir(self) -> Path:
        """The run's own folder: ``<out>/<notebook>/<slug>``."""
        return Path(self.out_dir) / self.notebook / self.slug

    @property
    def key(self) -> str:
        """``<notebook>/<slug>``: names the run in progress messages and the pack record."""
        return f"{self.notebook}/{self.slug}"


@dataclass(frozen=True)
class RunJob:
    """A run as sent to a worker: the plan plus what the orchestrator already knows.

    ``case_references`` are the raw case references typed into the audit tools, read once
    per invocation for the publication scan (:func:`screen_outputs`); they stay in memory
    (never in a manifest, a log or a message) and are left out of the job's ``repr``.
    """

    spec: RunSpec
    staging: str
    isolation: str
    input_hashes: dict
    code_fingerprint: str
    git_commit: str | None
    project_dir: str
    case_references: tuple[str, ...] = field(default=(), repr=False)
    pdf: bool = False  # also print report.pdf (lscb_analysis.present.pdf_print)

    @property
    def key(self) -> str:
        """The run's key (see :attr:`RunSpec.key`)."""
        return self.spec.key


@dataclass
class RunResult:
    """What happened to one run (also the content of its ``manifest.json``).

    ``status`` is ``ok`` or ``failed`` in a manifest; a run skipped as unchanged is returned
    with ``skipped`` and the rest of its last successful run's manifest. ``index`` holds what
    the notebook recorded for the report index (headline values, period, "as at", model
    version; see :func:`lscb_analysis.runs.report_index.record_for_index`). ``scan_seconds`` is
    the time the publication scan of the run's outputs took (:func:`screen_outputs`).
    """

    notebook: str
    borough: str
    slug: str
    parameters: dict
    status: str
    error: str | None
    started: str
    finished: str
    seconds: float
    package_version: str
    git_commit: str | None
    inputs: dict
    outputs: dict
    code_fingerprint: str = ""
    isolation: str = ""
    index: dict = field(default_factory=dict)
    scan_seconds: float = 0.0
    synthetic: bool = False


def result_from_manifest(manifest: dict) -> RunResult:
    """Return a :class:`RunResult` from a ``manifest.json`` (missing fields left empty)."""
    defaults = {
        "parameters": {},
        "inputs": {},
        "outputs": {},
        "index": {},
        "seconds": 0.0,
        "scan_seconds": 0.0,
        "synthetic": False,
    }
    values = {}
    for item in fields(RunResult):
        values[item.name] = manifest.get(item.name, defaults.get(item.name, ""))
    return RunResult(**values)


def notebook_path(name: str) -> Path:
    """Return ``notebooks/<name>.py`` (Jupytext percent format).

    Raises:
        ParameterError: no such notebook; the message lists the notebooks there are.
    """
    stem = Path(name).stem
    path = paths.notebooks_dir() / f"{stem}.py"
    if not path.is_file():
        known = sorted(p.stem for p in paths.notebooks_dir().glob("*.py"))
        raise ParameterError(
            f"Notebook {name!r} not found in {paths.notebooks_dir()}. "
            f"Notebooks available: {', '.join(known) or 'none'}."
        )
    return path


def load_notebook(name: str) -> nbformat.NotebookNode:
    """Read a notebook from its Jupytext text form and point it at the workbench kernel."""
    notebook = jupytext.read(notebook_path(name))
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python (LSCB workbench)",
        "language": "python",
    }
    return notebook


def parameters_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Return the cells tagged ``parameters``."""
    return [
        cell for cell in notebook.cells if "parameters" in cell.get("metadata", {}).get("tags", [])
    ]


def notebook_parameters(notebook: nbformat.NotebookNode) -> dict:
    """Return the names and default values assigned in the notebook's ``parameters`` cell.

    Raises:
        NotebookRunError: the notebook has no parameters cell, or more than one.
    """
    cells = parameters_cells(notebook)
    if len(cells) != 1:
        raise NotebookRunError(
            f"A notebook needs exactly one cell tagged 'parameters'; this one has {len(cells)}."
        )
    defaults = {}
    for statement in ast.parse(cells[0].source).body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    defaults[target.id] = ast.literal_eval(statement.value)
    return defaults


def parse_parameter_options(options: list[str]) -> dict:
    """Parse ``-p key=value`` options; values are read as YAML scalars (numbers, true, text).

    >>> parse_parameter_options(["period=2025", "title=Spring review"])
    {'period': 2025, 'title': 'Spring review'}

    Raises:
        ParameterError: an option is not of the form key=value.
    """
    parsed = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                f"Parameter option {option!r} is not of the form key=value, e.g. -p period=2025."
            )
        parsed[key.strip()] = yaml.safe_load(value) if value.strip() else None
    return parsed


def check_kernel() -> None:
    """Check the workbench kernel is registered.

    Raises:
        NotebookRunError: it is not; the message says to run ``make setup``.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel as error:
        raise NotebookRunError(
            f"The Jupyter kernel {KERNEL_NAME!r} is not registered in this environment. Run "
            "`make setup` (it registers the kernel inside .venv)."
        ) from error


def run_inputs(notebook: str, area: register.LocalAuthority | None = None) -> list[str]:
    """Return the project-relative files a run reads: the notebook's ``inputs`` and its source.

    An input may name the borough: ``{slug}``, ``{la_number}`` and ``{ons_code}`` are filled
    in for per-borough runs, so a change to one borough's file re-runs only that borough.

    Raises:
        ReferenceDataError: an input uses another ``{placeholder}``.
    """
    from lscb_analysis.core.errors import ReferenceDataError

    entry = notebook_registry().get(Path(notebook).stem, {})
    fill = (
        {"slug": area.slug, "la_number": area.la_number, "ons_code": area.ons_code}
        if area
        else {"slug": LONDON_SLUG, "la_number": "", "ons_code": ""}
    )
    inputs = []
    for item in entry.get("inputs", []):
        try:
            inputs.append(str(item).format(**fill))
        except (KeyError, IndexError) as error:
            raise ReferenceDataError(
                f"data/reference/notebooks.yaml: input {item!r} of {notebook!r} uses an unknown "
                "placeholder; only {slug}, {la_number} and {ons_code} are filled in."
            ) from error
    return [*inputs, f"notebooks/{Path(notebook).stem}.py"]


def has_tier(notebook: str) -> bool:
    """True when a notebook declares a ``tier`` parameter (board / analyst outputs)."""
    return TIER_PARAMETER in notebook_parameters(load_notebook(notebook))


def tier_out_dir(out_dir: Path | str | None, analyst: bool) -> Path:
    """Where a run's reports go: ``reports/`` (or ``out_dir``); ``<that>/analyst`` for analysts.

    Analyst-tier reports are unsuppressed (NOT FOR PUBLICATION): they always go to their own
    ``analyst/`` folder with their own index, never beside the board reports.
    """
    base = Path(out_dir) if out_dir else paths.reports_dir()
    return base / ANALYST_FOLDER if analyst else base


def plan_runs(
    notebook: str,
    boroughs: str | None,
    parameters: dict,
    out_dir: Path | str | None = None,
    areas: list[register.LocalAuthority] | None = None,
    analyst: bool = False,
) -> list[RunSpec]:
    """Check everything about a request and return the runs to make, before anything runs.

    Args:
        notebook: the notebook's name (``borough_profile``).
        boroughs: comma-separated names or ``all``; None for a notebook without a borough.
        parameters: other parameters from ``-p``.
        out_dir: where reports go (default ``reports/``).
        areas: the boroughs already resolved (instead of ``boroughs``), as a pack gives them.
        analyst: the unsuppressed analyst tier (``--analyst``): sets ``tier="analyst"`` and
            writes under ``<out_dir>/analyst/`` (:func:`tier_out_dir`).

    Raises:
        ParameterError: unknown notebook, unknown parameter name (listing the known ones),
            a borough that does not resolve, a borough given to a London-wide notebook,
            ``--analyst`` for a notebook without a ``tier`` parameter, or ``-p tier=...``
            (the tier is chosen with ``--analyst`` only, so analyst reports never land among
            board reports).
    """
    source = load_notebook(notebook)
    defaults = notebook_parameters(source)
    unknown = sorted(set(parameters) - set(defaults))
    if unknown:
        raise ParameterError(
            f"Notebook {notebook!r} has no parameter {', '.join(repr(u) for u in unknown)}. "
            f"Its parameters are: {', '.join(defaults)}."
        )
    if BOROUGH_PARAMETER in parameters:
        raise ParameterError("Give boroughs with --borough, not -p borough=...")
    if TIER_PARAMETER in parameters:
        raise ParameterError(
            "Choose the tier with --analyst (unsuppressed, NOT FOR PUBLICATION, written to "
            "reports/analyst/), not -p tier=...; without it reports are the board tier."
        )
    if analyst:
        if TIER_PARAMETER not in defaults:
            raise ParameterError(
                f"--analyst: notebook {Path(notebook).stem!r} has no analyst tier (no 'tier' "
                "parameter); its report is the same for everyone. Run it without --analyst."
            )
        parameters = {**parameters, TIER_PARAMETER: "analyst"}
    out = str(tier_out_dir(out_dir, analyst))
    name = Path(notebook).stem
    if BOROUGH_PARAMETER not in defaults and (boroughs or areas):
        raise ParameterError(f"Notebook {name!r} covers all of London and takes no --borough.")
    if not boroughs and not areas and defaults.get(BOROUGH_PARAMETER) is None:
        # A London-wide notebook (or one whose borough view is optional): one run for London.
        return [RunSpec(name, dict(parameters), "London", LONDON_SLUG, out, run_inputs(name))]
    if areas is None:
        try:
            areas = register.resolve_many(boroughs or str(defaults[BOROUGH_PARAMETER]))
        except register.UnknownAreaError as error:
            raise ParameterError(f"--borough: {error}") from error
    return [
        RunSpec(
            name,
            {BOROUGH_PARAMETER: area.name, **parameters},
            area.name,
            area.slug,
            out,
            run_inputs(name, area),
        )
        for area in areas
    ]


def _with_defaults(spec: RunSpec) -> dict:
    """The run's parameters over the notebook's own defaults (for the report's title)."""
    try:
        defaults = notebook_parameters(load_notebook(spec.notebook))
    except LscbError:
        defaults = {}
    return {**defaults, **spec.parameters}


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


def screen_step_outputs(since_ns: int, case_references=(), config=None):
    """Scan what a pack step wrote under ``reports/``; withhold every such file on a hit.

    Steps such as ``lscb pilot ingest`` (checked copies of the returns) and ``lscb scorecard
    build`` (board workbooks) write outside the runs, so the runner's own scan does not see
    them. Inputs: ``since_ns`` (the step's start, ``time.time_ns()``: files modified since
    are the step's); ``case_references``, ``config`` as :func:`scan_outputs`. Output: the
    findings (empty when nothing was found). On a hit, every file the step wrote there is
    deleted (they are rebuilt by the step once the source is corrected), so none of them is
    published. Raises: ReferenceDataError for a bad config.
    """
    root = paths.reports_dir()
    if not root.is_dir():
        return scan_outputs([], root)
    written = [
        path
        for path in _scan_files(root)
        if not any(part.startswith(".") for part in path.relative_to(root).parts)
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
            "the figures named (lscb_analysis.protect.disclosure.show_figure) and run again."
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


def _error_text(error: BaseException) -> str:
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    return f"{ename}: {evalue}".strip()


def run_output_dir() -> Path:
    """Return the folder a running notebook should write extra outputs (xlsx) into.

    Inside a run this is the run's staging folder (``LSCB_RUN_DIR``), installed with the
    report; anything ending ``.xlsx`` there is linked from the index. Outside a run it is the
    current folder.
    """
    return Path(os.environ.get(RUN_DIR_VARIABLE, "."))


def _kernel_options(isolation: str, sockets: str) -> dict:
    from traitlets.config import Config

    if isolation == "kernel":
        # Local sockets, not TCP, so a kernel's traffic never touches the network stack; each
        # run gets its own socket folder so parallel kernels cannot cross wires.
        return {
            "config": Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}}),
            "execution_timeout": CELL_TIMEOUT_SECONDS,
        }
    from lscb_analysis.runs import inprocess_kernel

    # The child runs one notebook and exits: no command history to keep.
    return {
        "kernel_manager_class": inprocess_kernel.KERNEL_MANAGER,
        "config": Config({"HistoryManager": {"enabled": False}}),
    }


def execute_run(job: RunJob) -> RunResult:
    """Run one notebook with papermill into ``job.staging``: notebook, HTML, manifest.

    Runs in a worker's child process. The notebook runs with the display guard installed
    (:func:`with_display_guard`), and its outputs are scanned for identifiers before
    anything is kept (:func:`screen_outputs`): on a hit the run fails and its outputs are
    withheld. Never raises for a failing notebook: the failure is recorded in the result and
    the manifest, and the executed notebook (with the error) is kept as its log.

    Returns:
        The run's :class:`RunResult` (also written to ``<staging>/manifest.json``).
    """
    import papermill

    spec, staging = job.spec, Path(job.staging)
    executed_path = io.ensure_writable(staging / f"{spec.notebook}.ipynb")
    os.environ[RUN_DIR_VARIABLE] = str(staging)
    started, clock = provenance.now_iso(), time.monotonic()
    status, error, outputs, index = "ok", None, {"notebook": executed_path.name}, {}
    synthetic = report_html.is_synthetic(job.project_dir or None)
    sockets = tempfile.mkdtemp(prefix="lscb-kernel-") if job.isolation == "kernel" else ""
    try:
        executed = _lightened(
            executed_path,
            papermill.execute_notebook(
                with_display_guard(load_notebook(spec.notebook)),
                str(executed_path),
                parameters=spec.parameters,
                kernel_name=KERNEL_NAME,
                cwd=str(paths.project_dir()),
                progress_bar=False,
                **_kernel_options(job.isolation, sockets),
            ),
        )
        index = report_index.index_values(executed)
        io.write_text(
            report_html.export_html(
                executed,
                spec.parameters.get(TIER_PARAMETER),
                notebook=spec.notebook,
                parameters=_with_defaults(spec),
                index=index,
                synthetic=synthetic,
            ),
            staging / "report.html",
        )
        outputs["html"] = "report.html"
    except Exception as failure:  # any failure is recorded in the manifest; other runs go on
        status, error = "failed", _error_text(failure)
        if not executed_path.exists():
            outputs.pop("notebook")
        outputs["traceback"] = "".join(traceback.format_exception_only(failure)).strip()[:2000]
    finally:
        if sockets:
            shutil.rmtree(sockets, ignore_errors=True)
    status, error, outputs, index, scan_seconds = _screened(job, status, error, outputs, index)
    if job.pdf and status == "ok":
        status, error = _printed(job, outputs, index)
    workbooks = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*.xlsx"))
    if workbooks:
        outputs["xlsx"] = workbooks
    result = RunResult(
        notebook=spec.notebook,
        borough=spec.borough,
        slug=spec.slug,
        parameters=spec.parameters,
        status=status,
        error=error,
        started=started,
        finished=provenance.now_iso(),
        seconds=round(time.monotonic() - clock, 2),
        package_version=__version__,
        git_commit=job.git_commit,
        inputs=job.input_hashes,
        outputs=outputs,
        code_fingerprint=job.code_fingerprint,
        isolation=job.isolation,
        index=index,
        scan_seconds=scan_seconds,
        synthetic=synthetic,
    )
    io.write_json(asdict(result), staging / "manifest.json")
    return result


def _lightened(path: Path, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Charts as palette PNGs for the report; the log at ``path`` saved without them.

    See :mod:`lscb_analysis.present.figure_weight`: each chart is stored once, in ``report.html``.
    """
    from lscb_analysis.present import figure_weight

    if figure_weight.lighten_notebook(executed).images:
        nbformat.write(figure_weight.without_images(executed), str(path))
    return executed


def _printed(job: RunJob, outputs: dict, index: dict) -> tuple[str, str | None]:
    """Print the run's report to ``report.pdf`` (:mod:`lscb_analysis.present.pdf_print`).

    Returns ``("ok", None)``, or ``("failed", message)`` when Chromium could not print it
    (the HTML report is then not installed as a good run either).
    """
    from lscb_analysis.present import pdf_print

    spec = job.spec
    try:
        pdf = pdf_print.print_report(
            Path(job.staging) / outputs["html"], spec.notebook, spec.borough, spec.parameters, index
        )
    except (LscbError, KeyError) as problem:
        return "failed", f"{type(problem).__name__}: {problem}"
    outputs["pdf"] = pdf.name
    return "ok", None


def _screened(job: RunJob, status: str, error: str | None, outputs: dict, index: dict):
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


def _warm_notebook() -> nbformat.NotebookNode:
    """A tiny executed notebook (heading, chart, styled table) to compile the HTML templates."""
    import base64
    from io import BytesIO

    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([1, 2], [1, 2])
    axes.set_title("Warm-up")
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    table = pd.DataFrame({"item": ["a"], "value": [1.5]}).style.hide(axis="index").to_html()
    chart = nbformat.v4.new_output(
        "display_data",
        data={"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<Figure>"},
    )
    html = nbformat.v4.new_output(
        "execute_result", data={"text/html": table, "text/plain": "table"}, execution_count=1
    )
    markdown = nbformat.v4.new_output(
        "display_data", data={"text/markdown": "**warm**", "text/plain": "warm"}
    )
    cell = nbformat.v4.new_code_cell("x", outputs=[chart, html, markdown], execution_count=1)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Warm-up\nText."), cell])


def warm_up() -> dict:
    """Prepare a warm worker: import the stack and the workbench, compile the HTML templates.

    Runs once in the warm server (:mod:`lscb_analysis.runs.warm_worker`) before it forks any run.
    Reads no project data (runs may point at different projects). Best effort: a module that
    fails to import is listed, and a run that needs it fails with the real error.

    Returns:
        ``{"modules": number imported, "failed": [module names]}``.
    """
    import importlib
    import pkgutil

    import lscb_analysis

    names = [*WARM_MODULES, "lscb_analysis.runs.inprocess_kernel"]
    names += [
        f"lscb_analysis.{module.name}"
        for module in pkgutil.iter_modules(lscb_analysis.__path__)
        if not module.name.startswith("_")
    ]
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # best effort: the run that needs it will report the real error
            failed.append(name)
    export_html(_warm_notebook())
    return {"modules": len(names) - len(failed), "failed": failed}


def code_fingerprint() -> str:
    """Return a SHA-256 over the workbench's own code (every ``lscb_analysis/*.py``).

    Part of a run's identity beside the version number, so updated code re-runs reports even
    when the version was not bumped.
    """
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.css")]):
        digest.update(f"{path.relative_to(package).as_posix()}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def _read_manifest(run_dir: Path) -> dict | None:
    try:
        return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def change_reason(spec: RunSpec, hashes: dict, code: str, pdf: bool = False) -> str | None:
    """Return why a run must be made, or None when it is unchanged since its last success.

    Unchanged means: its manifest says ``ok``; same parameters, same input hashes (the
    notebook's source is one of the inputs), same workbench version and code fingerprint; and
    its report is still there (and its ``report.pdf`` when ``pdf``).
    """
    manifest = _read_manifest(spec.run_dir)
    if not manifest:
        return "no previous run"
    if manifest.get("status") != "ok":
        return "its last run failed"
    if manifest.get("parameters") != json.loads(json.dumps(spec.parameters, default=str)):
        return "parameters changed"
    recorded = manifest.get("inputs") or {}
    changed = [name for name in hashes if recorded.get(name) != hashes[name]]
    if changed or set(recorded) != set(hashes):
        return f"{changed[0]} changed" if changed else "its list of inputs changed"
    if manifest.get("package_version") != __version__:
        return "workbench version changed"
    if manifest.get("code_fingerprint") != code:
        return "workbench code changed"
    html = (manifest.get("outputs") or {}).get("html")
    if not html or not (spec.run_dir / html).is_file():
        return "its report is missing"
    printed = (manifest.get("outputs") or {}).get("pdf")
    if pdf and (not printed or not (spec.run_dir / printed).is_file()):
        return "its PDF is missing"
    return None


def _manifest_status(run_dir: Path) -> str | None:
    manifest = _read_manifest(run_dir)
    return manifest.get("status") if manifest else None


def install_run(staging: Path, final: Path) -> None:
    """Put a finished run's folder in place of the previous one, by renames.

    The previous folder is renamed aside, the staging folder renamed into place, and the old
    one deleted, so the report folder always holds one complete run. When the new run failed
    and the previous one (or its ``last_good/``) was ok, that good report is kept as
    ``<final>/last_good/``. :func:`recover_interrupted` puts a folder back if the process
    stopped between the two renames.
    """
    retired = None
    if final.exists():
        retired = final.with_name(
            f"{RETIRED_PREFIX}{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        )
        os.rename(final, retired)
    if retired is not None and _manifest_status(staging) != "ok":
        if (retired / LAST_GOOD).is_dir():
            os.rename(retired / LAST_GOOD, staging / LAST_GOOD)
        elif _manifest_status(retired) == "ok":
            os.rename(retired, staging / LAST_GOOD)
    os.rename(staging, final)
    if retired is not None and retired.exists():
        shutil.rmtree(retired)


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int(folder.name.rsplit("-", 2)[-2])
    except (ValueError, IndexError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted(out_dir: Path) -> int:
    """Tidy up after an interrupted run: returns the number of folders dealt with.

    A staging folder left by a process that no longer exists is deleted (its report was never
    installed); a previous report renamed aside is put back if nothing replaced it.
    """
    count = 0
    for folder in Path(out_dir).glob(f"*/{STAGING_PREFIX}*"):
        if folder.is_dir() and not _owner_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
            count += 1
    for folder in Path(out_dir).glob(f"*/{RETIRED_PREFIX}*"):
        if not folder.is_dir() or _owner_alive(folder):
            continue
        original = folder.with_name(folder.name[len(RETIRED_PREFIX) :].rsplit("-", 2)[0])
        if original.exists():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            os.rename(folder, original)
        count += 1
    return count


def _new_staging(spec: RunSpec) -> Path:
    folder = spec.run_dir.with_name(
        f"{STAGING_PREFIX}{spec.slug}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    )
    io.ensure_writable(folder / "manifest.json")
    return folder


def _failed_result(
    job: RunJob, started: str, seconds: float, error: str, detail: str = ""
) -> RunResult:
    """Write a failed manifest for a run that did not report back (timeout, crash).

    Whatever the run had half written is deleted; only its notebook is kept, as the log
    (after the identifier scan, which withholds it on a hit).
    """
    staging = Path(job.staging)
    staging.mkdir(parents=True, exist_ok=True)
    spec = job.spec
    for leftover in staging.iterdir():
        if leftover.name != f"{spec.notebook}.ipynb":
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
    outputs = {"traceback": detail[-2000:]} if detail else {}
    if (staging / f"{spec.notebook}.ipynb").is_file():
        outputs["notebook"] = f"{spec.notebook}.ipynb"
    _, error, outputs, _, scan_seconds = _screened(job, "failed", error, outputs, {})
    result = RunResult(
        notebook=spec.notebook,
        borough=spec.borough,
        slug=spec.slug,
        parameters=spec.parameters,
        status="failed",
        error=error,
        started=started,
        finished=provenance.now_iso(),
        seconds=round(seconds, 2),
        package_version=__version__,
        git_commit=job.git_commit,
        inputs=job.input_hashes,
        outputs=outputs,
        code_fingerprint=job.code_fingerprint,
        isolation=job.isolation,
        scan_seconds=scan_seconds,
    )
    io.write_json(asdict(result), staging / "manifest.json")
    return result


def settle(job: RunJob, finished, started: str, timeout: float | None) -> RunResult:
    """Turn what a worker sent back into a result and install the run's folder.

    Args:
        job: the run.
        finished: a :class:`lscb_analysis.runs.warm_worker.Finished` (``value`` is the
            :class:`RunResult` the child wrote, already in ``job.staging``).
        started: when the run was sent (ISO time), for runs that never reported.
        timeout: the per-run limit, for the message.
    """
    if finished.state == "value":
        result = finished.value
    elif finished.state == "timeout":
        result = _failed_result(
            job,
            started,
            finished.seconds,
            f"TimeoutError: the run was stopped after {timeout:g} s (the limit per run). "
            "Its notebook shows the cell that was running; raise the limit with --timeout.",
        )
    elif finished.state == "crashed":
        result = _failed_result(
            job,
            started,
            finished.seconds,
            f"{finished.error} Its notebook shows how far it got. Run it again; if it happens "
            "again, check the machine has memory to spare (or use fewer --jobs).",
            finished.log,
        )
    else:
        result = _failed_result(
            job,
            started,
            finished.seconds,
            finished.error or f"The run was {finished.state}.",
            finished.detail or finished.log,
        )
    install_run(Path(job.staging), job.spec.run_dir)
    return result
