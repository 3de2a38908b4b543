"""The deep dive's context: assessment factors, Ofsted judgements, audit findings and actions.

Tables for one borough (and theme): the assessment-factor breakdown, Ofsted's latest
judgements, the audit records and their tables (passed through the output tier), and the
actions log (overdue actions, re-audits due, score card exceptions with no action yet).
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import indicators, register
from lscb_analysis.protect import disclosure_config
from lscb_analysis.published import ofsted, public_data
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.qa import (
    audit_agreement,
    audit_analysis,
    audit_ingest,
    audit_trends,
)
from lscb_analysis.qa.deep_dive import (
    ENGLAND_CODE,
    LONDON_CODE,
    DeepDiveScope,
)


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
    records = audit_ingest.read_audit_records(borough=scope.area.name)
    return records[records["audit_id"].isin(scope.audit_ids)]


def audit_tables(
    records: pd.DataFrame, tier: str = disclosure_config.DEFAULT_TIER
) -> dict[str, pd.DataFrame]:
    """The audit findings for the output tier: small numbers suppressed for the board.

    Inputs: the audit records (:func:`audit_records`) and ``tier`` (``board``, the default:
    counts from 1 to 5 and what could be worked back from them suppressed; ``analyst``:
    unsuppressed, NOT FOR PUBLICATION).

    Returns:
        ``{"grades by section", "agreement between auditors", "moderation",
        "repeat audits"}`` -> tables from the audit findings modules, each passed
        through its ``for_tier(..., tier)``: shares with their 95% interval with the case as
        the cluster and the number of cases beside the answers; the design effect only on
        the analyst tier. Empty when there are no audits. :func:`audit_method_note` says
        how the intervals and the repeat-audit verdicts are worked out.

    Raises:
        ParameterError: an unknown tier.
    """
    tier = disclosure_config.validate_tier(tier)
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
        # suppressed section count of that audit. The deep dive is one borough's one theme,
        # so those two columns (the same in every row) are left out to keep the table narrow.
        "Repeat audits": audit_trends.protect_repeat_audits(sections, repeats, tier).drop(
            columns=["borough", "theme"], errors="ignore"
        ),
    }


def audit_method_note() -> str:
    """The methods behind the audit tables, as a sentence each for a report (Markdown).

    Output: text naming the clustered interval (:data:`lscb_analysis.qa.audit_analysis.ITEM_NOTE`)
    and the repeat-audit comparison (:data:`lscb_analysis.qa.audit_trends.TREND_TEST`), and
    how p-values are printed. Raises nothing.
    """
    return (
        f"**How the audit figures are worked out.** {audit_analysis.ITEM_NOTE} "
        f"{audit_trends.TREND_TEST} p-values are shown as p < 0.001 or to two significant "
        "figures."
    )


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
