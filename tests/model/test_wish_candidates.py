"""Wish-list items no PI covers, kept as candidates for the next version (hand-built items)."""

from __future__ import annotations

import pandas as pd

from lscb_analysis.model import wish_candidates


def item(borough, text, section="would_like", pi="", suggested="", barrier=""):
    return {
        "borough": borough,
        "item": text,
        "item_key": text.lower().strip(),
        "section": section,
        "pi_id": pi,
        "suggested_pi": suggested,
        "barrier": barrier,
    }


def test_every_wish_no_pi_covers_is_kept_with_boards_and_barriers():
    matched = pd.DataFrame(
        [
            item("Barnet", "Young carers identified", barrier="no system"),
            item("Brent", "young carers identified ", barrier="capacity"),
            item("Brent", "Health visitor caseloads", suggested="BF-WF-02"),
            item("Camden", "Outcomes of early help", pi="BF-EH-03"),  # covered by a PI
            item("Camden", "Referrals", section="collects"),  # collected, not a wish
        ]
    )
    table = wish_candidates.wanted_candidates(matched)
    assert table.values.tolist() == [
        ["Young carers identified", 2, 2, "capacity, no system", ""],
        ["Health visitor caseloads", 1, 1, "not stated", "BF-WF-02"],
    ]


def test_nothing_built_yet_is_an_empty_table(project):
    assert list(wish_candidates.load_candidates().columns) == wish_candidates.CANDIDATE_COLUMNS
