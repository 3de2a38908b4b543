"""Shared helpers of the gap analysis and item matching tests: hand-built survey items.

``ITEMS`` are survey items of two boards (Barnet, Brent) built with ``item``; ``MODEL`` is the
real best-fit model v1.0 and ``RULES`` the gap rules; ``matched_fixture`` is the fixture
``matched``: the items with their suggested and applied matches (nothing confirmed yet).
Test modules import them (pytest's default import mode puts this folder on ``sys.path``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.model import catalogue, gap_analysis, item_matching

MODEL = catalogue.load_catalogue("1.0")
RULES = gap_analysis.load_rules()


def item(
    borough, text, section="collects", agency="", frequency="", code="", age="", barrier="", row=2
):
    return {
        "borough": borough,
        "section": section,
        "item": text,
        "description": "",
        "agency": agency,
        "frequency": frequency,
        "indicator_code": code,
        "age_range": age,
        "barrier": barrier,
        "used": True,
        "file": "r.xlsx",
        "sheet": "Data we collect",
        "row": row,
    }


ITEMS = pd.DataFrame(
    [
        # Barnet: LADO collected as the PI needs (quarterly, children's social care)
        item(
            "Barnet",
            "LADO allegations resolved within one month",
            agency="children's social care",
            frequency="quarterly",
            age="0-17",
        ),
        # Barnet: private fostering only annually: partial
        item(
            "Barnet",
            "Private fostering visits",
            agency="children's social care",
            frequency="annual",
            row=3,
        ),
        # Barnet: return home interviews wanted, with a barrier
        item(
            "Barnet",
            "Return home interviews",
            section="would_like",
            agency="voluntary sector",
            barrier="information sharing",
            row=4,
        ),
        # Brent: the board chose the Phase I code for MARAC
        item(
            "Brent",
            "High risk DA cases",
            code="DA02 MARAC cases",
            agency="police",
            frequency="quarterly",
        ),
    ]
)


@pytest.fixture(name="matched", scope="module")
def matched_fixture():
    """``ITEMS`` after ``suggest_matches`` and ``apply_confirmed`` with nothing confirmed."""
    suggested = item_matching.suggest_matches(ITEMS, MODEL, RULES)
    return item_matching.apply_confirmed(
        suggested, pd.DataFrame(columns=item_matching.MATCH_COLUMNS)
    )
