"""The glossary (glossary.yaml)."""

from __future__ import annotations

import pytest
import yaml

from lscb_analysis.core.errors import CatalogueError
from lscb_analysis.model import glossary as glossary_module


def test_glossary_defines_the_shared_terms():
    glossary = glossary_module.load_glossary()
    terms = set(glossary["term"])
    assert {
        "contact",
        "referral",
        "re-referral",
        "assessment",
        "strategy discussion",
        "section 47 enquiry",
        "initial child protection conference",
        "child protection plan",
        "child in need",
        "looked after",
        "episode",
        "missing",
        "away from placement without authorisation",
        "care leaver",
        "early help assessment",
        "LADO allegation",
        "private fostering",
        "MARAC",
    } <= terms
    assert (glossary["definition"].str.len() > 40).all()
    assert (glossary["source"].str.len() > 5).all()


def test_glossary_problems_are_listed(tmp_path):
    path = tmp_path / "glossary.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "terms": [
                    {"term": "referral", "definition": "x", "source": "y"},
                    {"term": "Referral", "definition": "x"},
                    {"definition": "no term"},
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        glossary_module.load_glossary(path)
    message = str(caught.value)
    assert "3 problem(s)" in message and "more than once" in message
    assert "field 'source'" in message and "entry 3" in message
