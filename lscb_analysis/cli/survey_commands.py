"""``lscb survey``: the Phase I survey template, ingest and compiled draft dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lscb_analysis.cli import ingest_rule
from lscb_analysis.core import io, parameter_rules, paths


def _survey_template(args: argparse.Namespace) -> int:
    from lscb_analysis.survey import survey_template

    path = survey_template.write_survey_template(args.out)
    print(f"Wrote the data-collection workbook to {path}.")
    return 0


def survey_folder(args: argparse.Namespace) -> Path:
    """The folder of survey returns: ``args.folder``, else data/raw/survey."""
    return Path(args.folder) if args.folder else paths.raw_dir() / "survey"


def ingested_survey(folder: Path):
    """The ingested survey tables for ``folder``, ingesting it first when they are not current
    (:func:`lscb_analysis.survey.survey_outputs.ingested_survey`), saying so when it did."""
    from lscb_analysis.survey import survey_outputs

    tables, ingested = survey_outputs.ingested_survey(folder, paths.processed_dir())
    if ingested:
        print(f"Ingested the survey returns in {folder} first (`lscb survey ingest`).")
    return tables


def _survey_ingest(args: argparse.Namespace) -> int:
    from lscb_analysis.survey import survey_outputs

    folder = survey_folder(args)
    result = survey_outputs.ingest_folder(folder, paths.processed_dir())
    files = result.returns.drop_duplicates("file")  # a joint workbook has a row per borough
    states = files["state"].value_counts().to_dict()
    print(
        f"Read {len(files)} files from {folder}: "
        + ", ".join(f"{count} {state.replace('_', ' ')}" for state, count in states.items())
        + f". {len(result.items)} items; {len(result.issues)} issues listed in "
        f"{paths.processed_dir() / 'survey_issues.csv'}."
    )
    rejected = files[files["state"] == "rejected"]
    for row in rejected.itertuples():
        print(f"REJECTED {row.file}: {row.reason}", file=sys.stderr)
    errors = int((result.issues["severity"] == "error").sum())
    return ingest_rule.exit_code(
        len(files) - len(rejected), len(rejected), errors, strict=args.strict
    )


def _survey_compile(args: argparse.Namespace) -> int:
    from lscb_analysis.survey import (
        survey_draft,
        survey_mapping,
        survey_template,
    )

    as_at = parameter_rules.read_date(args.as_at, "--as-at") if args.as_at else None
    folder = survey_folder(args)
    candidates = survey_template.candidate_indicators()
    result = ingested_survey(folder)
    responses = survey_mapping.response_register(result.returns, result.contacts, as_at)
    responses.to_csv(io.ensure_writable(paths.processed_dir() / "survey_register.csv"), index=False)
    matched = survey_mapping.match_candidates(result.items, candidates)
    draft = survey_draft.draft_dataset(matched, candidates)
    out = (
        Path(args.out)
        if args.out
        else paths.reports_dir() / "survey_mapping" / "draft_dataset.xlsx"
    )
    survey_draft.write_draft_dataset(draft, out, survey_draft.draft_notes(responses, as_at, folder))
    print(
        f"{survey_mapping.response_summary(responses)}\nWrote the draft dataset "
        f"({len(draft)} rows) to {out}."
    )
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``survey`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    survey = commands.add_parser("survey", help="Phase I data-collection survey")
    survey.set_defaults(handler=lambda _args: survey.print_help() or 2)
    survey_commands = survey.add_subparsers(dest="survey_command", metavar="ACTION")
    template = survey_commands.add_parser("template", help="write the survey workbook")
    template.add_argument("--out", required=True, help="the .xlsx to write")
    template.set_defaults(handler=_survey_template)
    ingest = survey_commands.add_parser(
        "ingest", help="read every return into data/processed/survey_*.csv"
    )
    ingest.add_argument("folder", nargs="?", help="folder of returns (default data/raw/survey)")
    ingest_rule.add_strict_option(ingest)
    ingest.set_defaults(handler=_survey_ingest)
    compile_ = survey_commands.add_parser(
        "compile", help="write the compiled draft dataset (draft_dataset.xlsx)"
    )
    compile_.add_argument(
        "--folder",
        help="folder of returns (default data/raw/survey); ingested first if not current",
    )
    compile_.add_argument(
        "--as-at", dest="as_at", help="count returns received up to this date (YYYY-MM-DD)"
    )
    compile_.add_argument("--out", help="default reports/survey_mapping/draft_dataset.xlsx")
    compile_.set_defaults(handler=_survey_compile)
