"""``lscb run``, ``lscb pack``, ``lscb index``, ``lscb resolve``, ``lscb notebooks``: running
the notebooks and the report pack, and looking up notebooks and local authorities."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from lscb_analysis.core import paths


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


def _stop_as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _one_writer(run_command):
    """Run ``run_command(args)`` holding the project's lock (one ``lscb run`` or ``lscb
    pack`` at a time); say so when the previous holder ended without finishing."""

    def locked(args: argparse.Namespace) -> int:
        from lscb_analysis.runs import project_lock

        # SIGTERM (a scheduler or `kill` stopping the command) is handled as Ctrl-C is, so
        # runs are stopped and their half-written folders removed before the command exits.
        signal.signal(signal.SIGTERM, _stop_as_interrupt)
        with project_lock.project_lock(" ".join(["lscb", *sys.argv[1:]])) as left:
            if left is not None:
                print(
                    f"Note: the previous run, {left.describe()}, ended without finishing "
                    "(stopped or killed); what it left half-written is removed now.",
                    file=sys.stderr,
                )
            return run_command(args)

    return locked


@_one_writer
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


@_one_writer
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


def _index(args: argparse.Namespace) -> int:
    from lscb_analysis.runs import report_index

    out = Path(args.out) if args.out else paths.reports_dir()
    path = report_index.write_index(out)
    print(f"Wrote {path} and {path.with_suffix('.csv').name}")
    return 0


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


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``run, pack`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
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


def add_lookup_parsers(commands: argparse._SubParsersAction) -> None:
    """Add the ``index, resolve, notebooks`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    index = commands.add_parser("index", help="rebuild the report index page")
    index.add_argument("--out", help="reports folder (default: reports/)")
    index.set_defaults(handler=_index)

    resolve = commands.add_parser("resolve", help="show which local authority a name means")
    resolve.add_argument("name", help="a name, alias, ONS code or DfE number; commas for several")
    resolve.set_defaults(handler=_resolve)

    commands.add_parser("notebooks", help="list the notebooks and their parameters").set_defaults(
        handler=_notebooks
    )
