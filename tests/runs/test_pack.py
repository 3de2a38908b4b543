"""Report packs: planning from notebooks.yaml, prerequisite steps, stages, and the Dask executor."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from lscb_analysis.core.errors import ParameterError, ReferenceDataError
from lscb_analysis.runs import orchestrate, pack

BOROUGH_PROBE = """# %% [markdown]
# # Pack probe, per borough

# %% tags=["parameters"]
borough = "Barnet"
period = None

# %%
import pandas as pd
from lscb_analysis.core import paths, register
from lscb_analysis.runs import report_index
area = register.resolve(borough)
print("project", paths.project_dir())
table = pd.read_csv(paths.project_dir() / "data/reference/la_register.csv", dtype=str)
in_region = int((table["region"] == area.region).sum())
report_index.record_for_index({"LAs in region": in_region, "DfE number": area.la_number},
                              period=period, as_at="31 March 2025")
"""

LONDON_PROBE = """# %% [markdown]
# # Pack probe, London-wide: runs after the borough runs

# %% tags=["parameters"]
reports = "reports"

# %%
from pathlib import Path
from lscb_analysis.runs import report_index
done = sorted(p.parent.name for p in Path(reports).glob("pack_probe/*/manifest.json"))
report_index.record_for_index({"Borough runs before me": len(done)})
"""

PREREQUISITES = {
    "public_indicators": {
        "title": "Published statistics",
        "command": ["data", "build"],
        "inputs": ["data/external", "data/reference/indicators.csv"],
        "outputs": ["data/processed/public_indicators.parquet"],
    },
    "survey_ingest": {
        "title": "Survey returns",
        "command": ["survey", "ingest"],
        "only_when": "data/raw/survey",
        "inputs": ["data/raw/survey"],
        "outputs": ["data/processed/survey_issues.csv"],
    },
}


def _registry(project, notebooks: dict, prerequisites: dict | None = None) -> None:
    content = {**notebooks, "prerequisites": prerequisites or {}}
    (project / "data" / "reference" / "notebooks.yaml").write_text(
        yaml.safe_dump(content, sort_keys=False)
    )


def _probes(project) -> None:
    notebooks = project / "notebooks"
    for link in notebooks.iterdir():
        link.unlink()
    (notebooks / "pack_probe.py").write_text(BOROUGH_PROBE)
    (notebooks / "london_probe.py").write_text(LONDON_PROBE)


def test_plan_orders_notebooks_and_skips_what_does_not_apply(project):
    _probes(project)
    (project / "notebooks" / "survey_probe.py").write_text(LONDON_PROBE)
    _registry(
        project,
        {
            "london_probe": {
                "title": "L",
                "scope": "london",
                "inputs": [],
                "pack": {"depends_on": ["pack_probe"]},
            },
            "pack_probe": {
                "title": "B",
                "scope": "borough",
                "inputs": [],
                "pack": {"needs": ["public_indicators"]},
            },
            "survey_probe": {
                "title": "S",
                "scope": "london",
                "inputs": [],
                "pack": {"needs": ["survey_ingest"]},
            },
        },
        PREREQUISITES,
    )
    plan = pack.plan_pack(2025, "Barnet, Brent")
    assert [[spec.key for spec in stage] for stage in plan.stages] == [
        ["pack_probe/barnet", "pack_probe/brent"],
        ["london_probe/london"],
    ]
    assert plan.runs[0].parameters == {"borough": "Barnet", "period": 2025}
    assert plan.runs[2].parameters == {}  # the London probe has no period parameter
    assert plan.not_applicable == [
        ("survey_probe", "no files in data/raw/survey for survey_ingest")
    ]
    assert [(s.step.name, s.action) for s in plan.steps] == [("public_indicators", "run")]
    assert len(pack.plan_pack(None, "england").stages[0]) == 153
    with pytest.raises(ParameterError, match="--boroughs.*Barnit"):
        pack.plan_pack(None, "Barnit")


def test_a_dependency_loop_is_reported(project):
    _probes(project)
    _registry(
        project,
        {
            "pack_probe": {"scope": "borough", "pack": {"depends_on": ["london_probe"]}},
            "london_probe": {"scope": "london", "pack": {"depends_on": ["pack_probe"]}},
        },
    )
    with pytest.raises(ReferenceDataError, match="form a loop"):
        pack.plan_pack()


def test_step_state_follows_outputs_and_input_hashes(project):
    step = pack.Prerequisite(
        "probe", "Probe", ("index",), ("data/processed/in.txt",), ("data/processed/out.txt",)
    )
    processed = project / "data" / "processed"
    (processed / "in.txt").write_text("one")
    assert pack.step_state(step).reason == "data/processed/out.txt is missing"
    (processed / "out.txt").write_text("built")
    assert pack.step_state(step).action == "fresh"  # outputs newer than inputs, now recorded
    (processed / "in.txt").write_text("two")
    assert pack.step_state(step).reason == "data/processed/in.txt changed"
    pack.record_step(step)
    assert pack.step_state(step).action == "fresh"
    assert pack.step_state(step, force=True).action == "run"
    pack.record_step(step, running=True)  # started and never finished (Ctrl-C, a crash)
    assert pack.step_state(step).reason == "its last run did not finish"


@pytest.mark.slow
def test_a_pack_builds_data_then_runs_stages_then_skips_unchanged(project):
    _probes(project)
    _registry(
        project,
        {
            "pack_probe": {
                "title": "B",
                "scope": "borough",
                "inputs": ["data/processed/public_indicators.parquet"],
                "pack": {"needs": ["public_indicators"]},
            },
            "london_probe": {
                "title": "L",
                "scope": "london",
                "inputs": [],
                "pack": {"depends_on": ["pack_probe"]},
            },
        },
        PREREQUISITES,
    )
    plan, steps, results = orchestrate.run_pack(None, "Barnet,Brent", progress=False)
    assert [(s.name, s.status) for s in steps] == [("public_indicators", "ran")]
    assert (project / "data" / "processed" / "public_indicators.parquet").is_file()
    assert [(r.notebook, r.borough, r.status) for r in results] == [
        ("pack_probe", "Barnet", "ok"),
        ("pack_probe", "Brent", "ok"),
        ("london_probe", "London", "ok"),
    ]
    # The London-wide notebook ran after both borough runs had been installed.
    assert results[2].index["headlines"] == {"Borough runs before me": 2}
    reports = project / "reports"
    assert (reports / "index.html").is_file() and (reports / "index.csv").is_file()
    done = subprocess.run(
        [sys.executable, "-m", "lscb_analysis", "pack", "--boroughs", "Barnet,Brent", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "LSCB_PROJECT_DIR": str(project)},
    )
    assert done.returncode == 0, done.stderr
    assert "Step public_indicators: fresh (inputs unchanged)" in done.stdout
    assert (
        "3 of 3 runs ok (0 ran, 3 unchanged since the last successful run, skipped)" in done.stdout
    )
    assert (
        "3 runs, 3 ok, 0 failed (3 ok reports unchanged since their last run)."
        in (reports / "index.html").read_text()
    )


def _comparable(out, notebook: str, slug: str) -> dict:
    manifest = json.loads((out / notebook / slug / "manifest.json").read_text())
    assert (out / notebook / slug / "report.html").is_file()
    return {
        key: manifest[key]
        for key in (
            "status",
            "parameters",
            "inputs",
            "index",
            "package_version",
            "code_fingerprint",
        )
    }


@pytest.mark.slow
def test_dask_executor_gives_the_same_outputs_as_local(project, tmp_path):
    distributed = pytest.importorskip("distributed")
    _probes(project)
    _registry(
        project,
        {
            "pack_probe": {
                "title": "B",
                "scope": "borough",
                "inputs": ["data/reference/la_register.csv"],
            }
        },
    )
    local, remote, shared = tmp_path / "local", tmp_path / "dask", tmp_path / "shared"
    _, _, by_local = orchestrate.run_pack(2025, "Barnet,Manchester", out_dir=local, progress=False)
    # An existing cluster, reached by its address; the client ships the inputs.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        _, _, by_dask = orchestrate.run_pack(
            2025,
            "Barnet,Manchester",
            out_dir=remote,
            progress=False,
            executor="dask",
            scheduler=cluster.scheduler_address,
        )
    assert [r.status for r in by_local] == [r.status for r in by_dask] == ["ok", "ok"]
    for slug in ("barnet", "manchester"):
        assert _comparable(remote, "pack_probe", slug) == _comparable(local, "pack_probe", slug)
    manchester = _comparable(remote, "pack_probe", "manchester")
    assert manchester["index"]["headlines"]["DfE number"] == "352"
    assert manchester["index"]["period"] == 2025
    # The run read the shipped copy of the inputs on the worker, not the project folder.
    executed = (remote / "pack_probe" / "barnet" / "pack_probe.ipynb").read_text()
    assert "lscb-projects" in executed and str(project) not in executed
    # Without an address a local cluster is started; --shared-path reads the project itself.
    _, _, by_shared = orchestrate.run_pack(
        2025, "Barnet", out_dir=shared, progress=False, executor="dask", jobs=1, ship_inputs=False
    )
    assert _comparable(shared, "pack_probe", "barnet") == _comparable(local, "pack_probe", "barnet")
    assert str(project) in (shared / "pack_probe" / "barnet" / "pack_probe.ipynb").read_text()


def _step_probe(project) -> None:
    """A pack whose one notebook needs one step, ``probe``."""
    _probes(project)
    _registry(
        project,
        {
            "pack_probe": {
                "title": "B",
                "scope": "borough",
                "inputs": [],
                "pack": {"needs": ["probe"]},
            }
        },
        {
            "probe": {
                "title": "Probe",
                "command": ["probe"],
                "outputs": ["data/processed/probe.txt"],
            }
        },
    )


def test_a_step_whose_reports_hold_an_identifier_fails_and_publishes_nothing(project, monkeypatch):
    # A step writing under reports/ (as the pilot ingest's checked copies and the score card
    # workbooks do) is scanned like a run: a hit fails the step and withholds what it wrote.
    reports = project / "reports"
    (reports / "earlier").mkdir(parents=True)
    earlier = reports / "earlier" / "kept.csv"
    earlier.write_text("borough,value\nBarnet,12\n")
    os.utime(earlier, (1_600_000_000, 1_600_000_000))  # written before the step
    writer = (
        "import pathlib, sys; folder = pathlib.Path(sys.argv[1]); "
        "folder.mkdir(parents=True, exist_ok=True); "
        "(folder / 'checked.csv').write_text('child,nhs\\nA,943 476 5919\\n'); "
        "(folder / 'clean.csv').write_text('borough,value\\nBarnet,3\\n')"
    )
    monkeypatch.setattr(
        pack, "step_command", lambda step: [sys.executable, "-c", writer, str(reports / "pilot")]
    )
    _step_probe(project)
    plan = pack.plan_pack(None, "Barnet", None, False)
    [step] = orchestrate.run_prerequisites(plan)
    assert step.status == "failed"
    assert "pilot/checked.csv" in step.output and "nhs_number" in step.output
    assert "943 476 5919" not in step.output and "9**********9" in step.output
    assert not (reports / "pilot" / "checked.csv").exists()
    assert not (reports / "pilot" / "clean.csv").exists()  # everything the step wrote
    assert earlier.is_file()


def test_a_clean_step_output_is_kept(project, monkeypatch):
    writer = (
        "import pathlib, sys; folder = pathlib.Path(sys.argv[1]); "
        "folder.mkdir(parents=True, exist_ok=True); "
        "(folder / 'clean.csv').write_text('borough,value\\nBarnet,3\\n')"
    )
    out = project / "reports" / "pilot"
    monkeypatch.setattr(pack, "step_command", lambda step: [sys.executable, "-c", writer, str(out)])
    _step_probe(project)
    [step] = orchestrate.run_prerequisites(pack.plan_pack(None, "Barnet", None, False))
    assert step.status == "ran" and (out / "clean.csv").is_file()


def test_runs_that_read_nothing_a_running_step_writes_go_on_beside_the_steps():
    from types import SimpleNamespace as Item

    registry = {
        "profile": {"pack": {"needs": ["public_indicators"]}},
        "card": {"pack": {"needs": ["public_indicators"], "uses": ["pilot_ingest"]}},
        "summary": {"pack": {"depends_on": ["card"]}},
        "index_page": {"pack": {"depends_on": ["profile"]}},
    }
    stages = [
        [Item(notebook="profile"), Item(notebook="card")],
        [Item(notebook="summary"), Item(notebook="index_page")],
    ]
    running = [
        Item(step=Item(name="public_indicators"), action="skip"),
        Item(step=Item(name="pilot_ingest"), action="run"),
    ]
    now, after = pack.split_on_steps(pack.PackPlan(None, "london", running, stages), registry)
    names = (
        [[run.notebook for run in stage] for stage in now],
        [[run.notebook for run in stage] for stage in after],
    )
    # The profile reads no step that runs; the card uses the pilot ingest, and the summary
    # depends on the card, so both wait; a notebook depending on the profile goes on too.
    assert names == ([["profile"], ["index_page"]], [["card"], ["summary"]])
    nothing_runs = [Item(step=Item(name="pilot_ingest"), action="skip")]
    now, after = pack.split_on_steps(pack.PackPlan(None, "london", nothing_runs, stages), registry)
    assert after == [] and [len(stage) for stage in now] == [2, 2]


def test_run_folders_installed_beside_a_step_are_left_to_their_own_screening(project, monkeypatch):
    # A run installed while the step ran was screened before it was installed; the step's
    # scan must neither report it as the step's nor delete it.
    from types import SimpleNamespace as Item

    reports = project / "reports"
    run = Item(run_dir=reports / "pack_probe" / "barnet")
    writer = (
        "import pathlib, sys; run = pathlib.Path(sys.argv[1]); step = pathlib.Path(sys.argv[2]); "
        "run.mkdir(parents=True, exist_ok=True); step.mkdir(parents=True, exist_ok=True); "
        "(run / 'report.csv').write_text('child,nhs\\nA,943 476 5919\\n'); "
        "(step / 'clean.csv').write_text('borough,value\\nBarnet,3\\n')"
    )
    monkeypatch.setattr(
        pack,
        "step_command",
        lambda step: [sys.executable, "-c", writer, str(run.run_dir), str(reports / "pilot")],
    )
    _step_probe(project)
    [step] = orchestrate.run_prerequisites(
        pack.plan_pack(None, "Barnet", None, False), beside=[run]
    )
    assert step.status == "ran", step.output
    assert (run.run_dir / "report.csv").is_file() and (reports / "pilot" / "clean.csv").is_file()
