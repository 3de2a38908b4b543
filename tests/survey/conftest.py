"""Shared fixtures for the survey tests: a small set of ingested items from three boards."""

from __future__ import annotations

import pandas as pd
import pytest


def item(
    borough,
    text,
    section="collects",
    agency="",
    frequency="",
    code="",
    used=True,
    usefulness=None,
    barrier="",
):
    return {
        "borough": borough,
        "section": section,
        "item": text,
        "description": "",
        "agency": agency,
        "frequency": frequency,
        "indicator_code": code,
        "used": used,
        "usefulness": usefulness,
        "barrier": barrier,
    }


@pytest.fixture
def items():
    return pd.DataFrame(
        [
            item(
                "Barnet",
                "Number of LADO allegations",
                agency="children's social care",
                frequency="quarterly",
                usefulness=5,
            ),
            item(
                "Barnet",
                "Missing episodes reported to police",
                agency="police",
                frequency="monthly",
                usefulness=4,
            ),
            item("Barnet", "Prevent referrals", agency="police", frequency="annual"),
            item(
                "Brent",
                "Something",
                code="CP06 Children on a child protection plan",
                agency="children's social care",
                frequency="annual",
                usefulness=3,
            ),
            item("Brent", "Prevent referral numbers", agency="police", frequency="annual"),
            item(
                "Brent",
                "Return home interviews",
                section="would_like",
                agency="police",
                barrier="information sharing",
            ),
            item("Brent", "Old list", used=False, agency="police"),
        ]
    )
