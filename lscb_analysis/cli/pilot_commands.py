"""``lscb pilot``: the Phase III pilot data table template and ingest with validation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lscb_analysis.cli import ingest_rule
from lscb_analysis.core import paths


def _pilot_template(args: argparse.Namespace) -> int:
    from lscb_analysis.pilot import pilot_template

    if args.agency:
        path = pilot_template.write_agency_template(
            args.agency, args.boroughs, args.periods, args.out, model_version=args.model
        )
    else:
        path = pilot_template.write_pilot_template(
            args.borough, args.periods, args.out, model_version=args.model
        )
    print(f"Wrote {path}")
    return 0


def _pilot_ingest(args: argparse.Namespace) -> int:
    from lscb_analysis.pilot import pilot_ingest, pilot_outputs

    folder = Path(args.folder) if args.folder else pilot_ingest.pilot_folder()
    result = pilot_ingest.ingest_pilot(folder)
    written = pilot_outputs.write_pilot_outputs(result, source=folder)
    print(pilot_ingest.summary_line(result))
    print(
        f"Findings: {written['pilot_issues.csv']}; values: {written['pilot_values.parquet']}; "
        f"{len(written['checked'])} checked workbook(s) under {paths.reports_dir() / 'pilot'}."
    )
    files = result.returns.drop_duplicates("file")  # an agency's return has a row per borough
    rejected = files[files["state"] == "rejected"]
    for row in rejected.itertuples(index=False):
        print(f"REJECTED {row.file}: {row.message}", file=sys.stderr)
    errors = int((result.issues["severity"] == "error").sum())
    return ingest_rule.exit_code(
        len(files) - len(rejected), len(rejected), errors, strict=args.strict
    )


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``pilot`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    pilot = commands.add_parser("pilot", help="Phase III pilot: data table template and ingest")
    pilot.set_defaults(handler=lambda _args: pilot.print_help() or 2)
    pilot_commands = pilot.add_subparsers(dest="pilot_command", metavar="ACTION")
    pilot_template = pilot_commands.add_parser(
        "template", help="write a borough's pilot workbook (or an agency's, for many boroughs)"
    )
    who = pilot_template.add_mutually_exclusive_group(required=True)
    who.add_argument("--borough", help="the borough, as people write it (RBKC, LB Barnet)")
    who.add_argument(
        "--agency", help="a partner reporting centrally (e.g. police); with --boroughs"
    )
    pilot_template.add_argument(
        "--boroughs",
        default="all",
        help="with --agency: comma-separated boroughs, or all (default)",
    )
    pilot_template.add_argument(
        "--periods",
        default=None,
        help="calendar quarters, e.g. 2024Q1..2025Q4 (default in data/reference/pilot_rules.yaml)",
    )
    pilot_template.add_argument(
        "--model", default=None, help="best-fit model version (default: the latest)"
    )
    pilot_template.add_argument(
        "--out",
        default=None,
        help="the .xlsx to write (default reports/pilot/templates/<name>_pilot_template.xlsx)",
    )
    pilot_template.set_defaults(handler=_pilot_template)
    pilot_ingest = pilot_commands.add_parser(
        "ingest", help="check every return: data/processed/pilot_*, reports/pilot/<borough>/"
    )
    pilot_ingest.add_argument(
        "folder", nargs="?", help="folder of returns (default data/raw/pilot)"
    )
    ingest_rule.add_strict_option(pilot_ingest)
    pilot_ingest.set_defaults(handler=_pilot_ingest)
