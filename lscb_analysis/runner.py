"""Run a notebook for one, several or all boroughs: papermill, HTML, manifest and index.

``lscb run NOTEBOOK --borough NAME[,NAME...]|all`` checks the parameters first (an unknown
name or a borough that does not resolve stops everything before any kernel starts), then runs
the notebook once per borough in separate worker processes. Each run writes
``<out>/<notebook>/<borough-slug>/`` with the executed notebook, ``report.html`` (code hidden,
exported inside the worker) and ``manifest.json``. A failed run keeps its executed notebook as
its log and the others go on. ``<out>/index.html`` is rebuilt at the end.
"""

from __future__ import annotations

import ast
import logging
import os
import shutil
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jupytext
import nbformat
import yaml
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from tqdm import tqdm

from lscb_analysis import __version__, io, paths, provenance, register, report_index
from lscb_analysis.errors import NotebookRunError, ParameterError

KERNEL_NAME = "lscb"
NOTEBOOK_REGISTRY = "notebooks.yaml"
CELL_TIMEOUT_SECONDS = 600
BOROUGH_PARAMETER = "borough"
LONDON_SLUG = "london"


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


@dataclass
class RunResult:
    """What happened to one run (also the content of its ``manifest.json``)."""

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


def notebook_registry() -> dict:
    """Return ``data/reference/notebooks.yaml``: each notebook's title, scope and inputs."""
    return io.read_reference_yaml(NOTEBOOK_REGISTRY)


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
        "name": KERNEL_NAME, "display_name": "Python (LSCB workbench)", "language": "python",
    }
    return notebook


def parameters_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Return the cells tagged ``parameters``."""
    return [cell for cell in notebook.cells
            if "parameters" in cell.get("metadata", {}).get("tags", [])]


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
    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel as error:
        raise NotebookRunError(
            f"The Jupyter kernel {KERNEL_NAME!r} is not registered in this environment. Run "
            "`make setup` (it registers the kernel inside .venv)."
        ) from error


def plan_runs(
    notebook: str, boroughs: str | None, parameters: dict, out_dir: Path | str | None = None
) -> list[RunSpec]:
    """Check everything about a request and return the runs to make, before anything runs.

    Args:
        notebook: the notebook's name (``borough_profile``).
        boroughs: comma-separated names or ``all``; None for a notebook without a borough.
        parameters: other parameters from ``-p``.
        out_dir: where reports go (default ``reports/``).

    Raises:
        ParameterError: unknown notebook, unknown parameter name (listing the known ones),
            a borough that does not resolve, or a borough given to a London-wide notebook.
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
    entry = notebook_registry().get(Path(notebook).stem, {})
    inputs = [*entry.get("inputs", []), f"notebooks/{Path(notebook).stem}.py"]
    out = str(Path(out_dir) if out_dir else paths.reports_dir())
    name = Path(notebook).stem
    if BOROUGH_PARAMETER not in defaults and boroughs:
        raise ParameterError(f"Notebook {name!r} covers all of London and takes no --borough.")
    if not boroughs and defaults.get(BOROUGH_PARAMETER) is None:
        # A London-wide notebook (or one whose borough view is optional): one run for London.
        return [RunSpec(name, dict(parameters), "London", LONDON_SLUG, out, inputs)]
    try:
        areas = register.resolve_many(boroughs or str(defaults[BOROUGH_PARAMETER]))
    except register.UnknownAreaError as error:
        raise ParameterError(f"--borough: {error}") from error
    return [
        RunSpec(name, {BOROUGH_PARAMETER: area.name, **parameters}, area.name, area.slug, out,
                inputs)
        for area in areas
    ]


def image_descriptions(executed: nbformat.NotebookNode) -> list[str]:
    """Return alt text for each image output, in order: the heading the chart sits under.

    Every chart in a workbench notebook follows a markdown cell that explains it; its first
    line (the section heading) and first sentence describe the chart for screen readers.
    """
    descriptions, context = [], "Chart"
    for cell in executed.cells:
        if cell.cell_type == "markdown":
            lines = [line.strip("# ").strip() for line in cell.source.splitlines() if line.strip()]
            if lines:
                context = f"{lines[0]}: {' '.join(lines[1:])}".rstrip(": ")
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                descriptions.append(context)
    return descriptions


def export_html(executed: nbformat.NotebookNode) -> str:
    """Return the executed notebook as an HTML report with code and prompts hidden.

    Images get alt text from :func:`image_descriptions` (nbconvert's lab template has none).
    """
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    # nbconvert warns about images without alt text, which are given it just below.
    quiet = logging.getLogger(f"{__name__}.nbconvert")
    quiet.setLevel(logging.ERROR)
    exporter = HTMLExporter(template_name="lab", log=quiet)
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(executed)
    soup = BeautifulSoup(body, features="html.parser")
    for image, description in zip(soup.select("img"), image_descriptions(executed),
                                  strict=False):
        image["alt"] = description
    return str(soup)


def _error_text(error: BaseException) -> str:
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    return f"{ename}: {evalue}".strip()


def execute_run(spec: RunSpec) -> RunResult:
    """Run one notebook with papermill, export its HTML and write its manifest.

    Runs in a worker process. Never raises for a failing notebook: the failure is recorded in
    the result and the manifest, and the executed notebook (with the error) is kept as its log.
    """
    import papermill
    from traitlets.config import Config

    run_dir = spec.run_dir
    io.ensure_writable(run_dir / "manifest.json")
    for stale in ("report.html", f"{spec.notebook}.ipynb"):
        (run_dir / stale).unlink(missing_ok=True)
    executed_path = run_dir / f"{spec.notebook}.ipynb"
    started, clock = provenance.now_iso(), time.monotonic()
    status, error, outputs = "ok", None, {"notebook": executed_path.name}
    # Local sockets, not TCP, so a kernel's traffic never touches the network stack; each run
    # gets its own socket folder so parallel kernels cannot cross wires.
    sockets = tempfile.mkdtemp(prefix="lscb-kernel-")
    kernel_config = Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}})
    try:
        executed = papermill.execute_notebook(
            load_notebook(spec.notebook), str(executed_path), parameters=spec.parameters,
            kernel_name=KERNEL_NAME, cwd=str(paths.project_dir()), progress_bar=False,
            execution_timeout=CELL_TIMEOUT_SECONDS,
            config=kernel_config,
        )
        io.write_text(export_html(executed), run_dir / "report.html")
        outputs["html"] = "report.html"
    except Exception as failure:  # any failure is recorded in the manifest; other runs go on
        status, error = "failed", _error_text(failure)
        if not executed_path.exists():
            outputs.pop("notebook")
        outputs["traceback"] = "".join(traceback.format_exception_only(failure)).strip()[:2000]
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    result = RunResult(
        notebook=spec.notebook, borough=spec.borough, slug=spec.slug,
        parameters=spec.parameters, status=status, error=error, started=started,
        finished=provenance.now_iso(), seconds=round(time.monotonic() - clock, 2),
        package_version=__version__, git_commit=provenance.git_commit(),
        inputs=provenance.input_hashes(spec.inputs), outputs=outputs,
    )
    io.write_json(asdict(result), run_dir / "manifest.json")
    return result


def run_notebook(
    notebook: str, boroughs: str | None = None, parameters: dict | None = None,
    jobs: int | None = None, out_dir: Path | str | None = None, progress: bool = True,
) -> list[RunResult]:
    """Plan, run in parallel, and index. Returns one result per run, in plan order.

    Raises:
        ParameterError: see :func:`plan_runs` (raised before anything runs).
        NotebookRunError: the kernel is not registered.
    """
    specs = plan_runs(notebook, boroughs, parameters or {}, out_dir)
    check_kernel()
    workers = max(1, min(jobs or os.cpu_count() or 1, len(specs)))
    results: dict[int, RunResult] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(execute_run, spec): index for index, spec in enumerate(specs)}
        bar = tqdm(total=len(specs), desc=f"{specs[0].notebook}", unit="run", disable=not progress)
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            bar.set_postfix_str(f"{result.borough}: {result.status}")
            bar.update()
        bar.close()
    report_index.write_index(Path(specs[0].out_dir))
    return [results[index] for index in range(len(specs))]
