"""The synthetic returned feedback forms, and the consultation notebook run on them."""

from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest
from project_builders import make_project

from lscb_analysis.cli.main import main
from lscb_analysis.core import io
from lscb_analysis.demo import demo_consultation
from lscb_analysis.model import catalogue, consultation, consultation_summary, feedback_form
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.runs import orchestrate


@pytest.fixture(scope="module")
def demo(tmp_path_factory, project_factory):
    project = project_factory(tmp_path_factory.mktemp("consultation") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(project))
        yield project, demo_consultation.write_demo_consultation(project / "data" / "raw")


def test_the_demo_forms_are_marked_and_end_as_planned(demo):
    project, written = demo
    folder = project / "data" / "raw" / "consultation"
    names = sorted(p.name for p in written)
    assert "SYNTHETIC.md" in names and all(n.startswith("SYNTHETIC") for n in names)
    assert "SYNTHETIC DEMO DATA" in (folder / "SYNTHETIC.md").read_text()
    plan = demo_consultation.demo_consultation_plan()
    assert set(plan["file"]) == set(names) - {"SYNTHETIC.md"}
    organisations = plan.loc[plan["organisation"] != "", "organisation"]
    assert organisations.str.startswith("SYNTHETIC ").all() and organisations.nunique() >= 12
    book = openpyxl.load_workbook(folder / plan["file"].iloc[0], read_only=True)
    assert book[feedback_form.RESPONDENT_SHEET]["A2"].value == demo_consultation.DEMO_MARKER
    book.close()

    hashes = {p: io.sha256_of(p) for p in folder.iterdir()}
    result = consultation.ingest_feedback(folder)
    assert {p: io.sha256_of(p) for p in folder.iterdir()} == hashes
    got = result.files.set_index("file")[["status", "reason"]].sort_index()
    want = plan.set_index("file")[["expected_status", "expected_reason"]].sort_index()
    want.columns = ["status", "reason"]
    pd.testing.assert_frame_equal(got, want)
    codes = set(result.issues["code"])
    assert {
        "older_version",
        "no_organisation",
        "unknown_choice",
        "amend_without_wording",
        "identifier_withheld",
        "no_model_sheet",
        "identity_mismatch",
        "fingerprint_from_version",
    } <= codes
    assert len(result.new_pis) == 2 and result.new_pis["used"].all()
    assert result.files["agency"].replace("", pd.NA).dropna().nunique() >= 9

    model = consultation_summary.check_version(None, result)
    summary = consultation_summary.summarise_feedback(result.responses, model).set_index("pi_id")
    assert model.version == catalogue.available_versions()[-1]
    # Sixteen respondents saw the PIs of 1.0 (14 organisations on 1.0, one on 0.3 whose PIs
    # are still there, one new on 1.1); only the two on 1.1 saw the new PI.
    assert summary.drop(index="BF-YS-08")["respondents"].eq(16).all()
    assert summary.at["BF-YS-08", "respondents"] == 2
    assert summary.at["BF-YS-08", "carried"] == 0
    # The changed PI: every answer on 1.0 is to confirm, only the answers on 1.1 count.
    assert summary.at["BF-CP-02", "to_confirm"] >= 12 and summary.at["BF-CP-02", "carried"] == 0
    assert "to confirm: the PI changed since" in summary.at["BF-CP-02", "consultation"]
    assert summary.at["BF-LD-01", "carried"] >= 12
    assert re.match(
        r"1[23] from v1.0, 1 from v0.3 carried; 2 answered on v1.1$",
        summary.at["BF-LD-01", "consultation"],
    )
    assert summary.at["BF-LD-01", "flagged"] and "remove" in summary.at["BF-LD-01", "reasons"]
    assert "amend" in summary.at["BF-YS-03", "reasons"]
    assert "rating" in summary.at["BF-CP-04", "reasons"]
    assert summary["flagged"].sum() < len(summary) / 3


def test_the_demo_is_deterministic_and_never_overwrites(demo, tmp_path, use_project):
    project, written = demo
    first = {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in written}
    assert demo_consultation.write_demo_consultation(project / "data" / "raw") == []
    other = use_project(make_project(tmp_path / "other"))
    again = demo_consultation.write_demo_consultation(other / "data" / "raw")
    assert {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in again} == first


@pytest.mark.slow
def test_the_consultation_notebook_runs_on_the_demo(demo, tmp_path):
    project, _ = demo
    # Every file accounted for (two set aside, listed): `lscb model feedback` exits 0.
    assert main(["model", "feedback"]) == 0
    results = orchestrate.run_notebook(
        "consultation", None, {}, jobs=1, out_dir=tmp_path / "reports", progress=False
    )
    assert [r.status for r in results] == ["ok"], results[0].error
    run = tmp_path / "reports" / "consultation" / "london"
    html = (run / "report.html").read_text()
    assert (
        re.search(r'<img alt="\d+ of \d+ PIs have majority support', html)
        and "steering group to discuss" in html
    )
    assert "20 form(s) read: 17 used, 1 superseded, 2 rejected" in html
    assert "Children detained overnight in police custody" in html  # a suggested new PI
    assert "Amy" not in html and WITHHELD_TEXT in html
    assert "from v1.0 carried" in html and "carried from v1.0" in html
    index = json.loads((run / "manifest.json").read_text())["index"]
    assert index["headlines"]["Forms used"] == "17 of 20" and index["model_version"]
