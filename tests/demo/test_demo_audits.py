"""Synthetic demo audits: deterministic, never overwriting, clearly SYNTHETIC, and ingestible."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from project_builders import make_project

from lscb_analysis.core import io
from lscb_analysis.core.errors import RawDataWriteError
from lscb_analysis.demo import demo_audit_specs, demo_audits
from lscb_analysis.protect import pseudonym
from lscb_analysis.qa import audit_actions, audit_ingest, audit_trends, support_log


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo written once into a throw-away project's data/raw/."""
    root = make_project(tmp_path_factory.mktemp("demo") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(root))
        result = demo_audits.write_demo_audits()
    return (root / "data" / "raw").resolve(), result


@pytest.fixture(scope="module")
def ingested(demo):
    raw, _ = demo
    return audit_ingest.ingest_audits(raw / "audit", key=b"demo key that is long enough 123")


def test_same_seed_same_bytes_and_nothing_overwritten(demo, tmp_path, monkeypatch):
    raw, first = demo
    assert first.written and not first.kept
    other = make_project(tmp_path / "other") / "data" / "raw"
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(other.parent.parent))
    again = demo_audits.write_demo_audits()
    names = sorted(p.relative_to(raw).as_posix() for p in first.written)
    assert names == sorted(p.relative_to(other.resolve()).as_posix() for p in again.written)
    for name in names:
        assert io.sha256_of(raw / name) == io.sha256_of(other / name), name
        assert (raw / name).stat().st_mtime == (other / name).stat().st_mtime, name
    before = {name: io.sha256_of(other / name) for name in names}
    rerun = demo_audits.write_demo_audits(seed=1)  # another seed, same folder
    assert not rerun.written and len(rerun.kept) == len(names)
    assert before == {name: io.sha256_of(other / name) for name in names}


def test_everything_is_marked_synthetic(demo):
    raw, result = demo
    for path in result.written:
        if path.suffix == ".xlsx":
            assert path.name.startswith("SYNTHETIC_")
            assert (path.parent / demo_audit_specs.MARKER).is_file()
            assert path.parent.name.startswith("SYNTHETIC-")
    assert (raw / "audit" / demo_audit_specs.MARKER).is_file()
    assert (raw / "support" / demo_audit_specs.MARKER).is_file()
    workbook = openpyxl.load_workbook(
        next(p for p in result.written if p.suffix == ".xlsx"), read_only=True
    )
    cover = " ".join(
        str(c) for row in workbook["Cover"].iter_rows(values_only=True) for c in row if c
    )
    assert "SYNTHETIC" in cover
    references = [r[1] for r in workbook["Cases"].iter_rows(min_row=2, values_only=True)]
    assert all(str(r).startswith("SYN-") for r in references)
    workbook.close()
    actions_text = (raw / "audit" / "actions.csv").read_text(encoding="utf-8")
    assert all("SYNTHETIC" in line for line in actions_text.splitlines()[1:])


def test_demo_ingests_with_one_planted_identifier_and_one_missing_grade(demo, ingested):
    raw, _ = demo
    assert {spec.audit_id for spec in demo_audit_specs.DEMO_AUDITS} == set(ingested)
    records = pd.concat([r.records for r in ingested.values()], ignore_index=True)
    issues = pd.concat([r.issues for r in ingested.values()], ignore_index=True)
    assert all((r.files["status"] == "read").all() for r in ingested.values())
    withheld = records[records["evidence_withheld"] != ""]
    assert len(withheld) == 1
    assert withheld.iloc[0]["evidence_withheld"] == "nhs_number"
    assert withheld.iloc[0]["audit_id"] == "SYNTHETIC-2026-barnet-neglect"
    assert demo_audit_specs.PLANTED_NHS_NUMBER not in "\n".join(records["evidence"])
    assert records["status"].value_counts().to_dict().keys() == {"ok", "missing_grade"}
    assert (records["status"] == "missing_grade").sum() == 1
    assert set(issues["code"]) == {"identifier_in_evidence", "missing_grade"}
    missing = issues[issues["code"] == "missing_grade"].iloc[0]
    assert missing["sheet"] == "Police" and missing["cell"].startswith("'Police'!E")
    assert not records["case"].str.contains("SYN-").any()
    assert records["case"].map(pseudonym.looks_like_pseudonym).all()
    # double-marked answers and moderation changes in both directions
    assert (records["second_grade"] != "").sum() > 100
    assert {"up", "down", "confirmed"} <= set(records["moderation"])
    assert set(records["theme"]) == {"neglect", "exploitation"}
    # the repeat Barnet neglect audit can be compared with the first
    trend = audit_trends.compare_audits(records, theme="neglect", borough="Barnet")
    assert trend["previous_audit"].tolist() == ["", "SYNTHETIC-2025-barnet-neglect"]


def test_demo_logs_validate_cleanly(demo):
    raw, _ = demo
    log = audit_actions.read_actions(raw / "audit" / "actions.csv")
    assert log.table["valid"].all() and (log.issues["severity"] != "error").all()
    as_at = demo_audit_specs.DEMO_AS_AT
    assert len(audit_actions.overdue_actions(log.table, as_at)) >= 1
    assert len(audit_actions.reaudit_due(log.table, as_at)) >= 1
    support = support_log.read_support_log(raw / "support" / "support_log.csv")
    assert support.table["valid"].all() and support.issues.empty
    days = support_log.support_days(support.table, year="2025-26").set_index("borough")
    assert days.loc["Barnet", "chargeable_days"] > 0
    assert set(support_log.support_split(support.table)["scope"]) == {"borough", "pan-London"}


def test_demo_writes_only_inside_the_projects_raw_folder(project, tmp_path):
    with pytest.raises(RawDataWriteError):
        demo_audits.write_demo_audits(tmp_path / "elsewhere")
    assert not (tmp_path / "elsewhere").exists()


def test_raw_case_references_for_the_publication_check(demo):
    raw, _ = demo
    references = audit_ingest.raw_case_references(raw / "audit")
    assert references[0] == "SYN-0101" and all(r.startswith("SYN-") for r in references)
    assert (
        len(references)
        == len(set(references))
        == sum(spec.cases for spec in demo_audit_specs.DEMO_AUDITS)
    )
    assert audit_ingest.raw_case_references(raw / "nowhere") == []
