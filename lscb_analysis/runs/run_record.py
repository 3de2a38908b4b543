"""The record of one run: what is planned, what a worker gets, what happened, and when to skip.

:class:`RunSpec` (a notebook, its parameters, its folder), :class:`RunJob` (a spec plus what the
orchestrator knows: staging folder, input hashes, code fingerprint) and :class:`RunResult`
(the content of a run's ``manifest.json``). :func:`change_reason` reads the last manifest to
decide whether a run is unchanged (same notebook source, parameters, input hashes, workbench
version and :func:`code_fingerprint`) and can be skipped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from lscb_analysis import __version__

LAST_GOOD = "last_good"


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
    per invocation for the publication scan
    (:func:`lscb_analysis.runs.screening.screen_outputs`); they stay in memory (never in a
    manifest, a log or a message) and are left out of the job's ``repr``.
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
    the time the publication scan of the run's outputs took
    (:func:`lscb_analysis.runs.screening.screen_outputs`).
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


def read_manifest(run_dir: Path) -> dict | None:
    """Return the ``manifest.json`` of a run folder as a dict; None when missing or unreadable."""
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
    manifest = read_manifest(spec.run_dir)
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
