"""Outputs stay in their place: where ``--out`` may point.

Reports, indexes and manifests are written under the project's ``reports/`` folder. ``--out``
may name another folder only inside ``reports/`` or inside a folder named in
``data/reference/output_folders.yaml`` (or in the ``LSCB_OUTPUT_DIRS`` environment variable,
folders separated by ``:``, for a machine's own scratch space). Paths are compared after
resolving ``..`` and symbolic links, so neither can lead a command outside them.
"""

from __future__ import annotations

import os
from pathlib import Path

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import ParameterError

OUTPUT_FOLDERS_FILE = "output_folders.yaml"
OUTPUT_DIRS_VARIABLE = "LSCB_OUTPUT_DIRS"


def allowed_roots() -> list[Path]:
    """The folders outputs may go under, resolved: ``reports/``, then the configured ones.

    Raises: ReferenceDataError when ``output_folders.yaml`` exists but is not valid.
    """
    roots = [paths.reports_dir()]
    if (paths.reference_dir() / OUTPUT_FOLDERS_FILE).is_file():
        configured = io.read_reference_yaml(OUTPUT_FOLDERS_FILE).get("folders") or []
        roots += [paths.project_dir() / str(folder) for folder in configured]
    extra = os.environ.get(OUTPUT_DIRS_VARIABLE, "")
    roots += [Path(folder) for folder in extra.split(os.pathsep) if folder.strip()]
    return [root.expanduser().resolve() for root in roots]


def check_output_folder(folder: str | Path, option: str = "--out") -> Path:
    """Return ``folder`` resolved, when it lies inside one of :func:`allowed_roots`.

    A relative folder is taken from the current directory, as a shell would.

    Raises:
        ParameterError: the folder (after ``..`` and symbolic links) is outside them; the
            message names the option, the path given and where it led, and says what to do.
    """
    given = Path(folder).expanduser()
    resolved = given.resolve()
    roots = allowed_roots()
    if any(resolved == root or resolved.is_relative_to(root) for root in roots):
        return resolved
    raise ParameterError(
        f"{option} {str(given)!r} leads to {resolved}, outside the project's reports folder "
        f"({roots[0]}). Write under reports/ (for example {option} reports/spring), or name "
        f"the folder in data/reference/{OUTPUT_FOLDERS_FILE} first."
    )
