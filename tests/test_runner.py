"""The runner end to end: real papermill runs on the workbench kernel, HTML, manifests, index."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lscb_analysis import report_index, runner
from lscb_analysis.errors import ParameterError

FAILING_NOTEBOOK = '''# %% [markdown]
# # Probe that fails for one borough

# %% tags=["parameters"]
borough = "Barnet"

# %%
assert borough != "Brent", "this probe fails for Brent on purpose"
print("ran for", borough)

# %%
from lscb_analysis import provenance
provenance.run_record({"borough": borough})
'''


@pytest.fixture(scope="module")
def two_borough_run(built_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(built_project))
        results = runner.run_notebook("borough_profile", "Barnet, Kensington & Chelsea",
                                      jobs=2, out_dir=out, progress=False)
    return out, results


def test_two_boroughs_run_ok(two_borough_run):
    out, results = two_borough_run
    assert [(r.borough, r.status) for r in results] == [
        ("Barnet", "ok"), ("Kensington and Chelsea", "ok")]
    for slug, name in (("barnet", "Barnet"), ("kensington-and-chelsea", "Kensington and Chelsea")):
        run_dir = out / "borough_profile" / slug
        assert (run_dir / "borough_profile.ipynb").is_file()
        html = (run_dir / "report.html").read_text(encoding="utf-8")
        assert f"{name}: safeguarding profile, 2024-25" in html
        assert "Headline figures" in html and "Statistical neighbours" in html
        # The trend charts are embedded as an image with alt text (not "<Figure size ...>").
        assert '<img alt="Trends: The borough (blue) against London' in html
        assert 'src="data:image/png;base64,' in html and "&lt;Figure size" not in html
        assert "Open Government Licence" in html
        assert "profile.check_borough" not in html  # code is hidden


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


def test_index_lists_every_run_with_links(two_borough_run):
    out, _ = two_borough_run
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "2 runs, 2 ok, 0 failed" in page
    assert 'href="borough_profile/barnet/report.html"' in page
    assert 'href="borough_profile/kensington-and-chelsea/report.html"' in page
    runs = report_index.collect_runs(out)
    assert list(runs["borough"]) == ["Barnet", "Kensington and Chelsea"]


def test_unknown_parameter_stops_before_anything_runs(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="no parameter 'perod'.*borough, period"):
        runner.run_notebook("borough_profile", "Barnet", {"perod": 2025}, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_unknown_borough_stops_before_anything_runs(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="--borough.*'Barnit'.*Barnet"):
        runner.run_notebook("borough_profile", "Brent,Barnit", out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_unknown_notebook_lists_the_notebooks(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="borough_profile"):
        runner.plan_runs("borough_profil", "Barnet", {}, tmp_path)


def test_a_failing_run_keeps_its_log_and_the_others_go_on(built_project, use_project, tmp_path):
    use_project(built_project)
    (built_project / "notebooks" / "failing_probe.py").write_text(FAILING_NOTEBOOK)
    try:
        results = runner.run_notebook("failing_probe", "Barnet,Brent", jobs=2, out_dir=tmp_path,
                                      progress=False)
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


def test_cli_reports_failures_and_exits_non_zero(built_project, tmp_path):
    probe = built_project / "notebooks" / "failing_probe_cli.py"
    probe.write_text(FAILING_NOTEBOOK)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lscb_analysis", "run", "failing_probe_cli", "--borough",
             "Brent", "--out", str(tmp_path), "--quiet"],
            capture_output=True, text=True, env={**os.environ, "LSCB_PROJECT_DIR": str(built_project)},
            timeout=300, check=False)
    finally:
        probe.unlink()
    assert done.returncode == 1
    assert "0 of 1 runs ok" in done.stdout
    assert "FAILED Brent: AssertionError" in done.stderr


def test_cli_parameter_error_exits_2_with_a_message(built_project):
    done = subprocess.run(
        [sys.executable, "-m", "lscb_analysis", "run", "borough_profile", "--borough", "Barnet",
         "-p", "colour=blue"], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "LSCB_PROJECT_DIR": str(built_project)})
    assert done.returncode == 2
    assert "error: Notebook 'borough_profile' has no parameter 'colour'" in done.stderr


def test_parse_parameter_options_rejects_bad_form():
    with pytest.raises(ParameterError, match="key=value"):
        runner.parse_parameter_options(["2025"])
