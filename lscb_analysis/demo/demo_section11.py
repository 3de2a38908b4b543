"""Synthetic Section 11 self-assessments (SYNTHETIC): five agencies in each of five boards.

:func:`write_demo_section11` writes, into ``data/raw/section11/``, the self-assessment
workbook (:func:`lscb_analysis.qa.section11.build_self_assessment`) of five agencies for
each of five boards, filled with invented ratings, evidence and actions, seeded so the same
seed writes byte-identical files. Planted for the summary to find: criteria rated not fully
met with no action, one agency whose ratings are mostly not met, and one re-submission that
replaces an earlier return. Never imported by the product.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from lscb_analysis.core import io
from lscb_analysis.qa import section11
from lscb_analysis.qa.audit_tool import workbook_bytes

LOGGER = logging.getLogger(__name__)
FOLDER = "section11"
BOARDS = ("Barnet", "Croydon", "Lambeth", "Camden", "Enfield")
AGENCIES = ("police", "children's social care", "health (community)", "education", "probation")
STRUGGLING = ("Lambeth", "probation")
"""The board and agency whose self-assessment is mostly not met."""
RESUBMITTED = ("Barnet", "police")
"""The board and agency that sent a second, later return."""
EVIDENCE = (
    "Policy reviewed by the board in the last year; minutes kept.",
    "Training records show staff completion at the level each role needs.",
    "Internal audit of case records this year; findings reported to the safeguarding lead.",
    "Feedback from the children's participation group is recorded and acted on.",
    "Procedure published on the intranet; staff survey shows most staff know it.",
)
ACTIONS = (
    "Refresh the policy and brief staff at team meetings.",
    "Add the topic to the next training cycle and audit completion.",
    "Agree a protocol with partners and report progress to the board.",
)


def _fill(workbook: Workbook, board: str, agency: str, rng: np.random.Generator) -> None:
    """Rate every criterion of the workbook's Self-assessment sheet."""
    sheet = workbook[section11.SHEET]
    names = section11.rating_names()
    weights = [0.25, 0.35, 0.4] if (board, agency) == STRUGGLING else [0.65, 0.28, 0.07]
    owner = "Safeguarding lead"
    for row in range(2, sheet.max_row + 1):
        rating = names[int(rng.choice(len(names), p=weights))]
        sheet.cell(row=row, column=4, value=rating)
        sheet.cell(row=row, column=5, value=EVIDENCE[int(rng.integers(len(EVIDENCE)))])
        # About one weak rating in five is left without an action, for the summary to flag.
        if rating != names[0] and rng.random() > 0.2:
            sheet.cell(row=row, column=6, value=ACTIONS[int(rng.integers(len(ACTIONS)))])
            sheet.cell(row=row, column=7, value=owner)
            sheet.cell(row=row, column=8, value=dt.date(2026, 9, 30))


def write_demo_section11(raw_dir: Path | str, seed: int = 20260331) -> list[Path]:
    """Write the synthetic self-assessments into ``raw_dir/section11/`` unless it holds files.

    Output: the paths written (the workbooks and ``SYNTHETIC.md``), or an empty list when
    the folder already holds files. Raises: RawDataWriteError outside ``data/raw/``.
    """
    folder = Path(raw_dir) / FOLDER
    if io.holds_returns(folder):
        LOGGER.info("The section11 folder already holds files; no demo returns were written.")
        return []
    rng = np.random.default_rng(seed)
    written = []
    for board in BOARDS:
        for agency in AGENCIES:
            copies = 2 if (board, agency) == RESUBMITTED else 1
            for copy in range(copies):
                made = dt.date(2026, 5, 11 + copy * 7)
                workbook = section11.build_self_assessment(agency, board, made=made, synthetic=True)
                _fill(workbook, board, agency, rng)
                stamp = dt.datetime.combine(made, dt.time(16, 0))
                name = "SYNTHETIC_" + section11.default_file_name(agency, board)
                if copy:
                    name = name.replace(".xlsx", "_v2.xlsx")
                written.append(
                    io.create_raw_file(
                        folder / name,
                        workbook_bytes(workbook, stamp),
                        modified=stamp.replace(tzinfo=dt.UTC).timestamp(),
                    )
                )
    marker = (
        "# SYNTHETIC\n\nEvery file in this folder was written by `lscb demo-data` "
        f"(lscb_analysis.demo.demo_section11, seed {seed}). None of it is real: the agencies' "
        "ratings, evidence and actions are invented to show the Section 11 self-assessment "
        f"(`lscb s11 ingest`, `lscb run section11`). {STRUGGLING[1].capitalize()} in "
        f"{STRUGGLING[0]} rates itself mostly not met; {RESUBMITTED[1]} in {RESUBMITTED[0]} "
        "sent a second return that replaces its first. Delete the folder's contents before "
        "putting real returns here.\n"
    )
    fixed = dt.datetime(2026, 5, 31, 18, 0, tzinfo=dt.UTC).timestamp()
    written.append(io.create_raw_file(folder / "SYNTHETIC.md", marker.encode(), modified=fixed))
    LOGGER.info("Wrote %d synthetic Section 11 files.", len(written))
    return written
