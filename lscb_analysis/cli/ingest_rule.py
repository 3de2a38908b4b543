"""The exit-code rule every ingest command follows (survey, pilot and quarterly returns,
consultation feedback, audits, Section 11).

An ingest exits 0 when it ran and accounted for every file: each file it set aside is listed
with its reason (on stderr) and kept in its outputs. It exits 1 when it could read nothing
(no file in the folder could be used), and, with ``--strict``, when any file was set aside
or any error was found: for scheduled runs that must stop on anything unusual. Errors it
cannot run past (a missing folder, a broken reference file) exit 2 with their message, as
every command does.
"""

from __future__ import annotations

import argparse
import sys


def add_strict_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--strict`` to an ingest command's parser."""
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any file is set aside or any error is found (for scheduled runs)",
    )


def exit_code(read: int, set_aside: int, errors: int, *, strict: bool) -> int:
    """The ingest's exit code (see the module notes): ``read`` files used, ``set_aside``
    files not used, ``errors`` error findings."""
    if read == 0:
        print(
            f"No file could be read ({set_aside} set aside): nothing was ingested.",
            file=sys.stderr,
        )
        return 1
    return 1 if strict and (set_aside or errors) else 0
