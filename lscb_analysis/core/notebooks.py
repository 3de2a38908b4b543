"""The notebook registry: ``data/reference/notebooks.yaml`` read in one place.

Each notebook's title, scope, inputs and pack section, and the pack's ``prerequisites`` (the
steps that build what notebooks read). The runner, the pack planner, the report index and the
report's title and print header all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from lscb_analysis.core import io
from lscb_analysis.core.errors import ReferenceDataError

NOTEBOOK_REGISTRY = "notebooks.yaml"
REGISTRY_SECTIONS = ("prerequisites",)  # keys of notebooks.yaml that are not notebooks


def notebook_registry() -> dict:
    """Return the notebooks of ``data/reference/notebooks.yaml``: title, scope, inputs, pack.

    The file's other sections (``prerequisites``) are left out.
    """
    registry = io.read_reference_yaml(NOTEBOOK_REGISTRY) or {}
    return {name: entry for name, entry in registry.items() if name not in REGISTRY_SECTIONS}


@dataclass(frozen=True)
class Prerequisite:
    """A step that builds files notebooks read (``prerequisites`` in notebooks.yaml)."""

    name: str
    title: str
    command: tuple[str, ...]
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    only_when: str | None = None
    issues: dict | None = None
    ok_codes: tuple[int, ...] = (0,)


def prerequisites() -> dict[str, Prerequisite]:
    """Return the prerequisite steps declared in ``data/reference/notebooks.yaml``.

    Raises:
        ReferenceDataError: a step has no ``command`` (the message names it).
    """
    section = (io.read_reference_yaml(NOTEBOOK_REGISTRY) or {}).get("prerequisites") or {}
    steps = {}
    for name, entry in section.items():
        if not entry.get("command"):
            raise ReferenceDataError(
                f"data/reference/notebooks.yaml: prerequisite {name!r} has no command. Give the "
                "lscb command that builds it, e.g. command: [data, build]."
            )
        steps[name] = Prerequisite(
            name=name,
            title=entry.get("title", name),
            command=tuple(entry["command"]),
            inputs=tuple(entry.get("inputs", [])),
            outputs=tuple(entry.get("outputs", [])),
            only_when=entry.get("only_when"),
            issues=entry.get("issues"),
            ok_codes=tuple(entry.get("ok_codes", [0])),
        )
    return steps
