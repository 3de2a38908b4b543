"""Synthetic audit answers: seeded, so another seed gives other answers and the same seed the same."""

from __future__ import annotations

from lscb_analysis.demo import demo_audit_answers, demo_audit_specs
from lscb_analysis.qa import audit


def test_another_seed_gives_other_answers():
    config = audit.audit_config()
    spec = demo_audit_specs.DEMO_AUDITS[0]
    one = demo_audit_answers.fill_audit(spec, 0, 1, config)
    two = demo_audit_answers.fill_audit(spec, 0, 2, config)
    assert one != two
    assert one == demo_audit_answers.fill_audit(spec, 0, 1, config)
