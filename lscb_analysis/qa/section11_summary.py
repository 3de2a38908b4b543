"""Section 11 summaries for the board: who returned, ratings by standard and by agency, weak
ratings with no action, and each agency's score card challenge items.

Pure functions over the tables :mod:`lscb_analysis.qa.section11_ingest` writes (ratings and
files) and the score card table (:func:`lscb_analysis.scorecard.build.load_scorecard_table`).
A ``board`` of None means London: every board's returns.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.qa import section11

STATUS_WORDS = {
    "read": "in use",
    "superseded": "replaced by a later return",
    "rejected": "set aside",
    "skipped": "not a return",
}


def latest_scorecard() -> pd.DataFrame:
    """The latest score card table built (``data/processed/scorecard_<period>.parquet``, by
    ``lscb scorecard build`` or the pack); an empty table when none has been built."""
    return io.read_latest_processed("scorecard_")


def _for_board(table: pd.DataFrame, board: str | None) -> pd.DataFrame:
    return table if board is None else table[table["board"] == board]


def returns_table(files: pd.DataFrame, board: str | None = None) -> pd.DataFrame:
    """Every file received: ``board, agency, file, status`` (in words), ``reason``; a file
    set aside before its board was known shows under London only."""
    shown = files if board is None else files[files["board"] == board]
    return pd.DataFrame(
        {
            "board": shown["board"],
            "agency": shown["agency"],
            "file": shown["file"],
            "status": shown["status"].map(STATUS_WORDS).fillna(shown["status"]),
            "reason": shown["reason"],
        }
    ).reset_index(drop=True)


def _rating_counts(ratings: pd.DataFrame, by: list[str], config: dict | None) -> pd.DataFrame:
    names = section11.rating_names(config)
    counts = pd.crosstab(
        [ratings[column] for column in by], ratings["rating"].replace("", "not rated")
    )
    counts = counts.reindex(columns=[*names, "not rated"], fill_value=0)
    counts.columns.name = None
    rated = counts[names].sum(axis=1)
    counts["criteria"] = counts.sum(axis=1)
    counts["share_fully_met"] = (counts[names[0]] / rated.where(rated > 0)).astype(float)
    return counts.reset_index()


def by_standard(
    ratings: pd.DataFrame, board: str | None = None, config: dict | None = None
) -> pd.DataFrame:
    """Per standard (in the standards' order): how many criteria each rating got across the
    agencies, ``criteria`` and ``share_fully_met`` (of those rated)."""
    chosen = _for_board(ratings, board)
    columns = ["standard_id", "standard", *section11.rating_names(config)]
    if chosen.empty:
        return pd.DataFrame(columns=[*columns, "not rated", "criteria", "share_fully_met"])
    table = _rating_counts(chosen, ["standard_id", "standard"], config)
    order = {sid: n for n, sid in enumerate(section11.criteria(config)["standard_id"].unique())}
    return table.sort_values("standard_id", key=lambda s: s.map(order)).reset_index(drop=True)


def by_agency(
    ratings: pd.DataFrame, board: str | None = None, config: dict | None = None
) -> pd.DataFrame:
    """Per board and agency: the ratings' counts, ``criteria``, ``share_fully_met``, and
    ``weak_without_action`` (criteria not fully met with no action), worst share first."""
    chosen = _for_board(ratings, board)
    if chosen.empty:
        return pd.DataFrame(
            columns=[
                "board",
                "agency",
                *section11.rating_names(config),
                "not rated",
                "criteria",
                "share_fully_met",
                "weak_without_action",
            ]
        )
    table = _rating_counts(chosen, ["board", "agency"], config)
    missing = chosen[chosen["weak"] & (chosen["action"] == "")]
    gaps = missing.groupby(["board", "agency"]).size().rename("weak_without_action")
    table = table.merge(gaps.reset_index(), on=["board", "agency"], how="left")
    table["weak_without_action"] = table["weak_without_action"].fillna(0).astype(int)
    return table.sort_values(["share_fully_met", "board", "agency"]).reset_index(drop=True)


def weak_without_action(ratings: pd.DataFrame, board: str | None = None) -> pd.DataFrame:
    """Criteria rated not fully met with no action: ``board, agency, criterion_id,
    criterion, rating, evidence``, by board, agency and criterion."""
    chosen = _for_board(ratings, board)
    flagged = chosen[chosen["weak"] & (chosen["action"] == "")]
    columns = ["board", "agency", "criterion_id", "criterion", "rating", "evidence"]
    return flagged.sort_values(["board", "agency", "criterion_id"])[columns].reset_index(drop=True)


def challenge_items(
    ratings: pd.DataFrame, scorecard: pd.DataFrame, board: str | None = None
) -> pd.DataFrame:
    """Score card exceptions of the PIs each assessed agency supplies, on its board's card:
    ``board, agency, pi_id, title, exception_text``: what to raise at the agency's Section
    11 challenge meeting. Agencies are matched by their canonical names (the score card's
    ``source_agency``)."""
    columns = ["board", "agency", "pi_id", "title", "exception_text"]
    assessed = _for_board(ratings, board)[["board", "agency"]].drop_duplicates()
    if assessed.empty or scorecard.empty:
        return pd.DataFrame(columns=columns)
    flagged = scorecard[scorecard["exceptions"].fillna("") != ""].rename(
        columns={"borough": "board", "source_agency": "agency"}
    )
    items = assessed.merge(flagged, on=["board", "agency"], how="inner")
    return items.sort_values(["board", "agency", "pi_id"])[columns].reset_index(drop=True)


def headline(ratings: pd.DataFrame, board: str | None = None) -> str:
    """One sentence: how many agencies returned, and the share of criteria fully met."""
    chosen = _for_board(ratings, board)
    if chosen.empty:
        return "No Section 11 self-assessment has been returned yet."
    agencies = chosen[["board", "agency"]].drop_duplicates()
    rated = chosen[chosen["rating"] != ""]
    met = (rated["rating"] == section11.rating_names()[0]).mean() if len(rated) else 0.0
    weak = int((chosen["weak"] & (chosen["action"] == "")).sum())
    where = board or "London"
    return (
        f"{where}: {len(agencies)} agency self-assessment{'s' if len(agencies) != 1 else ''}; "
        f"{met:.0%} of criteria rated fully met; {weak} rated not fully met with no action."
    )


def index_headlines(ratings: pd.DataFrame, board: str | None = None) -> dict:
    """The report index's headline values: agencies assessed, share of criteria fully met,
    criteria not fully met with no action."""
    chosen = _for_board(ratings, board)
    rated = chosen[chosen["rating"] != ""]
    met = (rated["rating"] == section11.rating_names()[0]).mean() if len(rated) else None
    return {
        "Agencies assessed": len(chosen[["board", "agency"]].drop_duplicates()),
        "Criteria fully met": "none rated" if met is None else f"{met:.0%}",
        "Not fully met, no action": int((chosen["weak"] & (chosen["action"] == "")).sum()),
    }
