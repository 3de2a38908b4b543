"""``lscb scorecard``: quarterly score cards for every London borough (``build``), and each
sub-group's quarterly narrative (``narrative-template``, ``narrative-ingest``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lscb_analysis.cli import ingest_rule
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
    _add_narrative_parsers(card_commands)


def _narrative_template(args: argparse.Namespace) -> int:
    from lscb_analysis.scorecard import group_narrative

    workbook = group_narrative.build_narrative_workbook(args.group, args.borough, args.quarter)
    info = {r[0].value: r[1].value for r in workbook[group_narrative.INFO_SHEET].iter_rows()}
    out = (
        Path(args.out)
        if args.out
        else (
            paths.reports_dir()
            / "scorecard"
            / "narratives"
            / info["quarter"]
            / group_narrative.default_name(info["group"], info["borough"], info["quarter"])
        )
    )
    target = io.ensure_writable(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    print(
        f"Wrote {target}: the {info['group']} sub-group's narrative for {info['borough']}, "
        f"{info['quarter']}. Returned copies go in data/raw/narratives/."
    )
    return 0


def _narrative_ingest(args: argparse.Namespace) -> int:
    from lscb_analysis.scorecard import group_narrative

    folder = Path(args.folder) if args.folder else paths.raw_dir() / "narratives"
    result = group_narrative.ingest_narratives(folder)
    written = group_narrative.write_ingest(result)
    files = result.files
    print(
        f"Narratives: {len(files)} file(s), {int((files['status'] == 'read').sum())} in use; "
        f"{len(result.parts)} answers and {len(result.actions)} exception actions; issues in "
        f"{written['issues.csv']}."
    )
    aside = files[files["status"] == "rejected"]
    for row in aside.itertuples():
        print(f"  REJECTED {row.file}: {row.reason}", file=sys.stderr)
    errors = int((result.issues["severity"] == "error").sum())
    used = int((files["status"] == "read").sum())
    return ingest_rule.exit_code(used, len(aside), errors, strict=args.strict)


def _add_narrative_parsers(card_commands) -> None:
    template = card_commands.add_parser(
        "narrative-template", help="a sub-group's quarterly narrative workbook"
    )
    template.add_argument("--group", required=True, help="the sub-group, e.g. neglect")
    template.add_argument("--borough", required=True, help="the board's borough")
    template.add_argument("--quarter", required=True, help="the quarter, e.g. 2026Q3")
    template.add_argument("--out", metavar="FILE.xlsx", help="default under reports/scorecard/")
    template.set_defaults(handler=_narrative_template)
    ingest = card_commands.add_parser(
        "narrative-ingest", help="read returned narratives into data/processed/narratives/"
    )
    ingest.add_argument("folder", nargs="?", metavar="DIR", help="default data/raw/narratives")
    ingest_rule.add_strict_option(ingest)
    ingest.set_defaults(handler=_narrative_ingest)
