"""The advisers' time by kind of work against their plan, and the charge for excess days.

The 2011 advisers' report plans their time as "approximately 60% ... borough level support,
20% on London Board Work and 20% on other pan London project work", with "10 days agreed
support per area" and a charge "for work in excess". The plan's kinds, shares and the day rate
are in ``data/reference/support_review.yaml`` (``plan``); the allowance is
``support.allowance_days`` in ``audit_themes.yaml``. Pure functions over the support log
(:func:`lscb_analysis.qa.support_log.read_support_log`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError

RULES_FILE = "support_review.yaml"
ALL_ADVISERS = "All advisers"
ALL_QUARTERS = "All quarters"
NOT_RECORDED = "kind not recorded"
TIME_COLUMNS = [
    "adviser",
    "quarter",
    "kind_of_work",
    "days",
    "share_pct",
    "plan_pct",
    "gap_pp",
    "plan_days",
    "gap_days",
]


def _key(text: object) -> str:
    """Text lower-cased with everything but letters and digits taken out ("Pan-London" -> "panlondon")."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def plan_config(rules: dict | None = None) -> dict:
    """The ``plan`` section of support_review.yaml, checked.

    Output: ``{"kinds": {kind: {"share_pct": float, "synonyms": [...], "scope": "borough",
    "pan-London" or None}}, "day_rate": float or None, "currency": str}`` (``scope``: the
    scope of the support log rows the kind belongs to; the reader warns of a row whose
    borough says otherwise). Raises: ReferenceDataError when the section is missing, a share is
    not a number from 0 to 100, the shares do not add up to 100, or a scope is not borough
    or pan-London.
    """
    rules = rules if rules is not None else io.read_reference_yaml(RULES_FILE)
    plan = rules.get("plan") if isinstance(rules, dict) else None
    if not isinstance(plan, dict) or not isinstance(plan.get("kinds"), dict) or not plan["kinds"]:
        raise ReferenceDataError(
            f"data/reference/{RULES_FILE} has no plan.kinds: list the kinds of work with their "
            "share_pct (e.g. borough support: 60, London Board work: 20, pan-London projects: 20)."
        )
    kinds = {}
    for kind, spec in plan["kinds"].items():
        share = (spec or {}).get("share_pct")
        if not isinstance(share, (int, float)) or not 0 <= float(share) <= 100:
            raise ReferenceDataError(
                f"data/reference/{RULES_FILE}, plan.kinds.{kind}.share_pct: must be a number "
                "from 0 to 100."
            )
        scope = (spec or {}).get("scope")
        if scope not in (None, "borough", "pan-London"):
            raise ReferenceDataError(
                f"data/reference/{RULES_FILE}, plan.kinds.{kind}.scope: must be borough or "
                "pan-London (or left out)."
            )
        kinds[str(kind)] = {
            "share_pct": float(share),
            "synonyms": [str(s) for s in (spec or {}).get("synonyms", []) or []],
            "scope": scope,
        }
    total = sum(k["share_pct"] for k in kinds.values())
    if abs(total - 100) > 1e-6:
        raise ReferenceDataError(
            f"data/reference/{RULES_FILE}, plan.kinds: the shares add up to {total:g}, not 100; "
            "correct them."
        )
    rate = plan.get("day_rate")
    if rate is not None and (not isinstance(rate, (int, float)) or rate < 0):
        raise ReferenceDataError(
            f"data/reference/{RULES_FILE}, plan.day_rate: must be a number of 0 or more, or null."
        )
    return {
        "kinds": kinds,
        "day_rate": None if rate is None else float(rate),
        "currency": str(plan.get("currency", "£")),
    }


def resolve_kind(text: object, plan: dict) -> str | None:
    """The plan's kind of work that ``text`` names (the kind itself or a synonym), else None.

    Matching ignores case, spaces and punctuation.

    >>> plan = {"kinds": {"borough support": {"synonyms": ["borough level support"]}}}
    >>> resolve_kind("Borough-level support", plan), resolve_kind("knitting", plan)
    ('borough support', None)
    """
    key = _key(text)
    for kind, spec in plan["kinds"].items():
        if key == _key(kind) or key in {_key(s) for s in spec.get("synonyms", [])}:
            return kind
    return None


def financial_quarter(date: object, year_starts: str = "04-01") -> str:
    """The financial year and quarter of a date: "2025-26 Q1" for 12 May 2025.

    Quarters count from the start of the financial year (``year_starts``, month-day).

    >>> financial_quarter(pd.Timestamp("2025-05-12")), financial_quarter(pd.Timestamp("2026-03-31"))
    ('2025-26 Q1', '2025-26 Q4')
    """
    month, day = (int(x) for x in year_starts.split("-"))
    stamp = pd.Timestamp(date)
    start = stamp.year if (stamp.month, stamp.day) >= (month, day) else stamp.year - 1
    months = (stamp.year - start) * 12 + stamp.month - month - (1 if stamp.day < day else 0)
    return f"{start}-{(start + 1) % 100:02d} Q{months // 3 + 1}"


def _against_plan(group: pd.DataFrame, plan: dict) -> pd.DataFrame:
    """One group's days by kind (every planned kind, and unrecorded kinds when any) vs the plan."""
    days = group.groupby("kind_of_work")["days"].sum()
    kinds = list(plan["kinds"]) + ([NOT_RECORDED] if NOT_RECORDED in days.index else [])
    # the plan is compared with the days whose kind is recorded; the unrecorded row shows its
    # share of all days
    total = float(days.drop(NOT_RECORDED, errors="ignore").sum())
    table = pd.DataFrame({"kind_of_work": kinds})
    table["days"] = table["kind_of_work"].map(days).fillna(0.0).astype(float)
    table["share_pct"] = 100 * table["days"] / total if total > 0 else np.nan
    unrecorded = table["kind_of_work"] == NOT_RECORDED
    table.loc[unrecorded, "share_pct"] = 100 * table["days"] / float(days.sum())
    table["plan_pct"] = table["kind_of_work"].map(
        {k: s["share_pct"] for k, s in plan["kinds"].items()}
    )
    table["gap_pp"] = table["share_pct"] - table["plan_pct"]
    table["plan_days"] = table["plan_pct"] / 100 * total
    table["gap_days"] = table["days"] - table["plan_days"]
    return table


def time_by_kind(
    log: pd.DataFrame,
    *,
    year: str | None = None,
    plan: dict | None = None,
    year_starts: str = "04-01",
) -> pd.DataFrame:
    """Advisers' days by kind of work against the plan's shares, per adviser and quarter.

    Inputs: the table from :func:`~lscb_analysis.qa.support_log.read_support_log` (valid rows
    with ``adviser, kind_of_work, days, start_date, year``; a row's days count in the quarter its
    work started); ``year`` (a financial year such as "2025-26"; None: all); ``plan``
    (:func:`plan_config`; None: read it). Rows with no adviser count under "adviser not
    recorded"; rows whose kind is missing or unknown (reported by the reader) count as
    "kind not recorded", which has no planned share.

    Output: :data:`TIME_COLUMNS`, one row per adviser (each, then "All advisers"), quarter
    (each, then "All quarters") and kind of work: ``days``, ``share_pct`` (of that adviser's
    days in that quarter whose kind is recorded; for "kind not recorded", its share of all
    the days), ``plan_pct``, ``gap_pp`` (share minus plan, percentage points), ``plan_days``
    (the plan's share of the days with a recorded kind) and ``gap_days`` (days minus
    plan_days; above 0: more than planned). With no kind recorded in a group, its planned
    kinds' shares and gaps are NaN (not known), never a gap of minus the plan. Raises: ReferenceDataError for a bad plan.
    """
    plan = plan if plan is not None else plan_config()
    rows = log[log["valid"].astype(bool)].copy()
    if year is not None:
        rows = rows[rows["year"] == year]
    rows = rows[rows["start_date"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=TIME_COLUMNS)
    rows["adviser"] = rows["adviser"].fillna("").astype(str).str.strip()
    rows.loc[rows["adviser"] == "", "adviser"] = "adviser not recorded"
    rows["kind_of_work"] = rows["kind_of_work"].fillna("").astype(str).replace("", NOT_RECORDED)
    rows["quarter"] = [financial_quarter(d, year_starts) for d in rows["start_date"]]
    parts = []
    advisers = [*sorted(rows["adviser"].unique()), ALL_ADVISERS]
    quarters = [*sorted(rows["quarter"].unique()), ALL_QUARTERS]
    for adviser in advisers:
        mine = rows if adviser == ALL_ADVISERS else rows[rows["adviser"] == adviser]
        for quarter in quarters:
            group = mine if quarter == ALL_QUARTERS else mine[mine["quarter"] == quarter]
            if group.empty:
                continue
            parts.append(_against_plan(group, plan).assign(adviser=adviser, quarter=quarter))
    return pd.concat(parts, ignore_index=True)[TIME_COLUMNS]


def plan_summary(time: pd.DataFrame) -> pd.DataFrame:
    """The whole period for all advisers: the rows of :func:`time_by_kind` for "All advisers"
    and "All quarters" (``kind_of_work, days, share_pct, plan_pct, gap_pp, plan_days, gap_days``)."""
    whole = time[(time["adviser"] == ALL_ADVISERS) & (time["quarter"] == ALL_QUARTERS)]
    return whole.drop(columns=["adviser", "quarter"]).reset_index(drop=True)


def with_charges(days: pd.DataFrame, plan: dict | None = None) -> pd.DataFrame:
    """Support days per borough with the excess over the allowance to charge.

    Inputs: :func:`~lscb_analysis.qa.support_log.support_days` (``chargeable_days``: the
    days beyond the allowance, to be charged); ``plan`` (:func:`plan_config`; None: read
    it). Output: the same rows and, only when the plan sets a ``day_rate``, ``charge``
    (chargeable days times the rate, in the plan's currency; ``attrs["currency"]``).
    Raises: InvalidArgumentError when ``days`` has no ``chargeable_days`` column.
    """
    if "chargeable_days" not in days.columns:
        raise InvalidArgumentError(
            "days: expected the table from support_log.support_days (it has no "
            "chargeable_days column)."
        )
    plan = plan if plan is not None else plan_config()
    table = days.copy()
    if plan["day_rate"] is not None:
        table["charge"] = table["chargeable_days"] * plan["day_rate"]
        table.attrs["currency"] = plan["currency"]
    return table
