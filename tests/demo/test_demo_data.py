"""Synthetic demo returns: clearly marked, in every messy shape, deterministic, never overwriting."""

from __future__ import annotations

import pytest
from project_builders import make_project

from lscb_analysis.core import io
from lscb_analysis.core.errors import RawDataWriteError
from lscb_analysis.demo import demo_data, demo_survey


@pytest.mark.slow
def test_the_demo_set_is_deterministic(tmp_path, use_project):
    first = use_project(make_project(tmp_path / "one"))
    demo_data.write_demo_data()
    second = use_project(make_project(tmp_path / "two"))
    demo_data.write_demo_data()
    files = {}
    for root in (first, second):
        raw = root / "data" / "raw"
        files[root] = {
            p.relative_to(raw).as_posix(): (io.sha256_of(p), p.stat().st_mtime)
            for p in raw.rglob("*")
            if p.is_file()
        }
    assert len(files[first]) > 70 and files[first] == files[second]  # every collection
    # another seed gives other returns (the survey alone shows it, and is quick to write)
    other = use_project(make_project(tmp_path / "three"))
    demo_survey.write_demo_survey(other / "data" / "raw", seed=7)
    changed = {p.name: io.sha256_of(p) for p in (other / "data" / "raw" / "survey").iterdir()}
    survey = {
        name.removeprefix("survey/"): sha
        for name, (sha, _) in files[first].items()
        if name.startswith("survey/")
    }
    assert changed != survey


@pytest.mark.slow
def test_the_demo_never_overwrites_returns(project):
    folder = project / "data" / "raw" / "survey"
    folder.mkdir()
    (folder / "real_return.xlsx").write_bytes(b"a board's real return")
    summary = demo_data.write_demo_data()
    assert summary["survey"]["skipped"] and summary["survey"]["files"] == 0
    assert "already holds files" in summary["survey"]["message"]
    assert sorted(p.name for p in folder.iterdir()) == ["real_return.xlsx"]


def test_create_raw_file_only_creates_new_synthetic_files_inside_raw(project, tmp_path):
    raw = project / "data" / "raw"
    path = io.create_raw_file(raw / "pilot" / "SYNTHETIC_a.csv", b"x,y\n", modified=1.7e9)
    assert path.read_bytes() == b"x,y\n" and path.stat().st_mtime == 1.7e9
    with pytest.raises(RawDataWriteError, match="overwrite"):
        io.create_raw_file(path, b"other")
    assert path.read_bytes() == b"x,y\n"
    with pytest.raises(RawDataWriteError, match="only synthetic"):
        io.create_raw_file(raw / "real.csv", b"a real return")
    with pytest.raises(RawDataWriteError):
        io.create_raw_file(tmp_path / "SYNTHETIC_outside.csv", b"x")
    with pytest.raises(RawDataWriteError):
        io.create_raw_file(raw / ".." / "processed" / "SYNTHETIC_escape.csv", b"x")
    (raw / "link").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(RawDataWriteError):
        io.create_raw_file(raw / "link" / "SYNTHETIC_via_link.csv", b"x")
