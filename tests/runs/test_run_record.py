"""Run records: an unchanged run is skipped; a changed input re-runs only its runs."""

from __future__ import annotations

import json
import time

import pytest

from lscb_analysis.runs import orchestrate

INPUT_PROBE = """# %% [markdown]
# # Probe that reads a shared input and one file per borough

# %% tags=["parameters"]
borough = "Barnet"

# %%
from lscb_analysis.core import paths, register
from lscb_analysis.runs import report_index
area = register.resolve(borough)
shared = (paths.project_dir() / "data/processed/probe_shared.txt").read_text()
own = (paths.project_dir() / f"data/processed/probe_{area.slug}.txt").read_text()
report_index.record_for_index({"Shared": shared, "Own": own}, period=2025, as_at="today")
"""


@pytest.mark.slow
def test_unchanged_runs_are_skipped_and_a_changed_input_reruns_only_its_runs(
    project, tmp_path, write_probe
):
    processed = project / "data" / "processed"
    for name, text in (("shared", "S1"), ("barnet", "B1"), ("brent", "R1")):
        (processed / f"probe_{name}.txt").write_text(text)
    write_probe(
        project,
        "input_probe",
        INPUT_PROBE,
        ["data/processed/probe_shared.txt", "data/processed/probe_{slug}.txt"],
    )

    def run(**options):
        results = orchestrate.run_notebook(
            "input_probe", "Barnet,Brent", jobs=2, out_dir=tmp_path, progress=False, **options
        )
        return {r.borough: r.status for r in results}

    assert run() == {"Barnet": "ok", "Brent": "ok"}
    clock = time.monotonic()
    assert run() == {"Barnet": "skipped", "Brent": "skipped"}
    assert time.monotonic() - clock < 5  # no worker is started when nothing changed
    outcomes = json.loads((tmp_path / "pack.json").read_text())["runs"]
    assert outcomes["input_probe/barnet"]["reason"].startswith("unchanged since")
    (processed / "probe_brent.txt").write_text("R2")
    assert run() == {"Barnet": "skipped", "Brent": "ok"}
    assert (
        "data/processed/probe_brent.txt changed"
        in json.loads((tmp_path / "pack.json").read_text())["runs"]["input_probe/brent"]["reason"]
    )
    manifest = json.loads((tmp_path / "input_probe" / "brent" / "manifest.json").read_text())
    assert manifest["index"]["headlines"] == {"Shared": "S1", "Own": "R2"}
    (processed / "probe_shared.txt").write_text("S2")
    assert run() == {"Barnet": "ok", "Brent": "ok"}
    assert run(force=True) == {"Barnet": "ok", "Brent": "ok"}
    page = (tmp_path / "index.html").read_text()
    assert "2 runs, 2 ok, 0 failed" in page
