"""Phase III pilot: what the returns say about the feasibility of each PI (pure analysis).

Everything here takes the tables of :func:`lscb_analysis.pilot.pilot_ingest.ingest_pilot`
(``values``, ``issues``, ``feasibility``, ``returns``) and the catalogue, and returns new
DataFrames; nothing reads or writes files except :func:`check_parameters` (which checks the
folder exists). The rules (what counts as provided, feasible now, with work or to postpone)
are in ``feasibility_rule`` of ``data/reference/pilot_rules.yaml`` and stated in the report
by :func:`rule_text`.

* :func:`provision`: per borough and PI, the periods it was asked to fill, how many it
  provided, and ``provided`` / ``partly`` / ``not available`` / ``published``.
* :func:`cycles`: per borough and PI, the reporting cycle offered against the cycle needed.
* :func:`finding_counts`: error, query and continuity findings per borough or per PI.
* :func:`classify`: per PI, feasible now, feasible with work or to postpone, with the reason.
* :func:`quality_concerns`, :func:`narratives`: what the boroughs wrote, gathered per PI.
* :func:`borough_view`: the one-borough view beside the London picture.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lscb_analysis.core import paths, register
from lscb_analysis.core.errors import ParameterError, UnknownAreaError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_template

PROVISION_COLUMNS = [
    "borough",
    "la_number",
    "pi_id",
    "title",
    "due",
    "provided",
    "share",
    "provision",
]
CYCLE_COLUMNS = [
    "borough",
    "la_number",
    "pi_id",
    "cycle_needed",
    "cycle_offered",
    "can_provide",
    "cycle_met",
]
CLASS_COLUMNS = [
    "pi_id",
    "title",
    "source",
    "boroughs",
    "providing",
    "partly",
    "share_providing",
    "share_some",
    "share_cycle_met",
    "error_share",
    "category",
    "reason",
]
LABELS = {
    "pi_id": "PI",
    "title": "Indicator",
    "borough": "Borough",
    "la_number": "LA",
    "due": "Periods asked",
    "provided": "Periods provided",
    "share": "Share provided",
    "provision": "Provision",
    "cycle_needed": "Cycle needed",
    "cycle_offered": "Cycle offered",
    "can_provide": "Can provide",
    "cycle_met": "Cycle met",
    "source": "Source",
    "boroughs": "Boroughs",
    "providing": "Providing",
    "partly": "Partly",
    "share_providing": "Share providing",
    "share_some": "Share providing at least partly",
    "share_cycle_met": "Share offering the cycle",
    "error_share": "Share of figures with errors",
    "category": "Category",
    "reason": "Why",
    "error": "Errors",
    "query": "Queries",
    "continuity": "Continuity",
    "quality_concerns": "Data quality concerns",
    "effort": "Effort",
    "comment": "Comment",
    "period": "Period",
    "text": "What they wrote",
    "kind": "Where",
    "file": "File",
    "state": "State",
    "identified_from": "Identified from",
    "queries": "Queries",
    "errors": "Errors",
    "model_version": "Model version",
    "submitted": "Returned",
    "london_share_providing": "London: share providing",
}
PROVISION_COLOURS = {
    "provided": "#0072B2",
    "partly": "#56B4E9",
    "not available": "#E69F00",
    "published": "#009E73",
}
"""Colours of the provision grid (Okabe-Ito: blue, sky blue, orange, bluish green)."""


def check_parameters(
    pilot_folder: str | Path, borough: str | None, model_version: str | None
) -> tuple[Path, register.LocalAuthority | None, catalogue_module.Catalogue]:
    """Check the notebook's parameters before anything runs.

    Inputs: the returns folder (relative to the project folder, or absolute), a borough for
    the one-borough view (None: London) and the model version (None: the latest).
    Output: (folder, borough or None, catalogue).
    Raises ParameterError naming the parameter: the folder does not exist or holds no
    return, the borough is not a London borough, or the model version is unknown.
    """
    folder = Path(pilot_folder)
    if not folder.is_absolute():
        folder = paths.project_dir() / folder
    if not folder.is_dir():
        raise ParameterError(
            f"pilot_folder: {folder} does not exist. Put the returned workbooks there (or run "
            "`lscb demo-data`)."
        )
    if not any(p.suffix.lower() in (".xlsx", ".xlsm") for p in folder.iterdir()):
        raise ParameterError(f"pilot_folder: {folder} holds no .xlsx return yet.")
    area = None
    if borough is not None:
        try:
            area = register.resolve(borough)
        except UnknownAreaError as error:
            raise ParameterError(f"borough: {error}") from error
        if not area.is_london:
            raise ParameterError(f"borough: {area.name} is not a London borough.")
    try:
        catalogue = catalogue_module.load_catalogue(model_version)
    except catalogue_module.CatalogueError as error:
        raise ParameterError(f"model_version: {error}") from error
    return folder, area, catalogue


def _rules(rules: Mapping | None) -> Mapping:
    return rules or pilot_template.load_rules()


def _usable(values: pd.DataFrame, rules: Mapping) -> pd.Series:
    return (
        values["status"].isin(rules["statuses"]["with_figure"])
        & values["value"].notna()
        & (values["validation_status"] != "error")
        & ~values["prefilled"]
    )


def provision(
    values: pd.DataFrame, catalogue: catalogue_module.Catalogue, rules: Mapping | None = None
) -> pd.DataFrame:
    """Per borough and current PI: the periods asked, the periods provided, and the provision.

    Input: ``values`` (:data:`lscb_analysis.pilot.pilot_ingest.VALUE_COLUMNS`) and the catalogue.
    A period is asked when its row is the borough's to fill (not pre-filled) and not marked
    "not yet due"; provided when it has a usable figure (status provided or estimated, a
    value, no error). Provision: ``provided`` (at least ``feasibility_rule.provided_share`` of
    the periods asked), ``partly`` (some), ``not available`` (none, or no rows at all),
    ``published`` (nothing asked: DfE publishes every row).
    Output: columns :data:`PROVISION_COLUMNS`, one row per borough that returned anything and
    current PI. Raises nothing.

    >>> v = pd.DataFrame({"borough": ["A", "A"], "la_number": ["1", "1"],
    ...     "pi_id": ["BF-EH-01", "BF-EH-01"], "period": ["2024Q1", "2024Q2"],
    ...     "status": ["provided", "not available"], "value": [1.0, None],
    ...     "validation_status": ["ok", "ok"], "prefilled": [False, False]})
    >>> table = provision(v, catalogue_module.load_catalogue("1.0"))
    >>> table.loc[table["pi_id"] == "BF-EH-01", ["due", "provided", "provision"]].values.tolist()
    [[2, 1, 'partly']]
    """
    rules = _rules(rules)
    threshold = float(rules["feasibility_rule"]["provided_share"])
    pis = catalogue.current[["id", "title", "source_type"]].rename(columns={"id": "pi_id"})
    known = values[values["la_number"].astype(str) != ""]
    boroughs = known[["borough", "la_number"]].drop_duplicates().sort_values("la_number")
    frame = known.assign(
        _asked=~known["prefilled"] & ~known["status"].isin(rules["statuses"]["not_due"]),
        _usable=_usable(known, rules),
    )
    counts = (
        frame.groupby(["la_number", "pi_id"])
        .agg(due=("_asked", "sum"), provided=("_usable", "sum"), rows=("_asked", "size"))
        .reset_index()
    )
    grid = boroughs.merge(pis, how="cross").merge(counts, on=["la_number", "pi_id"], how="left")
    grid[["due", "provided", "rows"]] = grid[["due", "provided", "rows"]].fillna(0).astype(int)
    published_only = set(
        grid.loc[
            (grid["rows"] > 0) & (grid["due"] == 0) & (grid["source_type"] == "national"), "pi_id"
        ]
    )
    published_only -= set(grid.loc[grid["due"] > 0, "pi_id"])
    grid["share"] = (grid["provided"] / grid["due"].where(grid["due"] > 0)).astype(float)

    def label(row: pd.Series) -> str:
        if (
            not row["due"]
            and row["source_type"] == "national"
            and (row["rows"] or row["pi_id"] in published_only)
        ):
            return "published"
        if not row["due"] or not row["provided"]:
            return "not available"
        return "provided" if row["share"] >= threshold else "partly"

    grid["provision"] = grid.apply(label, axis=1) if len(grid) else pd.Series(dtype=object)
    return grid[PROVISION_COLUMNS].reset_index(drop=True)


def provision_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """The provision as a grid: one row per PI (``id title``), one column per borough."""
    if table.empty:
        return pd.DataFrame()
    labelled = table.assign(pi=table["pi_id"] + " " + table["title"].str.slice(0, 48))
    order = list(dict.fromkeys(labelled["pi"]))
    grid = labelled.pivot(index="pi", columns="borough", values="provision")
    return grid.reindex(order)


def provision_finding(table: pd.DataFrame) -> str:
    """A chart title stating what the provision grid shows.

    >>> t = pd.DataFrame({"pi_id": ["a", "a", "b", "b"], "borough": ["X", "Y", "X", "Y"],
    ...                   "provision": ["provided", "provided", "partly", "not available"]})
    >>> provision_finding(t)
    '1 of 2 PIs provided (or published) by every borough that returned; 0 by none'
    """
    if table.empty:
        return "No pilot returns to show"
    everyone = table.groupby("pi_id")["provision"].apply(
        lambda s: s.isin(["provided", "published"]).all()
    )
    nobody = table.groupby("pi_id")["provision"].apply(lambda s: (s == "not available").all())
    return (
        f"{int(everyone.sum())} of {len(everyone)} PIs provided (or published) by every "
        f"borough that returned; {int(nobody.sum())} by none"
    )


def cycles(
    feasibility: pd.DataFrame, provision_table: pd.DataFrame, rules: Mapping | None = None
) -> pd.DataFrame:
    """Per borough and PI: the cycle needed, the cycle offered and whether it meets the need.

    Inputs: the current feasibility answers (:data:`lscb_analysis.pilot.pilot_ingest.
    FEASIBILITY_COLUMNS`) and :func:`provision`. A cycle offered meets the need when it is at
    least as frequent (``feasibility.cycles`` is ordered from most to least frequent); without
    an answer, a borough that provided the PI meets it, one that did not does not; "no" to
    "can you provide it" never meets it. Published PIs are left out.
    Output: columns :data:`CYCLE_COLUMNS` (``cycle_met`` boolean).

    >>> f = pd.DataFrame({"la_number": ["1"], "pi_id": ["P"], "cycle_needed": ["quarterly"],
    ...     "cycle_offered": ["annual"], "can_provide": ["partly"], "current": [True]})
    >>> p = pd.DataFrame({"borough": ["A"], "la_number": ["1"], "pi_id": ["P"],
    ...     "provision": ["partly"]})
    >>> cycles(f, p)["cycle_met"].tolist()
    [False]
    """
    rules = _rules(rules)
    order = {c: n for n, c in enumerate(rules["feasibility"]["cycles"])}
    order.setdefault("monthly", 0)
    answers = feasibility.reindex(
        columns=["la_number", "pi_id", "cycle_needed", "cycle_offered", "can_provide", "current"]
    )
    if "current" in feasibility:
        answers = answers.loc[answers["current"].fillna(False).astype(bool)]
    merged = provision_table[provision_table["provision"] != "published"][
        ["borough", "la_number", "pi_id", "provision"]
    ].merge(
        answers[["la_number", "pi_id", "cycle_needed", "cycle_offered", "can_provide"]],
        on=["la_number", "pi_id"],
        how="left",
    )

    def met(row: pd.Series) -> bool:
        offered, needed = row.get("cycle_offered"), row.get("cycle_needed")
        if row.get("can_provide") == "no":
            return False
        if (
            isinstance(offered, str)
            and offered in order
            and isinstance(needed, str)
            and needed in order
        ):
            return order[offered] <= order[needed]
        return row["provision"] == "provided"

    merged["cycle_met"] = (
        merged.apply(met, axis=1).astype(bool) if len(merged) else pd.Series(dtype=bool)
    )
    return merged[CYCLE_COLUMNS].reset_index(drop=True)


def cycle_summary(cycle_table: pd.DataFrame) -> pd.DataFrame:
    """Per PI: how many boroughs offer the cycle needed, and the cycles offered.

    Output: ``pi_id, cycle_needed, boroughs, cycle_met, share, offered`` (offered: e.g.
    ``quarterly 7; annual 2``).
    """
    rows = []
    for pi_id, group in cycle_table.groupby("pi_id", sort=False):
        offered = group["cycle_offered"].fillna("not answered").replace("", "not answered")
        counts = offered.value_counts()
        needed = group["cycle_needed"].dropna()
        rows.append(
            {
                "pi_id": pi_id,
                "cycle_needed": needed.iloc[0] if len(needed) else "",
                "boroughs": len(group),
                "cycle_met": int(group["cycle_met"].sum()),
                "share": group["cycle_met"].mean(),
                "offered": "; ".join(f"{k} {v}" for k, v in counts.items()),
            }
        )
    return pd.DataFrame(
        rows, columns=["pi_id", "cycle_needed", "boroughs", "cycle_met", "share", "offered"]
    )


def cycle_finding(summary: pd.DataFrame) -> str:
    """A sentence on the cycles: for how many PIs every borough offers the cycle needed."""
    if summary.empty:
        return "No feasibility answers to show"
    everyone = int((summary["share"] >= 1).sum())
    return f"Every borough offers the cycle the model needs for {everyone} of {len(summary)} PIs"


def finding_counts(
    issues: pd.DataFrame, by: str = "borough", rules: Mapping | None = None
) -> pd.DataFrame:
    """Error, query and continuity findings per borough (``by="borough"``) or PI (``"pi_id"``).

    Findings on rows a later return replaced, and notes, are not counted.
    Output: one row per borough or PI with ``error, query, continuity`` and ``total``,
    most findings first.

    >>> i = pd.DataFrame({"borough": ["A", "A", "B"], "pi_id": ["P", "Q", "P"],
    ...     "severity": ["error", "query", "query"], "superseded": [False, False, True]})
    >>> finding_counts(i)[["borough", "error", "query", "total"]].values.tolist()
    [['A', 1, 1, 2]]
    """
    rules = _rules(rules)
    severities = [s for s in rules["severities"] if s != "note"]
    live = issues[
        ~issues["superseded"].astype(bool)
        & issues["severity"].isin(severities)
        & (issues[by].astype(str) != "")
    ]
    table = live.pivot_table(
        index=by, columns="severity", values="superseded", aggfunc="size", fill_value=0
    )
    table = table.reindex(columns=severities, fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.sort_values(["total", *severities], ascending=False)
    return table.reset_index().rename_axis(columns=None)


def counts_finding(counts: pd.DataFrame, by: str = "borough") -> str:
    """A chart title naming the borough (or PI) with the most findings."""
    if counts.empty:
        return "No errors, queries or continuity findings"
    top = counts.iloc[0]
    what = "return" if by == "borough" else "PI"
    return (
        f"{top[by]}'s {what} raised the most findings ({int(top['total'])}: "
        f"{int(top.get('error', 0))} errors, {int(top.get('query', 0))} queries)"
    )


def classify(
    provision_table: pd.DataFrame,
    cycle_table: pd.DataFrame,
    values: pd.DataFrame,
    catalogue: catalogue_module.Catalogue,
    rules: Mapping | None = None,
) -> pd.DataFrame:
    """Per current PI: feasible London-wide now, feasible with work, or to postpone.

    The rule (``feasibility_rule`` in pilot_rules.yaml, stated by :func:`rule_text`):
    *feasible now* when at least ``now.min_share_providing`` of the boroughs that returned
    provided it, at least ``now.min_share_cycle_met`` offer the cycle it needs, and at most
    ``now.max_error_share`` of its figures have errors; *to postpone* when fewer than
    ``postpone.min_share_some`` provided it at least partly; otherwise *feasible with work*.
    A PI that DfE publishes for every row is feasible now.
    Output: columns :data:`CLASS_COLUMNS`, in catalogue order.
    """
    rules = _rules(rules)
    rule = rules["feasibility_rule"]
    now, postpone = rule["now"], rule["postpone"]
    categories = rule["categories"]
    pis = catalogue.current.set_index("id")
    with_figure = values[values["value"].notna() & ~values["prefilled"]]
    rows = []
    for pi_id, group in provision_table.groupby("pi_id", sort=False):
        count = len(group)
        providing = int((group["provision"] == "provided").sum())
        partly = int((group["provision"] == "partly").sum())
        published = bool((group["provision"] == "published").all())
        cycle = cycle_table[cycle_table["pi_id"] == pi_id]
        cycle_share = float(cycle["cycle_met"].mean()) if len(cycle) else float("nan")
        figures = with_figure[with_figure["pi_id"] == pi_id]
        error_share = (
            float((figures["validation_status"] == "error").mean()) if len(figures) else 0.0
        )
        share = providing / count if count else 0.0
        some = (providing + partly) / count if count else 0.0
        if published:
            category, reason = categories[0], "Published by DfE for every borough."
        elif (
            share >= float(now["min_share_providing"])
            and (cycle_share >= float(now["min_share_cycle_met"]))
            and (error_share <= float(now["max_error_share"]))
        ):
            category = categories[0]
            reason = (
                f"{providing} of {count} boroughs provided it; {cycle_share:.0%} offer "
                "the cycle needed."
            )
        elif some < float(postpone["min_share_some"]):
            category = categories[2]
            reason = f"Only {providing + partly} of {count} boroughs provided it, even in part."
        else:
            category = categories[1]
            gaps = []
            if share < float(now["min_share_providing"]):
                gaps.append(
                    f"{count - providing} of {count} boroughs did not provide it every period"
                )
            if not cycle_share >= float(now["min_share_cycle_met"]):
                gaps.append(
                    f"only {cycle_share:.0%} offer the cycle needed"
                    if cycle_share == cycle_share
                    else "no cycle answers"
                )
            if error_share > float(now["max_error_share"]):
                gaps.append(f"{error_share:.0%} of its figures have errors")
            reason = "; ".join(gaps).capitalize() + "."
        pi = pis.loc[pi_id]
        rows.append(
            {
                "pi_id": pi_id,
                "title": pi["title"],
                "source": f"{pi['source_type']}: {pi['source_agency']}",
                "boroughs": count,
                "providing": providing,
                "partly": partly,
                "share_providing": share,
                "share_some": some,
                "share_cycle_met": cycle_share,
                "error_share": error_share,
                "category": category,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=CLASS_COLUMNS)


def classification_finding(classified: pd.DataFrame) -> str:
    """A chart title: how many PIs fall in each category."""
    if classified.empty:
        return "No PIs to classify"
    counts = classified["category"].value_counts()
    parts = [f"{int(counts.get(c, 0))} {c}" for c in dict.fromkeys(classified["category"])]
    return f"Of {len(classified)} PIs: " + ", ".join(parts)


def category_shares(classified: pd.DataFrame, rules: Mapping | None = None) -> pd.DataFrame:
    """Per PI, the share of boroughs for which it was provided, published, partly or not
    available (for :func:`lscb_analysis.present.grid_charts.category_bars`), grouped by category in the
    rule's order, most provided first. Index: ``PI (category)``."""
    rules = _rules(rules)
    order = {c: n for n, c in enumerate(rules["feasibility_rule"]["categories"])}
    table = classified.assign(_order=classified["category"].map(order)).sort_values(
        ["_order", "share_providing"], ascending=[True, False], kind="stable"
    )
    published = (table["share_some"] == 0) & (table["reason"].str.startswith("Published"))
    index = table["pi_id"] + " (" + table["category"] + ")"
    return pd.DataFrame(
        {
            "provided": table["share_providing"].to_numpy(),
            "published": published.astype(float).to_numpy(),
            "partly": (table["share_some"] - table["share_providing"]).to_numpy(),
            "not available": (1 - table["share_some"] - published.astype(float)).to_numpy(),
        },
        index=index.to_numpy(),
    )


def rule_text(rules: Mapping | None = None) -> str:
    """The feasibility rule in plain English (markdown), with the thresholds in use."""
    rules = _rules(rules)
    rule = rules["feasibility_rule"]
    now, postpone = rule["now"], rule["postpone"]
    return (
        f"A borough **provided** a PI when it gave a usable figure for at least "
        f"{float(rule['provided_share']):.0%} of the periods it was asked to fill (not "
        "pre-filled, not marked 'not yet due'), **partly** when for some, **not available** "
        "when for none. A PI is **feasible London-wide now** when at least "
        f"{float(now['min_share_providing']):.0%} of the boroughs that returned provided it, "
        f"at least {float(now['min_share_cycle_met']):.0%} offer the reporting cycle it needs "
        f"and no more than {float(now['max_error_share']):.0%} of its figures have errors; "
        f"**to postpone** when fewer than {float(postpone['min_share_some']):.0%} provided it "
        "even in part; otherwise **feasible with work**. Thresholds: `feasibility_rule` in "
        "`data/reference/pilot_rules.yaml`."
    )


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

    Inputs: :func:`classify` (``category``), :func:`provision` (``la_number``) and the
    rules (None: pilot_rules.yaml; its ``feasibility_rule.categories`` name the first and
    last category). Output: ``{label: value}``: PIs feasible now (of all), PIs to postpone
    and boroughs that returned. Raises nothing.

    >>> classified = pd.DataFrame({"category": ["feasible now", "to postpone", "feasible now"]})
    >>> index_headlines(classified, pd.DataFrame({"la_number": ["302", "302"]}))
    {'PIs feasible now': '2 of 3', 'PIs to postpone': 1, 'Boroughs returned': 1}
    """
    now, *_, postpone = _rules(rules)["feasibility_rule"]["categories"]
    counts = classified["category"].value_counts()
    return {
        f"PIs {now}": f"{int(counts.get(now, 0))} of {len(classified)}",
        f"PIs {postpone}": int(counts.get(postpone, 0)),
        "Boroughs returned": int(provision_table["la_number"].nunique()),
    }
