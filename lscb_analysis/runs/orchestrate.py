"""Running plans: stages of runs through an executor, and report packs with their steps.

:func:`run_notebook` plans one notebook's runs and runs them; :func:`run_stages` sends planned
runs (:func:`lscb_analysis.runs.planning.plan_runs`) to an executor stage after stage, skipping
unchanged runs, installing each as it finishes and rebuilding the report index;
:func:`run_pack` runs a pack's stale prerequisite steps (:mod:`lscb_analysis.runs.pack`) and
then its notebooks. The runner executes one run; this module orchestrates many.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from lscb_analysis.core import notebooks, paths, provenance
from lscb_analysis.core.errors import ParameterError
from lscb_analysis.present import pdf_print
from lscb_analysis.qa import audit_ingest
from lscb_analysis.runs import executors, pack, report_index
from lscb_analysis.runs.install import (
    new_staging,
    recover_interrupted,
    remove_own_staging,
    settle,
)
from lscb_analysis.runs.planning import check_kernel, plan_runs, tier_out_dir
from lscb_analysis.runs.run_record import (
    RunJob,
    RunResult,
    RunSpec,
    change_reason,
    code_fingerprint,
    read_manifest,
    result_from_manifest,
)
from lscb_analysis.runs.runner import ISOLATIONS, RUN_TIMEOUT_SECONDS
from lscb_analysis.runs.screening import identifier_error, screen_step_outputs

logger = logging.getLogger(__name__)


class _Hashes:
    """Input hashes, each file hashed once per invocation."""

    def __init__(self):
        self.known: dict[str, str | None] = {}

    def __call__(self, inputs: list[str]) -> dict:
        missing = [item for item in inputs if item not in self.known]
        self.known.update(provenance.input_hashes(missing))
        return {item: self.known[item] for item in inputs}


def _progress(total: int, label: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="run", disable=not enabled, smoothing=0.1)


def run_stages(
    stages: list[list[RunSpec]],
    *,
    jobs: int | None = None,
    force: bool = False,
    timeout: float | None = RUN_TIMEOUT_SECONDS,
    isolation: str = "process",
    executor: str = "local",
    scheduler: str | None = None,
    ship_inputs: bool = True,
    progress: bool = True,
    label: str = "runs",
    pdf: bool = False,
) -> list[RunResult]:
    """Run planned runs, stage after stage (each stage may read what earlier ones wrote).

    Args:
        stages: lists of runs from :func:`lscb_analysis.runs.planning.plan_runs`; all with the same ``out_dir``.
        jobs: runs at a time (default: the number of cores; for Dask, the cluster's threads).
        force: re-run even runs that are unchanged since their last successful run.
        timeout: seconds before a run is stopped and reported as failed (None: no limit).
        isolation: ``process`` (fork of a warm worker, in-process kernel) or ``kernel``
            (fork of a warm worker that starts a fresh ``lscb`` kernel).
        executor: ``local`` or ``dask``; ``scheduler`` is a Dask scheduler address (none: a
            local Dask cluster); ``ship_inputs`` sends the inputs with each run (False: the
            Dask workers read the project folder at the same path).
        progress: show a progress bar (done, failed, skipped and time left).
        label: the progress bar's name.
        pdf: also print each report to ``report.pdf`` (:mod:`lscb_analysis.present.pdf_print`); a
            run whose PDF is missing is not skipped.

    Returns:
        One result per run, in plan order; skipped runs have status ``skipped``.

    Raises:
        ParameterError: an unknown isolation or executor.
        NotebookRunError: the kernel is not registered (kernel isolation) or workers could
            not start.
        BrowserMissingError: ``pdf`` and Chromium or playwright is missing (before any run).
        KeyboardInterrupt: after stopping the running runs and discarding their staging
            folders (reports already installed stay; the index is rebuilt).
    """
    if isolation not in ISOLATIONS:
        raise ParameterError(f"--isolation {isolation!r}: use one of {', '.join(ISOLATIONS)}.")
    if executor not in executors.EXECUTORS:
        raise ParameterError(
            f"--executor {executor!r}: use one of {', '.join(executors.EXECUTORS)}."
        )
    specs = [spec for stage in stages for spec in stage]
    if not specs:
        return []
    if pdf:
        pdf_print.check_printer()
    out = Path(specs[0].out_dir)
    recover_interrupted(out)
    code, commit, hashes = code_fingerprint(), provenance.git_commit(), _Hashes()
    results: dict[int, RunResult] = {}
    reasons: dict[str, str] = {}
    pending: list[list[tuple[int, RunSpec, dict]]] = []
    position = 0
    for stage in stages:
        todo = []
        for spec in stage:
            spec_hashes = hashes(spec.inputs)
            reason = "--force" if force else change_reason(spec, spec_hashes, code, pdf)
            if reason is None:
                previous = result_from_manifest(read_manifest(spec.run_dir))
                results[position] = replace(previous, status="skipped")
                reasons[spec.key] = f"unchanged since {previous.finished}"
            else:
                todo.append((position, spec, spec_hashes))
                reasons[spec.key] = reason
            logger.info("%s: %s", spec.key, reasons[spec.key])
            position += 1
        if todo:
            pending.append(todo)
    try:
        if pending:
            if isolation == "kernel":
                check_kernel()
            jobs_to_run = sum(len(stage) for stage in pending)
            references = _case_references()
            with executors.make_executor(
                executor, jobs or os.cpu_count() or 1, scheduler, ship_inputs, jobs_to_run
            ) as pool:
                _run_pending(
                    pool,
                    pending,
                    results,
                    (commit, code, isolation, references, pdf),
                    timeout,
                    len(specs) - jobs_to_run,
                    progress,
                    label,
                )
    except KeyboardInterrupt:
        remove_own_staging(out)
        raise
    finally:
        done = [results[i] for i in sorted(results)]
        report_index.record_outcomes(out, done, reasons)
        report_index.write_index(out)
    return [results[index] for index in range(len(specs))]


def _case_references() -> tuple[str, ...]:
    """The raw audit case references, for the publication scan (read once per invocation)."""
    return tuple(audit_ingest.raw_case_references())


def _run_pending(pool, pending, results, context, timeout, skipped, progress, label) -> None:
    """Send the runs to ``pool`` stage by stage, install each as it finishes.

    ``context`` is ``(git commit, code fingerprint, isolation, case references, pdf)``.
    """
    commit, code, isolation, references, pdf = context
    counts = {"ok": 0, "failed": 0}
    bar = _progress(sum(len(stage) for stage in pending), label, progress)
    bar.set_postfix_str(f"ok 0, failed 0, skipped {skipped}")
    active: dict[str, tuple[int, RunJob, str]] = {}
    try:
        for stage in pending:
            queue = deque(stage)
            while queue or active:
                while queue and len(active) < pool.capacity:
                    index, spec, spec_hashes = queue.popleft()
                    job = RunJob(
                        spec,
                        str(new_staging(spec)),
                        isolation,
                        spec_hashes,
                        code,
                        commit,
                        str(paths.project_dir()),
                        references,
                        pdf,
                    )
                    pool.submit(job, timeout)
                    active[job.key] = (index, job, provenance.now_iso())
                for finished in pool.poll(1.0):
                    index, job, started = active.pop(finished.key)
                    result = settle(job, finished, started, timeout)
                    results[index] = result
                    counts["ok" if result.status == "ok" else "failed"] += 1
                    bar.set_postfix_str(
                        f"ok {counts['ok']}, failed {counts['failed']}, "
                        f"skipped {skipped}; {result.notebook} {result.borough}: "
                        f"{result.status}"
                    )
                    bar.update()
    except KeyboardInterrupt:
        pool.cancel_all()
        for _, job, _ in active.values():
            shutil.rmtree(job.staging, ignore_errors=True)
        raise
    finally:
        bar.close()


def run_notebook(
    notebook: str,
    boroughs: str | None = None,
    parameters: dict | None = None,
    jobs: int | None = None,
    out_dir: Path | str | None = None,
    progress: bool = True,
    force: bool = False,
    timeout: float | None = RUN_TIMEOUT_SECONDS,
    isolation: str = "process",
    executor: str = "local",
    scheduler: str | None = None,
    analyst: bool = False,
    pdf: bool = False,
) -> list[RunResult]:
    """Plan, run in parallel (skipping unchanged runs), and index.

    Returns one result per run, in plan order. See :func:`run_stages` for the options and
    :func:`plan_runs` for ``analyst`` (reports and index under ``<out_dir>/analyst/``).

    Raises:
        ParameterError: see :func:`plan_runs` (raised before anything runs).
        NotebookRunError: the kernel is not registered, or the workers could not start.
    """
    specs = plan_runs(notebook, boroughs, parameters or {}, out_dir, analyst=analyst)
    return run_stages(
        [specs],
        jobs=jobs,
        force=force,
        timeout=timeout,
        isolation=isolation,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
        label=specs[0].notebook,
        pdf=pdf,
    )


def summary_line(results: list[RunResult]) -> str:
    """One line on how runs went.

    >>> r = RunResult("n", "A", "a", {}, "ok", None, "", "", 1.0, "0", None, {}, {})
    >>> summary_line([r, replace(r, status="skipped"), replace(r, status="failed")])
    '2 of 3 runs ok (1 ran, 1 unchanged since the last successful run, skipped); 1 failed.'
    """
    counts = {
        status: sum(r.status == status for r in results) for status in ("ok", "skipped", "failed")
    }
    line = f"{counts['ok'] + counts['skipped']} of {len(results)} runs ok"
    if counts["skipped"]:
        line += (
            f" ({counts['ok']} ran, {counts['skipped']} unchanged since the last "
            "successful run, skipped)"
        )
    return line + (f"; {counts['failed']} failed." if counts["failed"] else ".")


@dataclass
class StepResult:
    """What a pack did with a prerequisite step.

    ``status`` is ``ran``, ``failed``, ``fresh`` or ``not applicable``; ``reason`` says why
    it ran or not; ``output`` is the end of a failed step's messages.
    """

    name: str
    title: str
    status: str
    reason: str
    seconds: float = 0.0
    output: str = ""


def run_prerequisites(
    plan, timeout: float | None = RUN_TIMEOUT_SECONDS, beside=()
) -> list[StepResult]:
    """Run a pack's stale prerequisite steps, in order, each as an ``lscb`` command.

    Args:
        plan: a :class:`lscb_analysis.runs.pack.PackPlan`.
        timeout: seconds before a step is stopped and reported as failed.
        beside: the runs going on at the same time (:func:`run_pack`); their folders are left
            out of the scan of what each step wrote, since each run screens its own outputs.

    Returns:
        One :class:`StepResult` per step of the plan.
    """
    results = []
    references = None  # the raw audit case references, read once when a step has run
    for planned in plan.steps:
        step = planned.step
        if planned.action != "run":
            results.append(StepResult(step.name, step.title, planned.action, planned.reason))
            continue
        clock, started_ns = time.monotonic(), time.time_ns()
        pack.record_step(step, running=True)
        try:
            done = subprocess.run(
                pack.step_command(step),
                env=pack.step_env(),
                cwd=paths.project_dir(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            failed = done.returncode not in step.ok_codes
            output = done.stderr or done.stdout
        except subprocess.TimeoutExpired:
            failed, output = True, f"stopped after {timeout:g} s (the limit per step)"
        if references is None:
            references = _case_references()
        findings = screen_step_outputs(
            started_ns, references, skip=[spec.run_dir for spec in beside]
        )
        if not findings.empty:
            failed, output = True, identifier_error(findings)
        seconds = round(time.monotonic() - clock, 2)
        if failed:
            results.append(
                StepResult(
                    step.name, step.title, "failed", planned.reason, seconds, output.strip()[-2000:]
                )
            )
        else:
            pack.record_step(step)
            results.append(StepResult(step.name, step.title, "ran", planned.reason, seconds))
    return results


def run_pack(
    period=None,
    boroughs: str | None = "london",
    *,
    jobs: int | None = None,
    force: bool = False,
    timeout: float | None = RUN_TIMEOUT_SECONDS,
    isolation: str = "process",
    executor: str = "local",
    scheduler: str | None = None,
    ship_inputs: bool = True,
    out_dir: Path | str | None = None,
    progress: bool = True,
    analyst: bool = False,
    pdf: bool = False,
):
    """Plan and run a report pack: prerequisite steps, then every notebook, then the index.

    The runs of notebooks that read nothing a stale step writes (``needs``, ``uses`` and
    ``depends_on`` in notebooks.yaml) go on while the steps run; the others start once the
    steps are done.

    Args:
        period, boroughs, analyst: see :func:`lscb_analysis.runs.pack.plan_pack` (``analyst``:
            only the notebooks with a ``tier``, under ``<out_dir>/analyst/``).
        Other options: see :func:`run_stages`; ``force`` also re-runs every step.

    Returns:
        ``(plan, step results, run results)``, the runs in plan order. Runs of a notebook
        whose prerequisite step failed are not made (their previous reports stay).

    Raises:
        ParameterError, ReferenceDataError: see :func:`lscb_analysis.runs.pack.plan_pack` (raised
            before anything runs).
        KeyboardInterrupt: see :func:`run_stages`.
    """
    plan = pack.plan_pack(period, boroughs, out_dir, force, analyst=analyst)
    registry = notebooks.notebook_registry()
    options = dict(
        jobs=jobs,
        force=force,
        timeout=timeout,
        isolation=isolation,
        executor=executor,
        scheduler=scheduler,
        ship_inputs=ship_inputs,
        progress=progress,
        label="pack",
        pdf=pdf,
    )
    # Steps run one at a time on one core, so the runs that read nothing a step writes go on
    # beside them instead of leaving the other cores idle.
    now, after_steps = pack.split_on_steps(plan, registry)
    beside = [spec for stage in now for spec in stage]
    with ThreadPoolExecutor(max_workers=1) as background:
        stepping = background.submit(run_prerequisites, plan, timeout, beside)
        results = run_stages(now, **options)
        steps = stepping.result()
    broken = {step.name for step in steps if step.status == "failed"}
    stages = [
        [
            spec
            for spec in stage
            if not broken
            & set((registry.get(spec.notebook) or {}).get("pack", {}).get("needs", []))
        ]
        for stage in after_steps
    ]
    results += run_stages([stage for stage in stages if stage], **options)
    order = {(spec.notebook, spec.slug): i for i, spec in enumerate(plan.runs)}
    results.sort(key=lambda result: order.get((result.notebook, result.slug), len(order)))
    if not results:
        out = tier_out_dir(out_dir, analyst)
        out.mkdir(parents=True, exist_ok=True)
        report_index.write_index(out)
    return plan, steps, results
