"""Support targeting review: is support going where the evidence says it is needed?

Regional safeguarding advisers and improvement partners give boroughs support days (for
example 10 agreed days per area a year, work beyond that charged) and must show that "support
is targeting the right areas". Pure functions that set the support log
(:func:`lscb_analysis.qa.support_log.read_support_log`) against the evidence of need per
borough and theme: Ofsted judgements below good, score card exceptions and weak audit
sections, mapped to themes by ``data/reference/support_review.yaml``.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.protect import disclosure_config
from lscb_analysis.published import ofsted
from lscb_analysis.qa import audit_questions

RULES_FILE = "support_review.yaml"
EVIDENCE_COLUMNS = ["borough", "theme", "source", "detail", "signal", "first_seen"]
# The signal each piece of evidence is, as the ranking weights in support_review.yaml name it.
OFSTED_SIGNALS = {
    "Inadequate": "Ofsted inadequate",
    "Requires improvement to be good": "Ofsted requires improvement",
}
EXCEPTION_SIGNAL = "Score card exception"
AUDIT_SIGNAL = "Audit weak section"
FUNNEL_SIGNAL = "Funnel outlier"


def load_rules() -> dict:
    """Return ``data/reference/support_review.yaml`` (theme -> Ofsted areas, sub-groups)."""
    return io.read_reference_yaml(RULES_FILE)


def ofsted_evidence(judgements: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """Evidence of need from Ofsted: each judgement below good, under every theme it concerns.

    Args:
        judgements: :func:`lscb_analysis.published.ofsted.latest_judgements` for the boroughs reviewed.
        rules: :func:`load_rules`.

    Returns:
        ``EVIDENCE_COLUMNS`` with ``source`` "Ofsted", ``signal`` "Ofsted inadequate" or
        "Ofsted requires improvement" and ``first_seen`` the inspection date (NaT when not
        published).
    """
    weak = ofsted.needs_improvement(judgements)
    rows = []
    for theme, spec in rules["themes"].items():
        for row in weak[weak["area"].isin(spec.get("ofsted_areas", []))].itertuples():
            date = (
                pd.Timestamp(row.inspection_date).strftime("%b %Y")
                if pd.notna(row.inspection_date)
                else "date not published"
            )
            rows.append(
                {
                    "borough": row.la_name,
                    "theme": theme,
                    "source": "Ofsted",
                    "detail": f"{row.area.replace('_', ' ')}: "
                    f"{ofsted.SHORT_GRADES.get(row.judgement, row.judgement)} "
                    f"({date})",
                    "signal": OFSTED_SIGNALS[row.judgement],
                    "first_seen": pd.Timestamp(row.inspection_date)
                    if pd.notna(row.inspection_date)
                    else pd.NaT,
                }
            )
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def exception_evidence(exceptions: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """Evidence of need from score card exceptions, by the PI's owning sub-group.

    Args:
        exceptions: ``borough, sub_group, detail`` (one row per exception); optional
            ``first_seen`` (the end of the first period the exception showed; NaT if absent).
        rules: :func:`load_rules`.

    Returns:
        ``EVIDENCE_COLUMNS`` with ``source`` "Score card", ``signal`` "Score card exception".
    """
    if "first_seen" not in exceptions.columns:
        exceptions = exceptions.assign(first_seen=pd.NaT)
    rows = []
    for theme, spec in rules["themes"].items():
        mine = exceptions[exceptions["sub_group"].isin(spec.get("sub_groups", []))]
        rows += [
            {
                "borough": r.borough,
                "theme": theme,
                "source": "Score card",
                "detail": r.detail,
                "signal": EXCEPTION_SIGNAL,
                "first_seen": pd.Timestamp(r.first_seen) if pd.notna(r.first_seen) else pd.NaT,
            }
            for r in mine.itertuples()
        ]
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def audit_evidence(records: pd.DataFrame) -> pd.DataFrame:
    """Evidence of need from case-file audits: sections where few answers were good or better.

    A section with a suppressed grade count is not judged (board tier:
    :func:`lscb_analysis.qa.audit_questions.weak_sections`); ``attrs["withheld"]`` counts them.

    Returns:
        ``EVIDENCE_COLUMNS`` with ``source`` "Audit", the theme as its title, ``signal``
        "Audit weak section" and ``first_seen`` the audit's date (``audit_date`` of the records).
    """
    if records.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    from lscb_analysis.qa import audit

    titles = {key: spec["title"] for key, spec in audit.audit_config()["themes"].items()}
    weak = audit_questions.weak_sections(records)
    audit_dates = (
        pd.to_datetime(records["audit_date"], errors="coerce").groupby(records["audit_id"]).min()
        if "audit_date" in records.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    evidence = pd.DataFrame(
        {
            "borough": weak["borough"],
            "theme": weak["theme"].map(titles),
            "source": "Audit",
            "detail": weak["question"].str.split(":").str[0],
            "signal": AUDIT_SIGNAL,
            "first_seen": weak["audit_id"].map(audit_dates),
        },
        columns=EVIDENCE_COLUMNS,
    )
    evidence.attrs["withheld"] = weak.attrs.get("withheld", 0)
    return evidence


def targeting(support: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """Set support against evidence, by borough and theme.

    Args:
        support: the valid borough rows of the support log (``borough, theme, days``).
        evidence: the three evidence tables together (``EVIDENCE_COLUMNS``).

    Returns:
        One row per borough and theme with support or evidence: ``borough, theme,
        support_days, evidence`` (the evidence listed, with sources) and ``finding``:
        ``support matches evidence``, ``support with no evidence of need`` or
        ``evidence of need with no support``.
    """
    days = support.groupby(["borough", "theme"])["days"].sum().rename("support_days")
    listed = (
        evidence.assign(text=evidence["source"] + ": " + evidence["detail"])
        .groupby(["borough", "theme"])["text"]
        .agg("; ".join)
        .rename("evidence")
    )
    table = pd.concat([days, listed], axis=1).reset_index()
    table["support_days"] = table["support_days"].fillna(0.0)
    table["evidence"] = table["evidence"].fillna("")
    supported, needed = table["support_days"] > 0, table["evidence"] != ""
    table["finding"] = "support matches evidence"
    table.loc[supported & ~needed, "finding"] = "support with no evidence of need"
    table.loc[~supported & needed, "finding"] = "evidence of need with no support"
    order = {
        "support with no evidence of need": 0,
        "evidence of need with no support": 1,
        "support matches evidence": 2,
    }
    return table.sort_values(
        ["finding", "borough", "theme"],
        key=lambda s: s.map(order) if s.name == "finding" else s,
        ignore_index=True,
    )


def funnel_evidence(table: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """Evidence of need from London's funnels: a borough outside the 99.8% limits on the worse
    side (by the indicator's polarity) of a theme's ``funnel_indicators``
    (``support_review.yaml``), in the latest year published.

    Args:
        table: the published indicators (``public_indicators``).
        rules: :func:`load_rules`.

    Returns:
        ``EVIDENCE_COLUMNS`` with ``source`` "Funnel", ``signal`` "Funnel outlier" and
        ``first_seen`` the end of that reporting year (31 March).
    """
    from lscb_analysis.core import indicators
    from lscb_analysis.qa import deep_dive_london

    polarity = indicators.load_metadata()["polarity"]
    rows = []
    for theme, spec in rules["themes"].items():
        for indicator in spec.get("funnel_indicators", []):
            years = table.loc[table["indicator"] == indicator, "period"]
            if years.empty or polarity.get(indicator) not in ("high", "low"):
                continue
            year = int(years.max())
            frame, names = deep_dive_london.london_funnel(table, indicator, year)
            worse = (
                frame["value"] < frame["lower_998"]
                if polarity[indicator] == "high"
                else frame["value"] > frame["upper_998"]
            )
            rows += [
                {
                    "borough": name,
                    "theme": theme,
                    "source": "Funnel",
                    "detail": f"{indicator} {year}: outside London's 99.8% funnel limit, worse",
                    "signal": FUNNEL_SIGNAL,
                    "first_seen": pd.Timestamp(year, 3, 31),
                }
                for name, outside in zip(names, worse.fillna(False), strict=True)
                if outside
            ]
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def gather_evidence(
    judgements: pd.DataFrame,
    records: pd.DataFrame,
    exceptions: pd.DataFrame | None,
    rules: dict,
    public: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All evidence of need together: Ofsted, score card exceptions (when given), audits and
    funnel outliers (when the published indicators ``public`` are given).

    ``attrs["withheld_audit_sections"]``: audit sections not judged because a grade count is
    suppressed (:func:`withheld_note` says so in the report).
    """
    audits = audit_evidence(records)
    parts = [ofsted_evidence(judgements, rules), audits]
    if exceptions is not None and len(exceptions):
        parts.append(exception_evidence(exceptions, rules))
    if public is not None and len(public):
        parts.append(funnel_evidence(public, rules))
    evidence = pd.concat(parts, ignore_index=True)
    evidence["first_seen"] = pd.to_datetime(evidence["first_seen"])
    evidence.attrs["withheld_audit_sections"] = int(audits.attrs.get("withheld", 0))
    return evidence


def withheld_note(evidence: pd.DataFrame) -> str:
    """A sentence on the audit sections left out of the evidence (empty when there are none).

    >>> frame = pd.DataFrame(columns=EVIDENCE_COLUMNS)
    >>> frame.attrs["withheld_audit_sections"] = 2
    >>> withheld_note(frame).startswith("2 audit sections are not judged")
    True
    """
    withheld = int(evidence.attrs.get("withheld_audit_sections", 0))
    if not withheld:
        return ""
    return (
        f"{withheld} audit section{'s are' if withheld != 1 else ' is'} not judged here: a grade "
        f"count is {disclosure_config.suppressed_wording()}, so the share of good or better answers "
        "is not shown or compared (the deep dive's analyst copy, NOT FOR PUBLICATION, has it)."
    )


def london_judgements() -> pd.DataFrame:
    """Ofsted's latest judgements for the 33 London boroughs."""
    from lscb_analysis.core import register

    return ofsted.latest_judgements(
        ofsted.read_inspection_history(), [la.la_number for la in register.london_boroughs()]
    )


def borough_support(log: pd.DataFrame) -> pd.DataFrame:
    """The valid rows of the support log that are support for one borough (not pan-London)."""
    return log[log["valid"].astype(bool) & (log["scope"] == "borough")]


def _period_end(label: object) -> pd.Timestamp:
    """The last day of a score card period ("2025Q4" -> 31 Dec 2025; a reporting year -> the
    end of its last quarter); NaT when the label is not a period."""
    from lscb_analysis.core.errors import ParameterError
    from lscb_analysis.scorecard import periods

    try:
        period = periods.parse_scorecard_period(str(label))
    except ParameterError:
        return pd.NaT
    if period is None:
        return pd.NaT
    return pd.Period(period.cutoff, freq="Q").end_time.normalize()


def scorecard_exceptions_by_pi() -> pd.DataFrame:
    """The latest score cards' exceptions: ``borough, pi_id, title, sub_group,
    scorecard_period, exceptions, first_seen`` (empty when no score card has been built with
    ``lscb scorecard build``).

    ``first_seen`` is the end of the earliest built score card period in which the same
    borough's PI had an exception (every ``scorecard_*.parquet`` in data/processed is read).
    """
    from lscb_analysis.core import paths

    built = sorted(paths.processed_dir().glob("scorecard_*.parquet"))
    columns = ["borough", "pi_id", "title", "sub_group", "scorecard_period", "exceptions"]
    if not built:
        return pd.DataFrame(columns=[*columns, "first_seen"])
    cards = []
    for file in built:
        card = pd.read_parquet(file)
        cards.append(card[card["exceptions"].fillna("").astype(str) != ""])
    rows = cards[-1][columns].reset_index(drop=True)
    history = pd.concat([c[["borough", "pi_id", "scorecard_period"]] for c in cards])
    history["first_seen"] = history["scorecard_period"].map(_period_end)
    first = history.groupby(["borough", "pi_id"])["first_seen"].min()
    rows["first_seen"] = [
        first.get((b, p), pd.NaT) for b, p in zip(rows["borough"], rows["pi_id"], strict=True)
    ]
    return rows


def scorecard_exceptions() -> pd.DataFrame:
    """Score card exceptions from the latest score cards built (``lscb scorecard build``).

    Returns:
        ``borough, sub_group, detail, first_seen`` (one row per PI exception, the detail
        naming the PI, the period and the rule; ``first_seen`` as
        :func:`scorecard_exceptions_by_pi`), or an empty frame when no score card is built.
    """
    rows = scorecard_exceptions_by_pi()
    detail = (
        rows["title"]
        + " ("
        + rows["scorecard_period"].astype(str)
        + "): "
        + rows["exceptions"].astype(str)
    )
    return pd.DataFrame(
        {
            "borough": rows["borough"],
            "sub_group": rows["sub_group"],
            "detail": detail,
            "first_seen": pd.to_datetime(rows["first_seen"]),
        }
    ).reset_index(drop=True)


def index_headlines(
    days: pd.DataFrame, targeted: pd.DataFrame, plan_summary: pd.DataFrame | None = None
) -> dict:
    """The review's headline values for the report index (totals, never a row of the log).

    Inputs: :func:`lscb_analysis.qa.support_log.support_days` (``days_used``, ``allowance``,
    optional ``chargeable_days``), :func:`targeting` (``finding``) and, optionally,
    :func:`lscb_analysis.qa.support_plan.plan_summary` (``kind_of_work, share_pct,
    plan_pct``). Output: ``{label: value}`` with the days used against the allowance, the
    excess days to charge, the support with no evidence of need and the evidence of need with
    no support (counts of borough and theme pairs) and each kind of work's share against the
    plan ("69% (plan 60%)"). Raises nothing.

    >>> days = pd.DataFrame({"days_used": [4.0, 12.5], "allowance": [10, 10]})
    >>> targeted = pd.DataFrame({"finding": ["support with no evidence of need",
    ...                                      "support matches evidence"]})
    >>> index_headlines(days, targeted)["Days used / allowance"]
    '16.5 of 20'
    >>> summary = pd.DataFrame({"kind_of_work": ["borough support"], "share_pct": [68.75],
    ...                         "plan_pct": [60.0]})
    >>> index_headlines(days, targeted, summary)["Share: borough support"]
    '69% (plan 60%)'
    """
    findings = targeted["finding"].value_counts()
    used = float(pd.to_numeric(days["days_used"], errors="coerce").sum())
    allowed = float(pd.to_numeric(days["allowance"], errors="coerce").sum())
    headlines = {
        "Days used / allowance": f"{used:g} of {allowed:g}",
        "Support with no evidence of need": int(
            findings.get("support with no evidence of need", 0)
        ),
        "Need with no support": int(findings.get("evidence of need with no support", 0)),
    }
    if "chargeable_days" in days.columns:
        excess = float(pd.to_numeric(days["chargeable_days"], errors="coerce").sum())
        headlines["Excess days to charge"] = f"{excess:g}"
    if plan_summary is not None:
        for row in plan_summary[plan_summary["plan_pct"].notna()].itertuples():
            share = f"{row.share_pct:.0f}%" if pd.notna(row.share_pct) else "not known"
            headlines[f"Share: {row.kind_of_work}"] = f"{share} (plan {row.plan_pct:g}%)"
    return headlines
