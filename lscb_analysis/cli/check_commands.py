"""``lscb check reports``: scan reports for identifiers and try to recover suppressed counts
before they are published."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lscb_analysis.core import paths


def _check_reports(args: argparse.Namespace) -> int:
    from lscb_analysis.protect import identifiers

    folder = Path(args.folder) if args.folder else paths.reports_dir()
    from lscb_analysis.qa import audit_ingest

    # Raw case references from the audit returns are looked for too (held in memory only).
    findings = identifiers.scan_folder(folder, case_references=audit_ingest.raw_case_references())
    scanned = sum(
        1 for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in identifiers.SCANNERS
    )
    if findings.empty:
        print(f"Scanned {scanned} files under {folder}: nothing that looks like an identifier.")
        return _recovery_attack(folder)
    print(
        f"Scanned {scanned} files under {folder}: {len(findings)} possible identifiers. "
        "Do not publish these reports until each is removed or, if it is not an identifier, "
        "added to the allowlist in data/reference/identifier_patterns.yaml.",
        file=sys.stderr,
    )
    for row in findings.itertuples():
        print(f"  {row.file}: {row.location}: {row.kind} {row.masked}", file=sys.stderr)
    _recovery_attack(folder)  # names its own hits too
    return 1


def _recovery_attack(folder: Path) -> int:
    """Try to rebuild suppressed counts from the board outputs; 1 (naming each place) on a hit."""
    from lscb_analysis.protect import recovery_attack

    hits = recovery_attack.attack_folder(folder)
    tried = recovery_attack.suppressed_cells(folder)
    if hits.empty:
        print(
            f"Recovery attack on the board-tier reports and workbooks under {folder}: none of "
            f"their {tried} suppressed cells could be worked out from what they show."
        )
        return 0
    print(
        f"Recovery attack: {len(hits)} suppressed counts can be worked out from what the "
        "board-tier outputs show. Do not publish them: suppress the figures named below "
        "(see lscb_analysis.protect.disclosure_figures.show_figure) and rebuild.",
        file=sys.stderr,
    )
    for line in recovery_attack.hit_messages(hits, shown=20):
        print(f"  {line}", file=sys.stderr)
    return 1


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``check reports`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    check = commands.add_parser("check", help="check outputs before they are published")
    check.set_defaults(handler=lambda _args: check.print_help() or 2)
    check_commands = check.add_subparsers(dest="check_command", metavar="WHAT")
    check_reports = check_commands.add_parser(
        "reports", help="scan every report for names, dates of birth, NHS numbers, ..."
    )
    check_reports.add_argument("--folder", help="reports folder (default reports/)")
    check_reports.set_defaults(handler=_check_reports)
