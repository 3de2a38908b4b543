"""``lscb model``: the best-fit model (versioned PI catalogue): diff, export, feedback
form, feedback, gaps, validate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lscb_analysis.cli import ingest_rule
from lscb_analysis.cli.survey_commands import ingested_survey, survey_folder
from lscb_analysis.core import io, paths


def _model_diff(args: argparse.Namespace) -> int:
    from lscb_analysis.core.errors import DataFileError
    from lscb_analysis.model import catalogue, catalogue_diff, consultation, consultation_carry

    old, new = catalogue.load_catalogue(args.old), catalogue.load_catalogue(args.new)
    print(catalogue_diff.format_diff(old, new), end="")
    try:
        feedback = consultation.read_ingested_feedback()
    except DataFileError as error:
        # The diff stands without the answers; say why they are not listed.
        print(f"\nConsultation answers: not listed ({error})")
        return 0
    table = consultation_carry.carry_table(feedback.responses, old, new)
    print(consultation_carry.format_carry(table, old.version, new.version), end="")
    return 0


def _model_export(args: argparse.Namespace) -> int:
    from lscb_analysis.model import catalogue, catalogue_export

    model = catalogue.load_catalogue(args.model_version)
    path = catalogue_export.export_catalogue_xlsx(model, args.out)
    print(
        f"Wrote best-fit model version {model.version} ({len(model.current)} current PIs, "
        f"{len(model.pis) - len(model.current)} postponed) to {path}"
    )
    return 0


def _model_feedback_form(args: argparse.Namespace) -> int:
    from lscb_analysis.model import catalogue, feedback_form

    model = catalogue.load_catalogue(args.model_version)
    path = feedback_form.write_feedback_form(model, args.out, args.sent_to)
    print(
        f"Wrote the feedback form for best-fit model version {model.version} "
        f"({len(model.pis)} PIs, checksum {catalogue.pi_checksum(model)[:12]}) to {path}"
    )
    return 0


def _model_feedback(args: argparse.Namespace) -> int:
    from lscb_analysis.model import consultation

    result = consultation.run_feedback_command(Path(args.folder) if args.folder else None)
    read, set_aside, errors = consultation.feedback_counts(result)
    return ingest_rule.exit_code(read, set_aside, errors, strict=args.strict)


def _model_validate(args: argparse.Namespace) -> int:
    from lscb_analysis.model import catalogue

    if args.model_version:
        model = catalogue.load_catalogue(args.model_version)
        print(
            f"Version {model.version} ({model.path}) is valid: {len(model.current)} current "
            f"PIs, {len(model.pis) - len(model.current)} postponed, {len(model.clusters)} "
            f"clusters under {len(model.goals)} goals."
        )
        return 0
    table = catalogue.validate_versions()
    for row in table.itertuples(index=False):
        if row.status == "ok":
            print(f"{row.version}: ok ({row.pis} PIs)")
        else:
            print(f"{row.version}: INVALID\n{row.message}", file=sys.stderr)
    return 0 if (table["status"] == "ok").all() else 1


def _model_gaps(args: argparse.Namespace) -> int:
    from lscb_analysis.model import catalogue, gap_analysis, item_matching, wish_candidates
    from lscb_analysis.published import public_data
    from lscb_analysis.survey import survey_mapping

    model = catalogue.load_catalogue(args.model_version)
    rules = gap_analysis.load_rules()
    result = ingested_survey(survey_folder(args))
    responses = survey_mapping.response_register(result.returns, result.contacts)
    with_data = set(responses.loc[responses["status"] == "returned_with_data", "borough"])
    items = result.items[result.items["used"].astype(bool)]
    confirmed = item_matching.read_confirmed_matches()
    suggested = item_matching.suggest_matches(items, model, rules)
    matched = item_matching.apply_confirmed(suggested, confirmed)
    matrix = gap_analysis.gap_matrix(
        matched, model, public_data.load_public_indicators(), with_data, rules
    )
    io.write_table(matrix, paths.processed_dir() / "gap_matrix")
    # Wishes no PI covers are kept as candidates for the next version, not dropped.
    candidates = wish_candidates.wanted_candidates(matched)
    io.write_table(candidates, paths.processed_dir() / "gap_candidates")
    matches = item_matching.updated_matches_file(suggested, confirmed)
    matches.to_csv(
        io.ensure_writable(paths.reference_dir() / item_matching.MATCHES_FILE), index=False
    )
    unconfirmed = int((matches["confirmed"] == "").sum())
    print(
        f"Gap matrix for model {model.version}: {len(matrix)} rows "
        f"({matrix['status'].value_counts().to_dict()}); {len(candidates)} wanted items no PI "
        "covers (candidates for the next version). Wrote data/processed/gap_matrix and "
        "gap_candidates; run `lscb run gap_analysis -p boards=all` for each board's gaps.xlsx. "
        f"{unconfirmed} "
        f"item matches await "
        f"confirmation in data/reference/{item_matching.MATCHES_FILE}."
    )
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``model`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    model = commands.add_parser("model", help="the best-fit model: the versioned PI catalogue")
    model.set_defaults(handler=lambda _args: model.print_help() or 2)
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION")
    diff = model_commands.add_parser("diff", help="what changed between two versions")
    diff.add_argument("old", metavar="V1", help="the older version, e.g. 0.1")
    diff.add_argument("new", metavar="V2", help="the newer version, e.g. 1.0")
    diff.set_defaults(handler=_model_diff)
    for name, handler, text in (
        ("export", _model_export, "write the catalogue as a consultation workbook"),
        ("feedback-form", _model_feedback_form, "write the feedback form partners return"),
    ):
        action = model_commands.add_parser(name, help=text)
        action.add_argument(
            "--version",
            dest="model_version",
            metavar="V",
            help="catalogue version (default: the latest)",
        )
        action.add_argument("--out", required=True, metavar="FILE.xlsx", help="workbook to write")
        if name == "feedback-form":
            action.add_argument(
                "--for",
                dest="sent_to",
                default="",
                metavar="ORGANISATION",
                help="the organisation the form is for (written in; checked on return)",
            )
        action.set_defaults(handler=handler)
    gaps = model_commands.add_parser(
        "gaps", help="gap analysis of every board's return against the model"
    )
    gaps.add_argument(
        "--version",
        dest="model_version",
        metavar="V",
        help="catalogue version (default: the latest)",
    )
    gaps.add_argument(
        "--folder",
        help="folder of survey returns (default data/raw/survey); ingested first if not current",
    )
    gaps.set_defaults(handler=_model_gaps)
    feedback = model_commands.add_parser(
        "feedback", help="read the returned feedback forms -> data/processed/consultation_*"
    )
    feedback.add_argument(
        "folder", nargs="?", help="folder of returned forms (default data/raw/consultation)"
    )
    ingest_rule.add_strict_option(feedback)
    feedback.set_defaults(handler=_model_feedback)
    validate = model_commands.add_parser("validate", help="check one version, or all of them")
    validate.add_argument(
        "--version",
        dest="model_version",
        metavar="V",
        help="check only this version (default: every version)",
    )
    validate.set_defaults(handler=_model_validate)
