"""Shared helpers of the model room's catalogue tests: a small valid catalogue built by hand.

``make_doc`` gives a valid catalogue document (one goal, one cluster of a national, a local
and a postponed PI); ``write_doc`` writes it as ``v<version>.yaml``; ``problems_of`` loads a
document expected to be invalid and returns the error message; ``pi_of`` picks a PI of a
document; ``doc_fixture`` is the fixture ``doc``, a fresh ``make_doc()``. Test modules import
them (pytest's default import mode puts this folder on ``sys.path``).
"""

from __future__ import annotations

import pytest
import yaml

from lscb_analysis.core.errors import CatalogueError
from lscb_analysis.model import catalogue


def national_pi(pi_id="BF-TS-01", **changes):
    pi = {
        "id": pi_id,
        "title": "Re-referrals within 12 months (%)",
        "definition": "Referrals within 12 months of a previous referral, as a percentage.",
        "numerator": "Re-referrals in the period",
        "denominator": "Referrals in the period",
        "unit": "percent",
        "polarity": "low",
        "decimals": 1,
        "rating": "critical",
        "journey_stage": "protection",
        "sub_group": "performance",
        "question": "is anyone better off",
        "age_range": "0-17",
        "frequency": "quarterly",
        "source": {
            "type": "national",
            "dataset": "DfE CIN census",
            "indicator": "rereferral_pct",
            "agency": "children's social care",
        },
        "candidate_code": "REF02",
        "keywords": ["re-referrals", "repeat referrals"],
        "national_reference": "DfE table C1",
        "target": {"value": 20, "basis": "Board aim"},
        "status": "current",
    }
    pi.update(changes)
    return pi


def local_pi(pi_id="BF-TS-02", **changes):
    pi = {
        "id": pi_id,
        "title": "Missing episodes per 10,000 children",
        "definition": "Missing episodes reported to police, per 10,000 children.",
        "numerator": "Missing episodes",
        "denominator": "Children aged 0-17 / 10,000",
        "unit": "rate_per_10000",
        "polarity": "none",
        "decimals": 1,
        "rating": "universal outcome",
        "journey_stage": "prevention and early help",
        "sub_group": "young and safe (exploitation and missing)",
        "question": "what are the needs",
        "age_range": "0-17",
        "frequency": "quarterly",
        "source": {"type": "local", "agency": "police", "collection": "Police missing records"},
        "candidate_code": "MIS01",
        "keywords": ["missing episodes"],
        "national_reference": None,
        "target": None,
        "status": "current",
    }
    pi.update(changes)
    return pi


def postponed_pi(pi_id="BF-TS-03", **changes):
    pi = national_pi(
        pi_id,
        title="CSE as an assessment factor (%)",
        polarity="none",
        rating="priority outcome",
        source={
            "type": "national",
            "dataset": "DfE CIN census factors",
            "indicator": None,
            "agency": "children's social care",
        },
        candidate_code=None,
        target=None,
        status="postponed",
        postponed={"reason": "Experimental statistics", "phase": "Phase III"},
    )
    pi.update(changes)
    return pi


def make_doc(version="1.0", clusters=None):
    """A valid catalogue document: one goal, one cluster of three PIs unless given."""
    if clusters is None:
        clusters = [
            {
                "id": "G1.1",
                "title": "Cluster one",
                "narrative": "What they show.",
                "pis": [national_pi(), local_pi(), postponed_pi()],
            }
        ]
    return {
        "version": version,
        "date": "2016-07-08",
        "consultation": "A seminar",
        "changes": ["First draft"],
        "goals": [
            {
                "id": "G1",
                "title": "Goal one",
                "short_title": "One",
                "description": "About goal one.",
                "clusters": clusters,
            }
        ],
    }


def write_doc(folder, doc, version=None):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"v{version or doc.get('version', '1.0')}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def problems_of(tmp_path, doc, version="1.0"):
    """Load a document expected to be invalid; return the error message."""
    path = write_doc(tmp_path / "model", doc, version)
    with pytest.raises(CatalogueError) as caught:
        catalogue.load_catalogue(path=path)
    return str(caught.value)


@pytest.fixture(name="doc")
def doc_fixture():
    """A fresh valid document (``make_doc()``); test modules import it to use ``doc``."""
    return make_doc()


def pi_of(doc, number=0):
    return doc["goals"][0]["clusters"][0]["pis"][number]
