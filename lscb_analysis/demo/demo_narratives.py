"""Synthetic sub-group narratives (SYNTHETIC): two of Barnet's sub-groups' quarterly
narratives, written by ``lscb demo-data`` into ``data/raw/narratives/``.

Each is the workbook :func:`lscb_analysis.scorecard.group_narrative.build_narrative_workbook`
makes, filled with invented text: the difference made, the voice of children and young
people, the action taken on the group's exception, forward plan and escalations. Never
imported by the product.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.qa.audit_tool import workbook_bytes
from lscb_analysis.scorecard import group_narrative

LOGGER = logging.getLogger(__name__)
FOLDER = "narratives"
QUARTER = "2025Q4"
NARRATIVES = {
    "performance": {
        "exceptions": [
            (
                "BF-CP-02",
                "Strategy discussions in which both police and health took part (%)",
                "Missing the target consistently",
            )
        ],
        "action": "SYNTHETIC: a joint strategy-discussion rota agreed with police and health.",
        "outcomes": "SYNTHETIC: more strategy discussions had police and health in the room "
        "than last quarter; decisions were quicker.",
        "voice": "SYNTHETIC: young people's panel asked for clearer letters; we rewrote them.",
    },
    "private fostering": {
        "exceptions": [
            (
                "BF-SG-02",
                "Private fostering notifications visited within 7 working days (%)",
                "Special-cause concern",
            )
        ],
        "action": "",  # no action written: the Operational Board sees it unanswered
        "outcomes": "SYNTHETIC: awareness sessions in two schools led to three notifications.",
        "voice": "SYNTHETIC: not gathered this quarter.",
    },
}


def write_demo_narratives(raw_dir: Path | str) -> list[Path]:
    """Write the synthetic narratives into ``raw_dir/narratives/`` unless it holds files.

    Output: the paths written (and ``SYNTHETIC.md``), or an empty list when the folder
    already holds files. Raises: RawDataWriteError outside ``data/raw/``.
    """
    folder = Path(raw_dir) / FOLDER
    if io.holds_returns(folder):
        return []
    written = []
    stamp = dt.datetime(2026, 1, 20, 16, 0)
    for group, spec in NARRATIVES.items():
        exceptions = pd.DataFrame(spec["exceptions"], columns=["pi_id", "title", "exception_text"])
        workbook = group_narrative.build_narrative_workbook(group, "Barnet", QUARTER, exceptions)
        sheet = workbook[group_narrative.NARRATIVE_SHEET]
        answers = {
            "outcomes": spec["outcomes"],
            "voice": spec["voice"],
            "actions": spec["action"] or "SYNTHETIC: none yet.",
            "forward_plan": "SYNTHETIC: review the figures with the service lead in January.",
            "escalations": "SYNTHETIC: none.",
        }
        for row in range(1, sheet.max_row + 1):
            key = sheet.cell(row=row, column=3).value
            if key in answers:
                sheet.cell(row=row, column=2, value=answers[key])
        if spec["action"]:
            workbook[group_narrative.EXCEPTIONS_SHEET].cell(row=2, column=4, value=spec["action"])
        name = "SYNTHETIC_" + group_narrative.default_name(group, "Barnet", QUARTER)
        written.append(
            io.create_raw_file(
                folder / name,
                workbook_bytes(workbook, stamp),
                modified=stamp.replace(tzinfo=dt.UTC).timestamp(),
            )
        )
    marker = (
        "# SYNTHETIC\n\nWritten by `lscb demo-data` (lscb_analysis.demo.demo_narratives): two "
        "of Barnet's sub-groups' narratives for the quarter, invented to show the Operational "
        "Board pack. Delete the folder's contents before putting real narratives here.\n"
    )
    written.append(
        io.create_raw_file(folder / "SYNTHETIC.md", marker.encode(), modified=stamp.timestamp())
    )
    LOGGER.info("Wrote %d synthetic narrative files.", len(written))
    return written
