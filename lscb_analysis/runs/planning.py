"""Planning runs: find and read a notebook, check its parameters, list one run per borough.

Step 1 of ``lscb run`` (see :mod:`lscb_analysis.runs.runner`): everything about a request is
checked before anything runs (an unknown notebook or parameter name, a borough that does not
resolve, ``--analyst`` for a notebook without a tier) and :func:`plan_runs` returns the
:class:`~lscb_analysis.runs.run_record.RunSpec` list.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import yaml

from lscb_analysis.core import parameter_rules, paths, register
from lscb_analysis.core.errors import NotebookRunError, ParameterError
from lscb_analysis.core.notebooks import notebook_registry
from lscb_analysis.runs.run_record import RunSpec

KERNEL_NAME = "lscb"
BOROUGH_PARAMETER = "borough"
LONDON_SLUG = "london"
ANALYST_FOLDER = "analyst"
TIER_PARAMETER = "tier"


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


def run_slug(notebook: str, slug: str, parameters: dict) -> str:
    """The run's folder name: the borough's slug, then each ``folder_parameters`` value given.

    A notebook's ``folder_parameters`` in ``notebooks.yaml`` are the parameters that change
    what it shows for one borough (the score card's ``subgroup``): each one given (not empty
    nor "all") is added to the folder name, so ``-p subgroup=LADO`` writes
    ``<out>/scorecard/barnet--lado/`` and never replaces Barnet's full card
    (``<out>/scorecard/barnet/``). "&" is read as "and", case and spaces are ignored.

    >>> run_slug("probe", "barnet", {"subgroup": "Young & Safe"})
    'barnet'
    """
    entry = notebook_registry().get(Path(notebook).stem) or {}
    parts = [slug]
    for name in entry.get("folder_parameters") or []:
        value = parameters.get(name)
        text = "" if value is None else str(value).replace("&", " and ").strip()
        if text and text.lower() != "all":
            parts.append(register.slugify(text))
    return "--".join(parts)


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
    given_as: dict[str, str] | None = None,
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
        given_as: parameter name -> the option it came from, for messages (the pack's
            ``--period``).

    Raises:
        ParameterError: unknown notebook, unknown parameter name (listing the known ones), a
            value that breaks its rule in notebooks.yaml (:mod:`lscb_analysis.core.parameter_rules`),
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
    rules = (notebook_registry().get(Path(notebook).stem) or {}).get("parameters")
    parameter_rules.check_parameters(Path(notebook).stem, parameters, rules or {}, given_as)
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
            run_slug(name, area.slug, parameters),
            out,
            run_inputs(name, area),
        )
        for area in areas
    ]
