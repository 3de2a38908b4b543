"""The best-fit model: a versioned catalogue of the performance indicators (PIs) boards agreed.

Phase II of the London datasets project agreed a minimal dataset of about 36 PIs, grouped
under a few overarching goals in clusters of 3 or 4 (each cluster with a short narrative) and
rated ``critical``, ``priority outcome`` or ``universal outcome``. It was revised after each
round of consultation, so each version is kept: ``data/reference/best_fit_model/v<N>.yaml``
records the version, its date, the consultation it followed and a summary of the changes.

* :func:`load_catalogue` reads one version (the latest by default; ``"0.10"`` is later than
  ``"0.9"``) and checks it against ``catalogue_enums.yaml`` (code lists, some taken from
  ``survey.yaml``), ``indicators.csv`` (national sources) and ``candidate_indicators.csv``
  (Phase I codes), listing every problem at once in a :class:`~lscb_analysis.core.errors.
  CatalogueError`.
* :class:`Catalogue` gives the PIs as one flat table, plus goals and clusters.
* :func:`validate_versions` checks every version at once (``lscb model validate``).
* :func:`pi_checksum` identifies a version's PI list (the feedback form and the pilot
  template are stamped with it).

The rest of the model's catalogue lives in neighbouring modules: the checks of goals,
clusters and PIs (:mod:`~lscb_analysis.model.catalogue_checks`), the code lists
(:mod:`~lscb_analysis.model.catalogue_enums`), the differences between
versions (:mod:`~lscb_analysis.model.catalogue_diff`), the consultation workbook
(:mod:`~lscb_analysis.model.catalogue_export`), the feedback form
(:mod:`~lscb_analysis.model.feedback_form`), the coverage helpers of the gap analysis
(:mod:`~lscb_analysis.model.catalogue_coverage`) and the glossary
(:mod:`~lscb_analysis.model.glossary`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import indicators, paths
from lscb_analysis.core.errors import CatalogueError
from lscb_analysis.model.catalogue_checks import check_goals, clean, is_text
from lscb_analysis.model.catalogue_enums import (
    load_candidates,
    load_enums,
    problem_message,
    read_catalogue_yaml,
)

CATALOGUE_DIR = "best_fit_model"
VERSION_PATTERN = re.compile(r"^v?(\d+(?:\.\d+)*)$")
FILE_PATTERN = re.compile(r"^v(\d+(?:\.\d+)*)\.yaml$")

TOP_FIELDS = ("version", "date", "consultation", "changes", "goals")

PI_COLUMNS: list[str] = [
    "goal",
    "goal_title",
    "cluster",
    "cluster_title",
    "cluster_narrative",
    "position",
    "id",
    "title",
    "definition",
    "numerator",
    "denominator",
    "unit",
    "polarity",
    "decimals",
    "rating",
    "journey_stage",
    "sub_group",
    "question",
    "age_range",
    "frequency",
    "source_type",
    "source_dataset",
    "source_indicator",
    "source_agency",
    "source_collection",
    "candidate_code",
    "keywords",
    "national_reference",
    "target_value",
    "target_basis",
    "status",
    "postponed_reason",
    "postponed_phase",
]
"""Columns of :attr:`Catalogue.pis`, in order."""

GOAL_COLUMNS = ["goal", "goal_title", "goal_short_title", "goal_description", "clusters", "pis"]
CLUSTER_COLUMNS = [
    "goal",
    "goal_title",
    "cluster",
    "cluster_title",
    "cluster_narrative",
    "pis",
    "pi_ids",
]

# The feedback form's choices and sheet names: written by model.feedback_form, read back by
# model.consultation.
FEEDBACK_CHOICES = ("keep", "amend", "remove")
FEEDBACK_SHEET = "Feedback"
RESPONDENT_SHEET = "Respondent"
MODEL_SHEET = "Model"
NEW_PI_SHEET = "Suggest a new PI"


# --- versions ---------------------------------------------------------------------------


def version_key(version: str) -> tuple[int, ...]:
    """Return a version string as a tuple of ints, so versions sort by meaning, not as text.

    Input: ``"1.0"``, ``"v0.10"``... Output: a tuple of ints, trailing zeros dropped so that
    ``"1"`` and ``"1.0"`` are equal. Raises CatalogueError for a string that is not a version.

    >>> version_key("0.10") > version_key("0.9")
    True
    >>> version_key("v1.0") == version_key("1")
    True
    """
    match = VERSION_PATTERN.match(str(version).strip())
    if not match:
        raise CatalogueError(
            f"{version!r} is not a catalogue version: write numbers separated by dots, such as "
            "1.0 or 0.2."
        )
    parts = [int(p) for p in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def catalogue_dir() -> Path:
    """Return ``data/reference/best_fit_model/``, the folder holding one YAML per version."""
    return paths.reference_dir() / CATALOGUE_DIR


def available_versions(directory: Path | str | None = None) -> list[str]:
    """Return the versions in a catalogue folder, oldest first (compared as numbers).

    Input: ``directory`` (None: ``data/reference/best_fit_model/``); files named
    ``v<version>.yaml`` count, others are ignored. Output: version strings without the ``v``.
    Raises CatalogueError when the folder does not exist.

    >>> available_versions()[:2]
    ['0.1', '0.2']
    """
    folder = Path(directory) if directory is not None else catalogue_dir()
    if not folder.is_dir():
        raise CatalogueError(
            f"Catalogue folder {folder} does not exist. Restore it with "
            f"`git checkout -- data/reference/{CATALOGUE_DIR}/` or pass the right folder."
        )
    found = [m.group(1) for p in folder.iterdir() if (m := FILE_PATTERN.match(p.name))]
    return sorted(found, key=version_key)


# --- the catalogue --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Catalogue:
    """One version of the best-fit model, checked.

    Attributes:
        version: e.g. ``"1.0"``.
        date: the date the version was issued (datetime.date).
        consultation: what the version followed (a seminar, a circulation, pilot meetings).
        changes: the summary of changes, one text per item.
        path: the YAML file it was read from.
        pis: one row per PI in catalogue order, columns :data:`PI_COLUMNS`: the goal and
            cluster it sits in (id, title, narrative), ``position`` (1, 2, ...), the PI's own
            fields, the source flattened (``source_type``, ``source_dataset``,
            ``source_indicator``, ``source_agency``, ``source_collection``),
            ``keywords`` (a tuple of strings), ``target_value`` (float), ``target_basis``,
            ``status``, ``postponed_reason``, ``postponed_phase``. Text fields that do not
            apply (a local PI's dataset, no candidate code, no target) are missing: test them
            with ``pd.isna``.
        goals: columns ``goal, goal_title, goal_short_title`` (the title when the file
            gives none), ``goal_description, clusters, pis`` (counts).
        clusters: columns ``goal, goal_title, cluster, cluster_title, cluster_narrative, pis,
            pi_ids`` (pis a count; pi_ids a tuple).
    """

    version: str
    date: dt.date
    consultation: str
    changes: tuple[str, ...]
    path: Path
    pis: pd.DataFrame
    goals: pd.DataFrame
    clusters: pd.DataFrame

    def pi(self, pi_id: str) -> pd.Series:
        """Return one PI's row of :attr:`pis`.

        Raises CatalogueError when the id is not in this version (the message suggests the
        nearest ids).
        """
        match = self.pis.loc[self.pis["id"] == pi_id]
        if match.empty:
            close = difflib.get_close_matches(pi_id, self.pis["id"].tolist(), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise CatalogueError(
                f"PI {pi_id!r} is not in version {self.version} of the best-fit model "
                f"({self.path}).{hint} See the PI list with `lscb model export`."
            )
        return match.iloc[0]

    @property
    def current(self) -> pd.DataFrame:
        """The PIs in use (status ``current``): :attr:`pis` without the postponed ones."""
        return self.pis.loc[self.pis["status"] == "current"]


def load_catalogue(
    version: str | None = None,
    *,
    directory: Path | str | None = None,
    path: Path | str | None = None,
) -> Catalogue:
    """Read and check one version of the best-fit model.

    Inputs: ``version`` (e.g. ``"1.0"`` or ``"v1.0"``; None: the latest in the folder);
    ``directory``, the folder of ``v<version>.yaml`` files (None:
    ``data/reference/best_fit_model/``); or ``path``, one YAML file (then ``version`` and
    ``directory`` are not used).

    The checks: required fields and types, no unknown fields, unique goal, cluster and PI ids,
    3-4 PIs per cluster, every coded value in ``catalogue_enums.yaml``, decimals a
    non-negative whole number, age ranges like ``0-17``, each national source naming an
    indicator id of ``indicators.csv`` with the same polarity, unit and decimals (a national
    source may leave the id empty only while the PI is postponed), local sources naming an
    agency and a collection, candidate codes present in ``candidate_indicators.csv`` (and
    agreeing with a national PI's indicator), targets with a value and a basis, postponed PIs
    with a reason and a phase, and the file's version matching its name.

    Output: :class:`Catalogue`.

    Raises:
        CatalogueError: the folder, version or file is missing or unreadable, or the file
            has problems: all of them are listed, each naming the goal, cluster or PI and the
            field, and saying what to write.

    >>> catalogue = load_catalogue("1.0")
    >>> catalogue.version, len(catalogue.pis) >= 30
    ('1.0', True)
    >>> catalogue.pi("BF-FD-03")["source_indicator"]
    'rereferral_pct'
    """
    expected = None
    if path is not None:
        file = Path(path)
        match = FILE_PATTERN.match(file.name)
        expected = match.group(1) if match else None
    else:
        folder = Path(directory) if directory is not None else catalogue_dir()
        versions = available_versions(folder)
        if not versions:
            raise CatalogueError(
                f"{folder} holds no catalogue version (files named v<version>.yaml, e.g. "
                "v1.0.yaml); add one or pass the right folder."
            )
        if version is None:
            expected = versions[-1]
        else:
            wanted = version_key(version)
            matches = [v for v in versions if version_key(v) == wanted]
            if not matches:
                raise CatalogueError(
                    f"Version {version} of the best-fit model is not in {folder}. Versions "
                    f"there: {', '.join(versions)}."
                )
            expected = matches[0]
        same = [v for v in versions if version_key(v) == version_key(expected)]
        if len(same) > 1:
            raise CatalogueError(
                f"{folder} holds the same version under several names "
                f"({', '.join(f'v{v}.yaml' for v in same)}); keep one file per version."
            )
        file = folder / f"v{expected}.yaml"
    raw = read_catalogue_yaml(file, "a best-fit model catalogue")
    problems = _validate(raw, expected, load_enums(), indicators.load_metadata(), load_candidates())
    if problems:
        raise CatalogueError(problem_message(file, problems, "the best-fit model"))
    return _build(raw, file)


def validate_versions(directory: Path | str | None = None) -> pd.DataFrame:
    """Check every version in a catalogue folder; one bad version does not stop the others.

    Input: ``directory`` (None: ``data/reference/best_fit_model/``). Output: DataFrame with
    columns ``version, path, status`` (``ok`` or ``invalid``), ``pis`` (count, 0 when
    invalid), ``message`` (the CatalogueError text, empty when ok), oldest version first.
    Raises CatalogueError only when the folder itself is missing.

    >>> table = validate_versions()
    >>> set(table["status"])
    {'ok'}
    """
    folder = Path(directory) if directory is not None else catalogue_dir()
    rows = []
    for version in available_versions(folder):
        file = folder / f"v{version}.yaml"
        try:
            catalogue = load_catalogue(path=file)
        except CatalogueError as error:
            rows.append((version, str(file), "invalid", 0, str(error)))
        else:
            rows.append((version, str(file), "ok", len(catalogue.pis), ""))
    return pd.DataFrame(rows, columns=["version", "path", "status", "pis", "message"])


def pi_checksum(catalogue: Catalogue) -> str:
    """Return a SHA-256 of the PI list (id, title, definition, rating, status, in order).

    The feedback form stores it so that a returned form can be matched to the exact list it
    was written against. Output: 64 hex characters. Raises nothing.

    >>> len(pi_checksum(load_catalogue("1.0")))
    64
    """
    lines = [
        "\t".join(str(row[c]) for c in ("id", "title", "definition", "rating", "status"))
        for _, row in catalogue.pis.iterrows()
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


# --- internals: checking the header --------------------------------------------------


def _validate(
    raw: dict,
    expected_version: str | None,
    enums: dict[str, dict[str, str]],
    metadata: pd.DataFrame,
    candidates: pd.DataFrame,
) -> list[str]:
    """Every problem in a catalogue document, as messages naming the place and field."""
    problems: list[str] = []

    def add(where: str, field: str | None, message: str) -> None:
        problems.append(f"{where}, field {field!r}: {message}" if field else f"{where}: {message}")

    _check_header(raw, expected_version, add)
    goals = raw.get("goals")
    if not isinstance(goals, list) or not goals:
        add("top of the file", "goals", "give a list of goals, each with its clusters.")
        return problems
    check_goals(goals, enums, metadata, candidates, add)
    return problems


def _check_header(raw: dict, expected_version: str | None, add: Any) -> None:
    """Check the top of the file: known fields, version, date, consultation and changes."""
    for key in raw:
        if key not in TOP_FIELDS:
            add(
                "top of the file",
                str(key),
                f"unknown field; remove it or fix the spelling (fields: {', '.join(TOP_FIELDS)}).",
            )
    version = raw.get("version")
    if not isinstance(version, str) or not VERSION_PATTERN.match(version.strip()):
        add(
            "top of the file",
            "version",
            f"{version!r} is not a version written as text; "
            'write it in quotes, e.g. version: "1.0".',
        )
    elif expected_version is not None and version_key(version) != version_key(expected_version):
        add(
            "top of the file",
            "version",
            f"says {version} but the file name says "
            f"{expected_version}; make them agree (files are named v<version>.yaml).",
        )
    date = raw.get("date")
    if not isinstance(date, dt.date) and not (isinstance(date, str) and _iso_date(date)):
        add("top of the file", "date", f"{date!r} is not a date; write it as YYYY-MM-DD.")
    if not is_text(raw.get("consultation")):
        add(
            "top of the file",
            "consultation",
            "missing; say what this version followed (e.g. the consultation seminar).",
        )
    changes = raw.get("changes")
    if not isinstance(changes, list) or not changes or not all(is_text(c) for c in changes):
        add(
            "top of the file",
            "changes",
            "give a list of at least one change summary, one text per item.",
        )


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


# --- internals: building the frames ---------------------------------------------------


def _build(raw: dict, file: Path) -> Catalogue:
    rows = []
    goal_rows = []
    cluster_rows = []
    position = 0
    for goal in raw["goals"]:
        goal_pis = 0
        for cluster in goal["clusters"]:
            ids = []
            for pi in cluster["pis"]:
                position += 1
                source = pi["source"]
                target = pi.get("target") or {}
                postponed = pi.get("postponed") or {}
                rows.append(
                    {
                        "goal": str(goal["id"]),
                        "goal_title": clean(goal["title"]),
                        "cluster": str(cluster["id"]),
                        "cluster_title": clean(cluster["title"]),
                        "cluster_narrative": clean(cluster["narrative"]),
                        "position": position,
                        "id": pi["id"],
                        "title": clean(pi["title"]),
                        "definition": clean(pi["definition"]),
                        "numerator": clean(pi["numerator"]),
                        "denominator": clean(pi["denominator"]),
                        "unit": pi["unit"],
                        "polarity": pi["polarity"],
                        "decimals": int(pi["decimals"]),
                        "rating": pi["rating"],
                        "journey_stage": pi["journey_stage"],
                        "sub_group": pi["sub_group"],
                        "question": pi["question"],
                        "age_range": pi["age_range"],
                        "frequency": pi["frequency"],
                        "source_type": source["type"],
                        "source_dataset": source.get("dataset"),
                        "source_indicator": source.get("indicator"),
                        "source_agency": source["agency"],
                        "source_collection": source.get("collection"),
                        "candidate_code": pi.get("candidate_code"),
                        "keywords": tuple(clean(k) for k in pi["keywords"]),
                        "national_reference": (
                            clean(pi["national_reference"])
                            if pi.get("national_reference")
                            else None
                        ),
                        "target_value": (
                            float(target["value"]) if "value" in target else float("nan")
                        ),
                        "target_basis": clean(target["basis"]) if "basis" in target else None,
                        "status": pi["status"],
                        "postponed_reason": (clean(postponed["reason"]) if postponed else None),
                        "postponed_phase": (clean(postponed["phase"]) if postponed else None),
                    }
                )
                ids.append(pi["id"])
            goal_pis += len(ids)
            cluster_rows.append(
                {
                    "goal": str(goal["id"]),
                    "goal_title": clean(goal["title"]),
                    "cluster": str(cluster["id"]),
                    "cluster_title": clean(cluster["title"]),
                    "cluster_narrative": clean(cluster["narrative"]),
                    "pis": len(ids),
                    "pi_ids": tuple(ids),
                }
            )
        goal_rows.append(
            {
                "goal": str(goal["id"]),
                "goal_title": clean(goal["title"]),
                "goal_short_title": clean(goal.get("short_title") or goal["title"]),
                "goal_description": clean(goal.get("description")),
                "clusters": len(goal["clusters"]),
                "pis": goal_pis,
            }
        )
    date = raw["date"]
    if isinstance(date, dt.datetime):
        date = date.date()
    elif isinstance(date, str):
        date = _iso_date(date)
    pis = pd.DataFrame(rows, columns=PI_COLUMNS).astype(
        {"decimals": "int64", "position": "int64", "target_value": "float64"}
    )
    return Catalogue(
        version=str(raw["version"]).strip().lstrip("v"),
        date=date,
        consultation=clean(raw["consultation"]),
        changes=tuple(clean(c) for c in raw["changes"]),
        path=file,
        pis=pis,
        goals=pd.DataFrame(goal_rows, columns=GOAL_COLUMNS),
        clusters=pd.DataFrame(cluster_rows, columns=CLUSTER_COLUMNS),
    )
