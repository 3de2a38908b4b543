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
  lscb scorecard build   quarterly score cards for every London borough
  lscb audit ...         case-file audits: tool, ingest, sample, pseudonymisation key
  lscb demo-data         write the synthetic demo returns under data/raw/
  lscb notebooks         list the notebooks and their parameters
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path

from lscb_analysis import __version__
from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import LscbError

logger = logging.getLogger("lscb_analysis")


def _data_build(args: argparse.Namespace) -> int:
    from lscb_analysis.published import public_data

    table = public_data.build_public_indicators()
    parquet, csv = io.write_table(table, paths.processed_dir() / "public_indicators")
    counts = table.groupby("status").size().to_dict()
    print(
        f"Wrote {len(table):,} rows ({table['indicator'].nunique()} indicators, "
        f"{table['period'].min()}-{table['period'].max()}, "
        f"{table.loc[table['area_type'] == 'la', 'la_number'].nunique()} local authorities) "
        f"to {parquet} and {csv.name}."
    )
    print("Status counts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    return 0


def _data_register(args: argparse.Namespace) -> int:
    from lscb_analysis.core import register

    table = register.build_register()
    target = io.ensure_writable(paths.reference_dir() / register.REGISTER_FILE)
    table.to_csv(target, index=False)
    print(f"Wrote {len(table)} local authorities to {target}.")
    return 0


def _run(args: argparse.Namespace) -> int:
    from lscb_analysis.runs import orchestrate, planning

    parameters = planning.parse_parameter_options(args.parameter or [])
    out = planning.tier_out_dir(args.out, args.analyst)
    try:
        results = orchestrate.run_notebook(
            args.notebook,
            args.borough,
            parameters,
            jobs=args.jobs,
            out_dir=args.out,
            progress=not args.quiet,
            force=args.force,
            timeout=args.timeout or None,
            isolation=args.isolation,
            executor=args.executor,
            scheduler=args.scheduler,
            analyst=args.analyst,
            pdf=args.pdf,
        )
    except KeyboardInterrupt:
        return _interrupted(out)
    return _report_runs(results, out)


def _interrupted(out: Path) -> int:
    print(
        f"Interrupted: the runs still going were stopped and their partial output deleted; "
        f"finished reports and the previous ones are in place. Index: {out / 'index.html'}",
        file=sys.stderr,
    )
    return 130


def _report_runs(results: list, out: Path) -> int:
    from lscb_analysis.runs import orchestrate

    failed = [r for r in results if r.status == "failed"]
    print(f"{orchestrate.summary_line(results)} Index: {out / 'index.html'}")
    if any(r.status == "skipped" for r in results):
        print(
            "Unchanged runs were skipped: their notebook, parameters, inputs and workbench "
            "are as at their last successful run. --force re-runs them."
        )
    for result in failed:
        print(
            f"FAILED {result.borough}: {result.error} "
            f"(log: {out / result.notebook / result.slug / (result.notebook + '.ipynb')})",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _index(args: argparse.Namespace) -> int:
    from lscb_analysis.runs import report_index

    path = report_index.write_index(Path(args.out) if args.out else paths.reports_dir())
    print(f"Wrote {path} and {path.with_suffix('.csv').name}")
    return 0


def _pack(args: argparse.Namespace) -> int:
    from lscb_analysis.runs import orchestrate, planning

    out = planning.tier_out_dir(args.out, args.analyst)
    try:
        plan, steps, results = orchestrate.run_pack(
            args.period,
            args.boroughs,
            jobs=args.jobs,
            force=args.force,
            timeout=args.timeout or None,
            isolation=args.isolation,
            executor=args.executor,
            scheduler=args.scheduler,
            ship_inputs=not args.shared_path,
            out_dir=args.out,
            progress=not args.quiet,
            analyst=args.analyst,
            pdf=args.pdf,
        )
    except KeyboardInterrupt:
        return _interrupted(out)
    for step in steps:
        print(
            f"Step {step.name}: {step.status} ({step.reason}"
            f"{f', {step.seconds} s' if step.seconds else ''})"
        )
        if step.status == "failed":
            print(f"FAILED step {step.name}: {step.output}", file=sys.stderr)
    for name, reason in plan.not_applicable:
        print(f"Notebook {name}: not applicable ({reason})")
    code = _report_runs(results, out)
    return 1 if any(step.status == "failed" for step in steps) else code


def _resolve(args: argparse.Namespace) -> int:
    from lscb_analysis.core import register

    for area in register.resolve_many(args.name):
        print(
            f"{area.name}: DfE {area.la_number}, ONS {area.ons_code}, {area.region}"
            f"{' (' + area.london_sub_region + ')' if area.london_sub_region else ''}"
        )
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from lscb_analysis.core import notebooks
    from lscb_analysis.runs import planning

    registry = notebooks.notebook_registry()
    for path in sorted(paths.notebooks_dir().glob("*.py")):
        defaults = planning.notebook_parameters(planning.load_notebook(path.stem))
        title = registry.get(path.stem, {}).get("title", "")
        listed = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
        print(f"{path.stem}: {title} [{listed}]")
    return 0


def _survey_template(args: argparse.Namespace) -> int:
    from lscb_analysis.survey import survey_template

    path = survey_template.write_survey_template(args.out)
    print(f"Wrote the data-collection workbook to {path}.")
    return 0


def _survey_folder(args: argparse.Namespace) -> Path:
    return Path(args.folder) if args.folder else paths.raw_dir() / "survey"


def _survey_ingest(args: argparse.Namespace) -> int:
    from lscb_analysis.survey import survey_ingest, survey_outputs

    folder = _survey_folder(args)
    result = survey_ingest.ingest_survey(folder)
    survey_outputs.write_survey_outputs(result, paths.processed_dir())
    files = result.returns.drop_duplicates("file")  # a joint workbook has a row per borough
    states = files["state"].value_counts().to_dict()
    print(
        f"Read {len(files)} files from {folder}: "
        + ", ".join(f"{count} {state.replace('_', ' ')}" for state, count in states.items())
        + f". {len(result.items)} items; {len(result.issues)} issues listed in "
        f"{paths.processed_dir() / 'survey_issues.csv'}."
    )
    for row in files[files["state"] == "rejected"].itertuples():
        print(f"REJECTED {row.file}: {row.reason}", file=sys.stderr)
    return 0


def _survey_compile(args: argparse.Namespace) -> int:
    from lscb_analysis.survey import survey_ingest, survey_mapping, survey_template

    folder = _survey_folder(args)
    candidates = survey_template.candidate_indicators()
    result = survey_ingest.ingest_survey(folder)
    contacts, _ = survey_mapping.read_contacts(folder / "contacts.csv")
    responses = survey_mapping.response_register(result.returns, contacts, args.as_at)
    responses.to_csv(io.ensure_writable(paths.processed_dir() / "survey_register.csv"), index=False)
    matched = survey_mapping.match_candidates(result.items, candidates)
    draft = survey_mapping.draft_dataset(matched, candidates)
    out = (
        Path(args.out)
        if args.out
        else paths.reports_dir() / "survey_mapping" / "draft_dataset.xlsx"
    )
    survey_mapping.write_draft_dataset(
        draft, out, survey_mapping.draft_notes(responses, args.as_at, folder)
    )
    print(
        f"{survey_mapping.response_summary(responses)}\nWrote the draft dataset "
        f"({len(draft)} rows) to {out}."
    )
    return 0


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
        "(see lscb_analysis.protect.disclosure.show_figure) and rebuild.",
        file=sys.stderr,
    )
    for line in recovery_attack.hit_messages(hits, shown=20):
        print(f"  {line}", file=sys.stderr)
    return 1


def _model_diff(args: argparse.Namespace) -> int:
    from lscb_analysis.model import catalogue, catalogue_diff

    old, new = catalogue.load_catalogue(args.old), catalogue.load_catalogue(args.new)
    print(catalogue_diff.format_diff(old, new), end="")
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
    path = feedback_form.write_feedback_form(model, args.out)
    print(
        f"Wrote the feedback form for best-fit model version {model.version} "
        f"({len(model.pis)} PIs, checksum {catalogue.pi_checksum(model)[:12]}) to {path}"
    )
    return 0


def _model_feedback(args: argparse.Namespace) -> int:
    from lscb_analysis.model import consultation

    return consultation.run_feedback_command(Path(args.folder) if args.folder else None)


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
    from lscb_analysis.model import catalogue, gap_analysis, item_matching
    from lscb_analysis.published import public_data
    from lscb_analysis.survey import survey_ingest, survey_mapping, survey_outputs

    model = catalogue.load_catalogue(args.model_version)
    rules = gap_analysis.load_rules()
    folder = _survey_folder(args)
    result = survey_ingest.ingest_survey(folder)
    survey_outputs.write_survey_outputs(result, paths.processed_dir())
    contacts, _ = survey_mapping.read_contacts(folder / "contacts.csv")
    responses = survey_mapping.response_register(result.returns, contacts)
    with_data = set(responses.loc[responses["status"] == "returned_with_data", "borough"])
    items = result.items[result.items["used"].astype(bool)]
    confirmed = item_matching.read_confirmed_matches()
    suggested = item_matching.suggest_matches(items, model, rules)
    matched = item_matching.apply_confirmed(suggested, confirmed)
    matrix = gap_analysis.gap_matrix(
        matched, model, public_data.load_public_indicators(), with_data, rules
    )
    io.write_table(matrix, paths.processed_dir() / "gap_matrix")
    matches = item_matching.updated_matches_file(suggested, confirmed)
    matches.to_csv(
        io.ensure_writable(paths.reference_dir() / item_matching.MATCHES_FILE), index=False
    )
    unconfirmed = int((matches["confirmed"] == "").sum())
    print(
        f"Gap matrix for model {model.version}: {len(matrix)} rows "
        f"({matrix['status'].value_counts().to_dict()}). Wrote data/processed/gap_matrix; run "
        f"`lscb run gap_analysis --borough all` for each board's gaps.xlsx. {unconfirmed} "
        f"item matches await "
        f"confirmation in data/reference/{item_matching.MATCHES_FILE}."
    )
    return 0


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="re-run even runs unchanged since their last successful run",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds before a run is stopped and reported (default 1800; 0 for no limit)",
    )
    parser.add_argument(
        "--isolation",
        choices=("process", "kernel"),
        default="process",
        help="process: a fresh fork of a warm worker per run (default); "
        "kernel: also start a fresh Jupyter kernel per run (slower)",
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or a Dask cluster",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: an "
        "existing scheduler, e.g. tcp://host:8786 (default: a local cluster)",
    )
    parser.add_argument(
        "--analyst",
        action="store_true",
        help="the unsuppressed analyst tier (NOT FOR PUBLICATION) of notebooks "
        "with a tier parameter, written to reports/analyst/ with its own index",
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print each report to report.pdf beside report.html (A4, "
        "headless Chromium: apt-get install chromium)",
    )


def _demo_data(args: argparse.Namespace) -> int:
    # The demo generators import the product and are never imported by it: loaded by name.
    demo_data = importlib.import_module("lscb_analysis.demo.demo_data")

    seed = args.seed if args.seed is not None else demo_data.DEFAULT_SEED
    for collection, info in demo_data.write_demo_data(seed=seed).items():
        print(f"{collection}: {info['message']}")
    return 0


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
    from lscb_analysis.qa import audit_ingest

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
    errors = 0
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
    return 1 if errors else 0


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
    written = pilot_outputs.write_pilot_outputs(result)
    print(pilot_ingest.summary_line(result))
    print(
        f"Findings: {written['pilot_issues.csv']}; values: {written['pilot_values.parquet']}; "
        f"{len(written['checked'])} checked workbook(s) under {paths.reports_dir() / 'pilot'}."
    )
    rejected = result.returns[result.returns["state"] == "rejected"]
    for row in rejected.itertuples(index=False):
        print(f"REJECTED {row.file}: {row.message}", file=sys.stderr)
    return 1 if len(rejected) else 0


def _scorecard_build(args: argparse.Namespace) -> int:
    from lscb_analysis.scorecard import build

    done = build.build_london(
        args.period, args.model_version, tier="analyst" if args.analyst else "board"
    )
    # A fixed name `lscb pack` can check, whichever period "latest" turned out to be.
    io.write_json(
        {"period": done["period"], "table": str(done["table"]), "exceptions": done["exceptions"]},
        paths.processed_dir() / "scorecard_built.json",
    )
    print(
        f"Score cards for {len(done['workbooks'])} boroughs, {done['period']}: "
        f"{done['rows']} rows, {done['exceptions']} exceptions. Wrote {done['table']} and "
        f"reports/scorecard/<borough>/{done['period']}/scorecard.xlsx."
    )
    return 0


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

    data = commands.add_parser("data", help="build the published-statistics tables")
    data.set_defaults(handler=lambda _args: data.print_help() or 2)
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION")
    data_commands.add_parser(
        "build", help="compute data/processed/public_indicators.parquet and .csv"
    ).set_defaults(handler=_data_build)
    data_commands.add_parser(
        "register", help="rebuild data/reference/la_register.csv from the published files"
    ).set_defaults(handler=_data_register)

    run = commands.add_parser("run", help="run a notebook for one, several or all boroughs")
    run.add_argument("notebook", help="notebook name, e.g. borough_profile")
    run.add_argument("--borough", "-b", help="NAME[,NAME...] or 'all' (the 33 London boroughs)")
    run.add_argument(
        "-p",
        "--parameter",
        action="append",
        metavar="KEY=VALUE",
        help="notebook parameter, e.g. -p period=2025 (repeatable)",
    )
    run.add_argument(
        "--jobs", "-j", type=int, default=None, help="runs at a time (default: the number of cores)"
    )
    run.add_argument("--out", help="reports folder (default: reports/)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_run_options(run)
    run.set_defaults(handler=_run)

    pack = commands.add_parser(
        "pack", help="run every notebook for every borough (steps first), then the index"
    )
    pack.add_argument(
        "--period",
        type=int,
        help="reporting year for notebooks with a period, "
        "e.g. 2025 for 2024-25 (default: each notebook's latest)",
    )
    pack.add_argument(
        "--boroughs",
        default="london",
        help="all|london (the 33), england (the "
        "153 English LAs) or NAME[,NAME...] (default london)",
    )
    pack.add_argument(
        "--jobs", "-j", type=int, default=None, help="runs at a time (default: the number of cores)"
    )
    pack.add_argument("--out", help="reports folder (default: reports/)")
    pack.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    pack.add_argument(
        "--shared-path",
        action="store_true",
        help="with --executor dask: the "
        "workers read the project folder at the same path instead of being sent "
        "the inputs",
    )
    _add_run_options(pack)
    pack.set_defaults(handler=_pack)

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
    ingest.set_defaults(handler=_survey_ingest)
    compile_ = survey_commands.add_parser(
        "compile", help="write the compiled draft dataset (draft_dataset.xlsx)"
    )
    compile_.add_argument("--folder", help="folder of returns (default data/raw/survey)")
    compile_.add_argument(
        "--as-at", dest="as_at", help="count returns received up to this date (YYYY-MM-DD)"
    )
    compile_.add_argument("--out", help="default reports/survey_mapping/draft_dataset.xlsx")
    compile_.set_defaults(handler=_survey_compile)

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
    gaps.add_argument("--folder", help="folder of survey returns (default data/raw/survey)")
    gaps.set_defaults(handler=_model_gaps)
    feedback = model_commands.add_parser(
        "feedback", help="read the returned feedback forms -> data/processed/consultation_*"
    )
    feedback.add_argument(
        "folder", nargs="?", help="folder of returned forms (default data/raw/consultation)"
    )
    feedback.set_defaults(handler=_model_feedback)
    validate = model_commands.add_parser("validate", help="check one version, or all of them")
    validate.add_argument(
        "--version",
        dest="model_version",
        metavar="V",
        help="check only this version (default: every version)",
    )
    validate.set_defaults(handler=_model_validate)

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
    pilot_ingest.set_defaults(handler=_pilot_ingest)

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
    card_build.set_defaults(handler=_scorecard_build)

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
    audit_ingest.set_defaults(handler=_audit_ingest)
    sample = audit_commands.add_parser("sample", help="draw a reproducible case sample")
    sample.add_argument("--frame", required=True, metavar="FILE", help="case list (.csv/.xlsx)")
    sample.add_argument("--n", type=int, required=True, help="number of cases to draw")
    sample.add_argument("--stratify", metavar="COLUMN", help="column to stratify by (optional)")
    sample.add_argument("--seed", type=int, required=True, help="random seed (record it)")
    sample.add_argument(
        "--out", metavar="DIR", help="default data/processed/audit_samples/<frame>-seed<S>/"
    )
    sample.set_defaults(handler=_audit_sample)
    keygen = audit_commands.add_parser("keygen", help="create the pseudonymisation key")
    keygen.add_argument("--path", help="default ~/.config/lscb/pseudonym.key")
    keygen.set_defaults(handler=_audit_keygen)

    demo = commands.add_parser(
        "demo-data",
        help="write synthetic, clearly marked returns under data/raw/ (never overwrites)",
    )
    demo.add_argument("--seed", type=int, default=None, help="random seed (default 20261122)")
    demo.set_defaults(handler=_demo_data)

    check = commands.add_parser("check", help="check outputs before they are published")
    check.set_defaults(handler=lambda _args: check.print_help() or 2)
    check_commands = check.add_subparsers(dest="check_command", metavar="WHAT")
    check_reports = check_commands.add_parser(
        "reports", help="scan every report for names, dates of birth, NHS numbers, ..."
    )
    check_reports.add_argument("--folder", help="reports folder (default reports/)")
    check_reports.set_defaults(handler=_check_reports)

    index = commands.add_parser("index", help="rebuild the report index page")
    index.add_argument("--out", help="reports folder (default: reports/)")
    index.set_defaults(handler=_index)

    resolve = commands.add_parser("resolve", help="show which local authority a name means")
    resolve.add_argument("name", help="a name, alias, ONS code or DfE number; commas for several")
    resolve.set_defaults(handler=_resolve)

    commands.add_parser("notebooks", help="list the notebooks and their parameters").set_defaults(
        handler=_notebooks
    )
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
        return handler(args)
    except LscbError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
