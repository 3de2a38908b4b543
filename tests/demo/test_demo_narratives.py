"""Synthetic sub-group narratives: SYNTHETIC, never overwriting, read by the narrative ingest."""

from __future__ import annotations

from lscb_analysis.cli import main as cli
from lscb_analysis.demo import demo_narratives
from lscb_analysis.scorecard import group_narrative


def test_two_of_barnets_groups_one_answering_its_exception(project, monkeypatch, capsys):
    raw = project / "data" / "raw"
    written = demo_narratives.write_demo_narratives(raw)
    assert sorted(p.name for p in written) == [
        "SYNTHETIC.md",
        "SYNTHETIC_barnet_performance_2025Q4_narrative.xlsx",
        "SYNTHETIC_barnet_private-fostering_2025Q4_narrative.xlsx",
    ]
    assert demo_narratives.write_demo_narratives(raw) == []
    monkeypatch.chdir(project)
    assert cli.main(["scorecard", "narrative-ingest"]) == 0
    parts, actions = group_narrative.read_narratives()
    assert set(parts["group"]) == {"performance", "private fostering"}
    assert actions.set_index("pi_id")["action"].str.startswith("SYNTHETIC").to_dict() == {
        "BF-CP-02": True,
        "BF-SG-02": False,
    }
    assert (
        cli.main(
            [
                "scorecard",
                "narrative-template",
                "--group",
                "neglect",
                "--borough",
                "Barnet",
                "--quarter",
                "2026Q1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "reports/scorecard/narratives/2026Q1/barnet_neglect_2026Q1_narrative.xlsx" in out
