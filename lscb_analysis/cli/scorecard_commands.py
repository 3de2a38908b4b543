"""``lscb scorecard build``: quarterly score cards for every London borough."""

from __future__ import annotations

import argparse

from lscb_analysis.core import io, paths


def _scorecard_build(args: argparse.Namespace) -> int:
    from lscb_analysis.scorecard import build

    done = build.build_london(
        args.period,
        args.model_version,
        tier="analyst" if args.analyst else "board",
        workbooks=not args.table_only,
    )
    # A fixed name `lscb pack` can check, whichever period "latest" turned out to be.
    # The table's hash too, so a run listing this record among its inputs re-runs whenever
    # the table changes.
    io.write_json(
        {
            "period": done["period"],
            "table": str(done["table"]),
            "sha256": io.sha256_of(done["table"]),
            "exceptions": done["exceptions"],
        },
        paths.processed_dir() / "scorecard_built.json",
    )
    workbooks = (
        ""
        if args.table_only
        else f" and reports/scorecard/<borough>/{done['period']}/scorecard.xlsx"
    )
    print(
        f"Score cards for every borough, {done['period']}: {done['rows']} rows, "
        f"{done['exceptions']} exceptions. Wrote {done['table']}{workbooks}."
    )
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``scorecard`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    card = commands.add_parser("scorecard", help="quarterly score cards for every London borough")
    card.set_defaults(handler=lambda _args: card.print_help() or 2)
    card_commands = card.add_subparsers(dest="scorecard_command", metavar="ACTION")
    card_build = card_commands.add_parser(
        "build",
        help="every borough's score card: data/processed/scorecard_<period>.parquet "
        "and reports/scorecard/<borough>/<period>/scorecard.xlsx",
    )
    card_build.add_argument(
        "--period",
        required=True,
        metavar="P",
        help="a quarter such as 2025Q4, a reporting year such as 2025 (for 2024-25), or 'latest'",
    )
    card_build.add_argument(
        "--model",
        dest="model_version",
        metavar="V",
        help="best-fit model version (default: the latest)",
    )
    card_build.add_argument(
        "--analyst",
        action="store_true",
        help="write the unsuppressed analyst tier (NOT FOR PUBLICATION)",
    )
    card_build.add_argument(
        "--table-only",
        action="store_true",
        help="write only the London table, no workbooks (the pack's step: each borough's "
        "score card run writes its own)",
    )
    card_build.set_defaults(handler=_scorecard_build)
