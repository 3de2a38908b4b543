"""Phase III pilot feasibility report: what boroughs wrote, the returns, the one-borough view.

Everything here takes the tables of :func:`lscb_analysis.pilot.pilot_ingest.ingest_pilot`
(``values``, ``feasibility``, ``returns``) and the tables of
:mod:`lscb_analysis.pilot.pilot_provision` and :mod:`lscb_analysis.pilot.pilot_classify`,
and returns new DataFrames or text; nothing reads or writes files.

* :func:`quality_concerns`, :func:`narratives`: what the boroughs wrote, gathered per PI.
* :func:`returns_overview`: the returns received.
* :func:`borough_view`, :func:`borough_summary`: the one-borough view beside the London
  picture; :func:`returned_figures`: the figures it returned.
* :func:`for_display` (readable labels) and :func:`index_headlines` (the reports index).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.pilot.pilot_provision import LABELS, rules_or_default


def quality_concerns(
    feasibility: pd.DataFrame, area: register.LocalAuthority | None = None
) -> pd.DataFrame:
    """The data quality concerns boroughs wrote, per PI (for one borough when ``area``).

    Output: ``pi_id, borough, can_provide, cycle_offered, effort, quality_concerns``.
    """
    current = feasibility["current"].fillna(False).astype(bool)
    answers = feasibility.loc[
        current & (feasibility["quality_concerns"].fillna("").str.strip() != "")
    ]
    if area is not None:
        answers = answers[answers["la_number"] == area.la_number]
    columns = ["pi_id", "borough", "can_provide", "cycle_offered", "effort", "quality_concerns"]
    return answers[columns].sort_values(["pi_id", "borough"]).reset_index(drop=True)


def narratives(
    values: pd.DataFrame, feasibility: pd.DataFrame, area: register.LocalAuthority | None = None
) -> pd.DataFrame:
    """The narratives and comments boroughs wrote, gathered per PI.

    Each distinct text once per PI, with the boroughs that wrote it and the periods it was
    written for (for one borough when ``area``): data-table narratives, then feasibility
    comments and data quality concerns. Output: ``pi_id, kind, text, borough, period``,
    sorted by PI.

    >>> v = pd.DataFrame({"pi_id": ["P", "P"], "borough": ["A", "B"], "la_number": ["1", "2"],
    ...     "period": ["2024Q1", "2024Q2"], "narrative": ["Late data.", "Late data."]})
    >>> f = pd.DataFrame(columns=["pi_id", "borough", "la_number", "comment",
    ...     "quality_concerns", "current"])
    >>> narratives(v, f)[["text", "borough", "period"]].values.tolist()
    [['Late data.', 'A, B', '2024Q1, 2024Q2']]
    """
    texts = values[values["narrative"].fillna("").str.strip() != ""]
    answers = feasibility.loc[feasibility["current"].fillna(False).astype(bool)]
    if area is not None:
        texts = texts[texts["la_number"] == area.la_number]
        answers = answers[answers["la_number"] == area.la_number]
    parts = [
        pd.DataFrame(
            {
                "pi_id": texts["pi_id"],
                "kind": "narrative",
                "text": texts["narrative"],
                "borough": texts["borough"],
                "period": texts["period"],
            }
        )
    ]
    for column, kind in (
        ("comment", "feasibility comment"),
        ("quality_concerns", "data quality concern"),
    ):
        chosen = answers[answers[column].fillna("").str.strip() != ""]
        parts.append(
            pd.DataFrame(
                {
                    "pi_id": chosen["pi_id"],
                    "kind": kind,
                    "text": chosen[column],
                    "borough": chosen["borough"],
                    "period": "",
                }
            )
        )
    everything = pd.concat(parts, ignore_index=True)
    columns = ["pi_id", "kind", "text", "borough", "period"]
    if everything.empty:
        return pd.DataFrame(columns=columns)

    def joined(items: pd.Series) -> str:
        return ", ".join(sorted({str(i) for i in items if str(i)}))

    grouped = (
        everything.groupby(["pi_id", "kind", "text"], sort=False)
        .agg(borough=("borough", joined), period=("period", joined))
        .reset_index()
    )
    kinds = {"narrative": 0, "feasibility comment": 1, "data quality concern": 2}
    grouped = (
        grouped.assign(_kind=grouped["kind"].map(kinds))
        .sort_values(["pi_id", "_kind"], kind="stable")
        .drop(columns="_kind")
    )
    return grouped[columns].reset_index(drop=True)


def returns_overview(returns: pd.DataFrame) -> pd.DataFrame:
    """One row per return file: state, boroughs, how it was identified, finding counts."""
    if returns.empty:
        return pd.DataFrame(
            columns=[
                "file",
                "borough",
                "state",
                "identified_from",
                "submitted",
                "errors",
                "queries",
                "continuity",
            ]
        )
    grouped = returns.groupby("file", sort=True).agg(
        borough=("borough", lambda b: ", ".join(str(x) for x in b if isinstance(x, str) and x)),
        state=("state", "first"),
        identified_from=("identified_from", "first"),
        submitted=("submitted", "first"),
        errors=("errors", "sum"),
        queries=("queries", "sum"),
        continuity=("continuity", "sum"),
    )
    return grouped.reset_index()


def borough_view(
    provision_table: pd.DataFrame,
    classified: pd.DataFrame,
    feasibility: pd.DataFrame,
    area: register.LocalAuthority | None,
) -> pd.DataFrame:
    """The one-borough view: its provision and answers beside the London picture.

    Output (empty when ``area`` is None): ``pi_id, title, provision, can_provide,
    cycle_offered, effort, london_share_providing, category``.
    """
    columns = [
        "pi_id",
        "title",
        "provision",
        "can_provide",
        "cycle_offered",
        "effort",
        "london_share_providing",
        "category",
    ]
    if area is None:
        return pd.DataFrame(columns=columns)
    mine = provision_table[provision_table["la_number"] == area.la_number]
    answers = feasibility.loc[
        feasibility["current"].fillna(False).astype(bool)
        & (feasibility["la_number"] == area.la_number)
    ]
    table = mine.merge(
        answers[["pi_id", "can_provide", "cycle_offered", "effort"]], on="pi_id", how="left"
    ).merge(classified[["pi_id", "share_providing", "category"]], on="pi_id", how="left")
    table = table.rename(columns={"share_providing": "london_share_providing"})
    return table[columns].fillna("").reset_index(drop=True)


def borough_summary(
    provision_table: pd.DataFrame, issues: pd.DataFrame, area: register.LocalAuthority | None
) -> str:
    """A sentence for the one-borough view (or a hint when no borough was chosen)."""
    if area is None:
        return (
            "Run the notebook with `borough` set (e.g. `lscb run pilot_feasibility "
            "--borough Barnet`) for the one-borough view."
        )
    mine = provision_table[provision_table["la_number"] == area.la_number]
    if mine.empty:
        return f"{area.name} sent no pilot return."
    counts = mine["provision"].value_counts()
    live = issues[(issues["la_number"] == area.la_number) & ~issues["superseded"].astype(bool)]
    severities = live["severity"].value_counts()
    return (
        f"{area.name} provided {int(counts.get('provided', 0))} of {len(mine)} PIs in "
        f"full and {int(counts.get('partly', 0))} in part; its returns raised "
        f"{int(severities.get('error', 0))} errors, {int(severities.get('query', 0))} "
        f"queries and {int(severities.get('continuity', 0))} continuity findings."
    )


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """A table ready for the report: readable headers, shares as percentages.

    >>> for_display(pd.DataFrame({"pi_id": ["P"], "share": [0.5]})).columns.tolist()
    ['PI', 'Share provided']
    >>> for_display(pd.DataFrame({"share": [0.5]})).iloc[0, 0]
    '50%'
    """
    table = frame.copy()
    for column in table.columns:
        if "share" in column:
            table[column] = table[column].map(
                lambda v: "" if v is None or v != v or v == "" else f"{float(v):.0%}"
            )
        if column == "submitted":
            table[column] = pd.to_datetime(table[column]).dt.strftime("%d %b %Y")
    return table.rename(columns=LABELS)


def returned_figures(
    values: pd.DataFrame, area: register.LocalAuthority | None, tier: str = "board"
) -> pd.DataFrame:
    """The figures a borough returned for each PI's latest period, for the report's tier.

    Inputs: ``values`` (:func:`lscb_analysis.pilot.pilot_ingest.ingest_pilot`'s, record-level);
    the borough (None: an empty table, the London view shows no figures); ``tier``:
    ``board`` suppresses numerators and denominators from 1 to 5 and the values computed
    from them (rules in ``data/reference/disclosure.yaml``), ``analyst`` shows them as
    returned. Published (pre-filled) rows are left out. Output: columns ``pi_id, period,
    numerator, denominator, value`` with ``attrs`` ``tier`` and ``tier_label``; an aggregate
    for display (not marked record-level). Raises: ParameterError for an unknown tier.
    """
    from lscb_analysis.protect import disclosure, disclosure_config, display_guard

    columns = ["pi_id", "period", "numerator", "denominator", "value"]
    tier = disclosure_config.validate_tier(tier)
    if area is None or values.empty:
        mine = pd.DataFrame(columns=columns)
    else:
        local = values[
            (values["la_number"] == area.la_number)
            & ~values["prefilled"].astype(bool)
            & values["value"].notna()
        ]
        mine = (
            local.sort_values(["pi_id", "period"])
            .groupby("pi_id")
            .tail(1)[columns]
            .reset_index(drop=True)
        )
        mine["value"] = mine["value"].round(1)
    table = disclosure.table_for_tier(
        display_guard.clear_mark(mine),
        tier,
        count_columns=["numerator", "denominator"],
        rates={"value": ["numerator", "denominator"]},
    )
    return display_guard.clear_mark(table)


def index_headlines(
    classified: pd.DataFrame, provision_table: pd.DataFrame, rules: Mapping | None = None
) -> dict:
    """The pilot's headline values for the report index (counts of PIs and boroughs).

    Inputs: :func:`~lscb_analysis.pilot.pilot_classify.classify` (``category``),
    :func:`~lscb_analysis.pilot.pilot_provision.provision` (``la_number``) and the
    rules (None: pilot_rules.yaml; its ``feasibility_rule.categories`` name the first and
    last category). Output: ``{label: value}``: PIs feasible now (of all), PIs to postpone
    and boroughs that returned. Raises nothing.

    >>> classified = pd.DataFrame({"category": ["feasible now", "to postpone", "feasible now"]})
    >>> index_headlines(classified, pd.DataFrame({"la_number": ["302", "302"]}))
    {'PIs feasible now': '2 of 3', 'PIs to postpone': 1, 'Boroughs returned': 1}
    """
    now, *_, postpone = rules_or_default(rules)["feasibility_rule"]["categories"]
    counts = classified["category"].value_counts()
    return {
        f"PIs {now}": f"{int(counts.get(now, 0))} of {len(classified)}",
        f"PIs {postpone}": int(counts.get(postpone, 0)),
        "Boroughs returned": int(provision_table["la_number"].nunique()),
    }
