"""Synthetic boards' own targets (SYNTHETIC): three demo boroughs' targets files, written by
``lscb demo-data`` into ``data/reference/targets/`` (the files a board keeps there,
:mod:`lscb_analysis.scorecard.targets`).

Each row's ``agreed_by`` and ``note`` say SYNTHETIC. A file already there (a board's own) is
never replaced. Barnet's LADO target changes within the pilot quarters, so its SPC chart shows
the step. Never imported by the product.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.scorecard.targets import TARGET_COLUMNS, TARGETS_FOLDER

SYNTHETIC = "SYNTHETIC demo target, not agreed by any board"

TARGETS: dict[str, list[tuple]] = {
    "barnet": [
        ("BF-SG-01", "75", "3", "higher is better", "2025Q1", "SYNTHETIC Barnet board", SYNTHETIC),
        ("BF-SG-01", "70", "3", "higher is better", "2025Q4", "SYNTHETIC Barnet board", SYNTHETIC),
    ],
    "brent": [
        ("BF-CP-03", "90", "", "higher is better", "2025Q1", "SYNTHETIC Brent board", SYNTHETIC),
        ("BF-SG-02", "95", "", "higher is better", "2024Q4", "SYNTHETIC Brent board", SYNTHETIC),
    ],
    "ealing": [
        ("BF-DA-03", "70", "5", "higher is better", "2025Q2", "SYNTHETIC Ealing board", SYNTHETIC),
    ],
}


def write_demo_targets(reference_dir: Path) -> list[Path]:
    """Write the demo boroughs' targets files that are not there yet; return those written."""
    folder = Path(reference_dir) / TARGETS_FOLDER
    written = []
    for slug, rows in TARGETS.items():
        path = folder / f"{slug}.csv"
        if path.exists():
            continue
        frame = pd.DataFrame([dict(zip(TARGET_COLUMNS, r, strict=True)) for r in rows])
        written.append(io.write_text(frame.to_csv(index=False), path))
    return written
