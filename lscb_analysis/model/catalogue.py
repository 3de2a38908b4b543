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
* :func:`diff_catalogues` and :func:`format_diff` say what changed between two versions.
* :func:`validate_versions` checks every version at once (``lscb model validate``).
* :func:`export_catalogue_xlsx` writes the consultation workbook; :func:`write_feedback_form`
  the form partners return, stamped with the version and :func:`pi_checksum`.
* :func:`partner_share`, :func:`local_authority_share` and :func:`keyword_table` feed the gap
  analysis (how much of the model rests on council data; words to match survey items).
* :func:`load_glossary` reads ``glossary.yaml``, the terms that must mean the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
import numbers
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import indicators, io, paths
from lscb_analysis.core.errors import CatalogueError, ReferenceDataError
from lscb_analysis.protect.safe_files import write_cell, write_lists_sheet

CATALOGUE_DIR = "best_fit_model"
ENUMS_FILE = "catalogue_enums.yaml"
GLOSSARY_FILE = "glossary.yaml"
CANDIDATES_FILE = "candidate_indicators.csv"
MIN_PIS_PER_CLUSTER = 3
MAX_PIS_PER_CLUSTER = 4
PI_ID_PATTERN = re.compile(r"^BF-[A-Z]{2}-\d{2}$")
VERSION_PATTERN = re.compile(r"^v?(\d+(?:\.\d+)*)$")
FILE_PATTERN = re.compile(r"^v(\d+(?:\.\d+)*)\.yaml$")
AGE_RANGE_PATTERN = re.compile(r"^(\d{1,2})-(\d{1,2})$")

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

TOP_FIELDS = ("version", "date", "consultation", "changes", "goals")
GOAL_FIELDS = ("id", "title", "short_title", "description", "clusters")
SHORT_TITLE_MAX = 27  # "G1 " + short title fits Excel's 31-character sheet names
CLUSTER_FIELDS = ("id", "title", "narrative", "pis")
REQUIRED_PI_FIELDS: tuple[str, ...] = (
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
    "source",
    "keywords",
    "status",
)
OPTIONAL_PI_FIELDS: tuple[str, ...] = (
    "candidate_code",
    "national_reference",
    "target",
    "postponed",
)
TEXT_PI_FIELDS = ("title", "definition", "numerator", "denominator")
ENUM_PI_FIELDS: dict[str, str] = {
    "unit": "units",
    "polarity": "polarities",
    "rating": "ratings",
    "journey_stage": "journey_stages",
    "sub_group": "sub_groups",
    "question": "questions",
    "frequency": "frequencies",
    "status": "statuses",
}
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "national": ("type", "dataset", "indicator", "agency"),
    "local": ("type", "agency", "collection"),
}

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
DIFF_COLUMNS = ["change", "pi_id", "field", "old", "new"]
DIFF_FIELDS: list[str] = [
    c
    for c in PI_COLUMNS
    if c not in ("goal_title", "cluster_title", "cluster_narrative", "position", "id")
]
"""PI fields compared by :func:`diff_catalogues` (``goal`` and ``cluster`` show moves)."""

GLOSSARY_COLUMNS = ["term", "also_called", "definition", "counting", "source"]
SHARE_SECTORS = ("local authority", "partner", "partnership")

FEEDBACK_CHOICES = ("keep", "amend", "remove")
FEEDBACK_SHEET = "Feedback"
RESPONDENT_SHEET = "Respondent"
MODEL_SHEET = "Model"
NEW_PI_SHEET = "Suggest a new PI"
NEW_PI_ROWS = 30
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
ENTRY_FILL = PatternFill("solid", fgColor="FFF9E5")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")


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


# --- code lists and glossary ----------------------------------------------------------


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
    content = _read_yaml(file, "the catalogue's code lists")
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
    content = _read_yaml(file, "the glossary")
    terms = content.get("terms")
    if not isinstance(terms, list) or not terms:
        raise CatalogueError(f"{file} must hold a list under terms:; add the terms there.")
    problems: list[str] = []
    rows = []
    seen: set[str] = set()
    for number, entry in enumerate(terms, start=1):
        if not isinstance(entry, Mapping) or not _is_text(entry.get("term")):
            problems.append(f"entry {number}: give it a term: and a definition:.")
            continue
        term = str(entry["term"]).strip()
        if term.lower() in seen:
            problems.append(f"term {term!r}: appears more than once; keep one entry.")
        seen.add(term.lower())
        for field in ("definition", "source"):
            if not _is_text(entry.get(field)):
                problems.append(f"term {term!r}, field {field!r}: missing; write it.")
        also = entry.get("also_called") or []
        rows.append(
            {
                "term": term,
                "also_called": "; ".join(str(a) for a in also)
                if isinstance(also, list)
                else str(also),
                "definition": _clean(entry.get("definition")),
                "counting": _clean(entry.get("counting")),
                "source": _clean(entry.get("source")),
            }
        )
    if problems:
        raise CatalogueError(_problem_message(file, problems, "the glossary"))
    return pd.DataFrame(rows, columns=GLOSSARY_COLUMNS)


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
    raw = _read_yaml(file, "a best-fit model catalogue")
    problems = _validate(raw, expected, load_enums(), indicators.load_metadata(), _candidates())
    if problems:
        raise CatalogueError(_problem_message(file, problems, "the best-fit model"))
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


# --- comparing versions ---------------------------------------------------------------


def diff_catalogues(a: Catalogue, b: Catalogue) -> pd.DataFrame:
    """Say what changed from catalogue ``a`` (older) to ``b`` (newer).

    Output: DataFrame with columns ``change`` (``added``, ``removed`` or ``changed``),
    ``pi_id``, ``field``, ``old``, ``new`` (text; lists joined by "; ", missing values empty).
    A PI added or removed is one row (``field`` empty, ``old``/``new`` its title and
    cluster); a PI in both gets one ``changed`` row per field in :data:`DIFF_FIELDS` that
    differs, a move showing as ``goal`` and/or ``cluster`` rows. Goals and clusters added,
    removed or retitled follow, with ``pi_id`` empty and ``field`` naming them (e.g.
    ``cluster G6.2 title``). Rows: removed, added, changed, then goals and clusters. Raises
    nothing.

    >>> old, new = load_catalogue("0.1"), load_catalogue("1.0")
    >>> diff = diff_catalogues(old, new)
    >>> sorted(set(diff["change"]))
    ['added', 'changed', 'removed']
    >>> diff_catalogues(new, new).empty
    True
    """
    old = a.pis.set_index("id", drop=False)
    new = b.pis.set_index("id", drop=False)
    rows: list[tuple[str, str, str, str, str]] = []
    for pi_id in old.index:
        if pi_id not in new.index:
            rows.append(("removed", pi_id, "", _pi_label(old.loc[pi_id]), ""))
    for pi_id in new.index:
        if pi_id not in old.index:
            rows.append(("added", pi_id, "", "", _pi_label(new.loc[pi_id])))
    for pi_id in new.index:
        if pi_id not in old.index:
            continue
        for field in DIFF_FIELDS:
            was, now = _text_value(old.at[pi_id, field]), _text_value(new.at[pi_id, field])
            if was != now:
                rows.append(("changed", pi_id, field, was, now))
    rows += _structure_changes(a, b)
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def format_diff(a: Catalogue, b: Catalogue, diff: pd.DataFrame | None = None) -> str:
    """Return the differences between two versions as text, for ``lscb model diff V1 V2``.

    Inputs: the older and newer catalogue; ``diff`` from :func:`diff_catalogues` (None: it is
    computed). Output: a heading (versions, dates, what the newer one followed, PI counts),
    then sections "Removed", "Added", "Changed" (each changed field with its old and new
    value, long texts wrapped) and "Goals and clusters". Raises nothing.

    >>> text = format_diff(load_catalogue("0.1"), load_catalogue("0.2"))
    >>> print(text.splitlines()[0])
    Best-fit model: version 0.1 (2016-01-29) -> version 0.2 (2016-03-18)
    """
    diff = diff_catalogues(a, b) if diff is None else diff
    lines = [
        f"Best-fit model: version {a.version} ({a.date.isoformat()}) -> version {b.version} "
        f"({b.date.isoformat()})",
        f"Version {b.version} followed: {b.consultation}",
    ]
    pi_rows = diff.loc[diff["pi_id"] != ""]
    counts = {
        kind: pi_rows.loc[pi_rows["change"] == kind, "pi_id"].nunique()
        for kind in ("added", "removed", "changed")
    }
    lines.append(
        f"{len(a.pis)} PIs -> {len(b.pis)} PIs: {counts['added']} added, {counts['removed']} "
        f"removed, {counts['changed']} changed."
    )
    if diff.empty:
        lines.append("No differences.")
        return "\n".join(lines) + "\n"
    for kind, heading, mark in (("removed", "Removed", "-"), ("added", "Added", "+")):
        part = pi_rows.loc[pi_rows["change"] == kind]
        if not part.empty:
            lines += ["", f"{heading} ({len(part)})"]
            lines += [
                f"  {mark} {row.pi_id}  {row.old or row.new}"
                for row in part.itertuples(index=False)
            ]
    changed = pi_rows.loc[pi_rows["change"] == "changed"]
    if not changed.empty:
        lines += ["", f"Changed ({changed['pi_id'].nunique()})"]
        for pi_id, group in changed.groupby("pi_id", sort=False):
            lines.append(f"  ~ {pi_id}  {b.pi(pi_id)['title']}")
            for row in group.itertuples(index=False):
                lines += _format_change(row.field, row.old, row.new)
    structure = diff.loc[diff["pi_id"] == ""]
    if not structure.empty:
        lines += ["", "Goals and clusters"]
        for row in structure.itertuples(index=False):
            if row.change == "changed":
                lines += [f"  ~ {row.field}", *_format_change("", row.old, row.new)]
            else:
                mark = "+" if row.change == "added" else "-"
                lines.append(f"  {mark} {row.field}: {row.new or row.old}")
    return "\n".join(lines) + "\n"


# --- coverage helpers for the gap analysis --------------------------------------------


def partner_share(
    catalogue: Catalogue, by: str = "agency", *, include_postponed: bool = False
) -> pd.DataFrame:
    """Share of PIs by the agency that holds the data: is the model biased to council data?

    Each PI's ``source_agency`` is put in a sector: ``local authority`` (agencies listed in
    ``local_authority_agencies``, from survey.yaml: children's social care and other council
    services), ``partnership`` (``partnership_agencies``: the board itself, multi-agency) or
    ``partner`` (police, health, probation, voluntary sector, ...).

    Inputs: ``catalogue``; ``by``: ``"agency"`` or ``"sector"``; ``include_postponed`` to
    count postponed PIs too (default: current PIs only).
    Output: ``by="agency"``: columns ``agency, sector, pis, share_pct``; ``by="sector"``:
    ``sector, pis, share_pct`` (all three sectors, zeros included). Sorted by PIs, most first;
    share_pct is a percentage of the PIs counted (0-100, 1 decimal).
    Raises: CatalogueError for another ``by``, or when the code lists are missing.

    >>> share = partner_share(load_catalogue("1.0"), by="sector").set_index("sector")
    >>> bool(50 < share.at["local authority", "share_pct"] < 80)
    True
    """
    if by not in ("agency", "sector"):
        raise CatalogueError(f"partner_share: by must be 'agency' or 'sector', not {by!r}.")
    enums = load_enums()
    pis = catalogue.pis if include_postponed else catalogue.current
    sectors = pis["source_agency"].map(lambda agency: _sector(agency, enums))
    table = pd.DataFrame({"agency": pis["source_agency"].to_numpy(), "sector": sectors.to_numpy()})
    total = len(table)
    if by == "agency":
        out = table.groupby(["agency", "sector"], sort=False).size().rename("pis").reset_index()
    else:
        counts = table.groupby("sector").size()
        out = pd.DataFrame(
            {"sector": list(SHARE_SECTORS), "pis": [int(counts.get(s, 0)) for s in SHARE_SECTORS]}
        )
    out["share_pct"] = [round(100 * n / total, 1) if total else float("nan") for n in out["pis"]]
    return out.sort_values("pis", ascending=False, kind="stable").reset_index(drop=True)


def local_authority_share(catalogue: Catalogue, *, include_postponed: bool = False) -> float:
    """Percentage of (current) PIs whose data the council holds; see :func:`partner_share`.

    >>> round(local_authority_share(load_catalogue("0.1"))) > round(
    ...     local_authority_share(load_catalogue("1.0")))
    True
    """
    share = partner_share(catalogue, by="sector", include_postponed=include_postponed)
    return float(share.set_index("sector").at["local authority", "share_pct"])


def keyword_table(catalogue: Catalogue) -> pd.DataFrame:
    """Words that identify each PI in survey item text, for matching returns to the model.

    Output: DataFrame with columns ``pi_id, keyword, origin``: one row per distinct
    (lower-case) keyword per PI, from the PI's ``title`` (origin ``title``), its
    ``keywords`` (``keyword``) and the keywords of its Phase I candidate code in
    ``candidate_indicators.csv`` (``candidate``). Raises CatalogueError when the candidate
    list is missing.

    >>> table = keyword_table(load_catalogue("1.0"))
    >>> "rhi" in set(table.loc[table["pi_id"] == "BF-YS-03", "keyword"])
    True
    """
    candidates = _candidates().set_index("code")
    rows = []
    for pi in catalogue.pis.itertuples(index=False):
        seen: set[str] = set()
        sources = [("title", [pi.title]), ("keyword", list(pi.keywords))]
        if isinstance(pi.candidate_code, str) and pi.candidate_code in candidates.index:
            words = candidates.at[pi.candidate_code, "keywords"].split(";")
            sources.append(("candidate", words))
        for origin, words in sources:
            for word in words:
                keyword = " ".join(str(word).lower().split())
                if keyword and keyword not in seen:
                    seen.add(keyword)
                    rows.append((pi.id, keyword, origin))
    return pd.DataFrame(rows, columns=["pi_id", "keyword", "origin"])


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


# --- workbooks ------------------------------------------------------------------------


EXPORT_COLUMNS: list[tuple[str, str, int]] = [
    ("PI id", "id", 11),
    ("Title", "title", 32),
    ("Definition", "definition", 60),
    ("Numerator", "numerator", 34),
    ("Denominator", "denominator", 30),
    ("Unit", "unit", 14),
    ("Better when", "polarity", 11),
    ("Rating", "rating", 13),
    ("Question answered", "question", 15),
    ("Sub-group", "sub_group", 18),
    ("Frequency", "frequency", 12),
    ("Source", "source", 36),
    ("Target", "target", 24),
    ("Status", "status", 22),
]
"""Columns of each goal sheet in the consultation workbook: (header, field, width)."""

FEEDBACK_COLUMNS: list[tuple[str, int]] = [
    ("PI id", 11),
    ("Goal and cluster", 26),
    ("Title", 34),
    ("Definition", 60),
    ("Current rating", 14),
    ("Status", 12),
    ("Keep, amend or remove", 14),
    ("Suggested rating", 16),
    ("Suggested wording", 40),
    ("Comment", 40),
]
"""Columns of the feedback sheet: (header, width); the last four are for the respondent."""


def export_catalogue_xlsx(catalogue: Catalogue, path: Path | str) -> Path:
    """Write the consultation workbook for one version of the best-fit model.

    Sheets: ``Notes`` (version, date, what it followed, the changes, how to read the workbook,
    what the ratings, questions and source types mean); one sheet per goal (a title row, a
    header row, then for each cluster a shaded section row with its narrative followed by
    its PIs with the columns of :data:`EXPORT_COLUMNS`); ``All PIs`` (every field of
    :attr:`Catalogue.pis`, for filtering); ``Glossary``. Headers are frozen, filters on,
    columns sized, text wrapped, pages landscape A4 fitted to the width with the header
    repeated. Every text cell is stored as text (never a formula) with the quote prefix when
    it looks like one.

    Output: the path written. Raises RawDataWriteError when ``path`` is under ``data/raw/``;
    CatalogueError when the glossary or code lists are missing.
    """
    target = io.ensure_writable(path)
    enums = load_enums()
    glossary = load_glossary()
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    _write_notes(notes, catalogue, enums)
    used_names = {"Notes", "All PIs", "Glossary"}
    for goal in catalogue.goals.itertuples(index=False):
        name = _sheet_name(f"{goal.goal} {goal.goal_short_title}", used_names)
        used_names.add(name)
        _write_goal_sheet(workbook.create_sheet(name), catalogue, goal, enums)
    _write_table_sheet(
        workbook.create_sheet("All PIs"),
        _flat_pis(catalogue),
        f"Best-fit model version {catalogue.version}: every PI, every field",
    )
    _write_table_sheet(
        workbook.create_sheet("Glossary"),
        glossary,
        "Glossary: terms that must mean the same in every borough",
        widths={"term": 26, "also_called": 30, "definition": 70, "counting": 55, "source": 45},
    )
    workbook.active = 0
    workbook.save(target)
    return target


def write_feedback_form(catalogue: Catalogue, path: Path | str) -> Path:
    """Write the feedback form partners return on one version of the best-fit model.

    Sheets: ``Respondent`` (instructions, then organisation, name and role, date to fill in);
    ``Feedback`` (one row per PI: the columns of :data:`FEEDBACK_COLUMNS`, with dropdowns for
    keep / amend / remove and the suggested rating, and open suggested wording and comment);
    ``Suggest a new PI`` (open rows); ``Model`` (hidden: model, version, date, PI count and
    :func:`pi_checksum`, so a returned form can be matched to its PI list). Only the response
    cells are unlocked; sheets are protected without a password (anyone can read, sort and
    filter; nobody edits the PI text by accident). Panes are frozen below the headers.

    Output: the path written. Raises RawDataWriteError when ``path`` is under ``data/raw/``;
    CatalogueError when the code lists are missing.
    """
    target = io.ensure_writable(path)
    enums = load_enums()
    workbook = Workbook()
    respondent = workbook.active
    respondent.title = RESPONDENT_SHEET
    _write_respondent(respondent, catalogue)

    sheet = workbook.create_sheet(FEEDBACK_SHEET)
    headers = [h for h, _ in FEEDBACK_COLUMNS]
    _header_row(sheet, 1, headers, [w for _, w in FEEDBACK_COLUMNS])
    first_response = len(FEEDBACK_COLUMNS) - 3  # 1-based column of "Keep, amend or remove"
    row = 1
    for row, pi in enumerate(catalogue.pis.itertuples(index=False), start=2):
        values = [
            pi.id,
            f"{pi.cluster} {pi.cluster_title}",
            pi.title,
            pi.definition,
            pi.rating,
            pi.status,
        ]
        for column, value in enumerate(values, start=1):
            write_cell(sheet.cell(row=row, column=column), value).alignment = TOP_WRAP
        for column in range(first_response, len(FEEDBACK_COLUMNS) + 1):
            cell = sheet.cell(row=row, column=column)
            cell.protection = Protection(locked=False)
            cell.fill = ENTRY_FILL
            cell.alignment = TOP_WRAP
        sheet.row_dimensions[row].height = _row_height([(pi.definition, 60), (pi.title, 34)])
    last = row
    lists = _write_lists(
        workbook,
        {
            "choices": list(FEEDBACK_CHOICES),
            "ratings": list(enums["ratings"]),
            "agencies": list(enums["agencies"]),
        },
    )
    choice_col = get_column_letter(first_response)
    rating_col = get_column_letter(first_response + 1)
    _dropdown(
        sheet,
        lists["choices"],
        f"{choice_col}2:{choice_col}{last}",
        "Keep the PI as it is, amend it (say how in the next columns) or remove it.",
    )
    _dropdown(
        sheet,
        lists["ratings"],
        f"{rating_col}2:{rating_col}{last}",
        "Only if you would rate the PI differently.",
    )
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(FEEDBACK_COLUMNS))}{last}"
    _protect(sheet)
    _print_setup(sheet, "1:1")

    _write_new_pi_sheet(workbook.create_sheet(NEW_PI_SHEET), lists["agencies"])
    _write_model_sheet(workbook.create_sheet(MODEL_SHEET), catalogue)
    workbook.move_sheet(
        workbook["Lists"], offset=len(workbook.sheetnames) - 1 - workbook.sheetnames.index("Lists")
    )
    workbook.active = 0
    workbook.save(target)
    return target


# --- internals: reading and checking --------------------------------------------------


def _read_yaml(file: Path, what: str) -> dict:
    try:
        return io.read_yaml_mapping(file, f"The file of {what}")
    except CatalogueError:
        raise
    except ReferenceDataError as error:
        raise CatalogueError(str(error)) from error


def _lookup(file: Path, dotted: str, enums_file: Path, key: str) -> Any:
    content = _read_yaml(file, f"referenced by {enums_file.name} for {key}")
    value: Any = content
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise CatalogueError(
                f"{enums_file}: code list {key} points to {dotted} in {file}, which does not "
                "exist; fix the key or the file."
            )
        value = value[part]
    return value


def _candidates() -> pd.DataFrame:
    try:
        return io.read_reference_csv(
            CANDIDATES_FILE, ["code", "source", "public_indicator", "keywords"]
        )
    except ReferenceDataError as error:
        raise CatalogueError(str(error)) from error


def _problem_message(file: Path, problems: list[str], what: str) -> str:
    listed = "\n".join(f"  {n}. {p}" for n, p in enumerate(problems, start=1))
    return (
        f"{file}: {len(problems)} problem(s) in {what}; fix each one in the file and load it "
        f"again (code lists: data/reference/{ENUMS_FILE}):\n{listed}"
    )


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _choices(values: Mapping[str, str] | list[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _suggest(value: Any, values: Mapping[str, str] | list[str]) -> str:
    close = difflib.get_close_matches(str(value), list(values), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


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
    if not _is_text(raw.get("consultation")):
        add(
            "top of the file",
            "consultation",
            "missing; say what this version followed (e.g. the consultation seminar).",
        )
    changes = raw.get("changes")
    if not isinstance(changes, list) or not changes or not all(_is_text(c) for c in changes):
        add(
            "top of the file",
            "changes",
            "give a list of at least one change summary, one text per item.",
        )
    goals = raw.get("goals")
    if not isinstance(goals, list) or not goals:
        add("top of the file", "goals", "give a list of goals, each with its clusters.")
        return problems

    ids: dict[str, set[str]] = {"goal": set(), "cluster": set(), "PI": set()}
    codes = set(candidates["code"])
    for g_number, goal in enumerate(goals, start=1):
        if not isinstance(goal, Mapping):
            add(f"goal {g_number}", None, "must be a mapping with id, title and clusters.")
            continue
        gwhere = _where("goal", goal.get("id"), g_number, ids, add)
        _check_fields(goal, GOAL_FIELDS, ("id", "title", "clusters"), gwhere, add)
        for field in ("title", "short_title", "description"):
            if field in goal and goal[field] is not None and not _is_text(goal[field]):
                add(gwhere, field, "must be text.")
        short = goal.get("short_title")
        if _is_text(short) and len(short) > SHORT_TITLE_MAX:
            add(
                gwhere,
                "short_title",
                f"{short!r} is longer than {SHORT_TITLE_MAX} "
                "characters; shorten it (it names the goal's sheet in the workbook).",
            )
        if not _is_text(goal.get("title")):
            add(gwhere, "title", "missing; give the goal a title.")
        clusters = goal.get("clusters")
        if not isinstance(clusters, list) or not clusters:
            add(gwhere, "clusters", "give a list of at least one cluster.")
            continue
        for c_number, cluster in enumerate(clusters, start=1):
            if not isinstance(cluster, Mapping):
                add(
                    f"{gwhere}, cluster {c_number}",
                    None,
                    "must be a mapping with id, title, narrative and pis.",
                )
                continue
            cwhere = _where("cluster", cluster.get("id"), c_number, ids, add, gwhere)
            _check_fields(cluster, CLUSTER_FIELDS, CLUSTER_FIELDS, cwhere, add)
            for field in ("title", "narrative"):
                if not _is_text(cluster.get(field)):
                    add(
                        cwhere,
                        field,
                        "missing; write it (the narrative says what the PIs together show).",
                    )
            pis = cluster.get("pis")
            if not isinstance(pis, list):
                add(
                    cwhere,
                    "pis",
                    f"give a list of {MIN_PIS_PER_CLUSTER} to {MAX_PIS_PER_CLUSTER} PIs.",
                )
                continue
            if not MIN_PIS_PER_CLUSTER <= len(pis) <= MAX_PIS_PER_CLUSTER:
                add(
                    cwhere,
                    "pis",
                    f"has {len(pis)} PI(s); a cluster holds "
                    f"{MIN_PIS_PER_CLUSTER} to {MAX_PIS_PER_CLUSTER}: move PIs between "
                    "clusters, or merge or split the cluster.",
                )
            for p_number, pi in enumerate(pis, start=1):
                if not isinstance(pi, Mapping):
                    add(f"{cwhere}, PI {p_number}", None, "must be a mapping of PI fields.")
                    continue
                pwhere = _where("PI", pi.get("id"), p_number, ids, add, cwhere)
                _check_pi(pi, pwhere, add, enums, metadata, candidates, codes)
    return problems


def _where(
    kind: str, value: Any, number: int, ids: dict[str, set[str]], add: Any, parent: str = ""
) -> str:
    """Name a goal, cluster or PI for messages, checking its id on the way."""
    inside = f" in {parent}" if parent else ""
    if not _is_text(value):
        where = f"{kind} number {number}{inside}"
        add(
            where,
            "id",
            "missing; give it an id"
            + (
                " like BF-CP-03 (BF-, two capital letters, -, two digits)." if kind == "PI" else "."
            ),
        )
        return where
    value = str(value).strip()
    where = f"{kind} {value}"
    if value in ids[kind]:
        add(where, "id", f"{value} is used more than once; give each {kind} its own id.")
    ids[kind].add(value)
    if kind == "PI" and not PI_ID_PATTERN.match(value):
        add(
            where,
            "id",
            f"{value!r} should look like BF-CP-03 (BF-, two capital letters for "
            "the area, -, two digits).",
        )
    return where


def _check_fields(
    item: Mapping, allowed: tuple[str, ...], required: tuple[str, ...], where: str, add: Any
) -> None:
    for key in item:
        if key not in allowed:
            add(
                where,
                str(key),
                f"unknown field; remove it or fix the spelling (fields: {', '.join(allowed)}).",
            )
    for key in required:
        if key not in item:
            add(where, key, "missing; add it.")


def _check_pi(
    pi: Mapping,
    where: str,
    add: Any,
    enums: dict[str, dict[str, str]],
    metadata: pd.DataFrame,
    candidates: pd.DataFrame,
    codes: set[str],
) -> None:
    allowed = REQUIRED_PI_FIELDS + OPTIONAL_PI_FIELDS
    for key in pi:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            add(where, str(key), f"unknown field; {hint}remove it or fix the spelling.")
    for key in REQUIRED_PI_FIELDS:
        if key not in pi or pi[key] is None:
            add(
                where,
                key,
                "missing; every PI needs it (see data/reference/best_fit_model/ for examples).",
            )
    for key in TEXT_PI_FIELDS:
        if key in pi and pi[key] is not None and not _is_text(pi[key]):
            add(where, key, "must be text; write it in plain words.")
    for key, list_name in ENUM_PI_FIELDS.items():
        value = pi.get(key)
        if value is not None and (not isinstance(value, str) or value not in enums[list_name]):
            add(
                where,
                key,
                f"{value!r} is not a known {key.replace('_', ' ')}"
                f"{_suggest(value, enums[list_name])}; use one of "
                f"{_choices(enums[list_name])}.",
            )
    decimals = pi.get("decimals")
    if decimals is not None and (
        isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0
    ):
        add(
            where,
            "decimals",
            f"{decimals!r} is not a whole number of 0 or more; write e.g. decimals: 1.",
        )
    age = pi.get("age_range")
    if age is not None:
        match = AGE_RANGE_PATTERN.match(str(age)) if isinstance(age, str) else None
        if (
            not (match and int(match.group(1)) <= int(match.group(2)) <= 25)
            and age not in enums["age_range_words"]
        ):
            add(
                where,
                "age_range",
                f"{age!r} is not an age range; write youngest-oldest in "
                f"years, e.g. 0-17, or one of {_choices(enums['age_range_words'])}.",
            )
    keywords = pi.get("keywords")
    if keywords is not None and (
        not isinstance(keywords, list) or not keywords or not all(_is_text(k) for k in keywords)
    ):
        add(
            where,
            "keywords",
            "give a list of at least one word or phrase, e.g. [re-referrals, repeat referrals].",
        )
    reference = pi.get("national_reference")
    if reference is not None and not _is_text(reference):
        add(where, "national_reference", "must be text (or null when there is none).")
    status = pi.get("status")
    _check_status(pi, status, where, add)
    _check_target(pi.get("target"), pi.get("unit"), where, add)
    source = pi.get("source")
    if source is not None:
        _check_source(pi, source, status, where, add, enums, metadata)
    code = pi.get("candidate_code")
    if code is not None:
        if not isinstance(code, str) or code not in codes:
            add(
                where,
                "candidate_code",
                f"{code!r} is not a code in data/reference/"
                f"{CANDIDATES_FILE}{_suggest(code, sorted(codes))}; use one of its codes, or "
                "null when no Phase I candidate matches.",
            )
        elif (
            isinstance(source, Mapping)
            and source.get("type") == "national"
            and source.get("indicator")
        ):
            row = candidates.loc[candidates["code"] == code].iloc[0]
            if row["public_indicator"] and row["public_indicator"] != source["indicator"]:
                add(
                    where,
                    "candidate_code",
                    f"{code} stands for the published indicator "
                    f"{row['public_indicator']!r} but the PI's source is "
                    f"{source['indicator']!r}; pick the matching candidate code.",
                )


def _check_status(pi: Mapping, status: Any, where: str, add: Any) -> None:
    postponed = pi.get("postponed")
    if status == "postponed":
        if not isinstance(postponed, Mapping):
            add(
                where,
                "postponed",
                "a postponed PI needs postponed: {reason: why, phase: when "
                "it will be reconsidered}.",
            )
            return
        for key in postponed:
            if key not in ("reason", "phase"):
                add(where, f"postponed.{key}", "unknown field; use reason and phase only.")
        for key in ("reason", "phase"):
            if not _is_text(postponed.get(key)):
                add(
                    where,
                    f"postponed.{key}",
                    f"missing; say the {key} it was postponed"
                    + (" (e.g. Phase III)." if key == "phase" else "."),
                )
    elif status == "current" and postponed is not None:
        add(
            where,
            "postponed",
            "only a postponed PI has postponed: details; remove them or set status: postponed.",
        )


def _check_target(target: Any, unit: Any, where: str, add: Any) -> None:
    if target is None:
        return
    if not isinstance(target, Mapping):
        add(
            where,
            "target",
            "write target: {value: NUMBER, basis: why this value}, or null when none is agreed.",
        )
        return
    for key in target:
        if key not in ("value", "basis"):
            add(where, f"target.{key}", "unknown field; use value and basis only.")
    value = target.get("value")
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or (isinstance(value, float) and math.isnan(value))
    ):
        add(
            where,
            "target.value",
            f"{value!r} is not a number; write the target as a number "
            "in the PI's unit (e.g. 80 for 80%).",
        )
    elif unit == "percent" and not 0 <= value <= 100:
        add(
            where,
            "target.value",
            f"{value} is outside 0-100 for a percentage; write it as a percentage.",
        )
    if not _is_text(target.get("basis")):
        add(
            where,
            "target.basis",
            "missing; say where the target comes from (statutory guidance, a board decision, ...).",
        )


def _check_source(
    pi: Mapping,
    source: Any,
    status: Any,
    where: str,
    add: Any,
    enums: dict[str, dict[str, str]],
    metadata: pd.DataFrame,
) -> None:
    shape = (
        "write source: {type: national, dataset: ..., indicator: ID, agency: ...} or "
        "{type: local, agency: ..., collection: ...}."
    )
    if not isinstance(source, Mapping):
        add(where, "source", f"must be a mapping; {shape}")
        return
    kind = source.get("type")
    if kind not in enums["source_types"]:
        add(
            where,
            "source.type",
            f"{kind!r} is not one of {_choices(enums['source_types'])}; {shape}",
        )
        return
    allowed = SOURCE_FIELDS.get(kind, ("type", "agency"))
    for key in source:
        if key not in allowed:
            add(
                where,
                f"source.{key}",
                f"not used by a {kind} source (fields: {', '.join(allowed)}); remove it.",
            )
    agency = source.get("agency")
    if not isinstance(agency, str) or agency not in enums["agencies"]:
        add(
            where,
            "source.agency",
            f"{agency!r} is not one of the survey's agencies"
            f"{_suggest(agency, enums['agencies'])}; use one of {_choices(enums['agencies'])} "
            "(data/reference/survey.yaml, code_lists.agency).",
        )
    if kind == "local":
        if not _is_text(source.get("collection")):
            add(
                where,
                "source.collection",
                "missing; describe the records the figure comes "
                "from (system, register or return, and who keeps it).",
            )
        return
    if not _is_text(source.get("dataset")):
        add(
            where,
            "source.dataset",
            "missing; name the published collection (e.g. DfE Children in need census).",
        )
    indicator_id = source.get("indicator")
    if indicator_id is None:
        if status != "postponed":
            add(
                where,
                "source.indicator",
                "missing; give the id of the published indicator "
                "in data/reference/indicators.csv (add it there first), or mark the PI "
                "postponed until it is added.",
            )
        return
    if not isinstance(indicator_id, str) or indicator_id not in metadata.index:
        close = difflib.get_close_matches(str(indicator_id), list(metadata.index), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        add(
            where,
            "source.indicator",
            f"{indicator_id!r} is not an indicator id in "
            f"data/reference/indicators.csv; {hint}use one of its ids, add the indicator "
            "there first, or make the source local.",
        )
        return
    meta = metadata.loc[indicator_id]
    for field in ("polarity", "unit", "decimals"):
        value = pi.get(field)
        if value is not None and value != meta[field]:
            add(
                where,
                field,
                f"{value!r} disagrees with data/reference/indicators.csv, which "
                f"gives {meta[field]!r} for {indicator_id}; write {field}: {meta[field]} (a "
                "national PI follows the published indicator).",
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
                        "goal_title": _clean(goal["title"]),
                        "cluster": str(cluster["id"]),
                        "cluster_title": _clean(cluster["title"]),
                        "cluster_narrative": _clean(cluster["narrative"]),
                        "position": position,
                        "id": pi["id"],
                        "title": _clean(pi["title"]),
                        "definition": _clean(pi["definition"]),
                        "numerator": _clean(pi["numerator"]),
                        "denominator": _clean(pi["denominator"]),
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
                        "keywords": tuple(_clean(k) for k in pi["keywords"]),
                        "national_reference": (
                            _clean(pi["national_reference"])
                            if pi.get("national_reference")
                            else None
                        ),
                        "target_value": (
                            float(target["value"]) if "value" in target else float("nan")
                        ),
                        "target_basis": _clean(target["basis"]) if "basis" in target else None,
                        "status": pi["status"],
                        "postponed_reason": (_clean(postponed["reason"]) if postponed else None),
                        "postponed_phase": (_clean(postponed["phase"]) if postponed else None),
                    }
                )
                ids.append(pi["id"])
            goal_pis += len(ids)
            cluster_rows.append(
                {
                    "goal": str(goal["id"]),
                    "goal_title": _clean(goal["title"]),
                    "cluster": str(cluster["id"]),
                    "cluster_title": _clean(cluster["title"]),
                    "cluster_narrative": _clean(cluster["narrative"]),
                    "pis": len(ids),
                    "pi_ids": tuple(ids),
                }
            )
        goal_rows.append(
            {
                "goal": str(goal["id"]),
                "goal_title": _clean(goal["title"]),
                "goal_short_title": _clean(goal.get("short_title") or goal["title"]),
                "goal_description": _clean(goal.get("description")),
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
        consultation=_clean(raw["consultation"]),
        changes=tuple(_clean(c) for c in raw["changes"]),
        path=file,
        pis=pis,
        goals=pd.DataFrame(goal_rows, columns=GOAL_COLUMNS),
        clusters=pd.DataFrame(cluster_rows, columns=CLUSTER_COLUMNS),
    )


def _sector(agency: str, enums: dict[str, dict[str, str]]) -> str:
    if agency in enums["local_authority_agencies"]:
        return "local authority"
    if agency in enums["partnership_agencies"]:
        return "partnership"
    return "partner"


# --- internals: diff ------------------------------------------------------------------


def _text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:g}"
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _pi_label(row: pd.Series) -> str:
    return f"{row['title']} [{row['cluster']} {row['cluster_title']}]"


def _structure_changes(a: Catalogue, b: Catalogue) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for kind, frame_a, frame_b, key, fields in (
        ("goal", a.goals, b.goals, "goal", ("goal_title", "goal_short_title", "goal_description")),
        (
            "cluster",
            a.clusters,
            b.clusters,
            "cluster",
            ("goal", "cluster_title", "cluster_narrative"),
        ),
    ):
        old = frame_a.set_index(key)
        new = frame_b.set_index(key)
        title = f"{kind}_title"
        for item in old.index.difference(new.index, sort=False):
            rows.append(("removed", "", f"{kind} {item}", str(old.at[item, title]), ""))
        for item in new.index.difference(old.index, sort=False):
            rows.append(("added", "", f"{kind} {item}", "", str(new.at[item, title])))
        for item in new.index.intersection(old.index, sort=False):
            for field in fields:
                was, now = _text_value(old.at[item, field]), _text_value(new.at[item, field])
                if was != now:
                    label = field.replace(f"{kind}_", "")
                    rows.append(("changed", "", f"{kind} {item} {label}", was, now))
    return rows


def _format_change(field: str, old: str, new: str) -> list[str]:
    indent = "      "
    head = f"    {field}: " if field else ""
    if len(old) + len(new) < 60:
        return [f"{head or indent}{old or '(none)'} -> {new or '(none)'}"]
    lines = [head.rstrip()] if head else []
    for label, text in (("was", old), ("now", new)):
        wrapped = textwrap.wrap(
            text or "(none)",
            88,
            initial_indent=f"{indent}{label}: ",
            subsequent_indent=indent + "     ",
        )
        lines += wrapped
    return lines


# --- internals: workbooks -------------------------------------------------------------


def _row_height(texts: list[tuple[str, int]], minimum: int = 1) -> float:
    """Estimated height (points) for wrapped texts: (text, column width) pairs."""
    lines = minimum
    for text, width in texts:
        chars = max(int(width * 1.15), 1)
        count = sum(max(1, math.ceil(len(part) / chars)) for part in str(text).split("\n"))
        lines = max(lines, count)
    return min(15.0 * lines + 3, 409.0)


def _header_row(sheet: Any, row: int, headers: list[str], widths: list[int]) -> None:
    for column, (label, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = write_cell(sheet.cell(row=row, column=column), label)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = TOP_WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[row].height = 32


def _print_setup(sheet: Any, title_rows: str) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
    sheet.print_options.gridLines = False


def _protect(sheet: Any) -> None:
    # No password: protection stops accidental edits, never reading. Filtering, sorting and
    # resizing stay allowed (False means "not protected" in openpyxl's SheetProtection).
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _sheet_name(text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", text)
    name = " ".join(name.split())[:31].strip().strip("'")
    base, number = name, 2
    while name in used:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    return name


def _unit_label(unit: str, enums: dict[str, dict[str, str]]) -> str:
    return enums["units"].get(unit) or unit


def _source_text(pi: Any) -> str:
    if pi.source_type == "national":
        indicator = (
            pi.source_indicator
            if isinstance(pi.source_indicator, str)
            else "not yet in indicators.csv"
        )
        return f"National: {pi.source_dataset} (indicator {indicator}); held by {pi.source_agency}"
    return f"Local: {pi.source_agency}. {pi.source_collection}"


def _target_text(pi: Any) -> str:
    if pd.isna(pi.target_value):
        return ""
    return f"{pi.target_value:g}{indicators.unit_suffix(pi.unit)} ({pi.target_basis})"


def _status_text(pi: Any) -> str:
    if pi.status == "postponed":
        return f"Postponed to {pi.postponed_phase}: {pi.postponed_reason}"
    return pi.status


def _polarity_text(polarity: str) -> str:
    return {"high": "higher", "low": "lower"}.get(polarity, "no judgement")


def _write_notes(sheet: Any, catalogue: Catalogue, enums: dict[str, dict[str, str]]) -> None:
    current = int((catalogue.pis["status"] == "current").sum())
    postponed = len(catalogue.pis) - current
    rows: list[tuple[str, str] | str] = [
        "London safeguarding children boards: best-fit model of performance indicators",
        ("Version", catalogue.version),
        ("Date", catalogue.date.isoformat()),
        ("Followed", catalogue.consultation),
        (
            "PIs",
            f"{current} current and {postponed} postponed, under "
            f"{len(catalogue.goals)} goals in {len(catalogue.clusters)} clusters",
        ),
        ("Changes in this version", "\n".join(f"- {c}" for c in catalogue.changes)),
        "",
        "How to read this workbook",
        (
            "Goal sheets",
            "One sheet per overarching goal. Each cluster of 3 or 4 PIs starts with "
            "a shaded row giving its narrative: what the PIs together tell the "
            "board. Then one row per PI.",
        ),
        (
            "Definition",
            "What to count, written so that a borough performance officer can "
            "follow it; numerator and denominator say exactly what is divided by "
            "what. Terms such as referral, missing or LADO allegation follow the "
            "Glossary sheet.",
        ),
        (
            "Source",
            "National: a published statistic, defined as DfE publishes it and "
            "benchmarked against London, England and statistical neighbours. Local: "
            "collected by the agency named, from the records described.",
        ),
        ("Target", "Only where one has been agreed, with its basis."),
        (
            "Status",
            "Current PIs are in the dataset; postponed PIs are agreed in principle and "
            "deferred to the phase shown, with the reason.",
        ),
        ("All PIs", "Every field of every PI on one sheet, for filtering and sorting."),
        (
            "Glossary",
            "The terms that must mean the same in every borough, with their "
            "statutory or DfE source.",
        ),
        "",
        "Ratings",
        *[(name, meaning) for name, meaning in enums["ratings"].items()],
        "",
        "Questions the PIs answer",
        *[(name, meaning) for name, meaning in enums["questions"].items()],
        "",
        "Better when",
        *[(_polarity_text(name), meaning) for name, meaning in enums["polarities"].items()],
    ]
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 100
    for number, item in enumerate(rows, start=1):
        if isinstance(item, str):
            cell = write_cell(sheet.cell(row=number, column=1), item or None)
            cell.font = Font(bold=True, size=14 if number == 1 else 12)
            continue
        label, text = item
        write_cell(sheet.cell(row=number, column=1), label).font = Font(bold=True)
        write_cell(sheet.cell(row=number, column=2), _clean_lines(text)).alignment = TOP_WRAP
        sheet.cell(row=number, column=1).alignment = TOP_WRAP
        sheet.row_dimensions[number].height = _row_height([(text, 100)])
    _print_setup(sheet, "1:1")
    sheet.page_setup.orientation = "portrait"


def _clean_lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in str(text).split("\n"))


def _write_goal_sheet(
    sheet: Any, catalogue: Catalogue, goal: Any, enums: dict[str, dict[str, str]]
) -> None:
    columns = len(EXPORT_COLUMNS)
    last_letter = get_column_letter(columns)
    title = write_cell(
        sheet.cell(row=1, column=1),
        f"{goal.goal} {goal.goal_title} (best-fit model version {catalogue.version})",
    )
    title.font = Font(bold=True, size=13)
    write_cell(sheet.cell(row=2, column=1), goal.goal_description).alignment = TOP_WRAP
    sheet.merge_cells(f"A2:{last_letter}2")
    sheet.row_dimensions[2].height = 32
    _header_row(sheet, 3, [h for h, _, _ in EXPORT_COLUMNS], [w for _, _, w in EXPORT_COLUMNS])
    row = 3
    pis = catalogue.pis.loc[catalogue.pis["goal"] == goal.goal]
    for cluster in catalogue.clusters.loc[catalogue.clusters["goal"] == goal.goal].itertuples():
        row += 1
        text = f"{cluster.cluster} {cluster.cluster_title}: {cluster.cluster_narrative}"
        cell = write_cell(sheet.cell(row=row, column=1), text)
        cell.font = Font(bold=True)
        for column in range(1, columns + 1):
            sheet.cell(row=row, column=column).fill = SECTION_FILL
        cell.alignment = TOP_WRAP
        sheet.merge_cells(f"A{row}:{last_letter}{row}")
        sheet.row_dimensions[row].height = _row_height([(text, 250)])
        for pi in pis.loc[pis["cluster"] == cluster.cluster].itertuples(index=False):
            row += 1
            values = {
                "id": pi.id,
                "title": pi.title,
                "definition": pi.definition,
                "numerator": pi.numerator,
                "denominator": pi.denominator,
                "unit": _unit_label(pi.unit, enums),
                "polarity": _polarity_text(pi.polarity),
                "rating": pi.rating,
                "question": pi.question,
                "sub_group": pi.sub_group,
                "frequency": pi.frequency,
                "source": _source_text(pi),
                "target": _target_text(pi),
                "status": _status_text(pi),
            }
            heights = []
            for column, (_, field, width) in enumerate(EXPORT_COLUMNS, start=1):
                write_cell(sheet.cell(row=row, column=column), values[field]).alignment = TOP_WRAP
                heights.append((values[field], width))
            sheet.row_dimensions[row].height = _row_height(heights)
    sheet.freeze_panes = "B4"
    sheet.auto_filter.ref = f"A3:{last_letter}{row}"
    _print_setup(sheet, "3:3")


def _flat_pis(catalogue: Catalogue) -> pd.DataFrame:
    flat = catalogue.pis.copy()
    flat["keywords"] = flat["keywords"].map(lambda words: "; ".join(words))
    return flat


def _write_table_sheet(
    sheet: Any, frame: pd.DataFrame, title: str, widths: Mapping[str, int] | None = None
) -> None:
    write_cell(sheet.cell(row=1, column=1), title).font = Font(bold=True, size=13)
    columns = list(frame.columns)
    chosen = [min(max(len(c) + 2, (widths or {}).get(c, 18)), 70) for c in columns]
    _header_row(sheet, 2, [str(c) for c in columns], chosen)
    for number, values in enumerate(frame.itertuples(index=False, name=None), start=3):
        for column, value in enumerate(values, start=1):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if isinstance(value, tuple | list):
                value = "; ".join(str(v) for v in value)
            write_cell(sheet.cell(row=number, column=column), value).alignment = TOP_WRAP
    last = get_column_letter(len(columns))
    sheet.freeze_panes = "B3"
    sheet.auto_filter.ref = f"A2:{last}{len(frame) + 2}"
    _print_setup(sheet, "2:2")


def _write_lists(workbook: Workbook, lists: dict[str, list[str]]) -> dict[str, str]:
    """Write the hidden Lists sheet; return list name -> defined name for validation."""
    names, sheet = write_lists_sheet(workbook, lists)
    _protect(sheet)
    return names


def _dropdown(sheet: Any, list_name: str, cells: str, prompt: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=f"={list_name}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Not in the list",
        error="Choose from the list; say more in the Comment column.",
        promptTitle="Choose from the list",
        prompt=prompt,
        showInputMessage=True,
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


def _write_respondent(sheet: Any, catalogue: Catalogue) -> None:
    lines = [
        f"Best-fit model version {catalogue.version} ({catalogue.date.isoformat()}): feedback form",
        "",
        "Thank you for commenting on the draft minimal dataset. Please:",
        "1. Fill in the three yellow boxes below.",
        "2. On the 'Feedback' sheet, for each PI choose keep, amend or remove. If you would rate "
        "it differently, choose a suggested rating. If you would word it differently, write "
        "your wording; add any comment.",
        "3. On 'Suggest a new PI', describe any PI you think is missing, and which agency holds "
        "the data.",
        "4. Do not include information about individual children or families.",
        "5. Return the workbook as .xlsx, keeping its name and sheets: the hidden 'Model' sheet "
        "tells us which version you commented on.",
        "",
    ]
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 90
    for number, line in enumerate(lines, start=1):
        cell = write_cell(sheet.cell(row=number, column=1), line or None)
        cell.alignment = Alignment(wrap_text=False, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)
    first = len(lines) + 1
    write_cell(sheet.cell(row=first, column=1), "Respondent").font = Font(bold=True, size=12)
    for offset, label in enumerate(("Organisation", "Name and role", "Date"), start=1):
        row = first + offset
        write_cell(sheet.cell(row=row, column=1), label).font = Font(bold=True)
        answer = sheet.cell(row=row, column=2)
        answer.protection = Protection(locked=False)
        answer.fill = ENTRY_FILL
        if label == "Date":
            answer.number_format = "dd/mm/yyyy"
    _protect(sheet)
    _print_setup(sheet, "1:1")
    sheet.page_setup.orientation = "portrait"


def _write_new_pi_sheet(sheet: Any, agencies_list: str) -> None:
    headers = [
        ("Title", 34),
        ("Definition", 60),
        ("Numerator", 34),
        ("Denominator", 30),
        ("Agency holding the data", 24),
        ("Why the board needs it", 40),
    ]
    _header_row(sheet, 1, [h for h, _ in headers], [w for _, w in headers])
    for row in range(2, NEW_PI_ROWS + 2):
        for column in range(1, len(headers) + 1):
            cell = sheet.cell(row=row, column=column)
            cell.protection = Protection(locked=False)
            cell.fill = ENTRY_FILL
            cell.alignment = TOP_WRAP
    _dropdown(sheet, agencies_list, f"E2:E{NEW_PI_ROWS + 1}", "The agency that holds the data.")
    sheet.freeze_panes = "A2"
    _protect(sheet)
    _print_setup(sheet, "1:1")


def _write_model_sheet(sheet: Any, catalogue: Catalogue) -> None:
    rows = [
        ("model", "LSCB datasets best-fit model"),
        ("version", catalogue.version),
        ("date", catalogue.date.isoformat()),
        ("pis", len(catalogue.pis)),
        ("pi_ids", ";".join(catalogue.pis["id"])),
        ("checksum_sha256", pi_checksum(catalogue)),
        ("source_file", catalogue.path.name),
    ]
    for number, (key, value) in enumerate(rows, start=1):
        write_cell(sheet.cell(row=number, column=1), key)
        write_cell(sheet.cell(row=number, column=2), value)
    sheet.sheet_state = "hidden"
    _protect(sheet)
