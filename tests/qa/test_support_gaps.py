"""Ranking the places where evidence shows need and no support was given."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError
from lscb_analysis.qa import support_gaps, support_review

RANKING = support_gaps.ranking_config()
AS_AT = pd.Timestamp("2026-03-31")


def evidence(rows):
    return pd.DataFrame(
        [
            {
                "borough": b,
                "theme": t,
                "source": s.split()[0],
                "detail": "d",
                "signal": s,
                "first_seen": pd.Timestamp(f) if f else pd.NaT,
            }
            for b, t, s, f in rows
        ],
        columns=support_review.EVIDENCE_COLUMNS,
    )


EVIDENCE = evidence(
    [
        # Barnet neglect: supported, so never in the list
        ("Barnet", "Neglect", "Ofsted inadequate", "2024-01-10"),
        # Brent neglect: Ofsted requires improvement (2) + score card exception (1) = 3, 2 signals
        ("Brent", "Neglect", "Ofsted requires improvement", "2024-06-01"),
        ("Brent", "Neglect", "Score card exception", "2025-12-31"),
        # Camden early help: Ofsted inadequate (3), 1 signal: same strength, fewer signals
        ("Camden", "Early help", "Ofsted inadequate", "2023-11-20"),
        # Ealing neglect and Enfield neglect: one exception each (1); Enfield's is older
        ("Ealing", "Neglect", "Score card exception", "2025-12-31"),
        ("Enfield", "Neglect", "Audit weak section", "2025-06-30"),
        # Harrow: one undated audit signal (1): ties on strength and signals, ranks last
        ("Harrow", "Neglect", "Audit weak section", None),
    ]
)
SUPPORT = pd.DataFrame({"borough": ["Barnet"], "theme": ["Neglect"], "days": [4.0]})


def test_ranked_by_strength_then_signals_then_oldest_first():
    targeted = support_review.targeting(SUPPORT, EVIDENCE)
    ranked = support_gaps.rank_unmet_need(targeted, EVIDENCE, as_at=AS_AT, ranking=RANKING)
    # by hand: Brent (3, 2 signals), Camden (3, 1), Enfield (1, 1, 30 Jun 2025),
    # Ealing (1, 1, 31 Dec 2025), Harrow (1, 1, undated)
    assert ranked["borough"].tolist() == ["Brent", "Camden", "Enfield", "Ealing", "Harrow"]
    assert ranked["need_rank"].tolist() == [1, 2, 3, 4, 5]
    assert ranked["evidence_strength"].tolist() == [3.0, 3.0, 1.0, 1.0, 1.0]
    assert ranked["signals"].tolist() == [2, 1, 1, 1, 1]
    brent = ranked.iloc[0]
    assert brent["signal_mix"] == "Ofsted requires improvement x1; Score card exception x1"
    # first signal 1 Jun 2024; to 31 Mar 2026: 30 + 31 + 31 + 30 + 31 + 30 + 31 (Jun-Dec 2024)
    # = 214 days to 1 Jan 2025, + 365 (2025) = 579 to 1 Jan 2026, + 31 + 28 + 30 = 668.
    assert brent["first_seen"] == pd.Timestamp("2024-06-01") and brent["days_waiting"] == 668
    # 2024Q2 to 2026Q1: 7 quarters
    assert brent["quarters_waiting"] == 7
    assert pd.isna(ranked.iloc[-1]["days_waiting"])


def test_a_stated_order_changes_the_ranking_and_ties_share_a_rank():
    targeted = support_review.targeting(SUPPORT, EVIDENCE)
    # Oldest signal first: Camden (Nov 2023), Brent (Jun 2024), Enfield, Ealing, Harrow.
    oldest = {**RANKING, "order": ["first_seen"]}
    ranked = support_gaps.rank_unmet_need(targeted, EVIDENCE, as_at=AS_AT, ranking=oldest)
    assert ranked["borough"].tolist() == ["Camden", "Brent", "Enfield", "Ealing", "Harrow"]
    # Strength only: Brent and Camden tie at 3 (rank 1), the three at 1 tie (rank 3).
    strength = {**RANKING, "order": ["strength"]}
    ranked = support_gaps.rank_unmet_need(targeted, EVIDENCE, as_at=AS_AT, ranking=strength)
    assert ranked["need_rank"].tolist() == [1, 1, 3, 3, 3]


def test_weights_come_from_the_yaml_and_bad_configuration_is_named():
    assert RANKING["weights"]["Ofsted inadequate"] == 3.0
    assert RANKING["order"] == ["strength", "signals", "first_seen"]
    with pytest.raises(ReferenceDataError, match="ranking.order"):
        support_gaps.ranking_config({"ranking": {"weights": {}, "order": ["size"]}})
    with pytest.raises(ReferenceDataError, match="ranking.weights"):
        support_gaps.ranking_config({})
    targeted = support_review.targeting(SUPPORT, EVIDENCE)
    with pytest.raises(ReferenceDataError, match="no weight for Audit weak section"):
        support_gaps.rank_unmet_need(
            targeted,
            EVIDENCE,
            as_at=AS_AT,
            ranking={"weights": {"Ofsted inadequate": 3}, "order": ["strength"]},
        )
    with pytest.raises(InvalidArgumentError, match="evidence: missing column"):
        support_gaps.rank_unmet_need(targeted, EVIDENCE.drop(columns="signal"))


def test_nothing_unmet_gives_an_empty_list_and_a_plain_sentence():
    supported = pd.DataFrame(
        {
            "borough": EVIDENCE["borough"].unique(),
            "theme": EVIDENCE.drop_duplicates("borough")["theme"],
            "days": 1.0,
        }
    )
    targeted = support_review.targeting(supported, EVIDENCE)
    ranked = support_gaps.rank_unmet_need(targeted, EVIDENCE, as_at=AS_AT, ranking=RANKING)
    assert ranked.empty and list(ranked.columns) == support_gaps.RANK_COLUMNS
    assert support_gaps.unmet_headline(ranked).startswith("No place shows evidence")


def test_headline_names_the_strongest_and_the_longest_waiting():
    targeted = support_review.targeting(SUPPORT, EVIDENCE)
    ranked = support_gaps.rank_unmet_need(targeted, EVIDENCE, as_at=AS_AT, ranking=RANKING)
    text = support_gaps.unmet_headline(ranked)
    # Camden's Ofsted signal (20 Nov 2023) is the oldest: 20 Nov -> 1 Jan 2024 = 11 + 31 = 42
    # days; 1 Jan 2024 -> 1 Jan 2026 = 366 + 365 = 731; 1 Jan -> 31 Mar 2026 = 31 + 28 + 30 =
    # 89; 42 + 731 + 89 = 862 days.
    assert text.startswith("5 places where evidence shows need and no support was given")
    assert "strongest evidence is Brent, Neglect (strength 3)" in text
    assert "longest waiting is Camden, Early help (862 days" in text
