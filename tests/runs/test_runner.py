"""The runner end to end: real papermill runs on the workbench kernel, HTML, manifests, index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import nbformat
import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.runs import orchestrate, report_index, runner

FAILING_NOTEBOOK = """# %% [markdown]
# # Probe that fails for one borough

# %% tags=["parameters"]
borough = "Barnet"

# %%
assert borough != "Brent", "this probe fails for Brent on purpose"
print("ran for", borough)

# %%
from lscb_analysis.core import provenance
provenance.run_record({"borough": borough})
"""


@pytest.fixture(scope="module")
def two_borough_run(built_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(built_project))
        results = orchestrate.run_notebook(
            "borough_profile", "Barnet, Kensington & Chelsea", jobs=2, out_dir=out, progress=False
        )
    return out, results


@pytest.mark.slow
def test_two_boroughs_run_ok(two_borough_run):
    out, results = two_borough_run
    assert [(r.borough, r.status) for r in results] == [
        ("Barnet", "ok"),
        ("Kensington and Chelsea", "ok"),
    ]
    for slug, name in (("barnet", "Barnet"), ("kensington-and-chelsea", "Kensington and Chelsea")):
        run_dir = out / "borough_profile" / slug
        assert (run_dir / "borough_profile.ipynb").is_file()
        html = (run_dir / "report.html").read_text(encoding="utf-8")
        assert f"{name}: safeguarding profile, 2024-25" in html
        assert "Headline figures" in html and "Statistical neighbours" in html
        # The trend charts are embedded as an image whose alt text gives the chart's finding
        # in figures (not "<Figure size ...>").
        assert f'alt="{name} in 2024-25: ' in html and f"{name}: Children in need rate " in html
        assert 'src="data:image/png;base64,' in html and "&lt;Figure size" not in html
        assert "Open Government Licence" in html
        assert "profile.check_borough" not in html  # code is hidden
        # The display guard's cell (first code cell) shows nothing in the report.
        executed = nbformat.read(run_dir / "borough_profile.ipynb", as_version=4)
        guard = next(c for c in executed.cells if c.cell_type == "code")
        assert "lscb-display-guard" in guard.metadata["tags"] and guard.outputs == []


@pytest.mark.slow
def test_manifest_records_the_run(two_borough_run, built_project):
    out, _ = two_borough_run
    manifest = json.loads((out / "borough_profile" / "barnet" / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["error"] is None
    assert manifest["parameters"] == {"borough": "Barnet"}
    assert manifest["package_version"]
    assert manifest["started"] <= manifest["finished"]
    digest = manifest["inputs"]["data/processed/public_indicators.parquet"]
    assert len(digest) == 64
    assert manifest["inputs"]["notebooks/borough_profile.py"]
    assert manifest["outputs"]["html"] == "report.html"


@pytest.mark.slow
def test_index_lists_every_run_with_links(two_borough_run):
    out, _ = two_borough_run
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "2 runs, 2 ok, 0 failed" in page
    assert 'href="borough_profile/barnet/report.html"' in page
    assert 'href="borough_profile/kensington-and-chelsea/report.html"' in page
    runs = report_index.collect_runs(out)
    assert list(runs["borough"]) == ["Barnet", "Kensington and Chelsea"]


@pytest.mark.slow
def test_unknown_parameter_stops_before_anything_runs(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="no parameter 'perod'.*borough, period"):
        orchestrate.run_notebook("borough_profile", "Barnet", {"perod": 2025}, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_unknown_borough_stops_before_anything_runs(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="--borough.*'Barnit'.*Barnet"):
        orchestrate.run_notebook("borough_profile", "Brent,Barnit", out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_unknown_notebook_lists_the_notebooks(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="borough_profile"):
        runner.plan_runs("borough_profil", "Barnet", {}, tmp_path)


@pytest.mark.slow
def test_a_failing_run_keeps_its_log_and_the_others_go_on(built_project, use_project, tmp_path):
    use_project(built_project)
    (built_project / "notebooks" / "failing_probe.py").write_text(FAILING_NOTEBOOK)
    try:
        results = orchestrate.run_notebook(
            "failing_probe", "Barnet,Brent", jobs=2, out_dir=tmp_path, progress=False
        )
    finally:
        (built_project / "notebooks" / "failing_probe.py").unlink()
    by_borough = {r.borough: r for r in results}
    assert by_borough["Barnet"].status == "ok"
    assert by_borough["Brent"].status == "failed"
    assert "AssertionError" in by_borough["Brent"].error
    assert "fails for Brent on purpose" in by_borough["Brent"].error
    log = tmp_path / "failing_probe" / "brent" / "failing_probe.ipynb"
    assert "fails for Brent on purpose" in log.read_text()
    assert not (tmp_path / "failing_probe" / "brent" / "report.html").exists()
    manifest = json.loads((log.parent / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "AssertionError" in manifest["error"]
    page = (tmp_path / "index.html").read_text()
    assert "2 runs, 1 ok, 1 failed" in page and "failing_probe/brent/failing_probe.ipynb" in page


@pytest.mark.slow
def test_cli_reports_failures_and_exits_non_zero(built_project, tmp_path):
    probe = built_project / "notebooks" / "failing_probe_cli.py"
    probe.write_text(FAILING_NOTEBOOK)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "lscb_analysis",
                "run",
                "failing_probe_cli",
                "--borough",
                "Brent",
                "--out",
                str(tmp_path),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "LSCB_PROJECT_DIR": str(built_project)},
            timeout=300,
            check=False,
        )
    finally:
        probe.unlink()
    assert done.returncode == 1
    assert "0 of 1 runs ok" in done.stdout
    assert "FAILED Brent: AssertionError" in done.stderr


@pytest.mark.slow
def test_cli_parameter_error_exits_2_with_a_message(built_project):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lscb_analysis",
            "run",
            "borough_profile",
            "--borough",
            "Barnet",
            "-p",
            "colour=blue",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "LSCB_PROJECT_DIR": str(built_project)},
    )
    assert done.returncode == 2
    assert "error: Notebook 'borough_profile' has no parameter 'colour'" in done.stderr


def test_parse_parameter_options_rejects_bad_form():
    with pytest.raises(ParameterError, match="key=value"):
        runner.parse_parameter_options(["2025"])


# --- Warm workers, isolation, timeouts, atomic installs, incremental runs (issue 9) -----------

ISOLATION_PROBE = """# %% [markdown]
# # Probe: what one run leaves behind must not reach the next

# %% tags=["parameters"]
borough = "Barnet"

# %%
import os
import matplotlib
import matplotlib.pyplot as plt
from lscb_analysis.core import paths
print("SEEN", "leaked" in globals(), plt.get_fignums(), matplotlib.rcParams["lines.linewidth"],
      hasattr(paths, "LEAKED"), os.getppid())

# %%
leaked = True
plt.figure()
matplotlib.rcParams["lines.linewidth"] = 7.5
paths.LEAKED = True
"""

SLEEPY_PROBE = """# %% [markdown]
# # Probe that hangs for Barnet

# %% tags=["parameters"]
borough = "Barnet"

# %%
import time
print("started", borough, flush=True)

# %%
time.sleep(300 if borough == "Barnet" else 0)
"""

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


def _write_probe(project, name: str, source: str, inputs: list[str] | None = None) -> None:
    (project / "notebooks" / f"{name}.py").write_text(source)
    registry = project / "data" / "reference" / "notebooks.yaml"
    entry = {
        "title": name,
        "scope": "borough",
        "inputs": inputs or ["data/reference/la_register.csv"],
    }
    import yaml

    content = yaml.safe_load(registry.read_text()) or {}
    content[name] = entry
    registry.write_text(yaml.safe_dump(content, sort_keys=False))


def _printed(notebook_path) -> str:
    import nbformat

    executed = nbformat.read(notebook_path, as_version=4)
    return "".join(
        output.get("text", "") for cell in executed.cells for output in cell.get("outputs", [])
    )


@pytest.mark.slow
def test_no_state_leaks_between_runs_in_the_same_warm_worker(project, tmp_path):
    _write_probe(project, "isolation_probe", ISOLATION_PROBE)
    results = orchestrate.run_notebook(
        "isolation_probe", "Barnet,Brent,Camden", jobs=1, out_dir=tmp_path, progress=False
    )
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    seen = [
        _printed(tmp_path / "isolation_probe" / r.slug / "isolation_probe.ipynb")
        .split("SEEN ")[1]
        .split()
        for r in results
    ]
    # No variable, no open figure, the default line width, the module untouched ...
    assert {tuple(line[:4]) for line in seen} == {("False", "[]", "1.5", "False")}
    # ... although every run was forked from the same warm worker.
    assert len({line[-1] for line in seen}) == 1


@pytest.mark.slow
def test_a_hanging_run_is_stopped_and_the_others_finish(project, tmp_path):
    _write_probe(project, "sleepy_probe", SLEEPY_PROBE)
    clock = time.monotonic()
    results = orchestrate.run_notebook(
        "sleepy_probe", "Barnet,Brent", jobs=2, out_dir=tmp_path, progress=False, timeout=8
    )
    assert time.monotonic() - clock < 60
    by_borough = {r.borough: r for r in results}
    assert by_borough["Brent"].status == "ok"
    assert by_borough["Barnet"].status == "failed"
    assert "TimeoutError" in by_borough["Barnet"].error and "8 s" in by_borough["Barnet"].error
    manifest = json.loads((tmp_path / "sleepy_probe" / "barnet" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    # The partial notebook is kept as the log: it shows the cell that was running.
    log = tmp_path / "sleepy_probe" / "barnet" / "sleepy_probe.ipynb"
    assert "started Barnet" in _printed(log)
    assert "sleepy_probe/barnet/sleepy_probe.ipynb" in (tmp_path / "index.html").read_text()


@pytest.mark.slow
def test_interrupting_leaves_the_previous_good_report_in_place(project, tmp_path, monkeypatch):
    from lscb_analysis.runs import executors

    _write_probe(project, "sleepy_probe", SLEEPY_PROBE)
    (first,) = orchestrate.run_notebook("sleepy_probe", "Brent", out_dir=tmp_path, progress=False)
    run_dir = tmp_path / "sleepy_probe" / "brent"
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    assert first.status == "ok" and "report.html" in before

    def interrupted(self, timeout):  # Ctrl-C while the run is still going
        time.sleep(1.0)
        raise KeyboardInterrupt

    monkeypatch.setattr(executors.LocalExecutor, "poll", interrupted)
    with pytest.raises(KeyboardInterrupt):
        orchestrate.run_notebook(
            "sleepy_probe", "Brent", out_dir=tmp_path, progress=False, force=True
        )
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before
    assert not list((tmp_path / "sleepy_probe").glob(".*"))  # no staging folder left behind


CRASH_PROBE = """# %% [markdown]
# # Probe whose process dies while writing its output

# %% tags=["parameters"]
borough = "Barnet"
crash = False

# %%
import os
import signal
import pandas as pd
from lscb_analysis.runs import runner
pd.DataFrame({"referrals": [42]}).to_excel(runner.run_output_dir() / "table.xlsx")
print("wrote part of it", flush=True)

# %%
if crash:
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.slow
def test_a_run_killed_mid_write_leaves_the_good_report(project, tmp_path):
    _write_probe(project, "crash_probe", CRASH_PROBE)
    (good,) = orchestrate.run_notebook("crash_probe", "Brent", out_dir=tmp_path, progress=False)
    run_dir = tmp_path / "crash_probe" / "brent"
    report = (run_dir / "report.html").read_bytes()
    assert good.status == "ok" and good.outputs["xlsx"] == ["table.xlsx"]
    (crashed,) = orchestrate.run_notebook(
        "crash_probe", "Brent", {"crash": True}, out_dir=tmp_path, progress=False
    )
    assert crashed.status == "failed" and "ended by signal 9" in crashed.error
    # The good report is kept whole; nothing the dead run half wrote is left or linked.
    assert (run_dir / "last_good" / "report.html").read_bytes() == report
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "crash_probe.ipynb",
        "last_good",
        "manifest.json",
    ]
    runs = report_index.collect_runs(tmp_path).iloc[0]
    assert runs["status"] == "failed" and runs["xlsx"] == ""
    assert runs["last_good"] == "crash_probe/brent/last_good/report.html"


def test_a_failed_rerun_keeps_the_last_good_report(tmp_path):
    final = tmp_path / "nb" / "barnet"
    final.mkdir(parents=True)
    (final / "manifest.json").write_text(json.dumps({"status": "ok"}))
    (final / "report.html").write_text("good")
    staging = tmp_path / "nb" / ".staging-barnet-1-x"
    staging.mkdir()
    (staging / "manifest.json").write_text(json.dumps({"status": "failed"}))
    runner.install_run(staging, final)
    assert json.loads((final / "manifest.json").read_text())["status"] == "failed"
    assert (final / "last_good" / "report.html").read_text() == "good"
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == ["barnet"]


def test_an_install_cut_short_is_put_back(tmp_path):
    # The process stopped after renaming the old report aside and before renaming the new one
    # in: the next run puts the old one back and deletes the dead process's staging folder.
    notebook_dir = tmp_path / "nb"
    retired = notebook_dir / f"{runner.RETIRED_PREFIX}barnet-999999-abcd1234"
    retired.mkdir(parents=True)
    (retired / "report.html").write_text("good")
    staging = notebook_dir / f"{runner.STAGING_PREFIX}barnet-999999-abcd1234"
    staging.mkdir()
    (staging / "report.html").write_text("half")
    assert runner.recover_interrupted(tmp_path) == 2
    assert (notebook_dir / "barnet" / "report.html").read_text() == "good"
    assert sorted(p.name for p in notebook_dir.iterdir()) == ["barnet"]


@pytest.mark.slow
def test_unchanged_runs_are_skipped_and_a_changed_input_reruns_only_its_runs(project, tmp_path):
    processed = project / "data" / "processed"
    for name, text in (("shared", "S1"), ("barnet", "B1"), ("brent", "R1")):
        (processed / f"probe_{name}.txt").write_text(text)
    _write_probe(
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


@pytest.mark.slow
def test_kernel_isolation_still_runs_a_fresh_kernel(built_project, use_project, tmp_path):
    use_project(built_project)
    (result,) = orchestrate.run_notebook(
        "borough_profile", "Barnet", out_dir=tmp_path, progress=False, isolation="kernel"
    )
    assert result.status == "ok" and result.isolation == "kernel"
    html = (tmp_path / "borough_profile" / "barnet" / "report.html").read_text()
    assert 'src="data:image/png;base64,' in html
    assert result.index["headlines"]["Children in need rate"]


@pytest.mark.slow
def test_profile_records_headline_values_for_the_index(two_borough_run):
    out, results = two_borough_run
    assert results[0].index["period"] == 2025 and results[0].index["as_at"] == "31 March 2025"
    assert list(results[0].index["headlines"]) == [
        "Children in need rate",
        "CP plan rate",
        "Looked-after rate",
    ]
    assert results[0].isolation == "process"
    runs = report_index.collect_runs(out)
    assert runs.loc[0, "headline_1"] == "Children in need rate" and runs.loc[0, "value_1"]


# --- Publication scan and display guard (issue 10) ----------------------------------------

LEAK_PROBE = """# %% [markdown]
# # Probe that may print an identifier into its report

# %% tags=["parameters"]
borough = "Barnet"
leak = ""  # "nhs" or "case": the identifier is put together here, so no source holds it

# %%
from IPython.display import Markdown
texts = {"": "", "nhs": "NHS 943 476 " + "5919", "case": "see qz-" + "88412"}
Markdown(f"Referrals this quarter: 42. {texts[leak]}")
"""

RECORDS_PROBE = """# %% [markdown]
# # Probe that displays a record-level frame, or an aggregate of it

# %% tags=["parameters"]
borough = "Barnet"
show_records = False

# %%
import pandas as pd
from lscb_analysis.protect import display_guard
records = display_guard.mark_record_level(pd.DataFrame({"theme": ["a", "a", "b"],
                                                        "grade": [1, 2, 3]}))

# %%
records.groupby("theme").agg(cases=("grade", "size")).reset_index()

# %%
records[records["grade"] > 1].style.hide(axis="index") if show_records else "aggregates only"

# %%
print("the run went on")
"""

NHS_NUMBER = "943 476 5919"  # a made-up number with a valid check digit


@pytest.mark.slow
def test_a_report_with_an_identifier_is_not_published(project, tmp_path):
    _write_probe(project, "leak_probe", LEAK_PROBE)
    (good,) = orchestrate.run_notebook("leak_probe", "Brent", out_dir=tmp_path, progress=False)
    run_dir = tmp_path / "leak_probe" / "brent"
    report = (run_dir / "report.html").read_bytes()
    assert good.status == "ok" and good.scan_seconds > 0
    (leaked,) = orchestrate.run_notebook(
        "leak_probe", "Brent", {"leak": "nhs"}, out_dir=tmp_path, progress=False
    )
    assert leaked.status == "failed"
    assert leaked.error.startswith("IdentifierFoundError")
    assert "report.html line" in leaked.error and "nhs_number 9**********9" in leaked.error
    assert "leak_probe.ipynb cell 5 output 1 line 1" in leaked.error  # cell and line
    # Nothing of the run is published; the previous good report stays beside the failure.
    assert sorted(p.name for p in run_dir.iterdir()) == ["last_good", "manifest.json"]
    assert (run_dir / "last_good" / "report.html").read_bytes() == report
    manifest = (run_dir / "manifest.json").read_text()
    assert NHS_NUMBER not in manifest and '"status": "failed"' in manifest
    page = (tmp_path / "index.html").read_text()
    assert "IdentifierFoundError" in page and NHS_NUMBER not in page
    assert report_index.collect_runs(tmp_path).iloc[0]["link"] == ""


@pytest.mark.slow
def test_a_raw_case_reference_in_a_first_report_publishes_nothing(project, tmp_path):
    import openpyxl

    audit_dir = project / "data" / "raw" / "audit" / "2026-01-neglect"
    audit_dir.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    cases = workbook.active
    cases.title = "Cases"
    cases.append(["Case", "Case reference"])
    cases.append([1, "QZ-88412"])
    workbook.save(audit_dir / "tool.xlsx")
    _write_probe(project, "leak_probe", LEAK_PROBE)
    (result,) = orchestrate.run_notebook(
        "leak_probe", "Brent", {"leak": "case"}, out_dir=tmp_path, progress=False
    )
    assert result.status == "failed" and "case_reference" in result.error
    assert "88412" not in result.error
    assert sorted(p.name for p in (tmp_path / "leak_probe" / "brent").iterdir()) == [
        "manifest.json"
    ]


@pytest.mark.slow
def test_a_record_level_display_fails_the_run_and_aggregates_pass(project, tmp_path):
    _write_probe(project, "records_probe", RECORDS_PROBE)
    ok, shown = (
        orchestrate.run_notebook("records_probe", "Brent", out_dir=tmp_path, progress=False),
        orchestrate.run_notebook(
            "records_probe", "Barnet", {"show_records": True}, out_dir=tmp_path, progress=False
        ),
    )
    assert ok[0].status == "ok"
    html = (tmp_path / "records_probe" / "brent" / "report.html").read_text()
    assert "cases" in html and "aggregates only" in html
    (failed,) = shown
    assert failed.status == "failed"
    assert failed.error.startswith(
        "RecordLevelDisplayError: Refused to display a styled "
        "DataFrame of 2 rows x 2 columns (theme, grade)"
    )
    assert "aggregates" in failed.error
    assert not (tmp_path / "records_probe" / "barnet" / "report.html").exists()
    log = tmp_path / "records_probe" / "barnet" / "records_probe.ipynb"
    assert "<td" not in _printed(log)  # the records were not rendered


def test_the_guard_is_the_first_code_cell_of_every_run(project):
    notebook = runner.with_display_guard(runner.load_notebook("borough_profile"))
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert first.metadata["tags"] == ["lscb-display-guard"]
    assert "display_guard.install()" in first.source
