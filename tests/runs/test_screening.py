"""The publication scan and display guard: nothing identifying is published from a run."""

from __future__ import annotations

import pytest

from lscb_analysis.runs import orchestrate, planning, report_index, screening

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
def test_a_report_with_an_identifier_is_not_published(project, tmp_path, write_probe):
    write_probe(project, "leak_probe", LEAK_PROBE)
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
def test_a_raw_case_reference_in_a_first_report_publishes_nothing(project, tmp_path, write_probe):
    import openpyxl

    audit_dir = project / "data" / "raw" / "audit" / "2026-01-neglect"
    audit_dir.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    cases = workbook.active
    cases.title = "Cases"
    cases.append(["Case", "Case reference"])
    cases.append([1, "QZ-88412"])
    workbook.save(audit_dir / "tool.xlsx")
    write_probe(project, "leak_probe", LEAK_PROBE)
    (result,) = orchestrate.run_notebook(
        "leak_probe", "Brent", {"leak": "case"}, out_dir=tmp_path, progress=False
    )
    assert result.status == "failed" and "case_reference" in result.error
    assert "88412" not in result.error
    assert sorted(p.name for p in (tmp_path / "leak_probe" / "brent").iterdir()) == [
        "manifest.json"
    ]


@pytest.mark.slow
def test_a_record_level_display_fails_the_run_and_aggregates_pass(
    project, tmp_path, write_probe, printed
):
    write_probe(project, "records_probe", RECORDS_PROBE)
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
    assert "<td" not in printed(log)  # the records were not rendered


def test_the_guard_is_the_first_code_cell_of_every_run(project):
    notebook = screening.with_display_guard(planning.load_notebook("borough_profile"))
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert first.metadata["tags"] == ["lscb-display-guard"]
    assert "display_guard.install()" in first.source
