"""Synthetic survey sheet layouts: the messy shapes real Phase I returns came in.

Each function turns a board's items and wishes into a list of :class:`Sheet` (rows and
merged ranges): the clean template, renamed or moved headers, blank rows and notes, merged
cells, the joint return, a board's own flags or headings layouts, the .xls layout, CSV rows
and free text.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from lscb_analysis.core import register
from lscb_analysis.demo.demo_survey_content import (
    DEMO_MARKER,
    ROLES,
    TICKS,
    UNKNOWN_AGENCY,
    UNKNOWN_BARRIER,
    UNKNOWN_FREQUENCY,
    Item,
    Sheet,
    Wish,
    contact_name,
)

# --- sheet layouts ------------------------------------------------------------------------------


def _labels(config: dict, section: str) -> list[str]:
    return [spec["label"] for spec in config["sections"][section]["fields"].values()]


def _collect_row(item: Item) -> list[Any]:
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


def _wish_row(wish: Wish) -> list[Any]:
    return [wish.item, wish.why, wish.agency, wish.barrier, wish.comment]


def about_sheet(config: dict, board: str, index: int, when: dt.date, rng: random.Random) -> Sheet:
    """The About sheet: SYNTHETIC marker, board, contact, e-mail and date returned."""
    labels = {name: spec["label"] for name, spec in config["about"]["fields"].items()}
    rows = [
        [DEMO_MARKER],
        [labels["borough"], board],
        [labels["contact"], contact_name(index)],
        [labels["role"], rng.choice(ROLES)],
        [labels["email"], f"contact{index:02d}@example.invalid"],
        [labels["date"], dt.datetime.combine(when, dt.time())],
        [labels["template_version"], config.get("template_version", "")],
    ]
    return Sheet(config["about"].get("sheet", "About"), rows)


def instructions_sheet() -> Sheet:
    """The template's Instructions sheet."""
    return Sheet(
        "Instructions",
        [
            [DEMO_MARKER],
            ["London safeguarding children boards: data-collection survey"],
            ["Please list each item of data your board receives."],
        ],
    )


def template_layout(config: dict, items: list[Item], wishes: list[Wish]) -> list[Sheet]:
    """The clean template layout: a collects sheet and a wants sheet with the template headers."""
    sections = config["sections"]
    return [
        Sheet(
            sections["collects"]["sheet"],
            [_labels(config, "collects")] + [_collect_row(i) for i in items],
        ),
        Sheet(
            sections["would_like"]["sheet"],
            [_labels(config, "would_like")] + [_wish_row(w) for w in wishes],
        ),
    ]


def renamed_headers_layout(
    config: dict, items: list[Item], wishes: list[Wish], rng: random.Random
) -> list[Sheet]:
    """The template with its headers renamed as boards renamed them."""
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
    return [Sheet("Current data", rows), Sheet("Wish list", wish_rows)]


def header_moved_layout(
    config: dict, board: str, items: list[Item], wishes: list[Wish]
) -> list[Sheet]:
    """The template with text above the header row (header not on the first row)."""
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
    sheets = template_layout(config, items, wishes)
    sheets[0] = Sheet(sheets[0].name, rows, merges=[(1, 1, 1, len(labels))])
    return sheets


def blank_rows_notes_layout(config: dict, items: list[Item], wishes: list[Wish]) -> list[Sheet]:
    """The template with blank rows, note rows and section headings among the items."""
    sheets = template_layout(config, items, wishes)
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
    return [Sheet(sheets[0].name, rows), Sheet(sheets[1].name, wish_rows)]


def merged_layout(config: dict, items: list[Item], wishes: list[Wish]) -> list[Sheet]:
    """The template with merged heading cells."""
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
    sheets = template_layout(config, items, wishes)
    return [Sheet(sheets[0].name, rows, merges), sheets[1]]


def ticks_layout(
    config: dict, items: list[Item], wishes: list[Wish], rng: random.Random
) -> list[Sheet]:
    """The template with a "Collected? (tick)" column holding the ticks boards use."""
    rows: list[list[Any]] = [["Collected? (tick)", *_labels(config, "collects")]]
    for position, item in enumerate(items):
        tick = "N" if position == len(items) - 1 else TICKS[position % len(TICKS)]
        rows.append([tick, *_collect_row(item)])
    sheets = template_layout(config, items, wishes)
    return [Sheet(sheets[0].name, rows), sheets[1]]


def _flags_rows(items: list[Item], wishes: list[Wish], with_barrier: bool) -> list[list[Any]]:
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


def joint_layout(
    boroughs: list[tuple[register.LocalAuthority, list[Item], list[Wish]]],
) -> list[Sheet]:
    """The joint board's borough sheets: one per borough, named for it, with flags and barriers."""
    return [
        Sheet(la.name, _flags_rows(items, wishes, with_barrier=True))
        for la, items, wishes in boroughs
    ]


def own_flags_layout(
    board: str, when: dt.date, items: list[Item], wishes: list[Wish]
) -> list[Sheet]:
    """A board's own layout: one sheet of items with collected/wanted flags."""
    rows: list[list[Any]] = [
        [DEMO_MARKER],
        [f"Board: {board}"],
        [f"Date: {when.strftime('%d/%m/%Y')}"],
        [],
    ]
    return [Sheet("Our data", rows + _flags_rows(items, wishes, with_barrier=False))]


def own_headings_layout(board: str, items: list[Item], wishes: list[Wish]) -> list[Sheet]:
    """A board's own layout: its own headings instead of the template's."""
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
    return [Sheet("Datasets", rows, merges)]


def xls_layout(config: dict, board: str, items: list[Item], wishes: list[Wish]) -> list[Sheet]:
    """The sheets of the old-format .xls return (the board's own layout)."""
    labels = _labels(config, "collects")
    labels[3] = "How often?"
    rows: list[list[Any]] = [[f"{board} - survey return"], [], labels]
    rows += [_collect_row(i) for i in items]
    sheets = template_layout(config, items, wishes)
    return [Sheet(sheets[0].name, rows, merges=[(1, 1, 1, 4)]), sheets[1]]


def csv_rows(when: dt.date, items: list[Item]) -> list[list[Any]]:
    """The rows of a CSV return (marker line first, then the items)."""
    rows: list[list[Any]] = [
        [DEMO_MARKER],
        ["Date:", when.strftime("%d/%m/%Y")],
        [],
        ["Data item", "Agency", "How often", "Useful? (1-5)", "Why"],
    ]
    rows += [[i.item, i.agency, i.frequency, i.usefulness, i.why_useful] for i in items]
    return rows


def free_text_layout(
    config: dict, items: list[Item], wishes: list[Wish], rng: random.Random
) -> list[Sheet]:
    """The template with free-text agencies, frequencies and barriers to map."""
    words = ["Met Police", "CSC", "PCT", "CAMHS", "YOT"]
    for position, item in enumerate(items):
        item.agency = words[position % len(words)]
    items[-1].agency = UNKNOWN_AGENCY
    wishes[0].barrier = UNKNOWN_BARRIER
    sheets = template_layout(config, items, wishes)
    sheets[0].rows[0][3] = "How often?"
    return sheets
