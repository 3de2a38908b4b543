"""``lscb returns``: the standing quarterly returns: the workbooks to send, and the register of
who has returned."""

from __future__ import annotations

import argparse
from pathlib import Path

from lscb_analysis.core import parameter_rules, paths
from lscb_analysis.core.errors import ParameterError


def _returns_register(args: argparse.Namespace) -> int:
    from lscb_analysis.pilot import pilot_outputs, pilot_periods, returns_register
    from lscb_analysis.present import presenter_workbook
    from lscb_analysis.protect import safe_files

    as_at = parameter_rules.read_date(args.as_at, "--as-at") if args.as_at else None
    quarter = pilot_periods.period_range(args.quarter)
    if len(quarter) != 1:
        raise ParameterError(f"--quarter {args.quarter!r}: give one quarter, such as 2026Q3.")
    ingested = pilot_outputs.read_ingested_pilot()
    table = returns_register.returns_register(ingested.returns, ingested.values, quarter[0], as_at)
    out = (
        Path(args.out)
        if args.out
        else (paths.reports_dir() / "returns" / f"register_{quarter[0]}.xlsx")
    )
    written = safe_files.write_safe_xlsx(
        {f"Returns {quarter[0]}": presenter_workbook.workbook_frame(table)}, out
    )
    finding = returns_register.register_finding(table, quarter[0]).rstrip(".")
    when = f" (as at {as_at.isoformat()})" if as_at else ""
    print(f"{finding}{when}. Register: {written}")
    return 0


def _returns_template(args: argparse.Namespace) -> int:
    from lscb_analysis.pilot import quarterly_template

    written = quarterly_template.write_quarterly_returns(
        args.quarter, args.borough, args.agency, args.out, model_version=args.model
    )
    for path, filled in written:
        print(f"Wrote {path} ({filled} earlier figure(s) filled in and locked).")
    print(
        f"{len(written)} return(s) for {args.quarter}. Returned workbooks go in data/raw/pilot/ "
        "and are read by `lscb pilot ingest` into the same history."
    )
    return 0


def add_parser(commands) -> None:
    """Register ``lscb returns template`` and ``lscb returns register``."""
    returns = commands.add_parser("returns", help="the quarterly returns: who has returned")
    returns_commands = returns.add_subparsers(
        dest="returns_command", metavar="COMMAND", required=True
    )
    template = returns_commands.add_parser(
        "template", help="write the quarter's return for boards or a central agency"
    )
    template.add_argument("--quarter", required=True, help="the quarter, e.g. 2026Q3")
    template.add_argument("--borough", help="a board's borough, several (commas) or all")
    template.add_argument("--agency", help="a central agency returning for many boroughs")
    template.add_argument("--model", help="best-fit model version (default: the latest)")
    template.add_argument(
        "--out", metavar="DIR", help="default reports/returns/templates/ (a folder per quarter)"
    )
    template.set_defaults(handler=_returns_template)
    register = returns_commands.add_parser(
        "register", help="who was due for a quarter: on time, late, partly, not returned"
    )
    register.add_argument("--quarter", required=True, help="the quarter, e.g. 2026Q3")
    register.add_argument(
        "--as-at", dest="as_at", help="count only returns received by this date (2026-10-31)"
    )
    register.add_argument(
        "--out", metavar="FILE.xlsx", help="default reports/returns/register_<quarter>.xlsx"
    )
    register.set_defaults(handler=_returns_register)
