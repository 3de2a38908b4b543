"""The runner end to end: real papermill runs on the workbench kernel, HTML, manifests, index."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from lscb_analysis.runs import orchestrate, report_index

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
            # A folder outside reports/ must be named as a place outputs may go.
            env={
                **os.environ,
                "LSCB_PROJECT_DIR": str(built_project),
                "LSCB_OUTPUT_DIRS": str(tmp_path),
            },
            timeout=300,
            check=False,
        )
    finally:
        probe.unlink()
    assert done.returncode == 1
    assert "0 of 1 runs ok" in done.stdout
    assert "FAILED Brent: AssertionError" in done.stderr


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


@pytest.mark.slow
def test_no_state_leaks_between_runs_in_the_same_warm_worker(
    project, tmp_path, write_probe, printed
):
    write_probe(project, "isolation_probe", ISOLATION_PROBE)
    results = orchestrate.run_notebook(
        "isolation_probe", "Barnet,Brent,Camden", jobs=1, out_dir=tmp_path, progress=False
    )
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    seen = [
        printed(tmp_path / "isolation_probe" / r.slug / "isolation_probe.ipynb")
        .split("SEEN ")[1]
        .split()
        for r in results
    ]
    # No variable, no open figure, the default line width, the module untouched ...
    assert {tuple(line[:4]) for line in seen} == {("False", "[]", "1.5", "False")}
    # ... although every run was forked from the same warm worker.
    assert len({line[-1] for line in seen}) == 1


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
