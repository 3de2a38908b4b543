"""``lscb s11``: the Section 11 self-assessment: the workbook for an agency, and the ingest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lscb_analysis.cli import ingest_rule
from lscb_analysis.core import paths


def _s11_template(args: argparse.Namespace) -> int:
    from lscb_analysis.qa import section11

    out = args.out or paths.reports_dir() / "templates" / section11.default_file_name(
        args.agency, args.board
    )
    path = section11.write_self_assessment(args.agency, args.board, out)
    print(
        f"Wrote the Section 11 self-assessment for {args.agency} ({args.board}) to {path}. "
        "Send it to the agency; returned copies go in data/raw/section11/."
    )
    return 0


def _s11_ingest(args: argparse.Namespace) -> int:
    from lscb_analysis.qa import section11_ingest

    folder = Path(args.folder) if args.folder else paths.raw_dir() / "section11"
    result = section11_ingest.ingest_section11(folder)
    written = section11_ingest.write_ingest(result)
    files = result.files
    used = files[files["status"] == "read"]
    print(
        f"Section 11: {len(files)} file(s): {len(used)} in use, "
        f"{int((files['status'] == 'superseded').sum())} replaced by a later return, "
        f"{int((files['status'] == 'rejected').sum())} set aside; {len(result.ratings)} "
        f"criteria rated; {len(result.issues)} issue(s) listed in {written['issues.csv']}."
    )
    for row in files[files["status"].isin(["rejected", "superseded"])].itertuples():
        print(f"  {row.status.upper()} {row.file}: {row.reason}", file=sys.stderr)
    errors = int((result.issues["severity"] == "error").sum())
    rejected = int((files["status"] == "rejected").sum())
    return ingest_rule.exit_code(len(used), rejected, errors, strict=args.strict)


def add_parser(commands) -> None:
    """Register ``lscb s11 template`` and ``lscb s11 ingest``."""
    s11 = commands.add_parser("s11", help="Section 11 self-assessment: workbook and ingest")
    s11_commands = s11.add_subparsers(dest="s11_command", metavar="COMMAND", required=True)
    template = s11_commands.add_parser(
        "template", help="write the self-assessment workbook for one agency and board"
    )
    template.add_argument("--agency", required=True, help="the agency, e.g. police or CAMHS")
    template.add_argument("--board", required=True, help="the board's borough, e.g. Barnet")
    template.add_argument(
        "--out",
        metavar="FILE.xlsx",
        help="default reports/templates/section11_<board>_<agency>.xlsx",
    )
    template.set_defaults(handler=_s11_template)
    ingest = s11_commands.add_parser(
        "ingest", help="read the returned self-assessments into data/processed/section11/"
    )
    ingest.add_argument("folder", nargs="?", metavar="DIR", help="default data/raw/section11")
    ingest_rule.add_strict_option(ingest)
    ingest.set_defaults(handler=_s11_ingest)
