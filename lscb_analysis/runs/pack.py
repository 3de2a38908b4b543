"""What a report pack consists of: prerequisite steps, then every notebook that applies.

A pack (``lscb pack``) is the quarterly job: every per-borough notebook for each borough, every
London-wide notebook once, with the data they read brought up to date first. It is described
in ``data/reference/notebooks.yaml``, not in code:

- ``prerequisites``: steps that build what notebooks read, each with the ``lscb`` command that
  does it, its ``inputs`` and ``outputs``, optionally ``only_when`` (a folder that must hold
  files, e.g. survey returns), ``issues`` (its validation table, counted in the index) and
  ``ok_codes`` (exit codes that mean it worked, default 0; an ingest that rejects a file but
  writes everything else may exit 1).
- each notebook's ``pack`` section: ``needs`` (prerequisite steps without which it does not
  apply), ``uses`` (steps brought up to date first when they apply, but not required),
  ``depends_on`` (notebooks whose runs must finish first) and ``only_when``.

This module only plans (the runner executes): :func:`plan_pack` returns the steps with their
state (fresh, stale or not applicable) and the runs in dependency order. A step is stale when
an output is missing or an input changed since it last ran (recorded in
``data/processed/.pack_steps.json``; with no record, when an output is older than an input).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from lscb_analysis.core import io, notebooks, paths, provenance, register
from lscb_analysis.core.errors import ParameterError, ReferenceDataError
from lscb_analysis.core.notebooks import Prerequisite, prerequisites  # noqa: F401  (pack.prerequisites, as before)
from lscb_analysis.runs import planning, run_record

STEP_RECORD = ".pack_steps.json"
IGNORED_FILES = ("README.md", ".gitkeep")
AREA_CHOICES = ("all", "london", "england")
RUNNING = "_running"


@dataclass
class StepPlan:
    """A prerequisite and what the pack will do with it: ``run``, ``fresh`` or ``not applicable``."""

    step: Prerequisite
    action: str
    reason: str


@dataclass
class PackPlan:
    """A planned pack: the steps, then the runs in stages (a stage waits for the one before)."""

    period: object
    areas: str
    steps: list[StepPlan] = field(default_factory=list)
    stages: list[list[run_record.RunSpec]] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def runs(self) -> list[run_record.RunSpec]:
        """Every run of the pack, in order."""
        return [spec for stage in self.stages for spec in stage]


def has_files(relative: str) -> bool:
    """True when a project folder holds at least one file (README.md and hidden files aside)."""
    folder = paths.project_dir() / relative
    return folder.is_dir() and any(
        path.is_file() and path.name not in IGNORED_FILES and not path.name.startswith(".")
        for path in folder.rglob("*")
    )


def _step_record() -> dict:
    try:
        return json.loads((paths.processed_dir() / STEP_RECORD).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def record_step(step: Prerequisite, running: bool = False) -> None:
    """Remember the input hashes a step was run (or found fresh) with.

    With ``running``, mark the step as started instead: until it finishes and is recorded
    again, it counts as stale (an interrupted step may have left half-written outputs).
    """
    record = _step_record()
    record[step.name] = {RUNNING: True} if running else provenance.input_hashes(list(step.inputs))
    io.write_json(record, paths.processed_dir() / STEP_RECORD)


def _newest_input(step: Prerequisite) -> float:
    newest = 0.0
    for relative in step.inputs:
        path = paths.project_dir() / relative
        members = [path] if path.is_file() else (path.rglob("*") if path.is_dir() else [])
        for member in members:
            if member.is_file():
                newest = max(newest, member.stat().st_mtime)
    return newest


def step_state(step: Prerequisite, force: bool = False) -> StepPlan:
    """Decide whether a prerequisite must run.

    Returns:
        A :class:`StepPlan` whose ``action`` is ``not applicable`` (its ``only_when`` folder
        holds no files), ``run`` (forced, an output missing, or an input changed) or
        ``fresh``, with the reason in words.
    """
    if step.only_when and not has_files(step.only_when):
        return StepPlan(step, "not applicable", f"no files in {step.only_when}")
    if force:
        return StepPlan(step, "run", "--force")
    missing = [o for o in step.outputs if not (paths.project_dir() / o).exists()]
    if missing:
        return StepPlan(step, "run", f"{missing[0]} is missing")
    recorded = _step_record().get(step.name)
    if recorded is None:
        oldest_output = (
            min((paths.project_dir() / o).stat().st_mtime for o in step.outputs)
            if step.outputs
            else 0.0
        )
        if step.outputs and oldest_output >= _newest_input(step):
            record_step(step)
            return StepPlan(step, "fresh", "outputs newer than every input")
        return StepPlan(step, "run", "no record of its inputs, and an input is newer")
    if recorded.get(RUNNING):
        return StepPlan(step, "run", "its last run did not finish")
    current = provenance.input_hashes(list(step.inputs))
    changed = [name for name in step.inputs if current.get(name) != recorded.get(name)]
    if changed:
        return StepPlan(step, "run", f"{changed[0]} changed")
    return StepPlan(step, "fresh", "inputs unchanged")


def pack_areas(boroughs: str | None) -> list[register.LocalAuthority]:
    """Return the boroughs of a pack: ``all``/``london`` (33), ``england`` (153) or a list.

    >>> len(pack_areas("england")), len(pack_areas("london"))
    (153, 33)

    Raises:
        ParameterError: a name in the list does not resolve.
    """
    text = (boroughs or "london").strip()
    if text.lower() in ("all", "london"):
        return register.london_boroughs()
    if text.lower() == "england":
        table = register.load_register()
        current = table[table["is_current"] == "yes"]
        return [register.resolve(number) for number in current["la_number"]]
    try:
        return register.resolve_many(text)
    except register.UnknownAreaError as error:
        raise ParameterError(f"--boroughs: {error}") from error


def notebook_stages(registry: dict) -> list[list[str]]:
    """Order notebooks so each comes after those in its ``pack.depends_on``.

    >>> notebook_stages({"a": {"pack": {"depends_on": ["b"]}}, "b": {}, "c": {}})
    [['b', 'c'], ['a']]

    Raises:
        ReferenceDataError: a dependency is not a notebook, or dependencies form a loop.
    """
    waiting = {
        name: set((entry or {}).get("pack", {}).get("depends_on", []))
        for name, entry in registry.items()
    }
    for name, needs in waiting.items():
        unknown = needs - set(registry)
        if unknown:
            raise ReferenceDataError(
                f"data/reference/notebooks.yaml: {name!r} depends on {sorted(unknown)}, which "
                "are not notebooks there."
            )
    stages, done = [], set()
    while waiting:
        ready = sorted(name for name, needs in waiting.items() if needs <= done)
        if not ready:
            raise ReferenceDataError(
                "data/reference/notebooks.yaml: the depends_on of "
                f"{', '.join(sorted(waiting))} form a loop. Remove one of them."
            )
        stages.append(ready)
        done.update(ready)
        for name in ready:
            del waiting[name]
    return stages


def plan_pack(
    period=None,
    boroughs: str | None = "london",
    out_dir: Path | str | None = None,
    force: bool = False,
    analyst: bool = False,
) -> PackPlan:
    """Plan a pack: which steps run, and every run of every notebook that applies.

    Args:
        period: the reporting period, passed to each notebook that has a ``period``
            parameter (None: each notebook's default, usually the latest).
        boroughs: ``all``/``london``, ``england`` or a comma-separated list.
        out_dir: reports folder (default ``reports/``).
        force: plan every prerequisite step to run.
        analyst: the analyst pack (``lscb pack --analyst``): only the notebooks with a
            ``tier`` parameter, run with ``tier="analyst"`` into ``<out_dir>/analyst/``
            (the others are listed as not applicable).

    Raises:
        ParameterError: a borough that does not resolve, or a notebook the registry names
            that has no file.
        ReferenceDataError: a ``needs`` names no prerequisite, or ``depends_on`` is wrong.
    """
    areas = pack_areas(boroughs)
    steps = prerequisites()
    registry = notebooks.notebook_registry()
    plan = PackPlan(period=period, areas=boroughs or "london")
    needed: list[str] = []
    for stage_names in notebook_stages(registry):
        stage = []
        for name in stage_names:
            entry = registry[name] or {}
            settings = entry.get("pack", {}) or {}
            unknown = [
                s for s in [*settings.get("needs", []), *settings.get("uses", [])] if s not in steps
            ]
            if unknown:
                raise ReferenceDataError(
                    f"data/reference/notebooks.yaml: {name!r} needs {unknown}, which are not "
                    "in its prerequisites section."
                )
            blocked = [
                s
                for s in settings.get("needs", [])
                if steps[s].only_when and not has_files(steps[s].only_when)
            ]
            if settings.get("only_when") and not has_files(settings["only_when"]):
                plan.not_applicable.append((name, f"no files in {settings['only_when']}"))
                continue
            if blocked:
                plan.not_applicable.append(
                    (name, f"no files in {steps[blocked[0]].only_when} for {blocked[0]}")
                )
                continue
            defaults = planning.notebook_parameters(planning.load_notebook(name))
            if analyst and planning.TIER_PARAMETER not in defaults:
                plan.not_applicable.append(
                    (name, "no analyst tier (its report is the same for everyone)")
                )
                continue
            parameters = {"period": period} if period is not None and "period" in defaults else {}
            if "boards" in defaults:
                # A London report that writes a workbook per board writes the pack's boards.
                parameters["boards"] = boroughs or "london"
            # The period is given to the pack as --period: messages name it so.
            stage += planning.plan_runs(
                name,
                None,
                parameters,
                out_dir,
                areas=areas if entry.get("scope") == "borough" else None,
                analyst=analyst,
                given_as={"period": "--period"},
            )
            needed += [
                s
                for s in [*settings.get("needs", []), *settings.get("uses", [])]
                if s not in needed
            ]
        if stage:
            plan.stages.append(stage)
    plan.steps = [step_state(steps[name], force) for name in steps if name in needed]
    return plan


def step_command(step: Prerequisite) -> list[str]:
    """Return the command line that runs a step (``python -m lscb_analysis ...``)."""
    import sys

    return [sys.executable, "-m", "lscb_analysis", *step.command]


def step_env() -> dict:
    """Return the environment a step runs in (the same project folder)."""
    return {**os.environ, paths.PROJECT_DIR_VARIABLE: str(paths.project_dir())}


def split_on_steps(plan: PackPlan, registry: dict) -> tuple[list[list], list[list]]:
    """Split a pack's stages into runs that may start while its steps run, and the rest.

    A notebook's runs may start at once when none of its ``needs`` or ``uses`` is a step the
    plan runs and every notebook in its ``depends_on`` may start at once too; the others wait
    for the steps (they read what the steps write). Input: a plan from :func:`plan_pack` and
    the notebook registry. Output: ``(now, after_steps)``, each a list of stages (lists of
    runs) in the plan's order, without empty stages. Raises nothing.

    >>> from types import SimpleNamespace as Item
    >>> steps = [Item(step=Item(name="pilot_ingest"), action="run")]
    >>> plan = PackPlan(None, "london", steps, [[Item(notebook="profile"), Item(notebook="card")]])
    >>> registry = {"profile": {}, "card": {"pack": {"uses": ["pilot_ingest"]}}}
    >>> [[run.notebook for run in stage] for stage in split_on_steps(plan, registry)[0]]
    [['profile']]
    """
    running = {planned.step.name for planned in plan.steps if planned.action == "run"}
    waiting: set[str] = set()
    now, after_steps = [], []
    for stage in plan.stages:
        for spec in stage:
            settings = (registry.get(spec.notebook) or {}).get("pack", {}) or {}
            uses = {*settings.get("needs", []), *settings.get("uses", [])}
            if uses & running or set(settings.get("depends_on", [])) & waiting:
                waiting.add(spec.notebook)
        now.append([spec for spec in stage if spec.notebook not in waiting])
        after_steps.append([spec for spec in stage if spec.notebook in waiting])
    return [stage for stage in now if stage], [stage for stage in after_steps if stage]
