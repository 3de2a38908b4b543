"""The Operational and Leadership Board packs as `lscb pack` makes them on the demo."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_the_demo_pack_holds_both_boards_packs_for_barnet(demo_pack):
    reports = demo_pack["root"] / "reports"
    operational = (reports / "operational_board" / "barnet" / "report.html").read_text()
    for heading in (
        "Sub-group cards",
        "Exceptions across the sub-groups",
        "Overdue actions",
        "To report to the Leadership Board (draft)",
        "Audits and deep dives from the Quality Assurance sub-group",
    ):
        assert heading in operational, heading
    # The demo's performance narrative answers its exception; the board's audits are listed.
    assert "narrative: SYNTHETIC: a joint strategy-discussion rota agreed" in operational
    assert "SYNTHETIC-2026-barnet-neglect" in operational
    leadership = (reports / "leadership_board" / "barnet" / "report.html").read_text()
    for heading in (
        "The Core Data Set",
        "Challenge list: agreed targets missed",
        "Annual review of the Core Data Set",
    ):
        assert heading in leadership, heading
    assert "SYNTHETIC" in operational and "SYNTHETIC" in leadership
