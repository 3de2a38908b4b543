"""``lscb data``: build the published-statistics tables (public_indicators, the LA register)."""

from __future__ import annotations

import argparse

from lscb_analysis.core import io, paths


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


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``data`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    data = commands.add_parser("data", help="build the published-statistics tables")
    data.set_defaults(handler=lambda _args: data.print_help() or 2)
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION")
    data_commands.add_parser(
        "build", help="compute data/processed/public_indicators.parquet and .csv"
    ).set_defaults(handler=_data_build)
    data_commands.add_parser(
        "register", help="rebuild data/reference/la_register.csv from the published files"
    ).set_defaults(handler=_data_register)
