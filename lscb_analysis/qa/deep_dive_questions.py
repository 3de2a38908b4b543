"""The questions a deep dive raises, and its headlines for the report index.

Built from the SPC verdicts (:mod:`lscb_analysis.present.latest`), the London funnels, the
quarterly pilot charts and the audit findings; a question says what to ask, never a count of
cases, and respects the output tier.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import indicators
from lscb_analysis.present import latest
from lscb_analysis.protect import disclosure, disclosure_config, disclosure_figures
from lscb_analysis.qa import (
    audit_analysis,
    audit_questions,
)
from lscb_analysis.qa.deep_dive import (
    DeepDiveScope,
)


def questions(
    scope: DeepDiveScope,
    spc: dict[str, pd.DataFrame],
    funnels: dict[str, tuple[pd.DataFrame, list[str]]],
    records: pd.DataFrame,
    quarterly: dict[str, pd.DataFrame] | None = None,
) -> list[str]:
    """The questions the signals raise, in plain English, for the board.

    From: special-cause variation at the latest period of the yearly published series
    (``spc``, :func:`~lscb_analysis.qa.deep_dive_trends.spc_frames`) and of the quarterly
    local values (``quarterly``,
    :func:`~lscb_analysis.qa.deep_dive_trends.quarterly_spc_frames`), as
    :func:`lscb_analysis.present.latest.latest_verdict` decides it: a latest period that is suppressed, missing or not yet due raises no SPC question
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
            # Say "allowing for over-dispersion" only when the limits were widened for it.
            allowing = " even allowing for over-dispersion" if frame.attrs.get("adjusted") else ""
            asked.append(
                f"{metadata.at[indicator_id, 'short_title']} is {side} London's 99.8% "
                f"funnel limit{allowing}: is this a real difference in practice, or in how "
                "the borough records it?"
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
                f"{disclosure_config.suppressed_wording()} and are not compared with "
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
            share = disclosure_figures.show_figure(
                f"{row['good_or_better_pct']:.1f}%",
                (row["good_or_better"], row["graded"], row["graded"] - row["good_or_better"]),
                suppressed=bool(hidden),
            )
    return {
        "Special causes": f"{special} of {assessed}",
        "Outside London's 99.8% limits": f"{outside} of {len(funnels)}",
        "Audit answers good or better": share,
    }
