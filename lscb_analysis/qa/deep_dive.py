"""The Quality Assurance sub-group's deep dive: its scope (borough, theme, indicators, audits).

A deep dive gathers, for one borough and one theme (``data/reference/audit_themes.yaml``
names each theme's published indicators and assessment factors, and optionally ``local_pis``,
best-fit model PIs with no published source) or one indicator, what lies behind the theme's
numbers. This module checks the notebook's parameters into a :class:`DeepDiveScope` and
titles it; the rest of the deep dive builds on that scope: the trend with SPC
(:mod:`~lscb_analysis.qa.deep_dive_trends`), the London funnel and statistical neighbours
(:mod:`~lscb_analysis.qa.deep_dive_london`), assessment factors, Ofsted, audit findings and
actions (:mod:`~lscb_analysis.qa.deep_dive_context`), and the questions the signals raise
(:mod:`~lscb_analysis.qa.deep_dive_questions`). Every interval and signal comes from
:mod:`lscb_analysis.stats`; nothing here computes one itself.

Disclosure: the output tier (``board``, the default, or ``analyst``, NOT FOR PUBLICATION) sets
the small-number suppression of the borough's own quarterly figures (through
:func:`lscb_analysis.scorecard.pilot_values.prepare_pilot`) and of the audit tables. A suppressed figure is
never plotted: charts show "c" in its place (the chart modules of :mod:`lscb_analysis.present`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lscb_analysis.core import indicators, register
from lscb_analysis.core.errors import ParameterError, ReferenceDataError, UnknownAreaError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.protect import disclosure_config
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.qa import (
    audit,
    audit_ingest,
)

LONDON_CODE = "E12000007"
ENGLAND_CODE = "E92000001"
SPC_FROM = 2013  # the published children-in-need series starts in 2012-13
SUPPRESSED = "suppressed"  # public_indicators status and pilot state of a suppressed figure
USABLE = "ok"  # the pilot state of a figure that may be charted (scorecard.prepare_pilot)


@dataclass(frozen=True)
class DeepDiveScope:
    """What a deep dive covers: the borough, theme, indicators, year and audits.

    ``pi_ids`` are the best-fit model PIs whose quarterly local values are charted: those
    whose national source is one of ``indicator_ids``, then the theme's ``local_pis``.
    ``quarter_cutoff`` is the last quarter shown (None: every quarter returned); ``tier`` the
    output tier (``board`` or ``analyst``); ``model_version`` the catalogue version used.
    """

    area: register.LocalAuthority
    theme: str | None
    theme_title: str
    indicator_ids: tuple[str, ...]
    factors: tuple[str, ...]
    period: int
    audit_ids: tuple[str, ...]
    pi_ids: tuple[str, ...] = ()
    quarter_cutoff: str | None = None
    tier: str = disclosure_config.DEFAULT_TIER
    model_version: str | None = None


def check_parameters(
    table: pd.DataFrame,
    borough: str,
    theme: str | None,
    indicator: str | None,
    period,
    audit_id: str | None,
    tier: str = disclosure_config.DEFAULT_TIER,
) -> DeepDiveScope:
    """Check the deep dive's parameters and settle what it covers.

    Args:
        table: ``public_indicators``.
        borough: the borough, written any way the resolver understands.
        theme: an audit theme (``neglect``, ``exploitation``, ... or its title), or None when
            ``indicator`` is given.
        indicator: one published indicator id instead of a theme.
        period: the reporting year (2025 for 2024-25) or None for the latest with data.
        audit_id: one audit folder name to report, or None for every audit of the theme
            for this borough.
        tier: ``board`` (small numbers suppressed, the default) or ``analyst``
            (unsuppressed, NOT FOR PUBLICATION).

    Returns:
        :class:`DeepDiveScope`. With a ``period`` the quarterly values stop at that year's
        last quarter (2025Q1 for 2024-25); without one every returned quarter is shown.

    Raises:
        ParameterError: naming the parameter at fault (unknown borough, theme, indicator,
        year, audit or tier) and what to give instead.
        ReferenceDataError: the theme's ``local_pis`` name a PI the best-fit model lacks.
    """
    try:
        area = register.resolve(borough)
    except UnknownAreaError as error:
        raise ParameterError(f"Parameter 'borough': {error}") from error
    try:
        tier = disclosure_config.validate_tier(tier)
    except ParameterError as error:
        raise ParameterError(f"Parameter 'tier': {error}") from error
    if (theme is None) == (indicator is None):
        raise ParameterError(
            "Give either the parameter 'theme' (e.g. neglect) or "
            "'indicator' (e.g. rereferral_pct), not both and not neither."
        )
    if theme is not None:
        try:
            key = audit.resolve_theme(theme)
        except ParameterError as error:
            raise ParameterError(f"Parameter 'theme': {error}") from error
        spec = audit.audit_config()["themes"][key]
        title, ids, factors = (
            spec["title"],
            tuple(spec["indicators"]),
            tuple(spec.get("c3_factors", ())),
        )
        local = spec.get("local_pis") or ()
        local = (local,) if isinstance(local, str) else tuple(local)
    else:
        metadata = indicators.load_metadata()
        if indicator not in metadata.index:
            raise ParameterError(
                f"Parameter 'indicator': {indicator!r} is not a published "
                f"indicator. Choose one of {', '.join(metadata.index)}."
            )
        key, title, ids, factors = None, metadata.at[indicator, "title"], (indicator,), ()
        local = ()
    available = sorted(
        table.loc[table["indicator"].isin(ids) & (table["status"] == OK), "period"].unique()
    )
    if period in (None, ""):
        year = int(available[-1])
    else:
        year = int(str(period)[:4]) + (1 if "-" in str(period) else 0)
        if year not in available:
            raise ParameterError(
                f"Parameter 'period': no published figures for {year}; years "
                f"available: {available[0]} to {available[-1]}."
            )
    audit_ids = _audit_ids(area, key, audit_id)
    model = catalogue_module.load_catalogue()
    year_end = pilot_periods.load_rules()["periods"]["year_end_quarter"]
    cutoff = None if period in (None, "") else f"{year}Q{int(year_end)}"
    return DeepDiveScope(
        area,
        key,
        title,
        ids,
        factors,
        year,
        audit_ids,
        theme_pis(model, ids, local, key),
        cutoff,
        tier,
        str(model.version),
    )


def theme_pis(
    model: catalogue_module.Catalogue, indicator_ids, local_pis=(), theme: str | None = None
) -> tuple[str, ...]:
    """The best-fit model PIs whose quarterly local values belong to a deep dive.

    Inputs: ``model`` (a :class:`lscb_analysis.model.catalogue.Catalogue`), the published
    ``indicator_ids`` of the theme, its ``local_pis`` (catalogue PI ids with no published
    source, from ``audit_themes.yaml``) and the ``theme`` key (for messages).
    Output: the current PIs whose national source indicator is one of ``indicator_ids`` (in
    the order of ``indicator_ids``), then ``local_pis``, without repeats.
    Raises: ReferenceDataError when a local PI is not a current PI of the model.

    >>> model = catalogue_module.load_catalogue("1.0")
    >>> theme_pis(model, ["rereferral_pct", "cpp_start_rate"], ["BF-CP-04"])
    ('BF-FD-03', 'BF-CP-04')
    """
    current = model.current
    found = []
    for indicator_id in indicator_ids:
        found += list(current.loc[current["source_indicator"] == indicator_id, "id"])
    unknown = [pi for pi in local_pis if pi not in set(current["id"])]
    if unknown:
        raise ReferenceDataError(
            f"data/reference/{audit.CONFIG_FILE}: theme {theme}'s local_pis name "
            f"{', '.join(map(str, unknown))}, not current PIs of version {model.version} of "
            "the best-fit model; correct the ids (see `lscb model export`)."
        )
    return tuple(dict.fromkeys([*found, *local_pis]))


def _audit_ids(area: register.LocalAuthority, theme: str | None, audit_id: str | None):
    records = audit_ingest.read_audit_records(borough=area.name) if theme else pd.DataFrame()
    known = sorted(set(records["audit_id"])) if len(records) else []
    if audit_id:
        if audit_id not in known:
            raise ParameterError(
                f"Parameter 'audit_id': no ingested audit {audit_id!r} for {area.name}. "
                f"Audits found: {', '.join(known) or 'none'} (run `lscb audit ingest`)."
            )
        return (audit_id,)
    if len(records) and theme:
        return tuple(sorted(set(records.loc[records["theme"] == theme, "audit_id"])))
    return ()


def title_block(scope: DeepDiveScope) -> str:
    """The report's heading (markdown): borough, theme and year, and the tier's label.

    >>> from lscb_analysis.core import register
    >>> scope = DeepDiveScope(register.resolve("Barnet"), "neglect", "Neglect", (), (), 2025,
    ...                       ())
    >>> title_block(scope).splitlines()[0]
    '## Barnet: Neglect, 2024-25'
    """
    return (
        f"## {scope.area.name}: {scope.theme_title}, {period_label(scope.period)}\n\n"
        f"**{disclosure_config.tier_label(scope.tier)}**"
    )
