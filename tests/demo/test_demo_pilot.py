"""Synthetic pilot returns: deterministic, marked SYNTHETIC, never overwriting; the feasibility
notebook end to end on them through the real runner."""

from __future__ import annotations

import openpyxl
import pytest
from project_builders import demo_project

from lscb_analysis.core import io
from lscb_analysis.core.errors import RawDataWriteError
from lscb_analysis.demo import demo_pilot
from lscb_analysis.pilot import pilot_ingest, pilot_outputs
from lscb_analysis.runs import orchestrate


@pytest.fixture(scope="module")
def demo(tmp_path_factory, public_indicators):
    """The demo written once into a project that also has public_indicators built (shared
    with test_pilot_ingest: the demo takes seconds to build)."""
    root, _, written = demo_project(tmp_path_factory, public_indicators)
    return root, written


@pytest.mark.slow
def test_same_seed_same_bytes_and_times(demo, public_indicators):
    root, written = demo
    # Each borough's files depend only on the seed: rebuilding two of them is enough.
    again = demo_pilot.build_demo_pilot(published=public_indicators, only=["Barnet", "Southwark"])
    folder = root / "data" / "raw" / "pilot"
    assert sorted(again.files) == [
        "SYNTHETIC_barnet_pilot_return.xlsx",
        "SYNTHETIC_barnet_pilot_return_v2.xlsx",
        "SYNTHETIC_southwark_own_table.xlsx",
    ]
    for name, content in again.files.items():
        assert (folder / name).read_bytes() == content, name
    times = {p.name: p.stat().st_mtime for p in written}
    assert (
        times["SYNTHETIC_barnet_pilot_return_v2.xlsx"] > times["SYNTHETIC_barnet_pilot_return.xlsx"]
    )


def test_eleven_boroughs_one_agency_one_resubmission_all_synthetic(demo):
    root, written = demo
    names = sorted(p.name for p in written)
    assert len(names) == 14 and "SYNTHETIC.md" in names
    assert all(name.startswith("SYNTHETIC") for name in names)
    assert "SYNTHETIC_metropolitan_police_pilot_return.xlsx" in names
    assert "SYNTHETIC_barnet_pilot_return_v2.xlsx" in names
    marker = (root / "data" / "raw" / "pilot" / "SYNTHETIC.md").read_text()
    assert marker.startswith("# SYNTHETIC DEMO DATA")
    for borough in ("Barking and Dagenham", "Kingston upon Thames", "Waltham Forest"):
        assert borough in marker
    workbook = openpyxl.load_workbook(
        root / "data" / "raw" / "pilot" / "SYNTHETIC_brent_pilot_return.xlsx", read_only=True
    )
    first = next(workbook["Instructions"].iter_rows(max_row=1, values_only=True))[0]
    assert first.startswith("SYNTHETIC DEMO DATA")
    assert workbook.properties.created.year == 2026
    workbook.close()


def test_existing_returns_are_never_overwritten(demo, monkeypatch):
    root, written = demo
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    before = {p.name: io.sha256_of(p) for p in written}
    assert demo_pilot.write_demo_pilot(root / "data" / "raw") == []
    assert before == {p.name: io.sha256_of(p) for p in written}
    with pytest.raises(RawDataWriteError):
        io.create_raw_file(written[0], b"SYNTHETIC")


@pytest.mark.slow
def test_feasibility_notebook_end_to_end(demo, use_project, tmp_path):
    root, _ = demo
    use_project(root)
    folder = root / "data" / "raw" / "pilot"
    pilot_outputs.write_pilot_outputs(pilot_ingest.ingest_pilot(folder), source=folder)
    results = orchestrate.run_notebook(
        "pilot_feasibility", None, {}, jobs=1, out_dir=tmp_path / "reports", progress=False
    )
    assert [(r.status, r.error) for r in results] == [("ok", None)]
    html = (tmp_path / "reports" / "pilot_feasibility" / "london" / "report.html").read_text(
        encoding="utf-8"
    )
    assert "Pilot returns against best-fit model v1.0: London" in html
    assert "13 return(s) read (0 rejected)" in html
    assert "feasible now" in html and "to postpone" in html
    assert "Which PIs each borough provided" in html and "Run record" in html
    assert html.count('src="data:image/png;base64,') >= 3
    assert "pilot_provision.provision(" not in html  # code is hidden
