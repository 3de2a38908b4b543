"""The synthetic audits' specification: which audits, how their answers lean, what is planted.

Holds the demo audits' constants (seed, as-at date, marker file name, the planted NHS number,
the agencies audited), :class:`DemoAudit` and the list of demo audits, the section and agency
effects on grades, double marking and moderation shares, the evidence phrases and moderation
reasons, the SYNTHETIC.md texts and :class:`DemoResult` (what a write did).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from lscb_analysis.core import register

DEFAULT_SEED = 20260331
DEMO_AS_AT = dt.date(2026, 3, 31)
"""The date the demo's actions and support are reported "as at"."""

MARKER = "SYNTHETIC.md"
PLANTED_NHS_NUMBER = "943 476 5919"
NEGLECT_AGENCIES = ("children's social care", "police", "health (community)", "education")
EXPLOITATION_AGENCIES = (*NEGLECT_AGENCIES, "youth offending")


@dataclass(frozen=True)
class DemoAudit:
    """One synthetic audit: borough, theme, date, agencies, cases, quality and layout."""

    borough: str
    theme: str
    date: dt.date
    agencies: tuple[str, ...]
    cases: int
    quality: float  # mean grade rank before section, agency and case effects
    layout: str  # "single" (one workbook) or "copies" (one copy per agency)
    first_case: int  # case references SYN-<first_case>...
    agreement: float = 0.75  # chance the second auditor gives the same grade

    @property
    def audit_id(self) -> str:
        """``SYNTHETIC-<year>-<borough>-<theme>``."""
        return f"SYNTHETIC-{self.date.year}-{register.slugify(self.borough)}-{self.theme}"


DEMO_AUDITS: tuple[DemoAudit, ...] = (
    DemoAudit("Barnet", "neglect", dt.date(2025, 3, 14), NEGLECT_AGENCIES, 8, 2.35, "single", 101),
    DemoAudit("Barnet", "neglect", dt.date(2026, 3, 13), NEGLECT_AGENCIES, 8, 2.95, "copies", 121),
    DemoAudit(
        "Barnet", "exploitation", dt.date(2026, 2, 20), EXPLOITATION_AGENCIES, 6, 2.6, "single", 141
    ),
    DemoAudit("Croydon", "neglect", dt.date(2026, 1, 23), NEGLECT_AGENCIES, 6, 2.8, "single", 201),
    DemoAudit(
        "Croydon",
        "exploitation",
        dt.date(2026, 2, 27),
        EXPLOITATION_AGENCIES,
        6,
        2.3,
        "single",
        221,
        agreement=0.35,
    ),
    DemoAudit(
        "Lambeth", "exploitation", dt.date(2026, 3, 6), EXPLOITATION_AGENCIES, 6, 2.7, "single", 301
    ),
)

SMALL_SECTIONS: dict[str, tuple[str, int]] = {
    "SYNTHETIC-2025-barnet-neglect": ("voice_of_child", 4),
    "SYNTHETIC-2026-barnet-exploitation": ("planning", 5),
    "SYNTHETIC-2026-croydon-neglect": ("impact", 3),
    "SYNTHETIC-2026-lambeth-exploitation": ("voice_of_child", 2),
}
"""Audit id -> (section, graded answers kept): sections with 1 to 5 graded answers (the rest
"Not applicable"), so the board tier has small counts to suppress and the recovery attack
(:mod:`lscb_analysis.protect.recovery_attack`) always has something to try."""

SECTION_EFFECT = {
    "recognition": 0.25,
    "assessment": 0.0,
    "planning": -0.35,
    "joint_working": 0.1,
    "impact": -0.2,
    "voice_of_child": -0.45,
}
AGENCY_EFFECT = {
    "children's social care": 0.1,
    "police": -0.1,
    "health (community)": 0.15,
    "education": 0.0,
    "youth offending": -0.15,
}
DOUBLE_MARKED = 2  # cases per audit marked by a second auditor
MODERATED_SHARE = 0.15  # share of single-marked answers moderation looked at

EVIDENCE = {
    "recognition": (
        (
            "Concerns were not picked up at first contact; the pattern only became clear after "
            "several referrals.",
            "Early signs were noted but not shared until a later incident.",
        ),
        (
            "Concerns recognised at first contact and shared the same week.",
            "The practitioner linked school attendance, presentation and home conditions.",
        ),
    ),
    "assessment": (
        (
            "The assessment describes the latest incident but not the history or its impact.",
            "No chronology on file; parental capacity to change not analysed.",
        ),
        (
            "The assessment uses the chronology and sets out daily life for the child.",
            "Clear analysis of risk and strengths, with the family's history taken into account.",
        ),
    ),
    "planning": (
        (
            "Plan actions are tasks for the family with no measurable outcomes or timescales.",
            "Review dates slipped twice and drift was not escalated.",
        ),
        (
            "Outcomes are specific and reviewed on time; progress is tracked at each core group.",
            "Contingency plan agreed and understood by the family.",
        ),
    ),
    "joint_working": (
        (
            "Information held by one agency was not shared before the strategy discussion.",
            "Agencies missed core groups and actions were not followed up.",
        ),
        (
            "All agencies attended core groups and shared information promptly.",
            "Disagreement about the level of risk was escalated and resolved quickly.",
        ),
    ),
    "impact": (
        (
            "Little evidence that the help changed things for the child.",
            "Circumstances unchanged at the last review.",
        ),
        (
            "Attendance and health appointments improved during the plan.",
            "The child is safer and the family sustains the changes.",
        ),
    ),
    "voice_of_child": (
        (
            "The child was not seen alone and their views are not recorded.",
            "Views recorded once, in adult language, and not used in planning.",
        ),
        (
            "The child was seen alone and their words are recorded and reflected in the plan.",
            "Direct work helped the child explain what life is like at home.",
        ),
    ),
}
MODERATION_REASONS = {
    "down": (
        "Moderation agreed the evidence does not show impact for the child.",
        "Evidence cited describes activity rather than difference made.",
    ),
    "up": (
        "Further evidence found in the agency's records at moderation.",
        "Moderation agreed the practice met the descriptor for the higher grade.",
    ),
    "confirmed": ("Moderation confirmed the grade after discussion.",),
}
README_AUDIT = """# SYNTHETIC demonstration data

Everything in this folder was made up by the LSCB workbench's demo generator
(`lscb demo-data`, module `lscb_analysis.demo.demo_audits`). None of it is about real children,
families or practitioners. Case references (`SYN-nnnn`) are fake; one evidence cell holds a
made-up NHS number on purpose, to show that the ingest withholds identifiers.

Delete this folder before putting real audit returns in `data/raw/audit/`.
"""
README_SUPPORT = """# SYNTHETIC demonstration data

`support_log.csv` here was made up by the LSCB workbench's demo generator
(`lscb demo-data`). It records no real support. Replace it with the real support log.
"""


@dataclass
class DemoResult:
    """Files :func:`~lscb_analysis.demo.demo_audits.write_demo_audits` wrote (``written``) or
    left alone (``kept``)."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
