"""One writer per project: a second lscb run or pack is refused while one is writing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lscb_analysis.core.errors import ProjectBusyError
from lscb_analysis.runs.project_lock import lock_path, project_lock


def test_a_second_writer_is_refused_with_the_running_one_named(project):
    with (
        project_lock("lscb pack --boroughs london"),
        pytest.raises(ProjectBusyError) as caught,
        project_lock("lscb run borough_profile"),
    ):
        pass
    message = str(caught.value)
    assert f"process {os.getpid()} (lscb pack --boroughs london), started " in message
    assert "Wait for it to finish" in message
    # Released at the end: the next writer goes ahead and finds nothing left behind.
    with project_lock("lscb run borough_profile") as left:
        assert left is None


def test_lscb_run_and_pack_refuse_while_another_run_writes(project):
    environment = {**os.environ, "LSCB_PROJECT_DIR": str(project)}
    with project_lock("lscb pack"):
        for command in (["run", "borough_profile", "--borough", "Barnet"], ["pack", "-q"]):
            done = subprocess.run(
                [sys.executable, "-m", "lscb_analysis", *command],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                env=environment,
            )
            assert done.returncode != 0
            assert f"process {os.getpid()} (lscb pack)" in done.stderr
    assert not (project / "reports" / "borough_profile").exists()  # nothing was written


def test_a_lock_left_by_a_killed_run_is_reported_and_taken_over(project):
    # A run killed outright (SIGKILL) keeps no lock (the system drops it with the process)
    # but leaves its record; the next run says so and goes on.
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"pid": 999999, "command": "lscb pack", "started": "2026-12-04 09:00:00"})
    )
    with project_lock("lscb run scorecard") as left:
        assert left.describe() == "process 999999 (lscb pack), started 2026-12-04 09:00:00"
    assert path.read_text() == ""
