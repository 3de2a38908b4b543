"""``lscb``: the workbench's one command line (also ``python -m lscb_analysis``).

Commands:
  lscb data build        compute public_indicators from the published files
  lscb data register     rebuild the local authority register from the published files
  lscb run NOTEBOOK      run a notebook for one, several or all boroughs
  lscb pack              run every notebook for every borough, then the index
  lscb index             rebuild reports/index.html
  lscb resolve NAME      show which local authority a written name stands for
  lscb survey ...        Phase I survey: template, ingest, compile the draft dataset
  lscb model ...         the best-fit model (versioned PI catalogue): diff, export, feedback form,
                         feedback (read returned forms), gaps, validate
  lscb check reports     scan reports for identifiers before they are published
  lscb pilot ...         Phase III pilot: data table template, ingest with validation
  lscb returns register  the quarterly returns: who was due, on time, late, partly, missing
  lscb scorecard build   quarterly score cards for every London borough
  lscb audit ...         case-file audits: tool, ingest, sample, pseudonymisation key
  lscb s11 ...           Section 11 self-assessment: the agency's workbook, ingest
  lscb demo-data         write the synthetic demo returns under data/raw/
  lscb notebooks         list the notebooks and their parameters
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from lscb_analysis import __version__
from lscb_analysis.cli import (
    audit_commands,
    check_commands,
    data_commands,
    demo_commands,
    model_commands,
    pilot_commands,
    returns_commands,
    run_commands,
    s11_commands,
    scorecard_commands,
    survey_commands,
)
from lscb_analysis.core import output_folders, paths
from lscb_analysis.core.errors import LscbError

logger = logging.getLogger("lscb_analysis")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for ``lscb``."""
    parser = argparse.ArgumentParser(
        prog="lscb",
        description="LSCB datasets workbench: published safeguarding statistics, borough "
        "reports and the London datasets project's tools.",
    )
    parser.add_argument("--version", action="version", version=f"lscb {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    data_commands.add_parser(commands)
    run_commands.add_parser(commands)
    survey_commands.add_parser(commands)
    model_commands.add_parser(commands)
    pilot_commands.add_parser(commands)
    returns_commands.add_parser(commands)
    scorecard_commands.add_parser(commands)
    audit_commands.add_parser(commands)
    s11_commands.add_parser(commands)
    demo_commands.add_parser(commands)
    check_commands.add_parser(commands)
    run_commands.add_lookup_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 a run failed, 2 an error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0 if args.command is None else 2
    # Worker processes and kernels find the project through this, wherever they start.
    os.environ.setdefault(paths.PROJECT_DIR_VARIABLE, str(paths.project_dir()))
    try:
        # Every command that writes where --out says stays inside the project's folders.
        if getattr(args, "out", None):
            args.out = str(
                output_folders.check_output_folder(
                    args.out, holds=getattr(args, "holds", "reports")
                )
            )
        return handler(args)
    except LscbError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
