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

This module does step 3, executing one run (:func:`execute_run`) and preparing the warm worker
it runs in (:func:`warm_up`). Step 1 is :mod:`lscb_analysis.runs.planning`, step 2
:func:`lscb_analysis.runs.run_record.change_reason`, step 4 :mod:`lscb_analysis.runs.install`
and the publication scan :mod:`lscb_analysis.runs.screening`; many runs are driven by
:mod:`lscb_analysis.runs.orchestrate`. Runs go to local warm workers or to a Dask cluster
(:mod:`lscb_analysis.runs.executors`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

import nbformat

from lscb_analysis import __version__
from lscb_analysis.core import io, paths, provenance
from lscb_analysis.core.errors import LscbError
from lscb_analysis.present import report_html
from lscb_analysis.runs import report_index
from lscb_analysis.runs.planning import (
    KERNEL_NAME,
    TIER_PARAMETER,
    load_notebook,
    notebook_parameters,
)
from lscb_analysis.runs.run_record import RunJob, RunResult, RunSpec
from lscb_analysis.runs.screening import screen_run, with_display_guard

CELL_TIMEOUT_SECONDS = 600

RUN_TIMEOUT_SECONDS = 1800

ISOLATIONS = ("process", "kernel")

RUN_DIR_VARIABLE = "LSCB_RUN_DIR"

WARM_UP = "lscb_analysis.runs.runner:warm_up"

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


def _with_defaults(spec: RunSpec) -> dict:
    """The run's parameters over the notebook's own defaults (for the report's title)."""
    try:
        defaults = notebook_parameters(load_notebook(spec.notebook))
    except LscbError:
        defaults = {}
    return {**defaults, **spec.parameters}


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
    anything is kept (:func:`lscb_analysis.runs.screening.screen_outputs`): on a hit the run
    fails and its outputs are withheld. Never raises for a failing notebook: the failure is
    recorded in the result and the manifest, and the executed notebook (with the error) is
    kept as its log.

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
    status, error, outputs, index, scan_seconds = screen_run(job, status, error, outputs, index)
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
    report_html.export_html(_warm_notebook())
    return {"modules": len(names) - len(failed), "failed": failed}
