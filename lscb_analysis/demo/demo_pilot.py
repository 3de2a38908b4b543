"""Synthetic Phase III pilot returns for the demo (``lscb demo-data``), all marked SYNTHETIC.

:func:`write_demo_pilot` writes, into ``data/raw/pilot/`` and only when that folder holds no
returns yet, one return per pilot borough of the seed (the eleven in ``pilot_boroughs`` of
``data/reference/pilot_rules.yaml``) over 2024Q1..2025Q4, made with the real template
(:mod:`lscb_analysis.pilot.pilot_template`) and filled the way boroughs fill it:

* figures for national PIs consistent with each borough's published annual figures (a
  quarter's count of events is about a quarter of the year's);
* clean boroughs (Barking and Dagenham, Tower Hamlets; Southwark rebuilt the table by hand
  in its own layout), and planted problems of every kind: errors (not a number, negative,
  zero denominator, numerator above denominator, value not matching, period outside the
  template, PI not in the model, duplicate row, unknown status, unknown borough), queries
  (SPC jump, stated-rule jump, denominator swing, far from the published figure, provided but
  empty, status missing, value without counts, published figure changed, two returns
  disagreeing, narrative missing) and continuity (a gap, a series that stopped);
* one agency-wide return (the Metropolitan Police for six boroughs) and one re-submission
  (Barnet's second file, which corrects its first).

Every file is named ``SYNTHETIC_...``, says so on its Instructions sheet, and the folder gets
a ``SYNTHETIC.md`` listing the files and what was planted. The same seed gives the same bytes
(workbook dates and zip member times are fixed). :func:`demo_pilot_plan` lists the planted
problems with their cells, for tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lscb_analysis.core import io, register
from lscb_analysis.demo.demo_pilot_borough import borough_return
from lscb_analysis.demo.demo_pilot_figures import (
    AGENCY_BOROUGHS,
    AGENCY_RETURNED,
    DEFAULT_SEED,
    DEMO_MARKER,
    MODEL_VERSION,
    PERIODS,
    PLAN_COLUMNS,
    SCENARIOS,
    DemoReturn,
    population_by_borough,
    published_by_pi,
)
from lscb_analysis.demo.demo_pilot_own_tables import police_return, southwark_own_table
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods, pilot_table

LOGGER = logging.getLogger(__name__)


def _build(
    seed: int, published_table: pd.DataFrame | None = None, only: Iterable[str] | None = None
) -> list[DemoReturn]:
    rules = pilot_periods.load_rules()
    catalogue = catalogue_module.load_catalogue(MODEL_VERSION)
    published_table = pilot_table.published_index(
        published_table if published_table is not None else pilot_table.published_figures()
    )
    published = published_by_pi(published_table)
    population = population_by_borough(published_table)
    periods = pilot_periods.period_range(PERIODS, rules)
    returns: list[DemoReturn] = []
    wanted = None if only is None else {register.resolve(name).name for name in only}
    for name in rules["pilot_boroughs"]:
        if wanted is not None and name not in wanted:
            continue
        area = register.resolve(name)
        rng = random.Random(f"{seed}-{area.la_number}")
        if name == "Southwark":
            returns.append(
                southwark_own_table(
                    area, catalogue, published_table, published, population, rules, rng, periods
                )
            )
            continue
        returns.extend(
            borough_return(
                name, area, catalogue, published_table, published, population, rules, rng, periods
            )
        )
    if wanted is not None:
        return returns
    areas = [register.resolve(name) for name in AGENCY_BOROUGHS]
    returns.append(
        police_return(
            areas,
            catalogue,
            published_table,
            published,
            population,
            rules,
            random.Random(f"{seed}-police"),
            periods,
        )
    )
    return returns


@dataclass
class DemoPilot:
    """The demo set, built in memory: ``returns`` (file name, boroughs, date returned, bytes,
    planted problems), ``plan`` (:data:`PLAN_COLUMNS`) and ``seed``."""

    seed: int
    returns: list[DemoReturn]

    @property
    def plan(self) -> pd.DataFrame:
        """The planted problems, one row each, with the cell on the file's data sheet."""
        rows = [p for r in self.returns for p in r.planted]
        return pd.DataFrame(rows, columns=PLAN_COLUMNS)

    @property
    def files(self) -> dict[str, bytes]:
        """File name -> bytes."""
        return {r.name: r.content for r in self.returns}


def build_demo_pilot(
    seed: int = DEFAULT_SEED,
    published: pd.DataFrame | None = None,
    only: Iterable[str] | None = None,
) -> DemoPilot:
    """Build the demo returns in memory (nothing is written); see :func:`write_demo_pilot`.

    ``only``: build just these boroughs' own returns (each borough's files are the same
    whichever others are built; the agency return is left out). Raises ReferenceDataError
    when the rules, catalogue or register are missing.
    """
    return DemoPilot(seed, _build(seed, published, only))


def demo_pilot_plan(
    seed: int = DEFAULT_SEED, published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the planted problems of the demo returns (columns :data:`PLAN_COLUMNS`).

    ``cell`` is on the data sheet of ``file``. The ingest must find each one (tests check).
    Raises ReferenceDataError when the rules, catalogue or register are missing.
    """
    return build_demo_pilot(seed, published).plan


def _marker_text(seed: int, returns: list[DemoReturn]) -> str:
    lines = [
        f"# {DEMO_MARKER}",
        "",
        "Every file in this folder was written by `lscb demo-data` "
        f"(lscb_analysis.demo.demo_pilot, seed {seed}). None of it is real: the figures, narratives "
        "and feasibility answers are invented, around each borough's published DfE figures "
        "where a PI is national, to show how the workbench checks Phase III pilot returns "
        "(`lscb pilot ingest`). Delete the folder's contents before putting real returns "
        "here.",
        "",
        "| file | borough(s) | returned | what it shows |",
        "|---|---|---|---|",
    ]
    for item in sorted(returns, key=lambda r: r.name):
        if item.name.startswith("SYNTHETIC_metropolitan"):
            shows = (
                "agency-wide return: the police's PIs for six boroughs; a negative count "
                "and a row for no borough"
            )
        elif item.name.endswith("_v2.xlsx"):
            shows = "re-submission replacing the first Barnet file"
        else:
            shows = SCENARIOS.get(item.boroughs[0], "")
        lines.append(f"| {item.name} | {', '.join(item.boroughs)} | {item.returned} | {shows} |")
    return "\n".join(lines) + "\n"


def write_demo_pilot(
    raw_dir: Path | str,
    seed: int = DEFAULT_SEED,
    published: pd.DataFrame | None = None,
    demo: DemoPilot | None = None,
) -> list[Path]:
    """Write the synthetic pilot returns into ``raw_dir/pilot/`` unless it holds files already.

    Args:
        raw_dir: the raw-data folder (the project's ``data/raw/``; files can only be created
            inside it, through :func:`lscb_analysis.core.io.create_raw_file`).
        seed: the random seed; the same seed writes byte-identical files (with the same
            modification times).
        published: the published statistics (None: ``public_indicators``, built in memory
            when not built yet).
        demo: a set already built by :func:`build_demo_pilot` (then ``seed`` and
            ``published`` are not used).

    Returns:
        The paths written (13 workbooks and ``SYNTHETIC.md``), or an empty list when the
        folder already holds returns (nothing is written then).

    Raises:
        RawDataWriteError: ``raw_dir`` is not inside the project's ``data/raw/``.
        ReferenceDataError: the rules, catalogue or register are missing.
    """
    folder = Path(raw_dir) / "pilot"
    if io.holds_returns(folder):
        LOGGER.info("The pilot folder already holds files; no demo returns were written.")
        return []
    demo = demo or build_demo_pilot(seed, published)
    written = []
    for item in demo.returns:
        stamp = dt.datetime.combine(item.returned, dt.time(17, 0), tzinfo=dt.UTC)
        written.append(
            io.create_raw_file(folder / item.name, item.content, modified=stamp.timestamp())
        )
    fixed = dt.datetime.combine(AGENCY_RETURNED, dt.time(18, 0), tzinfo=dt.UTC).timestamp()
    written.append(
        io.create_raw_file(
            folder / "SYNTHETIC.md", _marker_text(demo.seed, demo.returns).encode(), modified=fixed
        )
    )
    LOGGER.info("Wrote %d synthetic pilot files.", len(written))
    return written
