"""The questions a deep dive raises, and its index headlines."""

from __future__ import annotations

import pandas as pd
from qa_helpers import pilot_values_table, rereferral_scope

from lscb_analysis.qa import deep_dive, deep_dive_questions, deep_dive_trends
from lscb_analysis.stats.xmr import xmr


def test_quarterly_special_causes_raise_questions(public_indicators):
    scope = rereferral_scope(public_indicators, "analyst")
    values = pilot_values_table([20, 21, 20, 19, 20, 21, 20, 45])
    quarterly = deep_dive_trends.quarterly_spc_frames(scope, values)
    asked = deep_dive_questions.questions(scope, {}, {}, pd.DataFrame(), quarterly)
    assert asked[0] == (
        "Re-referrals (quarterly local figures) shows special-cause concern in "
        "Q3 2025-26: what changed in practice, demand or recording, and since when?"
    )
    note = deep_dive_trends.quarterly_note(scope, quarterly)
    assert "2024Q1 to 2025Q4" in note and "NOT FOR PUBLICATION" in note
    headlines = deep_dive_questions.index_headlines(scope, {}, {}, pd.DataFrame(), quarterly)
    assert headlines == {
        "Special causes": "1 of 1",
        "Outside London's 99.8% limits": "0 of 0",
        "Audit answers good or better": "no audit",
    }


def test_questions_follow_the_signals(public_indicators):
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", None, None
    )
    rising = xmr([20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 35], improvement="down")
    asked = deep_dive_questions.questions(scope, {"rereferral_pct": rising}, {}, pd.DataFrame())
    assert asked[0].startswith("Re-referrals shows special-cause concern")
    calm = xmr([20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 20], improvement="down")
    assert deep_dive_questions.questions(scope, {"rereferral_pct": calm}, {}, pd.DataFrame())[
        0
    ].startswith("No signal stands out")
