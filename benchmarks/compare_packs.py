"""Compare two report packs figure by figure: did a change of code change any result?

    python benchmarks/compare_packs.py BEFORE AFTER

BEFORE and AFTER are project folders (or copies of them) holding ``reports/`` and
``data/processed/``. Compared:

- every table of ``data/processed/`` (parquet), frame by frame;
- every table cell of every ``report.html`` under ``reports/`` (the run record, which holds
  run times and versions, is left out);
- every cell of every workbook (``.xlsx``) under ``reports/``.

Prints one line per file that differs (with the first differences) and a count per kind;
exits 1 when anything differs, 0 otherwise. Used to record that moving code (issue 16's
re-layout) left every figure of the demo pack as it was: see ``benchmarks/results.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd
from bs4 import BeautifulSoup

SKIPPED_CAPTIONS = ("Run record",)
SHOWN = 3  # differences shown per file


def _parquet_differences(before: Path, after: Path) -> list[str]:
    old, new = pd.read_parquet(before), pd.read_parquet(after)
    if list(old.columns) != list(new.columns) or len(old) != len(new):
        return [f"shape {old.shape} -> {new.shape}"]
    try:
        pd.testing.assert_frame_equal(old, new, check_dtype=False)
    except AssertionError as difference:
        return [str(difference).splitlines()[0]]
    return []


def _html_cells(path: Path) -> list[tuple[str, str]]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    cells = []
    for number, table in enumerate(soup.find_all("table")):
        caption = table.find("caption")
        title = caption.get_text(" ", strip=True) if caption else f"table {number + 1}"
        if title.startswith(SKIPPED_CAPTIONS):
            continue
        for cell in table.find_all(["td", "th"]):
            cells.append((title, cell.get_text(" ", strip=True)))
    return cells


def _html_differences(before: Path, after: Path) -> list[str]:
    old, new = _html_cells(before), _html_cells(after)
    if len(old) != len(new):
        return [f"{len(old)} cells -> {len(new)}"]
    return [f"{a[0]}: {a[1]!r} -> {b[1]!r}" for a, b in zip(old, new, strict=True) if a != b]


def _xlsx_differences(before: Path, after: Path) -> list[str]:
    old = openpyxl.load_workbook(before, read_only=True, data_only=True)
    new = openpyxl.load_workbook(after, read_only=True, data_only=True)
    if old.sheetnames != new.sheetnames:
        return [f"sheets {old.sheetnames} -> {new.sheetnames}"]
    found = []
    for name in old.sheetnames:
        rows_old = list(old[name].iter_rows(values_only=True))
        rows_new = list(new[name].iter_rows(values_only=True))
        if len(rows_old) != len(rows_new):
            found.append(f"{name}: {len(rows_old)} rows -> {len(rows_new)}")
            continue
        for number, (a, b) in enumerate(zip(rows_old, rows_new, strict=True), start=1):
            if a != b:
                found.append(f"{name} row {number}: {a} -> {b}")
    return found


KINDS = {
    "processed tables": ("data/processed", "*.parquet", _parquet_differences),
    "report tables": ("reports", "report.html", _html_differences),
    "workbooks": ("reports", "*.xlsx", _xlsx_differences),
}


def compare(before: Path, after: Path) -> dict[str, tuple[int, list[str]]]:
    """Per kind: the number of files compared and the lines describing differences."""
    outcome = {}
    for kind, (folder, pattern, differ) in KINDS.items():
        compared, lines = 0, []
        for old in sorted((before / folder).rglob(pattern)):
            relative = old.relative_to(before)
            new = after / relative
            if not new.is_file():
                lines.append(f"{relative}: missing after")
                continue
            compared += 1
            found = differ(old, new)
            if found:
                lines.append(
                    f"{relative}: {len(found)} differences, e.g. " + "; ".join(found[:SHOWN])
                )
        outcome[kind] = (compared, lines)
    return outcome


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    outcome = compare(Path(argv[0]), Path(argv[1]))
    for kind, (compared, lines) in outcome.items():
        print(f"{kind}: {compared} compared, {len(lines)} differ")
        for line in lines:
            print(f"  {line}")
    return 1 if any(lines for _, lines in outcome.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
