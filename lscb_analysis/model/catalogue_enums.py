"""The best-fit model's code lists (``catalogue_enums.yaml``) and its reference files.

* :func:`load_enums` reads the code lists the catalogue's coded fields must come from (some
  taken from ``survey.yaml``);
* :func:`load_candidates` reads ``candidate_indicators.csv``, the Phase I candidate codes;
* :func:`read_catalogue_yaml` reads one of the model's YAML files, and
  :func:`problem_message` words the error listing every problem found in one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import CatalogueError, ReferenceDataError
from lscb_analysis.model.catalogue_checks import CANDIDATES_FILE

ENUMS_FILE = "catalogue_enums.yaml"

ENUM_KEYS: tuple[str, ...] = (
    "ratings",
    "journey_stages",
    "sub_groups",
    "questions",
    "units",
    "polarities",
    "frequencies",
    "source_types",
    "statuses",
    "agencies",
    "local_authority_agencies",
    "partnership_agencies",
    "age_range_words",
)
"""Code lists ``catalogue_enums.yaml`` must define."""


# --- code lists ---------------------------------------------------------------------


def load_enums(path: Path | str | None = None) -> dict[str, dict[str, str]]:
    """Return the catalogue's code lists: list name -> {value: meaning}.

    Input: ``path`` of the enums YAML (None: ``data/reference/catalogue_enums.yaml``). A list
    written as ``{from: FILE, key: dotted.path}`` is read from that reference file (relative
    to the enums file's folder): a mapping gives its keys, a list its items (meanings empty).
    Output: every list in :data:`ENUM_KEYS`, values in file order.
    Raises CatalogueError when the file, a list or a referenced key is missing.

    >>> enums = load_enums()
    >>> list(enums["ratings"])
    ['critical', 'priority outcome', 'universal outcome']
    >>> "police" in enums["agencies"] and "quarterly" in enums["frequencies"]
    True
    """
    file = Path(path) if path is not None else paths.reference_dir() / ENUMS_FILE
    content = read_catalogue_yaml(file, "the catalogue's code lists")
    missing = [key for key in ENUM_KEYS if key not in content]
    if missing:
        raise CatalogueError(
            f"{file} lacks the code list(s) {', '.join(missing)}; add them (see the comments "
            "in data/reference/catalogue_enums.yaml)."
        )
    enums: dict[str, dict[str, str]] = {}
    for key in ENUM_KEYS:
        value = content[key]
        if isinstance(value, Mapping) and set(value) == {"from", "key"}:
            value = _lookup(file.parent / str(value["from"]), str(value["key"]), file, key)
        if isinstance(value, Mapping):
            enums[key] = {str(k): "" if v is None else str(v) for k, v in value.items()}
        elif isinstance(value, list):
            enums[key] = {str(v): "" for v in value}
        else:
            raise CatalogueError(
                f"{file}: code list {key} must be a list, a mapping value: meaning, or "
                "{from: FILE, key: path}; fix it."
            )
        if not enums[key] and key != "age_range_words":
            raise CatalogueError(f"{file}: code list {key} is empty; give it its values.")
    return enums


def read_catalogue_yaml(file: Path, what: str) -> dict:
    """Read a YAML mapping of the model's reference data; ``what`` names it in messages.

    Output: the mapping. Raises CatalogueError when the file is missing, unreadable or not a
    mapping (a ReferenceDataError from the reader is turned into a CatalogueError).
    """
    try:
        return io.read_yaml_mapping(file, f"The file of {what}")
    except CatalogueError:
        raise
    except ReferenceDataError as error:
        raise CatalogueError(str(error)) from error


def _lookup(file: Path, dotted: str, enums_file: Path, key: str) -> Any:
    content = read_catalogue_yaml(file, f"referenced by {enums_file.name} for {key}")
    value: Any = content
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise CatalogueError(
                f"{enums_file}: code list {key} points to {dotted} in {file}, which does not "
                "exist; fix the key or the file."
            )
        value = value[part]
    return value


def load_candidates() -> pd.DataFrame:
    """Return ``candidate_indicators.csv``, the Phase I candidate codes.

    Output: DataFrame with columns ``code, source, public_indicator, keywords`` (text).
    Raises CatalogueError when the file is missing or lacks a column.
    """
    try:
        return io.read_reference_csv(
            CANDIDATES_FILE, ["code", "source", "public_indicator", "keywords"]
        )
    except ReferenceDataError as error:
        raise CatalogueError(str(error)) from error


def problem_message(file: Path, problems: list[str], what: str) -> str:
    """The CatalogueError text listing every problem found in ``file``, numbered."""
    listed = "\n".join(f"  {n}. {p}" for n, p in enumerate(problems, start=1))
    return (
        f"{file}: {len(problems)} problem(s) in {what}; fix each one in the file and load it "
        f"again (code lists: data/reference/{ENUMS_FILE}):\n{listed}"
    )
