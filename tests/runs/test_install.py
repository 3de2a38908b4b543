"""Installing runs: timeouts, interruptions and crashes leave the last good report whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lscb_analysis.runs import install, orchestrate, report_index

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


@pytest.mark.slow
def test_a_hanging_run_is_stopped_and_the_others_finish(project, tmp_path, write_probe, printed):
    write_probe(project, "sleepy_probe", SLEEPY_PROBE)
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
    assert "started Barnet" in printed(log)
    assert "sleepy_probe/barnet/sleepy_probe.ipynb" in (tmp_path / "index.html").read_text()


@pytest.mark.slow
def test_interrupting_leaves_the_previous_good_report_in_place(
    project, tmp_path, monkeypatch, write_probe
):
    from lscb_analysis.runs import executors

    write_probe(project, "sleepy_probe", SLEEPY_PROBE)
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
def test_a_run_killed_mid_write_leaves_the_good_report(project, tmp_path, write_probe):
    write_probe(project, "crash_probe", CRASH_PROBE)
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
    install.install_run(staging, final)
    assert json.loads((final / "manifest.json").read_text())["status"] == "failed"
    assert (final / "last_good" / "report.html").read_text() == "good"
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == ["barnet"]


def test_an_install_cut_short_is_put_back(tmp_path):
    # The process stopped after renaming the old report aside and before renaming the new one
    # in: the next run puts the old one back and deletes the dead process's staging folder.
    notebook_dir = tmp_path / "nb"
    retired = notebook_dir / f"{install.RETIRED_PREFIX}barnet-999999-abcd1234"
    retired.mkdir(parents=True)
    (retired / "report.html").write_text("good")
    staging = notebook_dir / f"{install.STAGING_PREFIX}barnet-999999-abcd1234"
    staging.mkdir()
    (staging / "report.html").write_text("half")
    assert install.recover_interrupted(tmp_path) == 2
    assert (notebook_dir / "barnet" / "report.html").read_text() == "good"
    assert sorted(p.name for p in notebook_dir.iterdir()) == ["barnet"]


def test_a_stop_removes_this_process_staging_folders_only(tmp_path):
    own = tmp_path / "deep_dive" / f"{install.STAGING_PREFIX}barnet-{os.getpid()}-0a1b2c3d"
    other = tmp_path / "deep_dive" / f"{install.STAGING_PREFIX}brent-999999-0a1b2c3d"
    for folder in (own, other):
        folder.mkdir(parents=True)
        (folder / "deep_dive.ipynb").write_text("{}")
    assert install.remove_own_staging(tmp_path) == 1
    assert not own.exists() and other.is_dir()


def _start_sleepy_run(project, write_probe, **popen):
    """Start ``lscb run sleepy_probe`` for Barnet; return it once its notebook is running."""
    write_probe(project, "sleepy_probe", SLEEPY_PROBE)
    command = subprocess.Popen(
        [sys.executable, "-m", "lscb_analysis", "run", "sleepy_probe", "--borough", "Barnet"],
        env={**os.environ, "LSCB_PROJECT_DIR": str(project)},
        **popen,
    )
    out = project / "reports" / "sleepy_probe"
    deadline = time.monotonic() + 90
    while not list(out.glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(out.glob(".staging-*")), "the run never started"
    time.sleep(0.5)  # the notebook is running
    return command


@pytest.mark.slow
def test_sigterm_stops_lscb_run_and_leaves_no_staging_folder(project, write_probe):
    command = _start_sleepy_run(
        project, write_probe, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    command.send_signal(signal.SIGTERM)
    _, stderr = command.communicate(timeout=60)
    assert command.returncode == 130, stderr
    assert "Interrupted" in stderr
    assert not list((project / "reports" / "sleepy_probe").glob(".staging-*"))


def _processes_of(project) -> list[int]:
    """Processes whose environment names ``project`` (the command and everything it started)."""
    marker = f"LSCB_PROJECT_DIR={project}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return [pid for pid in found if pid != os.getpid()]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux /proc")
def test_no_run_outlives_a_command_killed_with_its_process_group(project, write_probe):
    command = _start_sleepy_run(
        project,
        write_probe,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert len(_processes_of(project)) >= 3  # the command, its warm worker and the run
    os.killpg(command.pid, signal.SIGKILL)  # as a terminal closing or a scheduler would
    command.wait(timeout=30)
    deadline = time.monotonic() + 20
    while _processes_of(project) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_of(project) == []
