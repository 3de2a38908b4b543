"""Phase I mapping: the response register and what the boards' returns say, pan-London.

Pure functions over the ingest's outputs (:mod:`lscb_analysis.survey.survey_ingest`): ``items`` (one
row per data item), ``returns`` (one row per file) and the consultant's contacts list. They
give the steering group the response status, coverage of indicator domains, who supplies
the data and how often, what boards would like but cannot get, and the items no candidate
indicator covers. :func:`lscb_analysis.survey.survey_draft.draft_dataset` compiles the draft dataset ("appendix 1").
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.core.errors import DataFileError
from lscb_analysis.survey import survey_template

REGISTER_COLUMNS = [
    "borough",
    "la_number",
    "asked",
    "acknowledged",
    "status",
    "files",
    "items_collects",
    "items_would_like",
    "sections_filled",
    "date_received",
    "contact",
    "notes",
]
STATUS_LABELS = {
    "returned_with_data": "Returned with data",
    "returned_unreadable": "Return received but could not be read",
    "acknowledged_without_data": "Acknowledged without data",
    "no_response": "No response",
    "not_asked": "Not asked",
}
CONTACT_COLUMNS = ["borough", "contact", "date_sent", "date_chased", "acknowledged", "notes"]
CODE_PATTERN = re.compile(r"^\s*([A-Za-z]+\d+[A-Za-z]?)\b")
UNCOVERED = "Not covered by a candidate indicator"


def read_contacts(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the consultant's contacts list (``data/raw/survey/contacts.csv``).

    Args:
        path: the CSV (columns ``borough, contact, date_sent, date_chased, acknowledged,
            notes``; names written any way the resolver understands).

    Returns:
        (contacts, issues): contacts with ``la_number`` and canonical ``borough`` added,
        ``date_sent``/``date_chased`` as dates and ``acknowledged`` as True/False/None;
        issues (``file, sheet, row, column, severity, code, message``) for rows that could
        not be used. A missing file gives an empty contacts table and one warning.

    Raises:
        DataFileError: the file lacks a required column.
    """
    issues = []
    path = Path(path)
    if not path.is_file():
        issues.append(
            {
                "file": path.name,
                "sheet": "",
                "row": None,
                "column": "",
                "severity": "warning",
                "code": "no_contacts",
                "message": f"No contacts list at {path}: the register shows only what "
                "arrived. Add contacts.csv to record who was asked.",
            }
        )
        return pd.DataFrame(columns=[*CONTACT_COLUMNS, "la_number"]), pd.DataFrame(issues)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.columns = [column.strip().lower() for column in table.columns]
    missing = [c for c in CONTACT_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(
            f"{path}: no column {', '.join(missing)}. The contacts list needs the columns "
            f"{', '.join(CONTACT_COLUMNS)}."
        )
    yes_no = survey_template.survey_config()["code_lists"]["yes_no"]
    rows = []
    for position, row in table.iterrows():
        line = int(position) + 2
        try:
            area = register.resolve(row["borough"])
        except register.UnknownAreaError as error:
            issues.append(
                {
                    "file": path.name,
                    "sheet": "",
                    "row": line,
                    "column": "borough",
                    "severity": "error",
                    "code": "unknown_borough",
                    "message": f"{error} The row was left out of the register.",
                }
            )
            continue
        answer = register.normalise_name(row["acknowledged"])
        acknowledged = None
        for value, spec in yes_no.items():
            if answer in {register.normalise_name(s) for s in spec.get("synonyms", [])}:
                acknowledged = value == "yes"
        if acknowledged is None and answer:
            issues.append(
                {
                    "file": path.name,
                    "sheet": "",
                    "row": line,
                    "column": "acknowledged",
                    "severity": "warning",
                    "code": "unmapped_value",
                    "message": f"'acknowledged' should be yes or no; "
                    f"{row['acknowledged']!r} was read as unknown.",
                }
            )
        rows.append(
            {
                "borough": area.name,
                "la_number": area.la_number,
                "contact": row["contact"],
                "date_sent": pd.to_datetime(row["date_sent"], errors="coerce", dayfirst=True),
                "date_chased": pd.to_datetime(row["date_chased"], errors="coerce", dayfirst=True),
                "acknowledged": acknowledged,
                "notes": row["notes"],
            }
        )
    return pd.DataFrame(rows, columns=[*CONTACT_COLUMNS, "la_number"]), pd.DataFrame(issues)


def _received(returns: pd.DataFrame) -> pd.Series:
    received = pd.to_datetime(returns["return_date"], errors="coerce")
    return received.fillna(pd.to_datetime(returns["modified"], errors="coerce"))


def response_register(
    returns: pd.DataFrame, contacts: pd.DataFrame, as_at: date | str | None = None
) -> pd.DataFrame:
    """Combine what arrived with who was asked: one row per London borough.

    Status per borough, in this order of precedence: ``returned_with_data`` (a readable return
    with at least one item), ``returned_unreadable`` (a return arrived but was rejected, e.g.
    password protected or corrupt: ask for a new copy), ``acknowledged_without_data`` (the
    contacts list says acknowledged, or an empty return arrived), ``no_response``
    (asked, nothing heard), ``not_asked`` (not on the contacts list).

    Args:
        returns: the ingest's ``returns`` table.
        contacts: :func:`read_contacts`.
        as_at: only returns received on or before this date count (None: all).

    Returns:
        ``REGISTER_COLUMNS``; counts come from the return in use for each borough.
    """
    returns = returns.copy()
    returns["received"] = _received(returns)
    if as_at is not None:
        returns = returns[returns["received"].isna() | (returns["received"] <= pd.Timestamp(as_at))]
    contact_by_la = contacts.set_index("la_number") if len(contacts) else pd.DataFrame()
    rows = []
    for area in register.london_boroughs():
        mine = returns[returns["la_number"] == area.la_number]
        readable = mine[mine["state"] != "rejected"]
        used = readable[readable["used"].astype(bool)] if len(readable) else readable
        contact = (
            contact_by_la.loc[area.la_number] if area.la_number in contact_by_la.index else None
        )
        said = None if contact is None else contact["acknowledged"]
        acknowledged = bool(said) if said is not None and pd.notna(said) else False
        items_collects = int(used["items_collects"].sum()) if len(used) else 0
        items_would_like = int(used["items_would_like"].sum()) if len(used) else 0
        if items_collects + items_would_like > 0:
            status = "returned_with_data"
        elif len(mine) and (mine["reason"].fillna("") != "empty").all() and readable.empty:
            status = "returned_unreadable"
        elif acknowledged or len(mine):
            status = "acknowledged_without_data"
        elif contact is not None and pd.notna(contact["date_sent"]):
            status = "no_response"
        else:
            status = "not_asked"
        rows.append(
            {
                "borough": area.name,
                "la_number": area.la_number,
                "asked": contact is not None and pd.notna(contact["date_sent"]),
                "acknowledged": acknowledged or len(mine) > 0,
                "status": status,
                "files": len(mine),
                "items_collects": items_collects,
                "items_would_like": items_would_like,
                "sections_filled": int(used["sections_filled"].max()) if len(used) else 0,
                "date_received": mine["received"].min() if len(mine) else pd.NaT,
                "contact": "" if contact is None else contact["contact"],
                "notes": "" if contact is None else contact["notes"],
            }
        )
    return pd.DataFrame(rows, columns=REGISTER_COLUMNS)


def response_summary(register_table: pd.DataFrame) -> str:
    """One line for the steering group, e.g. "28 of 32 boards responded, 24 with information".

    >>> table = pd.DataFrame({"asked": [True] * 4 + [False],
    ...     "status": ["returned_with_data", "acknowledged_without_data", "no_response",
    ...                "returned_unreadable", "not_asked"]})
    >>> response_summary(table)
    '3 of 4 boards asked responded, 1 with information; 1 acknowledged without sending data, 1 sent a return that could not be read, 1 did not reply.'
    """
    asked = register_table[register_table["asked"]]
    counts = asked["status"].value_counts()
    responded = len(asked) - int(counts.get("no_response", 0))
    return (
        f"{responded} of {len(asked)} boards asked responded, "
        f"{int(counts.get('returned_with_data', 0))} with information; "
        f"{int(counts.get('acknowledged_without_data', 0))} acknowledged without sending "
        f"data, {int(counts.get('returned_unreadable', 0))} sent a return that could not "
        f"be read, {int(counts.get('no_response', 0))} did not reply."
    )


def _keyword_table(candidates: pd.DataFrame) -> list[tuple[str, str]]:
    pairs = []
    for row in candidates.itertuples(index=False):
        for keyword in [row.title, *row.keywords.split(";")]:
            key = register.normalise_name(keyword)
            if key:
                pairs.append((key, row.code))
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def match_candidates(items: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """Attach a candidate indicator to each item: the board's own code first, else wording.

    A code the board chose (``indicator_code``, e.g. "CP06" or "CP06 Children on a plan")
    is used when it is in the candidate list. Otherwise the longest candidate keyword found
    as whole words in the item's text (item and description) decides. Otherwise none.

    Returns:
        ``items`` plus ``candidate_code``, ``domain``, ``match_method`` (``board_code``,
        ``keyword`` or ``none``) and ``matched_keyword``.
    """
    known = set(candidates["code"])
    domains = dict(zip(candidates["code"], candidates["domain"], strict=True))
    keywords = _keyword_table(candidates)
    codes, methods, matched = [], [], []
    for item in items.itertuples(index=False):
        chosen = CODE_PATTERN.match(str(getattr(item, "indicator_code", "") or ""))
        if chosen and chosen.group(1).upper() in known:
            codes.append(chosen.group(1).upper())
            methods.append("board_code")
            matched.append("")
            continue
        wording = f"{item.item} {getattr(item, 'description', '')}"
        text = f" {register.normalise_name(wording)} "
        hit = next(((k, c) for k, c in keywords if f" {k} " in text), None)
        codes.append(hit[1] if hit else "")
        methods.append("keyword" if hit else "none")
        matched.append(hit[0] if hit else "")
    out = items.assign(candidate_code=codes, match_method=methods, matched_keyword=matched)
    out["domain"] = out["candidate_code"].map(domains).fillna(UNCOVERED)
    return out


def _collected(matched: pd.DataFrame, section: str = "collects") -> pd.DataFrame:
    used = matched["used"].astype(bool) if "used" in matched else True
    return matched[(matched["section"] == section) & used]


def coverage_by_domain(matched: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """Items collected per borough and indicator domain (boroughs x domains, counts).

    Every candidate domain is a column (zero where nobody collects it), then the uncovered
    column; every borough with a return is a row.
    """
    collected = _collected(matched)
    table = pd.crosstab(collected["borough"], collected["domain"])
    columns = list(dict.fromkeys(candidates["domain"])) + [UNCOVERED]
    return table.reindex(columns=columns, fill_value=0)


def candidate_counts(matched: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """For each candidate indicator, how many boards collect it.

    Returns:
        ``code, title, domain, source, boards_collecting, boards_wanting`` sorted by domain
        and code.
    """
    used = matched["used"].astype(bool)
    collect = matched[(matched["section"] == "collects") & used]
    want = matched[(matched["section"] == "would_like") & used]
    counts = candidates[["code", "title", "domain", "source"]].copy()
    counts["boards_collecting"] = (
        counts["code"]
        .map(collect.groupby("candidate_code")["borough"].nunique())
        .fillna(0)
        .astype(int)
    )
    counts["boards_wanting"] = (
        counts["code"]
        .map(want.groupby("candidate_code")["borough"].nunique())
        .fillna(0)
        .astype(int)
    )
    return counts


def agency_shares(matched: pd.DataFrame) -> pd.DataFrame:
    """Share of each borough's collected items by source agency, with the LA share.

    Returns:
        One row per borough and a final ``London`` row (all boroughs' items together):
        a column per agency (share 0-1; items with no recognised agency count as
        ``not stated``), ``items`` and ``local_authority_share`` (agencies listed under
        ``local_authority_agencies`` in survey.yaml).
    """
    config = survey_template.survey_config()
    la_agencies = set(config["local_authority_agencies"])
    collected = _collected(matched).assign(
        agency=lambda f: f["agency"].replace("", "not stated").fillna("not stated")
    )
    parts = []
    for name, rows in [*collected.groupby("borough"), ("London", collected)]:
        share = rows["agency"].value_counts(normalize=True)
        share["items"] = len(rows)
        share["local_authority_share"] = rows["agency"].isin(la_agencies).mean()
        parts.append(share.rename(name))
    table = pd.DataFrame(parts).fillna(0.0)
    agencies = [a for a in config["code_lists"]["agency"] if a in table.columns]
    rest = [
        c
        for c in table.columns
        if c not in agencies and c not in ("items", "local_authority_share")
    ]
    return table[[*agencies, *rest, "items", "local_authority_share"]]


def frequency_shares(matched: pd.DataFrame) -> pd.DataFrame:
    """How often collected data is reported: share of items by frequency, per borough and
    London. Columns: each canonical frequency, ``not stated``, ``items``."""
    config = survey_template.survey_config()
    collected = _collected(matched).assign(
        frequency=lambda f: f["frequency"].replace("", "not stated").fillna("not stated")
    )
    table = pd.crosstab(collected["borough"], collected["frequency"], normalize="index")
    table.loc["London"] = collected["frequency"].value_counts(normalize=True)
    order = [f for f in [*config["code_lists"]["frequency"], "not stated"] if f in table.columns]
    table = table.reindex(columns=order).fillna(0.0)
    counts = collected["borough"].value_counts()
    table["items"] = [
        int(counts.get(b, len(collected))) if b != "London" else len(collected) for b in table.index
    ]
    return table


def wanted_by_barrier(matched: pd.DataFrame) -> pd.DataFrame:
    """What boards would like but cannot get: item counts by barrier (rows) and agency."""
    want = matched[(matched["section"] == "would_like") & matched["used"].astype(bool)]
    want = want.assign(
        barrier=want["barrier"].replace("", "not stated"),
        agency=want["agency"].replace("", "not stated"),
    )
    return pd.crosstab(want["barrier"], want["agency"], margins=True, margins_name="Total")


def _wording_key(text: str, stop_words: set[str]) -> str:
    words = [w for w in register.normalise_name(text).split() if w not in stop_words]
    return " ".join(words)


def group_uncovered(matched: pd.DataFrame, section: str = "collects") -> pd.DataFrame:
    """The items of ``section`` (``collects``, or ``would_like`` for the boards' wish lists)
    no candidate covers, each with the wording group it belongs to.

    Greedy grouping: each item joins the first group whose first wording is at least
    ``grouping.similarity`` alike (difflib ratio on the words left after the stop words in
    survey.yaml), else starts a group headed by its own wording.

    Returns:
        The uncovered rows of ``matched`` plus ``group_heading``.
    """
    rules = survey_template.survey_config()["grouping"]
    stop_words = {register.normalise_name(w) for w in rules["stop_words"]}
    threshold = float(rules["similarity"])
    uncovered = _collected(matched, section)
    uncovered = uncovered[uncovered["candidate_code"] == ""]
    heads: list[tuple[str, str]] = []  # (wording key, heading)
    headings = []
    for text in uncovered["item"]:
        key = _wording_key(text, stop_words)
        heading = next(
            (h for k, h in heads if difflib.SequenceMatcher(None, key, k).ratio() >= threshold),
            None,
        )
        if heading is None:
            heads.append((key, text))
            heading = text
        headings.append(heading)
    return uncovered.assign(group_heading=headings)


def uncovered_groups(matched: pd.DataFrame, section: str = "collects") -> pd.DataFrame:
    """Items no candidate covers, grouped by similar wording: candidates for new headings.

    With ``section="would_like"``: every wish-list item no candidate covers ("wanted, not
    collected"), kept with the boards that asked for it and the barriers they named.

    Returns:
        ``heading, items, boards, examples, agencies, barriers`` sorted by boards then items
        (see :func:`group_uncovered` for the grouping rule).
    """
    grouped = group_uncovered(matched, section)
    rows = [
        {
            "heading": heading,
            "items": len(rows),
            "boards": rows["borough"].nunique(),
            "examples": "; ".join(list(dict.fromkeys(rows["item"]))[:3]),
            "agencies": ", ".join(sorted(a for a in rows["agency"].unique() if a)),
            "barriers": ", ".join(sorted(b for b in rows["barrier"].unique() if b)) or "not stated",
        }
        for heading, rows in grouped.groupby("group_heading", sort=False)
    ]
    columns = ["heading", "items", "boards", "examples", "agencies", "barriers"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["boards", "items"], ascending=False, ignore_index=True)


def borough_view(matched: pd.DataFrame, candidates: pd.DataFrame, borough: str) -> pd.DataFrame:
    """One board's return against the London picture, by indicator domain.

    Returns:
        One row per domain: ``domain, items`` (this board's collected items),
        ``collects`` (yes/no), ``boards_collecting`` (of the boards with data) and
        ``london_share`` (share of those boards collecting the domain).
    """
    coverage = coverage_by_domain(matched, candidates)
    boards = len(coverage)
    own = coverage.loc[borough] if borough in coverage.index else coverage.iloc[0] * 0
    table = pd.DataFrame(
        {
            "domain": coverage.columns,
            "items": own.to_numpy().astype(int),
            "boards_collecting": (coverage > 0).sum().to_numpy(),
        }
    )
    table["collects"] = table["items"].map(lambda n: "yes" if n else "no")
    table["london_share"] = table["boards_collecting"] / boards if boards else 0.0
    return table[["domain", "items", "collects", "boards_collecting", "london_share"]]


def check_parameters(survey_folder, as_at, borough):
    """Check the mapping notebook's parameters.

    Args:
        survey_folder: folder of returns, absolute or relative to the project folder.
        as_at: a date (``2026-03-31``) or None for every return received.
        borough: a borough name for the one-board view, or None for London.

    Returns:
        (folder as a Path, as_at as a date or None, the borough's register entry or None).

    Raises:
        ParameterError: the folder does not exist, the date cannot be read, or the borough
        does not resolve; the message names the parameter.
    """
    from lscb_analysis.core import paths
    from lscb_analysis.core.errors import ParameterError

    folder = Path(survey_folder)
    folder = folder if folder.is_absolute() else paths.project_dir() / folder
    if not folder.is_dir():
        raise ParameterError(
            f"Parameter 'survey_folder': {folder} is not a folder. Put the returns in "
            "data/raw/survey/ (or run `lscb demo-data` for the synthetic set)."
        )
    when = None
    if as_at not in (None, ""):
        when = pd.to_datetime(str(as_at), errors="coerce", dayfirst=False)
        if pd.isna(when):
            raise ParameterError(
                f"Parameter 'as_at': {as_at!r} is not a date; write it as 2026-03-31."
            )
        when = when.date()
    area = None
    if borough not in (None, ""):
        try:
            area = register.resolve(borough)
        except register.UnknownAreaError as error:
            raise ParameterError(f"Parameter 'borough': {error}") from error
    return folder, when, area


def status_table(register_table: pd.DataFrame) -> pd.DataFrame:
    """The register as shown to the steering group: readable status, counts, date received."""
    shown = register_table.assign(
        status=register_table["status"].map(STATUS_LABELS),
        date_received=pd.to_datetime(register_table["date_received"])
        .dt.strftime("%d %b %Y")
        .fillna(""),
    )
    return shown[
        [
            "borough",
            "status",
            "items_collects",
            "items_would_like",
            "sections_filled",
            "date_received",
        ]
    ].rename(
        columns={
            "borough": "Board",
            "status": "Status",
            "items_collects": "Items collected",
            "items_would_like": "Items wanted",
            "sections_filled": "Sections filled",
            "date_received": "Received",
        }
    )


def file_outcomes(returns: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """Every file and what happened to it: state, reason, and its error and warning counts.

    Returns:
        ``file, borough, state, reason, errors, warnings`` (one row per file).
    """
    counts = (
        issues.pivot_table(
            index="file", columns="severity", values="code", aggfunc="count", fill_value=0
        )
        if len(issues)
        else pd.DataFrame()
    )
    table = returns[["file", "borough", "state", "reason"]].copy()
    for severity, column in (("error", "errors"), ("warning", "warnings")):
        table[column] = (
            table["file"].map(counts[severity]).fillna(0).astype(int) if severity in counts else 0
        )
    return table.fillna("")


def agency_finding(agencies: pd.DataFrame) -> str:
    """Title for the agency chart: the local authority share across London."""
    share = agencies.at["London", "local_authority_share"] if "London" in agencies.index else 0
    return f"Local authority services supply {share:.0%} of the items London's boards collect"


def frequency_finding(frequencies: pd.DataFrame, config: dict | None = None) -> str:
    """Title for the frequency chart: how much is reported only on the least frequent cycle
    (``frequency_headline`` in survey.yaml, or ``config``: "annual", "once a year")."""
    config = config if config is not None else survey_template.survey_config()
    headline = config.get("frequency_headline") or {"cycle": "annual", "words": "once a year"}
    cycle = headline["cycle"]
    share = frequencies.at["London", cycle] if cycle in frequencies.columns else 0.0
    return f"{share:.0%} of collected items are reported only {headline['words']}"


def shares_only(table: pd.DataFrame) -> pd.DataFrame:
    """The share columns of :func:`agency_shares` or :func:`frequency_shares` (no totals)."""
    return table.drop(columns=[c for c in ("items", "local_authority_share") if c in table])


def borough_view_display(matched: pd.DataFrame, candidates: pd.DataFrame, area):
    """The one-board view ready to show, or a note that this is the London report."""
    from IPython.display import Markdown

    if area is None:
        return Markdown("No borough chosen: this is the London report.")
    from lscb_analysis.present import presenter

    return presenter.show(
        borough_view(matched, candidates, area.name),
        f"{area.name}: candidate indicators collected and wanted",
    )
