"""The score card's rules: ``data/reference/scorecard.yaml`` read and checked (:func:`load_rules`).

Every setting of the score card (confidence level, interval methods, benchmarks, SPC and trend
settings, quartile band labels, direction and target rules, exception rules and questions, icons, legend, colours,
units and status wording) is in that file; the other modules of this room take the mapping
:func:`load_rules` returns.
"""

from __future__ import annotations

from pathlib import Path

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import ReferenceDataError

RULES_FILE = "scorecard.yaml"

REQUIRED_RULE_KEYS = (
    "confidence",
    "intervals",
    "benchmarks",
    "bands",
    "rug_benchmark",
    "spc",
    "trend",
    "direction",
    "targets",
    "exceptions",
    "questions",
    "icons",
    "legend",
    "colours",
    "units",
    "status_text",
)


def load_rules(path: Path | str | None = None) -> dict:
    """Read ``data/reference/scorecard.yaml``: every setting the score cards use.

    Input: ``path`` (None: the project's file). Output: the mapping.
    Raises: ReferenceDataError when the file is missing, not YAML, lacks a section of
    :data:`REQUIRED_RULE_KEYS`, or holds a confidence level outside (0.9, 1).

    >>> rules = load_rules()
    >>> rules["confidence"], rules["spc"]["min_points"] >= 2
    (0.95, True)
    """
    file = Path(path) if path is not None else paths.reference_dir() / RULES_FILE
    rules = io.read_yaml_mapping(file, "Score card rules file")
    missing = [key for key in REQUIRED_RULE_KEYS if key not in rules]
    if missing:
        raise ReferenceDataError(
            f"{file} lacks the section(s) {', '.join(missing)}; restore them from the "
            f"repository (git checkout -- data/reference/{RULES_FILE})."
        )
    for key, level in (
        ("confidence", rules["confidence"]),
        ("trend.confidence", rules["trend"].get("confidence")),
        ("trend.quarterly.confidence", rules["trend"].get("quarterly", {}).get("confidence")),
    ):
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0.9 < level < 1:
            raise ReferenceDataError(
                f"{file}: {key} must be a fraction strictly between 0.9 and 1, such as 0.95; "
                f"got {level!r}."
            )
    unknown = [
        b for b in rules["exceptions"]["red_red"]["benchmarks"] if b not in rules["benchmarks"]
    ]
    if unknown or rules["rug_benchmark"] not in rules["benchmarks"]:
        raise ReferenceDataError(
            f"{file}: exceptions.red_red.benchmarks and rug_benchmark must name benchmarks "
            f"listed under benchmarks ({', '.join(rules['benchmarks'])})."
        )
    return rules
