"""The glossary: the terms that must mean the same in every borough (``glossary.yaml``).

:func:`load_glossary` reads and checks it; the consultation workbook prints it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lscb_analysis.core import paths
from lscb_analysis.core.errors import CatalogueError
from lscb_analysis.model.catalogue_checks import clean, is_text
from lscb_analysis.model.catalogue_enums import problem_message, read_catalogue_yaml

GLOSSARY_FILE = "glossary.yaml"
GLOSSARY_COLUMNS = ["term", "also_called", "definition", "counting", "source"]


def load_glossary(path: Path | str | None = None) -> pd.DataFrame:
    """Return the glossary: the terms that must mean the same in every borough.

    Input: ``path`` (None: ``data/reference/glossary.yaml``). Output: DataFrame with columns
    ``term, also_called`` (text, names joined by "; "), ``definition, counting, source``, one
    row per term in file order. Raises CatalogueError naming every term without a
    definition or source, and repeated terms.

    >>> glossary = load_glossary()
    >>> {"re-referral", "private fostering", "MARAC"} <= set(glossary["term"])
    True
    """
    file = Path(path) if path is not None else paths.reference_dir() / GLOSSARY_FILE
    content = read_catalogue_yaml(file, "the glossary")
    terms = content.get("terms")
    if not isinstance(terms, list) or not terms:
        raise CatalogueError(f"{file} must hold a list under terms:; add the terms there.")
    problems: list[str] = []
    rows = []
    seen: set[str] = set()
    for number, entry in enumerate(terms, start=1):
        if not isinstance(entry, Mapping) or not is_text(entry.get("term")):
            problems.append(f"entry {number}: give it a term: and a definition:.")
            continue
        term = str(entry["term"]).strip()
        if term.lower() in seen:
            problems.append(f"term {term!r}: appears more than once; keep one entry.")
        seen.add(term.lower())
        for field in ("definition", "source"):
            if not is_text(entry.get(field)):
                problems.append(f"term {term!r}, field {field!r}: missing; write it.")
        also = entry.get("also_called") or []
        rows.append(
            {
                "term": term,
                "also_called": "; ".join(str(a) for a in also)
                if isinstance(also, list)
                else str(also),
                "definition": clean(entry.get("definition")),
                "counting": clean(entry.get("counting")),
                "source": clean(entry.get("source")),
            }
        )
    if problems:
        raise CatalogueError(problem_message(file, problems, "the glossary"))
    return pd.DataFrame(rows, columns=GLOSSARY_COLUMNS)


# --- the catalogue --------------------------------------------------------------------
