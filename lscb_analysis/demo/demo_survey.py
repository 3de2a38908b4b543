"""The synthetic survey set: which boards sent what, and writing it under ``data/raw/survey``.

Follows the Phase I pattern: of the 33 London boroughs, the City of London was not asked
separately (it shares a board with Hackney), and of the 32 boards asked 28 responded: 24 sent
information, 4 acknowledged without sending data (one of them sent back a blank template),
and 4 never replied. :func:`demo_survey_plan` says what each file is and how ingest should
read it; :func:`write_demo_survey` writes the files, the contacts log and the marker.
"""

from __future__ import annotations

import datetime as dt
import io as std_io
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import io, register
from lscb_analysis.demo.demo_file_bytes import (
    corrupt_bytes,
    csv_bytes,
    encrypted,
    ods_bytes,
    xls_bytes,
    xlsx_bytes,
)
from lscb_analysis.demo.demo_survey_content import (
    ACKNOWLEDGED,
    CLEAN_VARIANTS,
    CONTACT_COLUMNS,
    DATE_CHASED,
    DATE_SENT,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    FIXED_TIME,
    NOT_ASKED,
    PLAN_COLUMNS,
    VARIANTS,
    WITH_DATA,
    DemoFile,
    Item,
    Sheet,
    Wish,
    board_name,
    candidate_indicators,
    contact_name,
    random_items,
    random_wishes,
    survey_config,
)
from lscb_analysis.demo.demo_survey_layouts import (
    about_sheet,
    blank_rows_notes_layout,
    csv_rows,
    free_text_layout,
    header_moved_layout,
    instructions_sheet,
    joint_layout,
    merged_layout,
    own_flags_layout,
    own_headings_layout,
    renamed_headers_layout,
    template_layout,
    ticks_layout,
    xls_layout,
)

LOGGER = logging.getLogger(__name__)

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
_LAYOUTS: dict[str, Callable[..., list[Sheet]]] = {
    "header_moved": lambda config, board, items, wishes, rng: header_moved_layout(
        config, board, items, wishes
    ),
    "blank_rows_notes": lambda config, board, items, wishes, rng: blank_rows_notes_layout(
        config, items, wishes
    ),
    "merged": lambda config, board, items, wishes, rng: merged_layout(config, items, wishes),
    "ticks": lambda config, board, items, wishes, rng: ticks_layout(config, items, wishes, rng),
    "free_text": lambda config, board, items, wishes, rng: free_text_layout(
        config, items, wishes, rng
    ),
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
    items: list[Item],
    wishes: list[Wish],
    rng: random.Random,
) -> tuple[str, bytes]:
    """The name and bytes of a board's own-format return (one of _OWN_FORMATS), apart from
    :func:`_build` so the workbook variants read on their own."""
    base = f"SYNTHETIC_{slug}_survey_return"
    if variant == "own_flags":
        return (
            f"SYNTHETIC_{slug}_our_data_list.xlsx",
            xlsx_bytes(own_flags_layout(board, when, items, wishes)),
        )
    if variant == "own_headings":
        return (
            f"SYNTHETIC_{slug}_datasets_summary.xlsx",
            xlsx_bytes(own_headings_layout(board, items, wishes)),
        )
    if variant == "xls":
        about = about_sheet(config, board, number, when, rng)
        return f"{base}.xls", xls_bytes([about, *xls_layout(config, board, items, wishes)])
    if variant == "csv":
        return f"SYNTHETIC_{slug}_data_collected.csv", csv_bytes(csv_rows(when, items))
    about = about_sheet(config, board, number, when, rng)
    sheets = template_layout(config, items, wishes)
    sheets[0].name, sheets[1].name = "Current data", "Would like"
    return f"{base}.ods", ods_bytes([about, *sheets])


def _joint_workbook(
    config: dict,
    joint: list[tuple[register.LocalAuthority, list[Item], list[Wish]]],
    number: int,
    when: dt.date,
    rng: random.Random,
) -> bytes:
    """The joint board's workbook (its About sheet giving the last borough's contact, then
    the three boroughs' sheets)."""
    about = about_sheet(config, "Joint safeguarding board (three boroughs)", 0, when, rng)
    about.rows[2][1] = contact_name(number)
    about.rows[4][1] = f"contact{number:02d}@example.invalid"
    return xlsx_bytes([about, *joint_layout(joint)])


def _build(seed: int) -> tuple[list[DemoFile], list[dict[str, Any]]]:
    """Every demo file (name, bytes, expectation) and the contacts rows, from the seed."""
    config = survey_config()
    candidates = candidate_indicators()
    with_data, acknowledged, silent, _ = _groups(seed)
    index = {la.la_number: n for n, la in enumerate(register.london_boroughs(), start=1)}
    rng = random.Random(seed + 1)
    files: list[DemoFile] = []
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
        files.append(DemoFile(name, content, areas, variant, state, reason, when))

    def workbook(
        la: register.LocalAuthority,
        when: dt.date,
        sheets: list[Sheet],
        about: bool = True,
        instructions: bool = True,
    ) -> bytes:
        front = [instructions_sheet()] if instructions else []
        if about:
            front.append(about_sheet(config, board_name(rng, la), index[la.la_number], when, rng))
        return xlsx_bytes(front + sheets)

    joint: list[tuple[register.LocalAuthority, list[Item], list[Wish]]] = []
    for la, variant in zip(with_data, VARIANTS, strict=True):
        slug = la.slug
        when = DATE_SENT + dt.timedelta(days=rng.randint(12, 70))
        returned[la.la_number] = when
        items = random_items(rng, candidates, rng.randint(6, 14))
        wishes = random_wishes(rng, rng.randint(2, 5))
        board = board_name(rng, la)
        base = f"SYNTHETIC_{slug}_survey_return"
        if variant in ("template", "duplicate"):
            content = workbook(la, when, template_layout(config, items, wishes))
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
                workbook(la, when, renamed_headers_layout(config, items, wishes, rng)),
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
                corrupt_bytes(),
                la,
                variant,
                when - dt.timedelta(days=3),
                "rejected",
                "corrupt",
            )
            add(
                f"{base}.xlsx",
                workbook(la, when, template_layout(config, items, wishes)),
                la,
                variant,
                when,
            )
        elif variant == "password_then_good":
            content = workbook(la, when, template_layout(config, items, wishes))
            add(
                f"SYNTHETIC_{slug}_return_protected.xlsx",
                encrypted(content, seed),
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
                workbook(la, earlier, template_layout(config, first, wishes[:1])),
                la,
                "two_returns_earlier",
                earlier,
            )
            add(
                f"{base}_v2.xlsx",
                workbook(la, when, template_layout(config, items, wishes)),
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
        workbook(blank_from, when, template_layout(config, [], [])),
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
                "contact": contact_name(index[la.la_number]),
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


def _marker_text(seed: int, files: list[DemoFile]) -> str:
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
