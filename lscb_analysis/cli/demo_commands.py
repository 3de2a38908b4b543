"""``lscb demo-data``: write the synthetic demo returns under data/raw/ (the demo package is
loaded by name, never imported by the product)."""

from __future__ import annotations

import argparse
import importlib


def _demo_data(args: argparse.Namespace) -> int:
    # The demo generators import the product and are never imported by it: loaded by name.
    demo_data = importlib.import_module("lscb_analysis.demo.demo_data")

    seed = args.seed if args.seed is not None else demo_data.DEFAULT_SEED
    for collection, info in demo_data.write_demo_data(seed=seed).items():
        print(f"{collection}: {info['message']}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``demo-data`` command(s) to ``commands`` (the ``lscb`` sub-parsers)."""
    demo = commands.add_parser(
        "demo-data",
        help="write synthetic, clearly marked returns under data/raw/ (never overwrites)",
    )
    demo.add_argument("--seed", type=int, default=None, help="random seed (default 20261122)")
    demo.set_defaults(handler=_demo_data)
