"""``lscb audit``: multi-agency case-file audits: tool, ingest, sample, pseudonymisation key."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from lscb_analysis.cli import ingest_rule
from lscb_analysis.core import paths
from lscb_analysis.core.errors import ParameterError


def _audit_template(args: argparse.Namespace) -> int:
    from lscb_analysis.qa import audit, audit_tool

    agencies = [a.strip() for a in args.agencies.split(",") if a.strip()]
    path = audit_tool.write_audit_template(
        args.theme, agencies, args.cases, args.out, args.audit_id, borough=args.borough
    )
    print(
        f"Wrote the {audit.resolve_theme(args.theme)} audit tool ({args.cases} cases, "
        f"{len(agencies)} agencies) to {path}. Send it out; completed copies go in "
        "data/raw/audit/<audit-id>/."
    )
    return 0


def _audit_ingest(args: argparse.Namespace) -> int:
    from lscb_analysis.core import workbook_checks
    from lscb_analysis.protect import pseudonym
    from lscb_analysis.qa import audit_ingest, audit_key_record

    if args.new_key and args.folder:
        raise ParameterError(
            "--new-key ingests every audit again with the new key, so that no audit keeps "
            "labels from the old one: leave out the folder."
        )
    fingerprint = pseudonym.key_fingerprint(pseudonym.load_key())
    if args.new_key:
        # Audits made with the old key are rebuilt from data/raw below, never mixed in.
        shutil.rmtree(paths.processed_dir() / "audit", ignore_errors=True)
    else:
        audit_key_record.check_same_key(fingerprint)
    folder = Path(args.folder) if args.folder else paths.raw_dir() / "audit"
    has_workbooks = folder.is_dir() and any(
        p.suffix.lower() in workbook_checks.WORKBOOK_SUFFIXES for p in folder.iterdir()
    )
    results = (
        {folder.name: audit_ingest.ingest_audit(folder)}
        if has_workbooks
        else audit_ingest.ingest_audits(folder)
    )
    if not results:
        print(f"No audit workbooks found in {folder} or its sub-folders.", file=sys.stderr)
        return 1
    errors = set_aside = read = 0
    for audit_id, result in results.items():
        written = audit_ingest.write_ingest(result)
        counts = result.records["status"].value_counts().to_dict()
        withheld = int((result.records["evidence_withheld"] != "").sum())
        print(
            f"{audit_id}: {len(result.files)} file(s), {len(result.records)} answers ("
            + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items())
            + f"), {withheld} evidence cell(s) withheld, {len(result.issues)} issue(s) "
            f"listed in {written['issues.csv']}."
        )
        for row in result.issues[result.issues["severity"] == "error"].itertuples():
            print(f"  ERROR {row.file} {row.cell or row.sheet}: {row.message}", file=sys.stderr)
        errors += int((result.issues["severity"] == "error").sum())
        aside = result.files[result.files["status"] != "read"]
        for row in aside.itertuples():
            print(f"  SET ASIDE {audit_id}/{row.file}: {row.reason}", file=sys.stderr)
        set_aside += len(aside)
        read += len(result.files) - len(aside)
    audit_key_record.record_key(fingerprint)
    if args.new_key:
        print(
            f"Every audit was ingested again with the new key (fingerprint {fingerprint}): "
            "case labels (CASE-...) have changed, so update any kept by hand, such as the "
            "actions log, from the new records."
        )
    return ingest_rule.exit_code(read, set_aside, errors, strict=args.strict)


def _audit_sample(args: argparse.Namespace) -> int:
    from lscb_analysis.qa import sampling

    frame = sampling.read_frame(args.frame, stratify=args.stratify)
    result = sampling.draw_sample(frame, args.n, args.stratify, seed=args.seed)
    out = (
        Path(args.out)
        if args.out
        else (paths.processed_dir() / "audit_samples" / f"{Path(args.frame).stem}-seed{args.seed}")
    )
    sample_path, record_path = sampling.write_sample(result, out)
    print(
        f"Drew {args.n} of {len(frame)} cases ({result.record['method']}, seed {args.seed}). "
        f"Sample: {sample_path} (holds case references: keep it with the case list). "
        f"Record for the inspector: {record_path}."
    )
    for item in result.record["allocation"]:
        print(f"  {item['stratum']}: {item['sample']} of {item['population']}")
    for note in result.record["notes"]:
        print(f"  Note: {note}")
    print(sampling.sample_size_guidance(args.n, population=len(frame))["guidance"].iloc[0])
    return 0


def _audit_keygen(args: argparse.Namespace) -> int:
    from lscb_analysis.protect import pseudonym

    path = pseudonym.create_key_file(args.path)
    print(
        f"Wrote a new pseudonymisation key to {path} (readable only by you). Keep a copy "
        "where your organisation keeps secrets: without it, pseudonyms of earlier audits "
        "cannot be matched. Never put it in the project folder or in git."
    )
    if args.path:
        print(f"Point the workbench at it with: export {pseudonym.KEY_FILE_VARIABLE}={path}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``audit`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    audit_parser = commands.add_parser(
        "audit", help="multi-agency case-file audits: tool, ingest, sampling, key"
    )
    audit_parser.set_defaults(handler=lambda _args: audit_parser.print_help() or 2)
    audit_commands = audit_parser.add_subparsers(dest="audit_command", metavar="ACTION")
    audit_template = audit_commands.add_parser("template", help="write an audit tool workbook")
    audit_template.add_argument(
        "--theme", required=True, help="neglect, exploitation, domestic_abuse, early_help"
    )
    audit_template.add_argument(
        "--agencies",
        required=True,
        help='comma-separated, e.g. "police,csc,health (community),education"',
    )
    audit_template.add_argument("--cases", type=int, required=True, help="number of case slots")
    audit_template.add_argument(
        "--out", required=True, metavar="FILE.xlsx", help="workbook to write"
    )
    audit_template.add_argument(
        "--audit-id", dest="audit_id", help="default <yyyy-mm>[-<borough>]-<theme>"
    )
    audit_template.add_argument("--borough", help="the board's borough (optional)")
    audit_template.set_defaults(handler=_audit_template)
    audit_ingest = audit_commands.add_parser(
        "ingest", help="read completed tools into data/processed/audit/<audit-id>/"
    )
    audit_ingest.add_argument(
        "folder",
        nargs="?",
        metavar="DIR",
        help="data/raw/audit/<audit-id>/, or a folder of audit folders (default data/raw/audit)",
    )
    audit_ingest.add_argument(
        "--new-key",
        action="store_true",
        help="change the pseudonym key on purpose: ingest every audit again with the key "
        "found now (without it a key other than the one used before is refused)",
    )
    ingest_rule.add_strict_option(audit_ingest)
    audit_ingest.set_defaults(handler=_audit_ingest)
    sample = audit_commands.add_parser("sample", help="draw a reproducible case sample")
    sample.add_argument("--frame", required=True, metavar="FILE", help="case list (.csv/.xlsx)")
    sample.add_argument("--n", type=int, required=True, help="number of cases to draw")
    sample.add_argument("--stratify", metavar="COLUMN", help="column to stratify by (optional)")
    sample.add_argument("--seed", type=int, required=True, help="random seed (record it)")
    sample.add_argument(
        "--out", metavar="DIR", help="default data/processed/audit_samples/<frame>-seed<S>/"
    )
    # A sample lists case references: it stays with the case list, never among the reports.
    sample.set_defaults(handler=_audit_sample, holds="case references")
    keygen = audit_commands.add_parser("keygen", help="create the pseudonymisation key")
    keygen.add_argument("--path", help="default ~/.config/lscb/pseudonym.key")
    keygen.set_defaults(handler=_audit_keygen)
