"""Outputs stay in their place: where ``--out`` may point.

Reports, indexes, manifests, templates and workbooks to send out are written under the
project's ``reports/`` folder. ``--out`` of any command may name another file or folder only
inside ``reports/`` or inside a folder named in ``data/reference/output_folders.yaml`` (or in
the ``LSCB_OUTPUT_DIRS`` environment variable, folders separated by ``:``, for a machine's own
scratch space). Outputs that hold case references (an audit sample) go under
``data/processed/`` instead, never under ``reports/``, which is published. Paths are compared
after resolving ``..`` and symbolic links, so neither can lead a command outside them.
"""

from __future__ import annotations

import os
from pathlib import Path

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import ParameterError

OUTPUT_FOLDERS_FILE = "output_folders.yaml"
OUTPUT_DIRS_VARIABLE = "LSCB_OUTPUT_DIRS"


#: What an output holds, and so the project folder it belongs under first.
OUTPUT_HOMES = {"reports": paths.reports_dir, "case references": paths.processed_dir}


def allowed_roots(holds: str = "reports") -> list[Path]:
    """The folders outputs may go under, resolved: the home of what they hold (``reports/``,
    or ``data/processed/`` for outputs holding case references), then the configured ones.

    Raises: ReferenceDataError when ``output_folders.yaml`` exists but is not valid.
    """
    roots = [OUTPUT_HOMES[holds]()]
    if (paths.reference_dir() / OUTPUT_FOLDERS_FILE).is_file():
        configured = io.read_reference_yaml(OUTPUT_FOLDERS_FILE).get("folders") or []
        roots += [paths.project_dir() / str(folder) for folder in configured]
    extra = os.environ.get(OUTPUT_DIRS_VARIABLE, "")
    roots += [Path(folder) for folder in extra.split(os.pathsep) if folder.strip()]
    return [root.expanduser().resolve() for root in roots]


def check_output_folder(folder: str | Path, option: str = "--out", holds: str = "reports") -> Path:
    """Return ``folder`` (a folder or a file to write) resolved, when it lies inside one of
    :func:`allowed_roots` for what it ``holds`` (a key of :data:`OUTPUT_HOMES`).

    A relative path is taken from the current directory, as a shell would.

    Raises:
        ParameterError: the path (after ``..`` and symbolic links) is outside them; the
            message names the option, the path given and where it led, and says what to do.
    """
    given = Path(folder).expanduser()
    resolved = given.resolve()
    roots = allowed_roots(holds)
    if any(resolved == root or resolved.is_relative_to(root) for root in roots):
        return resolved
    home = roots[0].relative_to(paths.project_dir().resolve()).as_posix()
    raise ParameterError(
        f"{option} {str(given)!r} leads to {resolved}, outside the project's {home} folder "
        f"({roots[0]}). Write under {home}/ (for example {option} {home}/{_EXAMPLE[holds]}), "
        f"or name the folder in data/reference/{OUTPUT_FOLDERS_FILE} first."
    )


_EXAMPLE = {"reports": "spring", "case references": "audit_samples/spring"}
