"""The rules a best-fit model catalogue file must follow, below its header: goals, clusters, PIs.

:func:`lscb_analysis.model.catalogue.load_catalogue` checks the file's header (version, date,
what it followed, changes) and hands the list of goals to :func:`check_goals`, which walks
goals, clusters and PIs and reports every problem through an ``add(where, field, message)``
callback, so that all problems are listed at once. The small text helpers used by the checks
and by the catalogue builder (:func:`is_text`, :func:`clean`) live here too.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

CANDIDATES_FILE = "candidate_indicators.csv"
MIN_PIS_PER_CLUSTER = 3
MAX_PIS_PER_CLUSTER = 4
PI_ID_PATTERN = re.compile(r"^BF-[A-Z]{2}-\d{2}$")
AGE_RANGE_PATTERN = re.compile(r"^(\d{1,2})-(\d{1,2})$")

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


def is_text(value: Any) -> bool:
    """True for a string with something other than spaces in it."""
    return isinstance(value, str) and bool(value.strip())


def clean(value: Any) -> str:
    """The value as text with runs of spaces and line breaks made one space (None: "")."""
    return " ".join(str(value).split()) if value is not None else ""


def _choices(values: Mapping[str, str] | list[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _suggest(value: Any, values: Mapping[str, str] | list[str]) -> str:
    close = difflib.get_close_matches(str(value), list(values), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_goals(
    goals: list,
    enums: dict[str, dict[str, str]],
    metadata: pd.DataFrame,
    candidates: pd.DataFrame,
    add: Any,
) -> None:
    """Check every goal, cluster and PI of a catalogue document.

    Inputs: ``goals`` (the document's non-empty list under ``goals:``), the code lists of
    :func:`lscb_analysis.model.catalogue.load_enums`, the indicator metadata
    (``indicators.load_metadata()``, indexed by indicator id), the candidate codes
    (``candidate_indicators.csv``) and ``add(where, field, message)``, called once per
    problem. Output: nothing (problems go to ``add``). Raises nothing.
    """
    ids: dict[str, set[str]] = {"goal": set(), "cluster": set(), "PI": set()}
    codes = set(candidates["code"])
    for g_number, goal in enumerate(goals, start=1):
        if not isinstance(goal, Mapping):
            add(f"goal {g_number}", None, "must be a mapping with id, title and clusters.")
            continue
        gwhere = _where("goal", goal.get("id"), g_number, ids, add)
        _check_goal_fields(goal, gwhere, add)
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
            _check_cluster(cluster, cwhere, ids, add, enums, metadata, candidates, codes)


def _check_goal_fields(goal: Mapping, gwhere: str, add: Any) -> None:
    """Check a goal's own fields: known, text, a short title that fits a sheet name."""
    _check_fields(goal, GOAL_FIELDS, ("id", "title", "clusters"), gwhere, add)
    for field in ("title", "short_title", "description"):
        if field in goal and goal[field] is not None and not is_text(goal[field]):
            add(gwhere, field, "must be text.")
    short = goal.get("short_title")
    if is_text(short) and len(short) > SHORT_TITLE_MAX:
        add(
            gwhere,
            "short_title",
            f"{short!r} is longer than {SHORT_TITLE_MAX} "
            "characters; shorten it (it names the goal's sheet in the workbook).",
        )
    if not is_text(goal.get("title")):
        add(gwhere, "title", "missing; give the goal a title.")


def _check_cluster(
    cluster: Mapping,
    cwhere: str,
    ids: dict[str, set[str]],
    add: Any,
    enums: dict[str, dict[str, str]],
    metadata: pd.DataFrame,
    candidates: pd.DataFrame,
    codes: set[str],
) -> None:
    """Check one cluster: its fields, 3-4 PIs, then each PI."""
    _check_fields(cluster, CLUSTER_FIELDS, CLUSTER_FIELDS, cwhere, add)
    for field in ("title", "narrative"):
        if not is_text(cluster.get(field)):
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
        return
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


def _where(
    kind: str, value: Any, number: int, ids: dict[str, set[str]], add: Any, parent: str = ""
) -> str:
    """Name a goal, cluster or PI for messages, checking its id on the way."""
    inside = f" in {parent}" if parent else ""
    if not is_text(value):
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
    """Check one PI: its fields, coded values, status, target, source and candidate code."""
    _check_pi_fields(pi, where, add)
    _check_pi_values(pi, where, add, enums)
    status = pi.get("status")
    _check_status(pi, status, where, add)
    _check_target(pi.get("target"), pi.get("unit"), where, add)
    source = pi.get("source")
    if source is not None:
        _check_source(pi, source, status, where, add, enums, metadata)
    _check_candidate(pi.get("candidate_code"), source, where, add, candidates, codes)


def _check_pi_fields(pi: Mapping, where: str, add: Any) -> None:
    """Check a PI's field names: none unknown, every required one given, text where text."""
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
        if key in pi and pi[key] is not None and not is_text(pi[key]):
            add(where, key, "must be text; write it in plain words.")


def _check_pi_values(pi: Mapping, where: str, add: Any, enums: dict[str, dict[str, str]]) -> None:
    """Check a PI's coded values, decimals, age range, keywords and national reference."""
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
        not isinstance(keywords, list) or not keywords or not all(is_text(k) for k in keywords)
    ):
        add(
            where,
            "keywords",
            "give a list of at least one word or phrase, e.g. [re-referrals, repeat referrals].",
        )
    reference = pi.get("national_reference")
    if reference is not None and not is_text(reference):
        add(where, "national_reference", "must be text (or null when there is none).")


def _check_candidate(
    code: Any,
    source: Any,
    where: str,
    add: Any,
    candidates: pd.DataFrame,
    codes: set[str],
) -> None:
    """Check a PI's Phase I candidate code exists and agrees with a national source."""
    if code is None:
        return
    if not isinstance(code, str) or code not in codes:
        add(
            where,
            "candidate_code",
            f"{code!r} is not a code in data/reference/"
            f"{CANDIDATES_FILE}{_suggest(code, sorted(codes))}; use one of its codes, or "
            "null when no Phase I candidate matches.",
        )
    elif (
        isinstance(source, Mapping) and source.get("type") == "national" and source.get("indicator")
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
            if not is_text(postponed.get(key)):
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
    if not is_text(target.get("basis")):
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
        if not is_text(source.get("collection")):
            add(
                where,
                "source.collection",
                "missing; describe the records the figure comes "
                "from (system, register or return, and who keeps it).",
            )
        return
    if not is_text(source.get("dataset")):
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
