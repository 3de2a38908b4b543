"""Wish-list items no PI covers: candidates for the next version of the best-fit model.

The Phase I survey asked boards what data they "would like to collect, but which is difficult
to do so". :func:`wanted_candidates` keeps every such item that no PI of the model covers,
grouped by wording, with the boards that asked for it and the barriers they named;
``lscb model gaps`` writes them to ``data/processed/gap_candidates`` and the gap analysis shows
them beside the model (:func:`load_candidates`).
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import paths

CANDIDATE_COLUMNS = ["wanted_item", "boards", "items", "barriers", "suggested_pi"]


def wanted_candidates(matched: pd.DataFrame) -> pd.DataFrame:
    """Every wish-list item no PI of the model covers, kept as a candidate for the next
    version: grouped by wording (case, spaces and punctuation ignored), with the boards that
    asked for it and the barriers they named.

    Input: the matched survey items (:func:`lscb_analysis.model.item_matching.apply_confirmed`:
    ``section, item, item_key, borough, barrier, pi_id, suggested_pi, match_status``).
    Output: :data:`CANDIDATE_COLUMNS`: ``wanted_item`` (the first wording), ``boards``,
    ``items``, ``barriers``, ``suggested_pi`` (a PI suggested but not yet confirmed, if
    any), most boards first.
    """
    wishes = matched[(matched["section"] == "would_like") & (matched["pi_id"].fillna("") == "")]
    rows = [
        {
            "wanted_item": group["item"].iloc[0],
            "boards": group["borough"].nunique(),
            "items": len(group),
            "barriers": ", ".join(sorted({b for b in group["barrier"].fillna("") if b}))
            or "not stated",
            "suggested_pi": ", ".join(sorted({p for p in group["suggested_pi"].fillna("") if p})),
        }
        for _, group in wishes.groupby("item_key", sort=False)
    ]
    table = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    return table.sort_values(
        ["boards", "items", "wanted_item"], ascending=[False, False, True]
    ).reset_index(drop=True)


def load_candidates() -> pd.DataFrame:
    """``data/processed/gap_candidates`` (written by ``lscb model gaps``); an empty table when
    it has not been built."""
    path = paths.processed_dir() / "gap_candidates.parquet"
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame(columns=CANDIDATE_COLUMNS)
