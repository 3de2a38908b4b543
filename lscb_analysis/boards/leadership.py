"""The Leadership Board's Core Data Set for one board: the PIs by the questions they answer
and the stage of the child's journey, the challenge list for partner agencies, and the
annual review of the Core Data Set.

"The Leadership Board will review the Core Data Set quarterly and will use this to challenge
partner agencies on performance and in particular meeting agreed performance targets." Pure
functions over the score card table (one row per borough and PI) and the best-fit model's
catalogue (each PI's ``question`` and ``journey_stage``, ordered as
``data/reference/catalogue_enums.yaml`` lists them).
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.model import catalogue_enums


def core_data_set(rows: pd.DataFrame, pis: pd.DataFrame) -> pd.DataFrame:
    """The board's PIs arranged by question (what are the needs, how much did we do, how well
    did we do it, is anyone better off) and journey stage, in the code lists' order.

    Inputs: the board's score card rows; the catalogue's current PIs (``id, question,
    journey_stage``). Output: ``question, journey_stage, pi_id, title, value_text,
    target_text, target_icon, vs_london_text, travel_icon``.
    """
    enums = catalogue_enums.load_enums()
    questions = {q: n for n, q in enumerate(enums["questions"])}
    stages = {s: n for n, s in enumerate(enums["journey_stages"])}
    placed = rows.merge(
        pis[["id", "question", "journey_stage"]].rename(columns={"id": "pi_id"}),
        on="pi_id",
        how="left",
    )
    placed = placed.assign(
        _q=placed["question"].map(questions).fillna(len(questions)),
        _s=placed["journey_stage"].map(stages).fillna(len(stages)),
    ).sort_values(["_q", "_s", "position"])
    columns = [
        "question",
        "journey_stage",
        "pi_id",
        "title",
        "value_text",
        "target_text",
        "target_icon",
        "vs_london_text",
        "travel_icon",
    ]
    return placed[columns].reset_index(drop=True)


def challenge_list(rows: pd.DataFrame) -> pd.DataFrame:
    """Where partner agencies miss their agreed targets: ``agency, pi_id, title, value_text,
    target_text, how_far`` (the gap in the PI's unit, signed so that positive is the wrong
    side of the target), ``how_long`` ("consistently" when the score card's
    missing-the-target rule fired, else "this period"); the furthest off first per agency.
    """
    missed = rows[rows["target_status"] == "missed"].copy()
    columns = ["agency", "pi_id", "title", "value_text", "target_text", "how_far", "how_long"]
    if missed.empty:
        return pd.DataFrame(columns=columns)
    sign = missed["polarity"].map({"high": -1.0, "low": 1.0}).fillna(0.0)
    missed["how_far"] = ((missed["value"] - missed["target"]) * sign).round(
        missed["decimals"].astype(int).max()
    )
    persistent = missed["exceptions"].fillna("").str.contains("missing_target")
    missed["how_long"] = persistent.map({True: "consistently", False: "this period"})
    missed["agency"] = missed["source_agency"]
    ordered = missed.sort_values(["agency", "how_far"], ascending=[True, False])
    return ordered[columns].reset_index(drop=True)


def annual_review(table: pd.DataFrame, pis: pd.DataFrame) -> pd.DataFrame:
    """For the yearly review of the Core Data Set, each PI across London's boards: how many
    boards have a figure (``boards_with_figure`` of ``boards``), raised an exception
    (``boards_with_exception``) and had a data-quality error or query (``boards_with_dq``),
    with its question and stage. PIs few boards can report, or none act on, are the ones to
    question."""
    frame = table.assign(
        _figure=table["value"].notna(),
        _exception=table["exceptions"].fillna("") != "",
        _dq=table["dq_flag"].isin(["error", "query"]),
    )
    review = (
        frame.groupby(["pi_id", "title"], sort=False)
        .agg(
            boards=("borough", "nunique"),
            boards_with_figure=("_figure", "sum"),
            boards_with_exception=("_exception", "sum"),
            boards_with_dq=("_dq", "sum"),
        )
        .reset_index()
    )
    placed = review.merge(
        pis[["id", "question", "journey_stage"]].rename(columns={"id": "pi_id"}),
        on="pi_id",
        how="left",
    )
    return placed.sort_values(["boards_with_figure", "pi_id"]).reset_index(drop=True)
