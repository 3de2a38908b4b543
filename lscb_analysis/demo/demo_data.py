"""Synthetic demo data: local returns that look like what boards really send, clearly marked.

The workbench's local collections (survey returns now; pilot tables, score cards and audits
later) are sensitive, so the repository holds none. :func:`write_demo_data` writes a synthetic
set under ``data/raw/`` instead, through :func:`io.create_raw_file` (the only code allowed to
create files there, and only new ones). Everything is marked: every file name starts with
``SYNTHETIC_``, every workbook says "SYNTHETIC DEMO DATA - not real returns" on its About
sheet (or in its first cell), and each collection folder holds a ``SYNTHETIC.md`` marker.
Contact names are "SYNTHETIC Contact 07"; e-mail addresses end in ``.invalid``.

The survey set (:func:`write_demo_survey`) follows the Phase I pattern: of the 33 London
boroughs, the City of London was not asked separately (it shares a board with Hackney), and
of the 32 boards asked 28 responded: 24 sent information, 4 acknowledged without sending
data (one of them sent back a blank template), and 4 never replied. The returns come in the
shapes real returns came in (see :func:`demo_survey_plan`). The set is deterministic: the
same seed gives byte-identical files (fixed workbook properties, zip member dates,
encryption salts and file modification times).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io as std_io
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import io, paths, register
from lscb_analysis.protect import safe_files

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
UNKNOWN_FREQUENCY = "Termly"
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
class _Item:
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
class _Wish:
    item: str
    why: str
    agency: str
    barrier: str
    comment: str


@dataclass
class _Sheet:
    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based, inclusive


@dataclass
class _DemoFile:
    name: str
    content: bytes
    areas: list[register.LocalAuthority]
    variant: str
    expected_state: str
    expected_reason: str
    return_date: dt.date


# --- content ------------------------------------------------------------------------------------


def _config() -> dict:
    return io.read_reference_yaml(SURVEY_CONFIG)


def _candidates() -> pd.DataFrame:
    return io.read_reference_csv(CANDIDATES_FILE, ["code", "title", "agency", "keywords"])


def _agency_word(rng: random.Random, agency: str) -> str:
    return rng.choice(AGENCY_WORDS.get(agency, ["Multi-agency"]))


def _frequency_word(rng: random.Random) -> str:
    canonical = rng.choices(list(FREQUENCY_WORDS), weights=[3, 5, 1, 2, 1])[0]
    return rng.choice(FREQUENCY_WORDS[canonical])


def _items(rng: random.Random, candidates: pd.DataFrame, count: int) -> list[_Item]:
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
            _Item(
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
            _Item(
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


def _wishes(rng: random.Random, count: int) -> list[_Wish]:
    return [
        _Wish(
            name,
            rng.choice(WHY_WANTED),
            _agency_word(rng, agency),
            rng.choice(BARRIER_WORDS),
            rng.choice(COMMENTS),
        )
        for name, agency in rng.sample(WISH_ITEMS, count)
    ]


def _board_name(rng: random.Random, la: register.LocalAuthority) -> str:
    return rng.choice(
        [
            la.name,
            f"London Borough of {la.name}",
            f"{la.name} LSCB",
            f"{la.name} Safeguarding Children Board",
        ]
    )


def _contact(index: int) -> str:
    return f"SYNTHETIC Contact {index:02d}"


# --- sheet layouts ------------------------------------------------------------------------------


def _labels(config: dict, section: str) -> list[str]:
    return [spec["label"] for spec in config["sections"][section]["fields"].values()]


def _collect_row(item: _Item) -> list[Any]:
    return [
        item.item,
        item.description,
        item.agency,
        item.frequency,
        item.age_range,
        item.system,
        item.why_useful,
        item.usefulness,
        item.indicator_code,
    ]


def _wish_row(wish: _Wish) -> list[Any]:
    return [wish.item, wish.why, wish.agency, wish.barrier, wish.comment]


def _about(config: dict, board: str, index: int, when: dt.date, rng: random.Random) -> _Sheet:
    labels = {name: spec["label"] for name, spec in config["about"]["fields"].items()}
    rows = [
        [DEMO_MARKER],
        [labels["borough"], board],
        [labels["contact"], _contact(index)],
        [labels["role"], rng.choice(ROLES)],
        [labels["email"], f"contact{index:02d}@example.invalid"],
        [labels["date"], dt.datetime.combine(when, dt.time())],
        [labels["template_version"], config.get("template_version", "")],
    ]
    return _Sheet(config["about"].get("sheet", "About"), rows)


def _instructions() -> _Sheet:
    return _Sheet(
        "Instructions",
        [
            [DEMO_MARKER],
            ["London safeguarding children boards: data-collection survey"],
            ["Please list each item of data your board receives."],
        ],
    )


def _template(config: dict, items: list[_Item], wishes: list[_Wish]) -> list[_Sheet]:
    sections = config["sections"]
    return [
        _Sheet(
            sections["collects"]["sheet"],
            [_labels(config, "collects")] + [_collect_row(i) for i in items],
        ),
        _Sheet(
            sections["would_like"]["sheet"],
            [_labels(config, "would_like")] + [_wish_row(w) for w in wishes],
        ),
    ]


def _renamed_headers(
    config: dict, items: list[_Item], wishes: list[_Wish], rng: random.Random
) -> list[_Sheet]:
    header = [
        "Indicator",
        "Definition",
        "Data source",
        "Frequency of collection",
        "Ages",
        "Recording system",
        "How it is used",
        "Score",
        "RAG",
    ]
    rows = [header]
    for position, item in enumerate(items):
        row = _collect_row(item)[:8] + [rng.choice(["G", "A", "R"])]
        if position == 1:
            row[3] = UNKNOWN_FREQUENCY
        rows.append(row)
    wish_rows = [["Data wanted", "Reason", "Who holds it", "What stops you", "Notes"]]
    wish_rows += [_wish_row(w) for w in wishes]
    return [_Sheet("Current data", rows), _Sheet("Wish list", wish_rows)]


def _header_moved(
    config: dict, board: str, items: list[_Item], wishes: list[_Wish]
) -> list[_Sheet]:
    labels = _labels(config, "collects")
    rows: list[list[Any]] = [
        [f"{board}: data we collect"],
        [DEMO_MARKER],
        ["Please read the notes at the bottom of this sheet."],
        [],
        labels,
    ]
    for position, item in enumerate(items):
        row = _collect_row(item)
        if position == 2:
            row[2] = UNKNOWN_AGENCY
        rows.append(row)
        if position % 4 == 3:
            rows.append([])
    rows += [
        [],
        ["Notes:"],
        ["1. Police figures are pan-London and arrive a month late."],
        ["2. Health figures are provisional."],
    ]
    sheets = _template(config, items, wishes)
    sheets[0] = _Sheet(sheets[0].name, rows, merges=[(1, 1, 1, len(labels))])
    return sheets


def _blank_rows_notes(config: dict, items: list[_Item], wishes: list[_Wish]) -> list[_Sheet]:
    sheets = _template(config, items, wishes)
    rows: list[list[Any]] = [sheets[0].rows[0]]
    for position, item in enumerate(items):
        if position in (2, 3, 7):
            rows.append([])
        rows.append(_collect_row(item))
    rows += [
        [],
        [],
        ["NB: figures from partners are checked by the business unit."],
        ["Some partners report late."],
    ]
    wish_rows = (
        [sheets[1].rows[0], []]
        + sheets[1].rows[1:]
        + [[], [None, None, None, None, "Comments welcome - SYNTHETIC"]]
    )
    return [_Sheet(sheets[0].name, rows), _Sheet(sheets[1].name, wish_rows)]


def _merged(config: dict, items: list[_Item], wishes: list[_Wish]) -> list[_Sheet]:
    labels = _labels(config, "collects")
    ordered = sorted(items, key=lambda i: i.agency)
    rows: list[list[Any]] = [labels]
    merges = []
    start = 2
    for position, item in enumerate(ordered):
        row = _collect_row(item)
        here = position + 2
        if position and ordered[position - 1].agency == item.agency:
            row[2] = None
        rows.append(row)
        last = position == len(ordered) - 1 or ordered[position + 1].agency != item.agency
        if last:
            if here > start:
                merges.append((start, 3, here, 3))
            start = here + 1
    rows.append(["These figures are provisional and for the board's use only."])
    merges.append((len(rows), 1, len(rows), len(labels)))
    sheets = _template(config, items, wishes)
    return [_Sheet(sheets[0].name, rows, merges), sheets[1]]


def _ticks(
    config: dict, items: list[_Item], wishes: list[_Wish], rng: random.Random
) -> list[_Sheet]:
    rows: list[list[Any]] = [["Collected? (tick)", *_labels(config, "collects")]]
    for position, item in enumerate(items):
        tick = "N" if position == len(items) - 1 else TICKS[position % len(TICKS)]
        rows.append([tick, *_collect_row(item)])
    sheets = _template(config, items, wishes)
    return [_Sheet(sheets[0].name, rows), sheets[1]]


def _flags_rows(items: list[_Item], wishes: list[_Wish], with_barrier: bool) -> list[list[Any]]:
    header = [
        "Data",
        "Who provides it",
        "How often?",
        "Usefulness (1-5)",
        "Collected?",
        "Would like?",
    ]
    header += ["Barrier"] if with_barrier else ["Comments"]
    rows: list[list[Any]] = [header]
    for position, item in enumerate(items):
        rows.append(
            [
                item.item,
                item.agency,
                item.frequency,
                item.usefulness,
                TICKS[position % len(TICKS)],
                None,
                item.why_useful or None,
            ]
        )
    for wish in wishes:
        rows.append(
            [
                wish.item,
                wish.agency,
                None,
                None,
                None,
                "yes",
                wish.barrier if with_barrier else wish.comment or None,
            ]
        )
    return rows


def _joint(
    boroughs: list[tuple[register.LocalAuthority, list[_Item], list[_Wish]]],
) -> list[_Sheet]:
    return [
        _Sheet(la.name, _flags_rows(items, wishes, with_barrier=True))
        for la, items, wishes in boroughs
    ]


def _own_flags(board: str, when: dt.date, items: list[_Item], wishes: list[_Wish]) -> list[_Sheet]:
    rows: list[list[Any]] = [
        [DEMO_MARKER],
        [f"Board: {board}"],
        [f"Date: {when.strftime('%d/%m/%Y')}"],
        [],
    ]
    return [_Sheet("Our data", rows + _flags_rows(items, wishes, with_barrier=False))]


def _own_headings(board: str, items: list[_Item], wishes: list[_Wish]) -> list[_Sheet]:
    rows: list[list[Any]] = [
        [DEMO_MARKER],
        [f"{board} - datasets summary"],
        [],
        ["Item", "Provided by", "Frequency", "Difficulty / notes"],
        ["DATA WE COLLECT NOW"],
    ]
    merges = [(5, 1, 5, 4)]
    rows += [[i.item, i.agency, i.frequency, None] for i in items]
    rows += [[]]
    rows.append(["DATA WE WOULD LIKE BUT FIND DIFFICULT TO GET"])
    merges.append((len(rows), 1, len(rows), 4))
    rows += [[w.item, w.agency, None, w.barrier] for w in wishes]
    return [_Sheet("Datasets", rows, merges)]


def _xls_layout(config: dict, board: str, items: list[_Item], wishes: list[_Wish]) -> list[_Sheet]:
    labels = _labels(config, "collects")
    labels[3] = "How often?"
    rows: list[list[Any]] = [[f"{board} - survey return"], [], labels]
    rows += [_collect_row(i) for i in items]
    sheets = _template(config, items, wishes)
    return [_Sheet(sheets[0].name, rows, merges=[(1, 1, 1, 4)]), sheets[1]]


def _csv_rows(when: dt.date, items: list[_Item]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [DEMO_MARKER],
        ["Date:", when.strftime("%d/%m/%Y")],
        [],
        ["Data item", "Agency", "How often", "Useful? (1-5)", "Why"],
    ]
    rows += [[i.item, i.agency, i.frequency, i.usefulness, i.why_useful] for i in items]
    return rows


def _free_text(
    config: dict, items: list[_Item], wishes: list[_Wish], rng: random.Random
) -> list[_Sheet]:
    words = ["Met Police", "CSC", "PCT", "CAMHS", "YOT"]
    for position, item in enumerate(items):
        item.agency = words[position % len(words)]
    items[-1].agency = UNKNOWN_AGENCY
    wishes[0].barrier = UNKNOWN_BARRIER
    sheets = _template(config, items, wishes)
    sheets[0].rows[0][3] = "How often?"
    return sheets


# --- writing files ------------------------------------------------------------------------------


def _zip_fixed(data: bytes) -> bytes:
    """Rewrite a zip package with fixed member dates and fixed document dates."""
    return safe_files.fixed_zip_bytes(data, FIXED_TIME)


def _xlsx_bytes(sheets: list[_Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                    cell.data_type = "s"
                if isinstance(value, dt.datetime):
                    cell.number_format = "dd/mm/yyyy"
        for top, left, bottom, right in spec.merges:
            sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
        if spec.rows and spec.rows[0] and spec.rows[0][0] == DEMO_MARKER:
            sheet.cell(row=1, column=1).font = Font(bold=True, color="C00000")
    properties = workbook.properties
    properties.creator = "SYNTHETIC demo generator"
    properties.title = DEMO_MARKER
    properties.created = properties.modified = FIXED_TIME
    buffer = std_io.BytesIO()
    workbook.save(buffer)
    return _zip_fixed(buffer.getvalue())


def _xls_bytes(sheets: list[_Sheet]) -> bytes:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for spec in sheets:
        sheet = workbook.add_sheet(spec.name)
        covered = set()
        for top, left, bottom, right in spec.merges:
            value = spec.rows[top - 1][left - 1]
            sheet.write_merge(top - 1, bottom - 1, left - 1, right - 1, value)
            covered |= {(r, c) for r in range(top - 1, bottom) for c in range(left - 1, right)}
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if value is None or value == "" or (r, c) in covered:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write(r, c, value, date_style)
                else:
                    sheet.write(r, c, value)
    buffer = std_io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ods_bytes(sheets: list[_Sheet]) -> bytes:
    from odf.element import Element

    buffer = std_io.BytesIO()
    # odfpy keeps the namespaces it has seen in a class-level dict and declares all of them in
    # every document; a fresh dict per file keeps the bytes independent of earlier writes.
    with _patched(Element, "namespaces", {}), pd.ExcelWriter(buffer, engine="odf") as writer:
        for spec in sheets:
            width = max(len(row) for row in spec.rows)
            frame = pd.DataFrame(
                [row + [None] * (width - len(row)) for row in spec.rows], dtype=object
            )
            frame.to_excel(writer, sheet_name=spec.name, header=False, index=False)
    return _zip_fixed(buffer.getvalue())


def _csv_bytes(rows: list[list[Any]]) -> bytes:
    buffer = std_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")


@contextlib.contextmanager
def _patched(target: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


def _encrypted(data: bytes, seed: int) -> bytes:
    """Encrypt an xlsx with :data:`DEMO_PASSWORD` (msoffcrypto-tool), the same bytes every time.

    msoffcrypto draws salts and keys from the system's random source and stamps the time;
    for a reproducible demo file both are drawn from ``seed`` instead. Never use this for
    real protection.
    """
    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    fixed = random.Random(seed)

    class _FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return cls(2026, 4, 1, 9, 0, 0)

    out = std_io.BytesIO()
    with (
        _patched(ecma376_agile, "_random_buffer", fixed.randbytes),
        _patched(ecma376_encrypted, "datetime", _FixedClock),
    ):
        OOXMLFile(std_io.BytesIO(data)).encrypt(DEMO_PASSWORD, out)
    return out.getvalue()


def _corrupt_bytes() -> bytes:
    return (
        f"{DEMO_MARKER}\nThis file stands for a return that arrived damaged: it is named "
        ".xlsx but it is not a workbook.\n"
    ).encode()


# --- the plan -----------------------------------------------------------------------------------


def _groups(seed: int) -> tuple[list, list, list, list]:
    """(with data, acknowledged without data, silent, not asked) London boroughs."""
    rng = random.Random(seed)
    boroughs = register.london_boroughs()
    asked = [la for la in boroughs if la.la_number != NOT_ASKED]
    rng.shuffle(asked)
    with_data = asked[:WITH_DATA]
    acknowledged = asked[WITH_DATA : WITH_DATA + ACKNOWLEDGED]
    silent = asked[WITH_DATA + ACKNOWLEDGED :]
    not_asked = [la for la in boroughs if la.la_number == NOT_ASKED]
    return with_data, acknowledged, silent, not_asked


# The variants that are one survey workbook with a layout of their own, named {base}.xlsx:
# (config, board, items, wishes, rng) -> the layout's sheets.
_LAYOUTS: dict[str, Callable[..., list[_Sheet]]] = {
    "header_moved": lambda config, board, items, wishes, rng: _header_moved(
        config, board, items, wishes
    ),
    "blank_rows_notes": lambda config, board, items, wishes, rng: _blank_rows_notes(
        config, items, wishes
    ),
    "merged": lambda config, board, items, wishes, rng: _merged(config, items, wishes),
    "ticks": lambda config, board, items, wishes, rng: _ticks(config, items, wishes, rng),
    "free_text": lambda config, board, items, wishes, rng: _free_text(config, items, wishes, rng),
}

# The variants that are a board's own file (not the survey workbook), made by _own_format_file.
_OWN_FORMATS = ("own_flags", "own_headings", "xls", "csv", "ods")


def _own_format_file(
    variant: str,
    config: dict,
    slug: str,
    board: str,
    number: int,
    when: dt.date,
    items: list[_Item],
    wishes: list[_Wish],
    rng: random.Random,
) -> tuple[str, bytes]:
    """The name and bytes of a board's own-format return (one of _OWN_FORMATS), apart from
    :func:`_build` so the workbook variants read on their own."""
    base = f"SYNTHETIC_{slug}_survey_return"
    if variant == "own_flags":
        return (
            f"SYNTHETIC_{slug}_our_data_list.xlsx",
            _xlsx_bytes(_own_flags(board, when, items, wishes)),
        )
    if variant == "own_headings":
        return (
            f"SYNTHETIC_{slug}_datasets_summary.xlsx",
            _xlsx_bytes(_own_headings(board, items, wishes)),
        )
    if variant == "xls":
        about = _about(config, board, number, when, rng)
        return f"{base}.xls", _xls_bytes([about, *_xls_layout(config, board, items, wishes)])
    if variant == "csv":
        return f"SYNTHETIC_{slug}_data_collected.csv", _csv_bytes(_csv_rows(when, items))
    about = _about(config, board, number, when, rng)
    sheets = _template(config, items, wishes)
    sheets[0].name, sheets[1].name = "Current data", "Would like"
    return f"{base}.ods", _ods_bytes([about, *sheets])


def _joint_workbook(
    config: dict,
    joint: list[tuple[register.LocalAuthority, list[_Item], list[_Wish]]],
    number: int,
    when: dt.date,
    rng: random.Random,
) -> bytes:
    """The joint board's workbook (its About sheet giving the last borough's contact, then
    the three boroughs' sheets)."""
    about = _about(config, "Joint safeguarding board (three boroughs)", 0, when, rng)
    about.rows[2][1] = _contact(number)
    about.rows[4][1] = f"contact{number:02d}@example.invalid"
    return _xlsx_bytes([about, *_joint(joint)])


def _build(seed: int) -> tuple[list[_DemoFile], list[dict[str, Any]]]:
    """Every demo file (name, bytes, expectation) and the contacts rows, from the seed."""
    config = _config()
    candidates = _candidates()
    with_data, acknowledged, silent, _ = _groups(seed)
    index = {la.la_number: n for n, la in enumerate(register.london_boroughs(), start=1)}
    rng = random.Random(seed + 1)
    files: list[_DemoFile] = []
    returned: dict[str, dt.date] = {}

    def add(
        name: str,
        content: bytes,
        la: register.LocalAuthority | list,
        variant: str,
        when: dt.date,
        state: str = "",
        reason: str = "",
    ) -> None:
        state = state or ("ingested" if variant in CLEAN_VARIANTS else "ingested_with_warnings")
        areas = la if isinstance(la, list) else [la]
        files.append(_DemoFile(name, content, areas, variant, state, reason, when))

    def workbook(
        la: register.LocalAuthority,
        when: dt.date,
        sheets: list[_Sheet],
        about: bool = True,
        instructions: bool = True,
    ) -> bytes:
        front = [_instructions()] if instructions else []
        if about:
            front.append(_about(config, _board_name(rng, la), index[la.la_number], when, rng))
        return _xlsx_bytes(front + sheets)

    joint: list[tuple[register.LocalAuthority, list[_Item], list[_Wish]]] = []
    for la, variant in zip(with_data, VARIANTS, strict=True):
        slug = la.slug
        when = DATE_SENT + dt.timedelta(days=rng.randint(12, 70))
        returned[la.la_number] = when
        items = _items(rng, candidates, rng.randint(6, 14))
        wishes = _wishes(rng, rng.randint(2, 5))
        board = _board_name(rng, la)
        base = f"SYNTHETIC_{slug}_survey_return"
        if variant in ("template", "duplicate"):
            content = workbook(la, when, _template(config, items, wishes))
            add(f"{base}.xlsx", content, la, variant, when)
            if variant == "duplicate":
                add(
                    f"{base}_resent.xlsx",
                    content,
                    la,
                    variant,
                    when + dt.timedelta(days=1),
                    "rejected",
                    "duplicate",
                )
        elif variant == "renamed_headers":
            add(
                f"SYNTHETIC_{slug}_LSCB_data_return.xlsx",
                workbook(la, when, _renamed_headers(config, items, wishes, rng)),
                la,
                variant,
                when,
            )
        elif variant == "joint":
            joint.append((la, items, wishes))
            if len(joint) == 3:
                content = _joint_workbook(config, joint, index[la.la_number], when, rng)
                returned.update((other.la_number, when) for other, _, _ in joint)
                add(
                    "SYNTHETIC_joint_board_return.xlsx",
                    content,
                    [other for other, _, _ in joint],
                    variant,
                    when,
                )
        elif variant == "corrupt_then_good":
            add(
                f"SYNTHETIC_{slug}_return_damaged.xlsx",
                _corrupt_bytes(),
                la,
                variant,
                when - dt.timedelta(days=3),
                "rejected",
                "corrupt",
            )
            add(
                f"{base}.xlsx",
                workbook(la, when, _template(config, items, wishes)),
                la,
                variant,
                when,
            )
        elif variant == "password_then_good":
            content = workbook(la, when, _template(config, items, wishes))
            add(
                f"SYNTHETIC_{slug}_return_protected.xlsx",
                _encrypted(content, seed),
                la,
                variant,
                when - dt.timedelta(days=4),
                "rejected",
                "password_protected",
            )
            add(f"{base}_unlocked.xlsx", content, la, variant, when)
        elif variant == "two_returns":
            earlier = when - dt.timedelta(days=28)
            first = items[: max(3, len(items) // 2)]
            add(
                f"{base}_v1.xlsx",
                workbook(la, earlier, _template(config, first, wishes[:1])),
                la,
                "two_returns_earlier",
                earlier,
            )
            add(
                f"{base}_v2.xlsx",
                workbook(la, when, _template(config, items, wishes)),
                la,
                "two_returns_later",
                when,
                "ingested",
            )
        elif variant in _LAYOUTS:
            sheets = _LAYOUTS[variant](config, board, items, wishes, rng)
            add(f"{base}.xlsx", workbook(la, when, sheets), la, variant, when)
        elif variant in _OWN_FORMATS:
            number = index[la.la_number]
            name, content = _own_format_file(
                variant, config, slug, board, number, when, items, wishes, rng
            )
            add(name, content, la, variant, when)
    blank_from = acknowledged[0]
    when = DATE_SENT + dt.timedelta(days=rng.randint(20, 50))
    add(
        f"SYNTHETIC_{blank_from.slug}_survey_return_blank.xlsx",
        workbook(blank_from, when, _template(config, [], [])),
        blank_from,
        "blank_template",
        when,
        "rejected",
        "empty",
    )
    contacts = _contacts(with_data, acknowledged, silent, returned, blank_from, index)
    return files, contacts


def _contacts(
    with_data: list,
    acknowledged: list,
    silent: list,
    returned: dict[str, dt.date],
    blank_from: register.LocalAuthority,
    index: dict[str, int],
) -> list[dict[str, Any]]:
    status = {la.la_number: "data" for la in with_data}
    status |= {la.la_number: "acknowledged" for la in acknowledged}
    status |= {la.la_number: "silent" for la in silent}
    rows = []
    for la in register.london_boroughs():
        kind = status.get(la.la_number, "not_asked")
        when = returned.get(la.la_number)
        chased = kind in ("acknowledged", "silent") or (when is not None and when > DATE_CHASED)
        notes = {
            "data": "SYNTHETIC: return received",
            "acknowledged": "SYNTHETIC: acknowledged; no data held centrally to send",
            "silent": "SYNTHETIC: no reply after chasing",
            "not_asked": "SYNTHETIC: not asked separately (covered with Hackney by the City "
            "and Hackney board)",
        }[kind]
        if la.la_number == blank_from.la_number:
            notes = "SYNTHETIC: acknowledged; sent back a blank template"
        rows.append(
            {
                "borough": la.name,
                "contact": _contact(index[la.la_number]),
                "date_sent": "" if kind == "not_asked" else DATE_SENT.strftime("%d/%m/%Y"),
                "date_chased": DATE_CHASED.strftime("%d/%m/%Y") if chased else "",
                "acknowledged": "yes" if kind in ("data", "acknowledged") else "no",
                "notes": notes,
            }
        )
    return rows


def demo_survey_plan(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """What :func:`write_demo_survey` writes for ``seed`` and the state each file should end in.

    Returns:
        One row per file and borough (the joint workbook has one row per borough it holds):
        ``file, borough, la_number, variant, expected_state, expected_reason, return_date``.

    Raises:
        ReferenceDataError: survey.yaml, the candidate list or the register is missing.
    """
    files, _ = _build(seed)
    rows = [
        {
            "file": f.name,
            "borough": la.name,
            "la_number": la.la_number,
            "variant": f.variant,
            "expected_state": f.expected_state,
            "expected_reason": f.expected_reason,
            "return_date": f.return_date,
        }
        for f in files
        for la in f.areas
    ]
    return pd.DataFrame(rows, columns=PLAN_COLUMNS).sort_values(
        ["file", "la_number"], ignore_index=True
    )


def _marker_text(seed: int, files: list[_DemoFile]) -> str:
    lines = [
        "# SYNTHETIC DEMO DATA - not real returns",
        "",
        "Every file in this folder was written by `lscb demo-data` "
        f"(lscb_analysis.demo.demo_data, seed {seed}). None of it is real: the boards, contacts and "
        "figures are invented to show how the workbench reads returns in the shapes boards "
        "really send them. Delete the folder's contents before putting real returns here.",
        "",
        "Pattern (as in Phase I): the City of London was not asked separately (covered with "
        "Hackney); of the 32 boards asked, 28 responded: 24 sent information, 4 acknowledged "
        "without sending data (one sent back a blank template), 4 never replied. "
        "`contacts.csv` records who was asked, chased and acknowledged.",
        "",
        f"The password-protected file's password is `{DEMO_PASSWORD}`.",
        "",
        "| file | borough | shape | should end as |",
        "|---|---|---|---|",
    ]
    for f in sorted(files, key=lambda f: f.name):
        end = f.expected_state + (f" ({f.expected_reason})" if f.expected_reason else "")
        borough = ", ".join(la.name for la in f.areas)
        lines.append(f"| {f.name} | {borough} | {f.variant.replace('_', ' ')} | {end} |")
    return "\n".join(lines) + "\n"


def write_demo_survey(raw_dir: Path | str, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the synthetic survey returns into ``raw_dir/survey/`` unless it holds files already.

    Args:
        raw_dir: the raw-data folder (``data/raw/`` of the project; files can only be created
            inside the project's ``data/raw/``).
        seed: the random seed; the same seed writes byte-identical files.

    Returns:
        The paths written (returns, ``contacts.csv``, ``SYNTHETIC.md``), or an empty list
        when the folder already holds files (nothing is written then, and the log says so).

    Raises:
        RawDataWriteError: ``raw_dir`` is not inside the project's ``data/raw/``.
        ReferenceDataError: survey.yaml, the candidate list or the register is missing.
    """
    folder = Path(raw_dir) / "survey"
    if io.holds_returns(folder):
        LOGGER.info("The survey folder already holds files; no demo returns were written.")
        return []
    files, contacts = _build(seed)
    written = []
    for demo in files:
        stamp = dt.datetime.combine(demo.return_date, dt.time(17, 0), tzinfo=dt.UTC)
        written.append(
            io.create_raw_file(folder / demo.name, demo.content, modified=stamp.timestamp())
        )
    fixed = dt.datetime.combine(FIXED_TIME.date(), FIXED_TIME.time(), tzinfo=dt.UTC).timestamp()
    buffer = std_io.StringIO()
    pd.DataFrame(contacts, columns=CONTACT_COLUMNS).to_csv(buffer, index=False, lineterminator="\n")
    written.append(
        io.create_raw_file(folder / "contacts.csv", buffer.getvalue().encode(), modified=fixed)
    )
    written.append(
        io.create_raw_file(
            folder / "SYNTHETIC.md", _marker_text(seed, files).encode(), modified=fixed
        )
    )
    LOGGER.info("Wrote %d synthetic survey files.", len(written))
    return written


def write_demo_data(
    raw_dir: Path | str | None = None, seed: int = DEFAULT_SEED
) -> dict[str, dict[str, Any]]:
    """Write every synthetic collection under ``raw_dir`` (default ``data/raw/``).

    Collections: ``survey`` (Phase I returns), ``pilot`` (Phase III data tables, from
    :mod:`lscb_analysis.demo.demo_pilot`), ``audit`` (themed case-file audits, the actions log
    and the support log, from :mod:`lscb_analysis.demo.demo_audits`) and ``consultation``
    (returned feedback forms on the best-fit model, from
    :mod:`lscb_analysis.demo.demo_consultation`).

    Returns:
        ``{collection: {"folder": path, "files": number written, "skipped": bool,
        "message": plain-English summary}}``.

    Raises:
        RawDataWriteError, ReferenceDataError: as :func:`write_demo_survey`.
    """
    raw = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    survey = write_demo_survey(raw, seed)
    folder = raw / "survey"
    message = (
        f"Wrote {len(survey)} synthetic survey files to {folder}."
        if survey
        else f"{folder} already holds files, so no demo returns were written (files under "
        "data/raw/ are never replaced). Empty it first for a fresh demo set."
    )
    from lscb_analysis.demo import demo_audits, demo_pilot

    pilot = demo_pilot.write_demo_pilot(raw, seed)
    pilot_message = (
        f"Wrote {len(pilot)} synthetic pilot files to {raw / 'pilot'}."
        if pilot
        else f"{raw / 'pilot'} already holds files: none was replaced."
    )
    audits = demo_audits.write_demo_audits(raw)
    audit_message = (
        (
            f"Wrote {len(audits.written)} synthetic audit, actions and support files "
            f"under {raw / 'audit'} and {raw / 'support'}"
            + (f"; kept {len(audits.kept)} that were already there." if audits.kept else ".")
        )
        if audits.written
        else ("The audit, actions and support files are already there: none was replaced.")
    )
    return {
        "survey": {
            "folder": folder,
            "files": len(survey),
            "skipped": not survey,
            "message": message,
        },
        "pilot": {
            "folder": raw / "pilot",
            "files": len(pilot),
            "skipped": not pilot,
            "message": pilot_message,
        },
        "audit": {
            "folder": raw / "audit",
            "files": len(audits.written),
            "skipped": not audits.written,
            "message": audit_message,
        },
        "consultation": _demo_consultation(raw, seed),
    }


def _demo_consultation(raw: Path, seed: int) -> dict[str, Any]:
    """Write the synthetic feedback forms (:mod:`lscb_analysis.demo.demo_consultation`)."""
    from lscb_analysis.demo import demo_consultation

    forms = demo_consultation.write_demo_consultation(raw, seed)
    folder = raw / demo_consultation.FOLDER
    message = (
        f"Wrote {len(forms)} synthetic consultation files to {folder}."
        if forms
        else f"{folder} already holds files: none was replaced."
    )
    return {"folder": folder, "files": len(forms), "skipped": not forms, "message": message}
