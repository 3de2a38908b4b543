"""Phase III pilot: what each borough provided, at what cycle, and what the checks found.

Takes the tables of :func:`lscb_analysis.pilot.pilot_ingest.ingest_pilot` (``values``,
``issues``, ``feasibility``) and the catalogue and returns new DataFrames; nothing reads or
writes files except :func:`check_parameters` (which checks the pilot folder exists). Also
holds the column lists, display labels and provision colours the feasibility report shares.

* :func:`provision`: per borough and PI, the periods it was asked to fill, how many it
  provided, and ``provided`` / ``partly`` / ``not available`` / ``published``.
* :func:`cycles`: per borough and PI, the reporting cycle offered against the cycle needed.
* :func:`finding_counts`: error, query and continuity findings per borough or per PI.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lscb_analysis.core import paths, register
from lscb_analysis.core.errors import DataFileError, ParameterError, UnknownAreaError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_outputs, pilot_periods

PROVISION_COLUMNS = [
    "borough",
    "la_number",
    "pi_id",
    "title",
    "due",
    "provided",
    "share",
    "provision",
    "asked_in",
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
    "asked_in": "Asked in model version",
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
    "not asked": "#BBBBBB",
}
"""Colours of the provision grid (Okabe-Ito: blue, sky blue, orange, bluish green)."""


def check_parameters(
    pilot_folder: str | Path, borough: str | None, model_version: str | None
) -> tuple[Path, register.LocalAuthority | None, catalogue_module.Catalogue]:
    """Check the notebook's parameters before anything runs.

    Inputs: the returns folder (relative to the project folder, or absolute), a borough for
    the one-borough view (None: London) and the model version (None: the latest version any
    ingested return's template was made on, so returns are not judged against a version made
    after them; the latest version of the model when none was ingested yet).
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
    if model_version is None:
        model_version = _returns_version(folder)
    try:
        catalogue = catalogue_module.load_catalogue(model_version)
    except catalogue_module.CatalogueError as error:
        raise ParameterError(f"model_version: {error}") from error
    return folder, area, catalogue


def _returns_version(folder: Path) -> str | None:
    """The latest model version the ingested returns' templates name (None: none known)."""
    try:
        returns = pilot_outputs.read_ingested_pilot(folder).returns
    except DataFileError:
        # Not ingested yet (or the folder changed): the notebook's next step says what to run.
        return None
    named = [str(v) for v in returns.get("model_version", pd.Series(dtype=str)) if v]
    valid = [v for v in named if catalogue_module.VERSION_PATTERN.match(v)]
    return max(valid, key=catalogue_module.version_key) if valid else None


def rules_or_default(rules: Mapping | None) -> Mapping:
    """``rules`` if given, else the pilot rules from ``data/reference/pilot_rules.yaml``."""
    return rules or pilot_periods.load_rules()


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

    Input: ``values`` (:data:`lscb_analysis.pilot.pilot_result.VALUE_COLUMNS`) and the catalogue.
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
    rules = rules_or_default(rules)
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
    # Each return is judged by the model version of its own template: a PI that none of the
    # borough's templates held was never asked of it, whatever the report's version says.
    asked = _asked_versions(known)
    grid["asked_in"] = [
        ", ".join(version for version, ids in asked.get(la, {}).items() if pi_id in ids)
        for la, pi_id in zip(grid["la_number"], grid["pi_id"], strict=True)
    ]
    never = (grid["rows"] == 0) & (grid["asked_in"] == "") & grid["la_number"].isin(asked)
    grid.loc[never, "provision"] = NOT_ASKED
    return grid[PROVISION_COLUMNS].reset_index(drop=True)


NOT_ASKED = "not asked"
"""Provision of a PI the borough's returns were not asked for (not in their model version)."""


def _asked_versions(values: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """la_number -> {model version of its returns -> the PI ids that version holds}."""
    if "model_version" not in values.columns:
        return {}
    asked: dict[str, dict[str, set[str]]] = {}
    cache: dict[str, set[str]] = {}
    for la, version in (
        values[["la_number", "model_version"]].drop_duplicates().itertuples(index=False)
    ):
        version = str(version or "").strip()
        if not version:
            continue
        if version not in cache:
            cache[version] = set(catalogue_module.load_catalogue(version).current["id"])
        asked.setdefault(str(la), {})[version] = cache[version]
    return asked


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
    rules = rules_or_default(rules)
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
    rules = rules_or_default(rules)
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
