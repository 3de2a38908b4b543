"""Questions audit findings raise for the deep dive: weak sections, low agreement, moderation.

Each question is a sentence with no counts of cases; on the board tier a figure computed
from a small count is replaced by the suppression wording.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lscb_analysis.protect import disclosure, disclosure_config, disclosure_figures
from lscb_analysis.qa import audit
from lscb_analysis.qa.audit_agreement import (
    KAPPA_METHOD,
    auditor_agreement,
    moderation_summary,
)
from lscb_analysis.qa.audit_analysis import (
    ITEM_NOTE,
    check_columns,
    grade_distribution,
)


def _figure_phrase(text: str, subject: str, counts, tier: str, suppressed: bool = False) -> str:
    """``text`` when the board may see it (:func:`lscb_analysis.protect.disclosure_figures.derived_visible`),
    else "<subject> is suppressed (fewer than 6)" (the wording from disclosure.yaml)."""
    if disclosure_figures.derived_visible(counts, tier, suppressed=suppressed):
        return text
    return f"{subject} is {disclosure_config.suppressed_wording()}"


def weak_sections(
    records: pd.DataFrame,
    threshold_pct: float | None = None,
    tier: str = disclosure_config.DEFAULT_TIER,
) -> pd.DataFrame:
    """Sections of each audit where few graded answers were good or better.

    Inputs: audit records; ``threshold_pct`` (None: ``analysis.weak_below_pct`` in
    audit_themes.yaml); ``tier`` (``board``: a section whose grade counts the board table
    suppresses is left out, since even "below 50%" is worked out from its suppressed counts;
    ``attrs["withheld"]`` counts every such section, weak or not, so the count says nothing
    about which were weak). Output: the weak sections, weakest first:
    ``audit_id, borough, theme, section, section_title, graded, good_or_better_pct, lower,
    upper, certainty`` ("clearly below" when the whole interval is under the threshold, else
    "below, but the interval reaches the threshold") and ``question`` (a sentence for "questions this raises": the share, its interval and the section's
    prompt; percentages only, no counts). Raises: InvalidArgumentError for a missing column;
    ParameterError for an unknown tier.
    """
    config = audit.audit_config()
    threshold = float(
        threshold_pct if threshold_pct is not None else config["analysis"]["weak_below_pct"]
    )
    columns = ["audit_id", "borough", "theme", "section"]
    table = grade_distribution(records, by=columns)
    hidden = disclosure.rows_with_suppression(
        table,
        tier,
        count_columns=table.attrs["count_columns"],
        column_total=table.attrs["column_total"],
    )
    weak = table[(table["good_or_better_pct"] < threshold) & ~hidden].copy()
    sections = config["sections"]
    weak["section_title"] = weak["section"].map(lambda s: sections[s]["title"])
    weak["certainty"] = np.where(
        weak["upper"] < threshold, "clearly below", "below, but the interval reaches the threshold"
    )
    weak["question"] = [
        f"{row.section_title} ({row.audit_id}): "
        + f"{row.good_or_better_pct:.0f}% of graded answers were good or better (95% "
        f"interval {row.lower:.0f}% to {row.upper:.0f}%), below {threshold:.0f}%. "
        f"{sections[row.section]['prompt']}"
        for row in weak.itertuples()
    ]
    out = weak[
        [
            "audit_id",
            "borough",
            "theme",
            "section",
            "section_title",
            "graded",
            "good_or_better_pct",
            "lower",
            "upper",
            "certainty",
            "question",
        ]
    ]
    out = out.sort_values(["good_or_better_pct", "audit_id"]).reset_index(drop=True)
    out.attrs.update(
        threshold_pct=threshold,
        note=ITEM_NOTE,
        count_columns=["graded"],
        withheld=int(hidden.sum()),
        rates={"good_or_better_pct": ["graded"], "lower": ["graded"], "upper": ["graded"]},
    )
    return out


def low_agreement(
    records: pd.DataFrame,
    kappa_below: float | None = None,
    moderation_above_pct: float | None = None,
    min_items: int | None = None,
    tier: str = disclosure_config.DEFAULT_TIER,
) -> pd.DataFrame:
    """Where auditors disagree, or moderation moves many grades: signals for the deep dive.

    Inputs: audit records; thresholds (None: the ``analysis`` section of audit_themes.yaml:
    ``kappa_low_below``, ``moderation_changed_above_pct``, ``min_items``). Checked for each
    audit as a whole ("all agencies") and for each agency in it.
    Output: one row per signal: ``audit_id, borough, theme, agency, measure`` ("auditor
    agreement", "moderation" or "too few double-marked"), ``items``, ``value`` (kappa, or the
    % of moderated grades changed), ``lower``, ``upper``, ``question`` (a sentence; no counts
    of cases; on the board tier a figure computed from a count from 1 to the threshold, or
    its complement, is replaced by the suppression wording via
    :func:`lscb_analysis.protect.disclosure_figures.show_figure`). Raises: InvalidArgumentError for a missing
    column; ParameterError for an unknown tier.
    """
    config = audit.audit_config()
    settings = config["analysis"]
    kappa_limit = float(kappa_below if kappa_below is not None else settings["kappa_low_below"])
    moderation_limit = float(
        moderation_above_pct
        if moderation_above_pct is not None
        else settings["moderation_changed_above_pct"]
    )
    minimum = int(min_items if min_items is not None else settings["min_items"])
    check_columns(records, ["audit_id", "borough", "theme", "agency"])
    rows = []
    levels = (["audit_id", "borough", "theme"], ["audit_id", "borough", "theme", "agency"])
    for columns in levels:
        agreement = auditor_agreement(records, by=columns)
        for row in agreement.itertuples(index=False):
            who = audit.agency_sheet_title(row.agency) if "agency" in columns else "all agencies"
            base = {
                "audit_id": row.audit_id,
                "borough": row.borough,
                "theme": row.theme,
                "agency": who,
            }
            if row.items < minimum:
                if "agency" not in columns:
                    rows.append(
                        {
                            **base,
                            "measure": "too few double-marked",
                            "items": row.items,
                            "value": np.nan,
                            "lower": np.nan,
                            "upper": np.nan,
                            "question": f"{row.audit_id}: too few answers were "
                            "double-marked to judge whether auditors grade alike. Should "
                            "more cases be double-marked next time?",
                        }
                    )
                continue
            if np.isfinite(row.kappa) and row.kappa < kappa_limit:
                rows.append(
                    {
                        **base,
                        "measure": "auditor agreement",
                        "items": row.items,
                        "value": row.kappa,
                        "lower": row.kappa_lower,
                        "upper": row.kappa_upper,
                        "question": f"{row.audit_id}, {who}: "
                        + _figure_phrase(
                            "auditors gave the same grade in "
                            f"{row.agreement_pct:.0f}% of double-marked answers (weighted "
                            f"kappa {row.kappa:.2f}, 95% interval {row.kappa_lower:.2f} "
                            f"to {row.kappa_upper:.2f}; {row.strength} agreement)",
                            f"auditor agreement ({row.strength})",
                            (row.agreed, row.items, row.items - row.agreed, row.cases),
                            tier,
                        )
                        + ". Are the grade descriptors understood the same "
                        "way across the partnership?",
                    }
                )
        moderation = moderation_summary(records, by=columns)
        for row in moderation.itertuples(index=False):
            if row.moderated < minimum or not row.changed_pct > moderation_limit:
                continue
            who = audit.agency_sheet_title(row.agency) if "agency" in columns else "all agencies"
            rows.append(
                {
                    "audit_id": row.audit_id,
                    "borough": row.borough,
                    "theme": row.theme,
                    "agency": who,
                    "measure": "moderation",
                    "items": row.moderated,
                    "value": row.changed_pct,
                    "lower": row.changed_lower,
                    "upper": row.changed_upper,
                    "question": f"{row.audit_id}, {who}: "
                    + _figure_phrase(
                        f"moderation changed {row.changed_pct:.0f}% of the grades it "
                        f"reviewed ({row.direction})",
                        f"the share of grades moderation changed ({row.direction})",
                        (row.moderated, row.confirmed, row.moved_up, row.moved_down),
                        tier,
                    )
                    + ". "
                    "What does this say about how auditors read the evidence, and is "
                    "auditor training needed?",
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "audit_id",
            "borough",
            "theme",
            "agency",
            "measure",
            "items",
            "value",
            "lower",
            "upper",
            "question",
        ],
    )
    out.attrs.update(
        kappa_below=kappa_limit,
        moderation_above_pct=moderation_limit,
        min_items=minimum,
        method=KAPPA_METHOD,
    )
    return out
