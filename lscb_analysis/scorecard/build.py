"""Building score cards from the project's files: one borough for the notebook, every borough.

:func:`build_scorecard` (the notebook's loader) and :func:`build_london` (``lscb scorecard build``)
read the public indicators, the pilot tables and the catalogue and write the London table and
workbooks; :func:`load_scorecard_table` reads a built table back.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lscb_analysis.core import io, paths, register
from lscb_analysis.core.errors import ParameterError
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.protect import disclosure_config
from lscb_analysis.scorecard.benchmarks import benchmark_table
from lscb_analysis.scorecard.periods import resolve_period
from lscb_analysis.scorecard.pilot_values import load_pilot_tables
from lscb_analysis.scorecard.rules import load_rules
from lscb_analysis.scorecard.scorecard import ROW_COLUMNS, Scorecard, scorecard
from lscb_analysis.scorecard.workbook import write_workbook

NOTEBOOK = "scorecard"


def build_scorecard(
    area: register.LocalAuthority,
    period: Any = None,
    *,
    subgroup: Any = None,
    model_version: Any = None,
    tier: str = disclosure_config.DEFAULT_TIER,
) -> Scorecard:
    """Load everything a score card needs and compute it (the notebook's one call).

    Reads the catalogue (``model_version``; None: the latest), ``public_indicators``, the
    pilot tables when they exist (:func:`pilot_values.load_pilot_tables`) and the rules; checks
    ``period`` (:func:`periods.resolve_period` across London, so "the latest" is the same period for
    every borough) and ``subgroup``.
    Output: :class:`scorecard.Scorecard`.
    Raises: ParameterError for a bad period, sub-group, model version or tier (the message
    names the parameter); MissingDataFileError when public_indicators is not built.
    """
    from lscb_analysis.core.errors import CatalogueError
    from lscb_analysis.model import catalogue as catalogue_module
    from lscb_analysis.published import public_data

    try:
        model = catalogue_module.load_catalogue(model_version)
    except CatalogueError as error:
        raise ParameterError(f"Parameter 'model_version': {error}") from error
    public = public_data.load_public_indicators()
    values, issues = load_pilot_tables()
    # The latest period is London's, so every borough's card for "the latest" is for the same
    # period (a borough with no pilot return shows its local PIs as "no figure returned").
    chosen = resolve_period(period, public, values, None)
    return scorecard(
        model,
        public,
        area,
        chosen,
        pilot_values=values,
        pilot_issues=issues,
        subgroup=subgroup,
        tier=tier,
    )


def build_london(
    period: Any,
    model_version: Any = None,
    *,
    tier: str = disclosure_config.DEFAULT_TIER,
    areas: list[register.LocalAuthority] | None = None,
    workbooks: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """Build the score card of every London borough for one period (``lscb scorecard build``).

    Writes ``data/processed/scorecard_<period>.parquet`` (every borough's rows,
    :data:`scorecard.ROW_COLUMNS`) and, with ``workbooks``, each borough's
    ``reports/scorecard/<borough>/<period>/scorecard.xlsx``. ``period`` as
    :func:`periods.parse_scorecard_period` (None: the latest across London); ``areas`` (None: the 33
    boroughs); ``progress`` an optional callable given each borough's name as it is done.

    Output: ``{"table": parquet path, "workbooks": [paths], "rows": n, "exceptions": n,
    "period": label}``.
    Raises: ParameterError for a bad period, model version or tier; MissingDataFileError
    when public_indicators is not built.
    """
    from lscb_analysis.core.errors import CatalogueError
    from lscb_analysis.model import catalogue as catalogue_module
    from lscb_analysis.published import public_data

    try:
        model = catalogue_module.load_catalogue(model_version)
    except CatalogueError as error:
        raise ParameterError(f"--model: {error}") from error
    rules, pilot_rules = load_rules(), pilot_periods.load_rules()
    disclosure_rules = disclosure_config.load_disclosure_rules()
    public = public_data.load_public_indicators()
    values, issues = load_pilot_tables()
    chosen = resolve_period(period, public, values, None, pilot_rules)
    areas = areas if areas is not None else register.london_boroughs()
    benchmarks = benchmark_table(public, model.current, chosen, rules)
    frames, written, exceptions = [], [], 0
    for area in areas:
        card = scorecard(
            model,
            public,
            area,
            chosen,
            pilot_values=values,
            pilot_issues=issues,
            rules=rules,
            tier=tier,
            benchmarks=benchmarks,
            pilot_rules=pilot_rules,
            disclosure_rules=disclosure_rules,
        )
        frames.append(card.rows)
        exceptions += len(card.exceptions)
        if workbooks:
            written.append(
                write_workbook(
                    card,
                    paths.reports_dir() / NOTEBOOK / area.slug / chosen.slug / "scorecard.xlsx",
                )
            )
        if progress is not None:
            progress(area.name)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ROW_COLUMNS)
    target = io.ensure_writable(paths.processed_dir() / f"scorecard_{chosen.slug}.parquet")
    table.to_parquet(target, index=False)
    return {
        "table": target,
        "workbooks": written,
        "rows": len(table),
        "exceptions": exceptions,
        "period": chosen.label,
    }


def load_scorecard_table(period: str) -> pd.DataFrame:
    """Read ``data/processed/scorecard_<period>.parquet`` (for the index and deep dives).

    Raises: MissingDataFileError naming the command that builds it.
    """
    return io.read_processed_table(f"scorecard_{period}", f"lscb scorecard build --period {period}")
