"""Synthetic survey content: the words, items and wishes a demo board's return is made of.

Holds the survey demo's constants (seed, SYNTHETIC marker, password, fixed dates, the plan
and contact columns, the word lists boards really use: ticks, acronyms, systems, ages,
roles), the small records a return is built from (:class:`Item`, :class:`Wish`,
:class:`Sheet`, :class:`DemoFile`) and the seeded generators of items, wishes, board names
and contacts. The layouts are in :mod:`lscb_analysis.demo.demo_survey_layouts`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lscb_analysis.core import io, register

LOGGER = logging.getLogger(__name__)

DEFAULT_SEED = 20261122
DEMO_MARKER = "SYNTHETIC DEMO DATA - not real returns"
DEMO_PASSWORD = "synthetic"
SURVEY_CONFIG = "survey.yaml"
CANDIDATES_FILE = "candidate_indicators.csv"
FIXED_TIME = dt.datetime(2026, 4, 1, 9, 0, 0)
DATE_SENT = dt.date(2026, 1, 12)
DATE_CHASED = dt.date(2026, 2, 16)
NOT_ASKED = "201"  # City of London: covered with Hackney by the City and Hackney board
PLAN_COLUMNS = [
    "file",
    "borough",
    "la_number",
    "variant",
    "expected_state",
    "expected_reason",
    "return_date",
]
CONTACT_COLUMNS = ["borough", "contact", "date_sent", "date_chased", "acknowledged", "notes"]

# Counts of the Phase I pattern among the 32 boards asked.
WITH_DATA, ACKNOWLEDGED, SILENT = 24, 4, 4

# How boards write agencies, frequencies and barriers in their own words (all of these map
# through survey.yaml); UNKNOWN_* are words the rules do not know, to show the warnings.
AGENCY_WORDS: dict[str, list[str]] = {
    "children's social care": [
        "CSC",
        "Children's Social Care",
        "Social care",
        "LA",
        "Children's Services",
    ],
    "police": ["Met Police", "Police", "MPS", "Metropolitan Police"],
    "health (commissioner)": ["PCT", "CCG", "ICB", "Health commissioner"],
    "health (acute)": ["Acute trust", "Hospital", "A&E"],
    "health (community)": ["Health visiting", "School nursing", "Community health"],
    "health (mental health)": ["CAMHS", "Mental health trust"],
    "education": ["Education", "Schools", "Early years", "Virtual School"],
    "youth offending": ["YOT", "YOS", "Youth Offending Team"],
    "the board itself": ["LSCB", "LSCB business unit", "Board business unit"],
    "probation": ["Probation", "NPS"],
    "housing": ["Housing"],
    "voluntary sector": ["Voluntary sector", "NSPCC"],
    "CAFCASS": ["Cafcass"],
}
FREQUENCY_WORDS: dict[str, list[str]] = {
    "monthly": ["Monthly", "monthly", "Every month", "M"],
    "quarterly": ["Quarterly", "Qtr", "Q", "Quarterly report", "3 monthly"],
    "six-monthly": ["6 monthly", "Half-yearly", "Twice a year"],
    "annual": ["Annual", "Annually", "Yearly"],
    "ad hoc": ["Ad hoc", "As required", "On request"],
}
BARRIER_WORDS: list[str] = [
    "Not recorded",
    "No data",
    "System can't report",
    "IT system",
    "Info sharing",
    "Consent issues",
    "Data sharing agreement needed",
    "Definitions differ between agencies",
    "No analyst capacity",
    "Resources",
    "Other",
]
UNKNOWN_AGENCY = "Local children's centres network"
UNKNOWN_FREQUENCY = "When the panel meets"
UNKNOWN_BARRIER = "Awaiting new ICT"
TICKS = ["Y", "yes", "x", "\u2713", "1", "Yes", "\u2714"]
ACRONYMS = {
    "lac",
    "cla",
    "cse",
    "marac",
    "lado",
    "cdop",
    "scr",
    "rhi",
    "cme",
    "fte",
    "caf",
    "tac",
    "nfa",
    "icpc",
    "cin",
    "qa",
    "cp",
    "dv",
    "s11",
    "mase",
}

LOCAL_ITEMS: list[tuple[str, str]] = [
    ("Prevent referrals", "police"),
    ("Female genital mutilation cases", "health (acute)"),
    ("Children in custody overnight", "police"),
    ("Young carers assessments", "children's social care"),
    ("Gang matrix nominals", "police"),
    ("Trafficked children (NRM referrals)", "children's social care"),
    ("Homeless 16 and 17 year olds", "housing"),
    ("Teenage conceptions", "health (commissioner)"),
    ("Honour-based violence referrals", "police"),
    ("Disabled children's service caseload", "children's social care"),
]
WISH_ITEMS: list[tuple[str, str]] = [
    ("Children affected by parental mental health", "health (mental health)"),
    ("Parental substance misuse (hidden harm)", "health (commissioner)"),
    ("Health visitor caseloads", "health (community)"),
    ("GP safeguarding referrals", "health (community)"),
    ("Outcomes of early help episodes", "children's social care"),
    ("Missing children matched across police and council", "police"),
    ("A&E attendances for self-harm", "health (acute)"),
    ("Children witnessing domestic abuse", "police"),
    ("Children missing education by reason", "education"),
    ("Re-offending by looked-after children", "youth offending"),
    ("Children in temporary accommodation", "housing"),
    ("Children in custody overnight", "police"),
]
WHY_USEFUL = [
    "Shows demand on services",
    "Board priority",
    "Tracks a national indicator",
    "Used in the quarterly performance report",
    "Early warning of pressure",
    "Requested by the QA sub-group",
    "",
]
WHY_WANTED = [
    "Would show whether early help works",
    "Gap found by a case review",
    "Needed for the board's priority on neglect",
    "Partners count it differently",
    "Inspectors asked about it",
]
COMMENTS = [
    "",
    "",
    "Raised with partners in 2025",
    "Pan-London solution needed",
    "Possible once the new system is in",
]
SYSTEMS = ["Mosaic", "Excel", "LCS", "CRIS", "RiO", "Paper report", "EMIS", ""]
AGES = ["0-17", "0-18", "0-25", "All ages", "Under 18s", ""]
ROLES = [
    "Board business manager",
    "Performance analyst",
    "Board administrator",
    "Quality assurance officer",
]

# Which data borough gets which shape of return (24 boroughs; "joint" takes three).
VARIANTS: list[str] = [
    "template",
    "template",
    "renamed_headers",
    "header_moved",
    "blank_rows_notes",
    "merged",
    "ticks",
    "joint",
    "joint",
    "joint",
    "own_flags",
    "own_headings",
    "xls",
    "csv",
    "ods",
    "duplicate",
    "corrupt_then_good",
    "password_then_good",
    "two_returns",
    "free_text",
    "template",
    "template",
    "template",
    "template",
]
CLEAN_VARIANTS = {
    "template",
    "duplicate",
    "corrupt_then_good",
    "password_then_good",
    "ods",
    "csv",
    "own_flags",
}


@dataclass
class Item:
    """One item a board says it collects (the survey's "collects" row, before layout)."""

    item: str
    description: str
    agency: str
    frequency: str
    age_range: str
    system: str
    why_useful: str
    usefulness: Any
    indicator_code: str


@dataclass
class Wish:
    """One item a board would like to have (the survey's "wants" row, before layout)."""

    item: str
    why: str
    agency: str
    barrier: str
    comment: str


@dataclass
class Sheet:
    """One sheet of a demo workbook: its name, its rows and its merged ranges."""

    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based, inclusive


@dataclass
class DemoFile:
    """One demo survey file: name, bytes, boroughs covered, variant, how ingest should read it."""

    name: str
    content: bytes
    areas: list[register.LocalAuthority]
    variant: str
    expected_state: str
    expected_reason: str
    return_date: dt.date


# --- content ------------------------------------------------------------------------------------


def survey_config() -> dict:
    """The survey mapping configuration (``survey.yaml``) from the reference data."""
    return io.read_reference_yaml(SURVEY_CONFIG)


def candidate_indicators() -> pd.DataFrame:
    """The candidate indicators table the demo items are drawn from (reference data)."""
    return io.read_reference_csv(CANDIDATES_FILE, ["code", "title", "agency", "keywords"])


def _agency_word(rng: random.Random, agency: str) -> str:
    return rng.choice(AGENCY_WORDS.get(agency, ["Multi-agency"]))


def _frequency_word(rng: random.Random) -> str:
    canonical = rng.choices(list(FREQUENCY_WORDS), weights=[3, 5, 1, 2, 1])[0]
    return rng.choice(FREQUENCY_WORDS[canonical])


def random_items(rng: random.Random, candidates: pd.DataFrame, count: int) -> list[Item]:
    """Items a board collects: reworded candidate indicators plus one to three local items."""
    rows = candidates.sample(
        n=min(count, len(candidates)), random_state=rng.randrange(2**31)
    ).itertuples(index=False)
    items = []
    for row in rows:
        keywords = [k for k in row.keywords.split(";") if len(k) >= 5]
        keyword = rng.choice(keywords) if keywords else row.title
        keyword = " ".join(w.upper() if w in ACRONYMS else w for w in keyword.split())
        wordings = [row.title, row.title, keyword[:1].upper() + keyword[1:]]
        if keyword.endswith("s") and not keyword.endswith("ss"):
            wordings.append(f"Number of {keyword}")
        wording = rng.choice(wordings)
        code = rng.choice(["", "", "", row.code, f"{row.code} {row.title}"])
        items.append(
            Item(
                wording,
                rng.choice(["", row.title, f"{row.title}, local data"]),
                _agency_word(rng, row.agency),
                _frequency_word(rng),
                rng.choice(AGES),
                rng.choice(SYSTEMS),
                rng.choice(WHY_USEFUL),
                rng.randint(2, 5),
                code,
            )
        )
    for name, agency in rng.sample(LOCAL_ITEMS, rng.randint(1, 3)):
        items.append(
            Item(
                name,
                "",
                _agency_word(rng, agency),
                _frequency_word(rng),
                rng.choice(AGES),
                rng.choice(SYSTEMS),
                rng.choice(WHY_USEFUL),
                rng.randint(1, 5),
                "",
            )
        )
    rng.shuffle(items)
    return items


def random_wishes(rng: random.Random, count: int) -> list[Wish]:
    """``count`` wished-for items drawn with ``rng`` (local wishes, reasons, barriers)."""
    return [
        Wish(
            name,
            rng.choice(WHY_WANTED),
            _agency_word(rng, agency),
            rng.choice(BARRIER_WORDS),
            rng.choice(COMMENTS),
        )
        for name, agency in rng.sample(WISH_ITEMS, count)
    ]


def board_name(rng: random.Random, la: register.LocalAuthority) -> str:
    """The name a borough's board writes on its return, in one of its usual forms."""
    return rng.choice(
        [
            la.name,
            f"London Borough of {la.name}",
            f"{la.name} LSCB",
            f"{la.name} Safeguarding Children Board",
        ]
    )


def contact_name(index: int) -> str:
    """The synthetic contact's name for borough number ``index`` ("SYNTHETIC Contact 07")."""
    return f"SYNTHETIC Contact {index:02d}"
