"""The Quality Assurance sub-group's deep dive: what lies behind a theme's numbers.

Pure functions that gather, for one borough and one theme (``data/reference/audit_themes.yaml``
names each theme's published indicators and assessment factors, and optionally ``local_pis``,
best-fit model PIs with no published source) or one indicator: the trend with SPC (the annual
published series and, where the borough returned them in the Phase III pilot, the quarterly
local values), a funnel of all London boroughs with over-dispersion, the statistical neighbours
with intervals, the assessment-factor breakdown, Ofsted's latest judgements, the audit findings,
and the questions the signals raise. Every interval and signal comes from
:mod:`lscb_analysis.stats`; nothing here computes one itself.

Disclosure: the output tier (``board``, the default, or ``analyst``, NOT FOR PUBLICATION) sets
the small-number suppression of the borough's own quarterly figures (through
:func:`lscb_analysis.scorecard.scorecard.prepare_pilot`) and of the audit tables. A suppressed figure is
never plotted: charts show "c" in its place (:mod:`lscb_analysis.present.plots`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lscb_analysis.core import indicators, register
from lscb_analysis.core.errors import ParameterError, ReferenceDataError, UnknownAreaError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_template
from lscb_analysis.present import latest
from lscb_analysis.protect import disclosure
from lscb_analysis.published import ofsted, public_data
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.qa import audit, audit_agreement, audit_analysis, audit_questions, audit_trends
from lscb_analysis.scorecard import pilot_values, wording
from lscb_analysis.stats.benchmarking import compare_to_benchmark
from lscb_analysis.stats.funnels import funnel
from lscb_analysis.stats.intervals import proportion_ci, rate_ci
from lscb_analysis.stats.xmr import xmr

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
    tier: str = disclosure.DEFAULT_TIER
    model_version: str | None = None


def check_parameters(
    table: pd.DataFrame,
    borough: str,
    theme: str | None,
    indicator: str | None,
    period,
    audit_id: str | None,
    tier: str = disclosure.DEFAULT_TIER,
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
        tier = disclosure.validate_tier(tier)
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
    year_end = pilot_template.load_rules()["periods"]["year_end_quarter"]
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
    records = audit.read_audit_records(borough=area.name) if theme else pd.DataFrame()
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


def _series(table: pd.DataFrame, indicator_id: str, mask: pd.Series) -> pd.DataFrame:
    rows = table[(table["indicator"] == indicator_id) & mask]
    return rows.sort_values("period").set_index("period")


def spc_frames(table: pd.DataFrame, scope: DeepDiveScope) -> dict[str, pd.DataFrame]:
    """XmR charts of the borough's annual series for each indicator (NHS Making Data Count).

    Returns:
        ``{indicator id: xmr frame}``, indexed by reporting year, with the published
        ``status`` of each year as an extra column. Missing or suppressed years stay as gaps
        (never interpolated, left out of the limits; a year absent from the file is
        ``not_available``, up to the deep dive's year, so the last row is always that year);
        the improvement direction follows the indicator's polarity; the limits are clipped
        to the unit's possible range (:func:`lscb_analysis.core.indicators.value_range`).
        ``attrs`` add ``unit``, ``decimals``, ``title`` (short) and ``period`` (the deep
        dive's year, for :func:`lscb_analysis.present.latest.latest_verdict`).
        Indicators with fewer than two figures are left out.
    """
    metadata = indicators.load_metadata()
    frames = {}
    for indicator_id in scope.indicator_ids:
        series = _series(table, indicator_id, table["la_number"] == scope.area.la_number)
        series = series[~series.index.duplicated()]
        series = series[(series.index >= SPC_FROM) & (series.index <= scope.period)]
        if series.empty:
            continue
        series = series.reindex(range(int(series.index.min()), int(scope.period) + 1))
        status = series["status"].fillna("not_available")
        values = series["value"].where(status == OK)
        if values.notna().sum() < 2:
            continue
        polarity = metadata.at[indicator_id, "polarity"]
        improvement = {"high": "up", "low": "down"}.get(polarity)
        unit = metadata.at[indicator_id, "unit"]
        frame = xmr(values, improvement=improvement, value_range=indicators.value_range(unit))
        frame["status"] = status.to_numpy()
        frame.attrs.update(
            unit=unit,
            decimals=int(metadata.at[indicator_id, "decimals"]),
            title=metadata.at[indicator_id, "short_title"],
            period=int(scope.period),
        )
        frames[indicator_id] = frame
    return frames


def _quarter_series(
    pilot: pd.DataFrame, frequency: str, cutoff: str | None, cycles: dict
) -> pd.DataFrame:
    """One PI's quarters in order, one row each; quarters not returned are ``not_returned``.

    The quarters are those of the PI's reporting cycle (``cycle_quarters`` in
    ``pilot_rules.yaml``: a six-monthly PI has two a year), from the first returned to the
    last returned, or to the last cycle quarter up to ``cutoff`` when one is given (a quarter
    not returned by then is ``not_returned``, so the last row is the report's latest
    quarter; one the return marks not yet due is ``not_yet_due``); a quarter returned twice
    keeps its usable figure.
    """
    quarters_only = pilot[pilot["period"].str.fullmatch(r"\d{4}Q[1-4]")]
    due_later = set(quarters_only.loc[quarters_only["state"] == "not_yet_due", "period"])
    rows = quarters_only[quarters_only["state"] != "not_yet_due"]
    rows = rows.assign(order=rows["period"].map(pilot_template.period_index))
    if cutoff is not None:
        rows = rows[rows["order"] <= pilot_template.period_index(cutoff)]
    if rows.empty:
        return rows
    rows = rows.assign(usable=rows["state"].eq(USABLE)).sort_values(["order", "usable"])
    rows = rows.drop_duplicates("order", keep="last").set_index("order")
    quarters = set(cycles.get(frequency, [1, 2, 3, 4]))
    end = int(rows.index.max()) if cutoff is None else pilot_template.period_index(cutoff)
    grid = [
        i for i in range(int(rows.index.min()), end + 1) if i % 4 + 1 in quarters or i in rows.index
    ]
    rows = rows.reindex(grid)
    rows["period"] = [pilot_template.period_from_index(i) for i in grid]
    rows["state"] = rows["state"].fillna(
        rows["period"].map(lambda label: "not_yet_due" if label in due_later else "not_returned")
    )
    return rows.set_index("period")


def _pi_title(pi: pd.Series, metadata: pd.DataFrame) -> str:
    """A PI's short title: its published indicator's short title, else the catalogue's."""
    source = pi["source_indicator"]
    if isinstance(source, str) and source in metadata.index:
        return str(metadata.at[source, "short_title"])
    return wording.short_title(pi["title"])


def quarterly_spc_frames(
    scope: DeepDiveScope,
    values: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """XmR charts of the borough's quarterly local values for the scope's PIs (Phase III pilot).

    Inputs: ``scope`` (its ``pi_ids``, ``quarter_cutoff``, ``tier`` and ``model_version``);
    ``values``, the pilot_values table (None: ``data/processed/pilot_values.parquet`` via
    :func:`lscb_analysis.scorecard.scorecard.load_pilot_tables`; no file means no values). Each row's
    state and the tier's small-number suppression come from
    :func:`lscb_analysis.scorecard.scorecard.prepare_pilot`: in the board tier a count from 1 to 5 (and
    the percentage or rate made from it) is suppressed; the analyst tier shows every figure.

    Returns:
        ``{pi id: xmr frame}`` indexed by quarter label (``2025Q1``), oldest first, in
        the order of ``scope.pi_ids``, with an extra ``state`` column (``ok``,
        ``suppressed``, ``error``, ``not_available``, ``not_published``, ``not_returned``).
        Only ``ok`` figures carry a value: a suppressed quarter stays as a row marked
        ``suppressed`` with no value, so it is never plotted and is left out of the limits.
        ``attrs`` add ``pi_id``, ``title`` (short, for sentences) and ``tier``. PIs with
        fewer than two figures are left out; an empty dict when the borough returned none.

    Raises:
        ParameterError: an unknown tier in ``scope``.
        ReferenceDataError: the pilot_values file lacks a column (rebuild it with
            ``lscb pilot ingest``).
    """
    if values is None:
        values, _ = pilot_values.load_pilot_tables()
    if values.empty or not scope.pi_ids:
        return {}
    pilot_rules = pilot_template.load_rules()
    pilot = pilot_values.prepare_pilot(
        values[values["pi_id"].isin(scope.pi_ids)], scope.tier, pilot_rules
    )
    pilot = pilot[pilot["la_number"] == scope.area.la_number]
    model = catalogue_module.load_catalogue(scope.model_version)
    metadata = indicators.load_metadata()
    frames = {}
    for pi_id in scope.pi_ids:
        pi = model.pi(pi_id)
        series = _quarter_series(
            pilot[pilot["pi_id"] == pi_id],
            pi["frequency"],
            scope.quarter_cutoff,
            pilot_rules["periods"]["cycle_quarters"],
        )
        if series.empty:
            continue
        figures = series["value"].where(series["state"] == USABLE)
        if figures.notna().sum() < 2:
            continue
        frame = xmr(
            figures.astype(float),
            improvement={"high": "up", "low": "down"}.get(pi["polarity"]),
            value_range=indicators.value_range(pi["unit"]),
        )
        frame["state"] = series["state"].to_numpy()
        frame.index.name = "period"
        frame.attrs.update(
            pi_id=pi_id,
            title=_pi_title(pi, metadata),
            tier=scope.tier,
            unit=pi["unit"],
            decimals=int(pi["decimals"]),
            period=frame.index[-1],
        )
        frames[pi_id] = frame
    return frames


def quarterly_note(scope: DeepDiveScope, quarterly: dict[str, pd.DataFrame]) -> str:
    """One sentence (markdown) on the quarterly local values the deep dive charts.

    Inputs: ``scope`` and :func:`quarterly_spc_frames`. Output: a sentence saying which PIs
    have quarterly figures, over which quarters and how many are suppressed, which of the
    scope's PIs have too few figures to chart, and the tier's label in the analyst tier; or,
    when there is nothing to chart (no pilot return), that there is none.
    Raises: CatalogueError when the scope's model version cannot be read.

    >>> from lscb_analysis.core import register
    >>> scope = DeepDiveScope(register.resolve("Barnet"), "neglect", "Neglect", (), (), 2025,
    ...                       (), ("BF-FD-03",))
    >>> quarterly_note(scope, {})[:53]
    'Barnet has no quarterly local figures to chart for Re'
    """
    model = catalogue_module.load_catalogue(scope.model_version)
    metadata = indicators.load_metadata()
    missing = [_pi_title(model.pi(pi), metadata) for pi in scope.pi_ids if pi not in quarterly]
    if not quarterly:
        if not scope.pi_ids:
            return (
                "No PI of the best-fit model belongs to this theme, so there are no "
                "quarterly local figures: only the yearly published series is shown."
            )
        return (
            f"{scope.area.name} has no quarterly local figures to chart for "
            f"{', '.join(missing)}: no Phase III pilot return (`lscb pilot ingest`) holds "
            "two or more figures that may be shown, so only the yearly published series "
            "is shown."
        )
    periods = [p for frame in quarterly.values() for p in frame.index]
    first = min(periods, key=pilot_template.period_index)
    last = max(periods, key=pilot_template.period_index)
    hidden = sum(int((frame["state"] == SUPPRESSED).sum()) for frame in quarterly.values())
    titles = ", ".join(frame.attrs["title"] for frame in quarterly.values())
    sentence = (
        f"Quarterly local figures from {scope.area.name}'s pilot returns, {first} to "
        f"{last}, for {titles}"
    )
    if hidden:
        sentence += (
            f"; {hidden} quarterly figure{'s are' if hidden != 1 else ' is'} "
            'suppressed (small numbers, or suppressed by DfE), shown as "c"'
        )
    if missing:
        sentence += f"; too few figures to chart for {', '.join(missing)}"
    sentence += "."
    if scope.tier != disclosure.DEFAULT_TIER:
        sentence += f" **{disclosure.tier_label(scope.tier)}**."
    return sentence


def quarterly_figures(quarterly: dict[str, pd.DataFrame]) -> list:
    """One Making Data Count chart per PI of :func:`quarterly_spc_frames` ("c" if suppressed)."""
    from lscb_analysis.present import plots

    return [
        plots.spc_chart(frame, measure=f"{frame.attrs['title']} (quarterly, local)")
        for frame in quarterly.values()
    ]


def london_funnel(
    table: pd.DataFrame, indicator_id: str, period: int, overdispersion: str = "multiplicative"
) -> tuple[pd.DataFrame, list[str]]:
    """Funnel of the London boroughs for one indicator and year, with over-dispersion.

    Proportions use the indicator's numerator and denominator; rates per 10,000 use the count
    and the child population. Over-dispersion is Spiegelhalter's (2005) multiplicative method
    by default (``funnel``); the frame's ``attrs`` carry phi.

    Returns:
        (funnel frame from ``funnel`` in register order with the published ``status``
        as an extra column, the boroughs' names). A borough whose figure is suppressed stays
        as a row with status ``suppressed`` and no numerator, denominator or value, so it is
        left out of the target and limits and the chart names it as "not placed" rather
        than dropping it silently; boroughs with no figure for another reason are left out.
    """
    metadata = indicators.load_metadata()
    london = {la.la_number: la.name for la in register.london_boroughs()}
    rows = table[
        (table["indicator"] == indicator_id)
        & (table["period"] == period)
        & table["la_number"].isin(london)
    ]
    placed = (rows["status"] == OK) & rows["numerator"].notna() & rows["denominator"].notna()
    rows = rows[placed | (rows["status"] == SUPPRESSED)].drop_duplicates("la_number")
    order = list(london)
    rows = rows.assign(_order=rows["la_number"].map(order.index)).sort_values("_order")
    counted = rows["status"] == OK
    unit = metadata.at[indicator_id, "unit"]
    kind = "rate" if unit == "rate_per_10000" else "proportion"
    multiplier = 10000 if kind == "rate" else 100
    frame = funnel(
        rows["numerator"].where(counted).to_numpy(dtype=float),
        rows["denominator"].where(counted).to_numpy(dtype=float),
        kind=kind,
        multiplier=multiplier,
        overdispersion=overdispersion,
    )
    frame["status"] = rows["status"].to_numpy()
    frame.attrs.update(unit=unit, denominator_label=indicators.denominator_label(unit))
    return frame, [london[n] for n in rows["la_number"]]


def neighbour_comparison(
    table: pd.DataFrame, scope: DeepDiveScope, indicator_id: str
) -> tuple[pd.DataFrame, list[str]]:
    """The borough and its statistical neighbours, each with a 95% interval, against England.

    Returns:
        (``compare_to_benchmark`` frame — ``value, lower, upper, benchmark,
        comparison`` and the published ``status`` — one row per area with a figure or a
        suppressed one, their names). Intervals: Wilson for percentages, exact/Byar for rates
        per 10,000; areas without a numerator and denominator are ``not_compared``; a
        suppressed area has no value or interval (the chart shows "c").
    """
    metadata = indicators.load_metadata()
    numbers = [scope.area.la_number, *scope.area.neighbours]
    rows = table[
        (table["indicator"] == indicator_id)
        & (table["period"] == scope.period)
        & table["la_number"].isin(numbers)
        & table["status"].isin([OK, SUPPRESSED])
    ].drop_duplicates("la_number")
    present = set(rows["la_number"])
    rows = rows.set_index("la_number").reindex([n for n in numbers if n in present])
    hidden = rows["status"] != OK
    rows[["numerator", "denominator", "value"]] = rows[["numerator", "denominator", "value"]].where(
        ~hidden
    )
    england = table[
        (table["indicator"] == indicator_id)
        & (table["period"] == scope.period)
        & (table["area_code"] == ENGLAND_CODE)
    ]["value"]
    unit = metadata.at[indicator_id, "unit"]
    if unit == "rate_per_10000":
        interval = rate_ci(rows["numerator"].to_numpy(), rows["denominator"].to_numpy())
    elif unit == "percent" and rows.loc[~hidden, "denominator"].notna().all():
        interval = proportion_ci(rows["numerator"].to_numpy(), rows["denominator"].to_numpy())
    else:
        interval = pd.DataFrame(
            {"lower": [float("nan")] * len(rows), "upper": [float("nan")] * len(rows)}
        )
    polarity = {"high": "high", "low": "low"}.get(metadata.at[indicator_id, "polarity"])
    frame = compare_to_benchmark(
        rows["value"].to_numpy(),
        interval["lower"].to_numpy(),
        interval["upper"].to_numpy(),
        england.iloc[0] if len(england) else float("nan"),
        polarity,
    )
    frame["status"] = rows["status"].to_numpy()
    frame.attrs["unit"] = unit
    return frame, list(rows["area_name"])


def factor_breakdown(scope: DeepDiveScope) -> pd.DataFrame:
    """The theme's assessment factors: share of assessments for the borough, London, England.

    Returns:
        One row per factor: ``factor``, then ``borough``, ``london``, ``england`` as
        percentages of episodes with factors recorded (the published reason where the
        borough's count is suppressed), for the deep dive's year (or the latest before it).
    """
    if not scope.factors:
        return pd.DataFrame(columns=["factor", "borough", "london", "england"])
    table = public_data.assessment_factors(list(scope.factors))
    year = int(table.loc[table["period"] <= scope.period, "period"].max())
    table = table[table["period"] == year]
    rows = []
    for factor, part in table.groupby("factor", sort=False):
        row = {"factor": factor.replace("_", " "), "year": period_label(year)}
        for column, mask in (
            ("borough", part["la_number"] == scope.area.la_number),
            ("london", part["area_code"] == LONDON_CODE),
            ("england", part["area_code"] == ENGLAND_CODE),
        ):
            match = part[mask]
            if match.empty:
                row[column] = "not published"
            elif match["status"].iloc[0] != OK:
                row[column] = match["status"].iloc[0].replace("_", " ")
            else:
                row[column] = f"{indicators.round_half_up(match['pct'].iloc[0], 1):.1f}%"
        rows.append(row)
    return pd.DataFrame(rows)


def inspection_context(scope: DeepDiveScope) -> pd.DataFrame:
    """Ofsted's latest ILACS judgements for the borough and its statistical neighbours."""
    latest = ofsted.latest_judgements(
        ofsted.read_inspection_history(), [scope.area.la_number, *scope.area.neighbours]
    )
    shown = latest.assign(
        inspection_date=pd.to_datetime(latest["inspection_date"]).dt.strftime("%b %Y"),
        **{
            c: latest[c].map(ofsted.SHORT_GRADES).fillna(latest[c])
            for c in ofsted.JUDGEMENT_COLUMNS
        },
    )
    return shown.drop(columns=["la_number"]).fillna("")


def audit_records(scope: DeepDiveScope) -> pd.DataFrame:
    """The ingested answers of the deep dive's audits (pseudonymised), or an empty frame."""
    if not scope.audit_ids:
        return pd.DataFrame()
    records = audit.read_audit_records(borough=scope.area.name)
    return records[records["audit_id"].isin(scope.audit_ids)]


def questions(
    scope: DeepDiveScope,
    spc: dict[str, pd.DataFrame],
    funnels: dict[str, tuple[pd.DataFrame, list[str]]],
    records: pd.DataFrame,
    quarterly: dict[str, pd.DataFrame] | None = None,
) -> list[str]:
    """The questions the signals raise, in plain English, for the board.

    From: special-cause variation at the latest period of the yearly published series
    (``spc``, :func:`spc_frames`) and of the quarterly local values (``quarterly``,
    :func:`quarterly_spc_frames`), as :func:`lscb_analysis.present.latest.latest_verdict` decides
    it: a latest period that is suppressed, missing or not yet due raises no SPC question
    about an earlier point but one sentence saying so ("2024-25: suppressed; last shown
    2023-24: 8.6%"); the borough outside the London funnel's limits; weak audit sections
    and low agreement between auditors. Output: a list of sentences (one saying nothing
    stands out when there is no signal). Raises nothing of its own.
    """
    metadata = indicators.load_metadata()
    asked = []
    for frame in (quarterly or {}).values():
        asked += _spc_questions(
            f"{frame.attrs['title']} (quarterly local figures)",
            latest.latest_verdict(frame, frame.attrs.get("period")),
        )
    for indicator_id, frame in spc.items():
        asked += _spc_questions(
            metadata.at[indicator_id, "short_title"],
            latest.latest_verdict(frame, frame.attrs.get("period")),
        )
    for indicator_id, (frame, names) in funnels.items():
        if scope.area.name not in names:
            continue
        position = names.index(scope.area.name)
        significance = frame["significance"].iloc[position]
        if significance in ("high_998", "low_998"):
            side = "above" if significance == "high_998" else "below"
            asked.append(
                f"{metadata.at[indicator_id, 'short_title']} is {side} London's 99.8% "
                "funnel limit even allowing for over-dispersion: is this a real "
                "difference in practice, or in how the borough records it?"
            )
    if len(records):
        # A section with a suppressed count is not compared with the threshold on the board
        # tier (one decision: lscb_analysis.protect.disclosure); one sentence counts them all.
        weak = audit_questions.weak_sections(records, tier=scope.tier)
        asked += list(weak["question"])
        if weak.attrs.get("withheld"):
            withheld = weak.attrs["withheld"]
            asked.append(
                f"The shares of {withheld} audit section{'s' if withheld != 1 else ''} are "
                f"{disclosure.suppressed_wording()} and are not compared with "
                f"{weak.attrs['threshold_pct']:.0f}% here (the analyst copy, NOT FOR "
                "PUBLICATION, has them): could the next audit sample enough cases to report "
                "them?"
            )
        agreement = audit_questions.low_agreement(records, tier=scope.tier)
        asked += list(agreement["question"].head(3))
    if not asked:
        asked.append(
            "No signal stands out this year: which parts of the theme do the "
            "numbers not show, and should the next audit look there?"
        )
    return asked


def _spc_questions(title: str, verdict: latest.LatestVerdict) -> list[str]:
    """The SPC question of one series' latest period (none for common cause)."""
    if not verdict.has_value:
        return [
            f"{title} ({verdict.text}) is not assessed for SPC variation: no earlier "
            "point stands in for the latest. What do partners know about "
            f"{verdict.period} that the figure cannot show, and when is the next one due?"
        ]
    if verdict.variation == "special_cause_concern":
        return [
            f"{title} shows special-cause concern in {verdict.period}: what changed in "
            "practice, demand or recording, and since when?"
        ]
    if verdict.variation == "special_cause_improvement":
        return [
            f"{title} shows special-cause improvement in {verdict.period}: what made the "
            "difference, and can it be sustained and shared?"
        ]
    return []


def spc_figures(spc: dict[str, pd.DataFrame]) -> list:
    """One Making Data Count chart per indicator (``plots.spc_chart``), titled by finding."""
    from lscb_analysis.present import plots

    metadata = indicators.load_metadata()
    return [
        plots.spc_chart(frame, measure=metadata.at[i, "short_title"]) for i, frame in spc.items()
    ]


def funnels(table: pd.DataFrame, scope: DeepDiveScope) -> dict[str, tuple[pd.DataFrame, list]]:
    """:func:`london_funnel` for each of the scope's indicators with three boroughs to place.

    Output: ``{indicator id: (funnel frame, names)}``; suppressed boroughs stay in as rows
    with no value, for the chart's "not placed" note. Raises nothing of its own.
    """
    out = {}
    for indicator_id in scope.indicator_ids:
        frame, names = london_funnel(table, indicator_id, scope.period)
        if frame["value"].notna().sum() >= 3:
            out[indicator_id] = (frame, names)
    return out


def funnel_figures(funnel_frames: dict, scope: DeepDiveScope) -> list:
    """One funnel plot per indicator, the borough highlighted and outliers labelled."""
    from lscb_analysis.present import plots

    metadata = indicators.load_metadata()
    figures = []
    for indicator_id, (frame, names) in funnel_frames.items():
        polarity = {"high": "high", "low": "low"}.get(metadata.at[indicator_id, "polarity"])
        figures.append(
            plots.funnel_plot(
                frame,
                labels=names,
                highlight=scope.area.name if scope.area.name in names else None,
                polarity=polarity,
                measure=f"{metadata.at[indicator_id, 'short_title']} "
                f"({period_label(scope.period)})",
            )
        )
    return figures


def neighbour_figures(table: pd.DataFrame, scope: DeepDiveScope) -> list:
    """One chart per indicator: the borough and its neighbours with intervals against England."""
    from lscb_analysis.present import plots

    metadata = indicators.load_metadata()
    figures = []
    for indicator_id in scope.indicator_ids:
        frame, names = neighbour_comparison(table, scope, indicator_id)
        if len(frame):
            figures.append(
                plots.benchmark_chart(
                    frame,
                    labels=names,
                    highlight=scope.area.name if scope.area.name in names else None,
                    measure=f"{metadata.at[indicator_id, 'short_title']} "
                    f"({period_label(scope.period)})",
                )
            )
    return figures


def audit_tables(
    records: pd.DataFrame, tier: str = disclosure.DEFAULT_TIER
) -> dict[str, pd.DataFrame]:
    """The audit findings for the output tier: small numbers suppressed for the board.

    Inputs: the audit records (:func:`audit_records`) and ``tier`` (``board``, the default:
    counts from 1 to 5 and what could be worked back from them suppressed; ``analyst``:
    unsuppressed, NOT FOR PUBLICATION).

    Returns:
        ``{"grades by section", "agreement between auditors", "moderation",
        "repeat audits"}`` -> tables from the audit findings modules, each passed
        through its ``for_tier(..., tier)``. Empty when there are no audits.

    Raises:
        ParameterError: an unknown tier.
    """
    tier = disclosure.validate_tier(tier)
    if records.empty:
        return {}
    sections = audit_analysis.for_tier(
        audit_analysis.grade_distribution(records, by=["audit_id", "section"]), tier
    )
    repeats = audit_analysis.for_tier(audit_trends.compare_audits(records), tier)
    return {
        "Grades by section": sections,
        "Agreement between auditors": audit_analysis.for_tier(
            audit_agreement.auditor_agreement(records, by="audit_id"), tier
        ),
        "Moderation": audit_analysis.for_tier(
            audit_agreement.moderation_summary(records, by="audit_id"), tier
        ),
        # Secondary suppression across tables: an audit's totals and changes go with any
        # suppressed section count of that audit.
        "Repeat audits": audit_trends.protect_repeat_audits(sections, repeats, tier),
    }


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
        f"**{disclosure.tier_label(scope.tier)}**"
    )


def index_headlines(
    scope: DeepDiveScope,
    spc: dict[str, pd.DataFrame],
    funnels: dict[str, tuple[pd.DataFrame, list[str]]],
    records: pd.DataFrame,
    quarterly: dict[str, pd.DataFrame] | None = None,
) -> dict:
    """What the report index shows for this run (given to ``report_index.record_for_index``).

    Inputs: the scope and the deep dive's SPC frames (yearly and quarterly), funnels and
    audit records. Output: ``{"Special causes": "n of m"`` (series whose latest period has a
    value showing special-cause variation, of the series whose latest period has a value:
    :func:`lscb_analysis.present.latest.latest_verdict`, as the questions and charts), ``"Outside London's 99.8% limits": "n of m"`` (indicators),
    ``"Audit answers good or better": "62.5%"``}. The audit share is always board-tier
    suppressed, whatever the report's tier, since the index is shared: the suppression
    wording when it or any section count of the audits is suppressed,
    "no audit" when there is none. Raises nothing of its own.
    """
    verdicts = [
        latest.latest_verdict(frame, frame.attrs.get("period"))
        for frame in [*spc.values(), *(quarterly or {}).values()]
    ]
    special = sum(verdict.special_cause for verdict in verdicts)
    assessed = sum(verdict.has_value for verdict in verdicts)
    placed = [(frame, names) for frame, names in funnels.values() if scope.area.name in names]
    outside = sum(
        frame["significance"].iloc[names.index(scope.area.name)] in ("high_998", "low_998")
        for frame, names in placed
    )
    share = "no audit"
    if len(records):
        overall = audit_analysis.grade_distribution(records, by=None)
        if len(overall):
            # The overall share is a total of the sections: suppressed with any section's.
            sections = audit_analysis.grade_distribution(records, by=["audit_id", "section"])
            hidden = disclosure.rows_with_suppression(
                sections,
                count_columns=sections.attrs["count_columns"],
                column_total=sections.attrs["column_total"],
            ).any()
            row = overall.iloc[0]
            share = disclosure.show_figure(
                f"{row['good_or_better_pct']:.1f}%",
                (row["good_or_better"], row["graded"], row["graded"] - row["good_or_better"]),
                suppressed=bool(hidden),
            )
    return {
        "Special causes": f"{special} of {assessed}",
        "Outside London's 99.8% limits": f"{outside} of {len(funnels)}",
        "Audit answers good or better": share,
    }


def show_tables(tables: dict[str, pd.DataFrame]):
    """Display titled tables one after the other through :mod:`lscb_analysis.present.presenter`
    (captions, plain headers, missing reasons; an empty table as its sentence from
    ``data/reference/presentation.yaml``), or a sentence when there are none.
    Raises what :func:`lscb_analysis.present.presenter.present` raises."""
    from IPython.display import display

    from lscb_analysis.present import presenter

    display(
        presenter.show_many(
            tables, none="No audit of this theme has been ingested for this borough."
        )
    )


def action_tables(area: register.LocalAuthority, as_at=None) -> dict[str, pd.DataFrame]:
    """The borough's actions log, as the QA sub-group follows it up.

    Reads ``data/raw/audit/actions.csv`` (validated by
    :func:`lscb_analysis.qa.audit_actions.read_actions`) and the latest score cards' exceptions.

    Returns:
        ``{"Overdue actions", "Re-audits due", "Score card exceptions with no action yet",
        "Problems in the actions log"}`` -> tables for this borough (empty tables included,
        so the report says "none" rather than leaving a gap).
    """
    from lscb_analysis.qa import audit_actions, support_review

    log = audit_actions.read_actions()
    mine = log.table[log.table["borough"] == area.name] if len(log.table) else log.table
    shown = ["action_id", "action", "owner", "due_date", "status", "reaudit_date"]
    exceptions = support_review.scorecard_exceptions_by_pi()
    exceptions = exceptions[exceptions["borough"] == area.name]
    return {
        "Overdue actions": audit_actions.overdue_actions(mine, as_at).reindex(
            columns=[*shown, "days_overdue"]
        ),
        "Re-audits due": audit_actions.reaudit_due(mine, as_at).reindex(
            columns=[*shown, "days_until_reaudit"]
        ),
        "Score card exceptions with no action yet": audit_actions.exceptions_without_action(
            exceptions, log.table
        ),
        "Problems in the actions log": log.issues,
    }
