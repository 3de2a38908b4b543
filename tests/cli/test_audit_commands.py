"""``lscb audit``: case-file audit commands. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations

import json

import pandas as pd
import pytest


@pytest.mark.slow
def test_audit_commands_end_to_end(lscb, project, tmp_path, monkeypatch):
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY_FILE", str(tmp_path / "keys" / "pseudonym.key"))
    assert (
        lscb(
            "audit", "keygen", "--path", str(tmp_path / "keys" / "pseudonym.key"), project=project
        ).returncode
        == 0
    )
    assert lscb("demo-data", project=project).returncode == 0
    ingest = lscb("audit", "ingest", project=project)
    assert ingest.returncode == 0, ingest.stderr
    assert "1 evidence cell(s) withheld" in ingest.stdout
    records = pd.read_parquet(
        project / "data/processed/audit/SYNTHETIC-2026-barnet-neglect/records.parquet"
    )
    assert records["case"].str.match(r"^CASE-[A-Z2-7]{10}$").all()
    assert not records.astype(str).apply(lambda c: c.str.contains("SYN-0")).any().any()
    reports = project / "reports" / "deep_dive"
    reports.mkdir(parents=True)
    (reports / "leak.html").write_text("<p>Case SYN-0003 was discussed.</p>")
    check = lscb("check", "reports", project=project)
    assert check.returncode == 1 and "case_reference" in check.stderr
    _another_key_is_refused_unless_on_purpose(lscb, project, tmp_path, monkeypatch, records)


def _another_key_is_refused_unless_on_purpose(lscb, project, tmp_path, monkeypatch, before):
    record = project / "data/processed/audit/pseudonym_key.json"
    first = json.loads(record.read_text())["key_fingerprint"]
    other = tmp_path / "keys" / "other.key"
    assert lscb("audit", "keygen", "--path", str(other), project=project).returncode == 0
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY_FILE", str(other))
    refused = lscb("audit", "ingest", project=project)
    assert refused.returncode != 0
    assert "The pseudonym key has changed" in refused.stderr and first in refused.stderr
    assert "lscb audit ingest --new-key" in refused.stderr
    records = project / "data/processed/audit/SYNTHETIC-2026-barnet-neglect/records.parquet"
    assert pd.read_parquet(records)["case"].tolist() == before["case"].tolist()  # untouched
    assert lscb("audit", "ingest", "--new-key", "data/raw/audit", project=project).returncode
    changed = lscb("audit", "ingest", "--new-key", project=project)
    assert changed.returncode == 0, changed.stderr
    assert "case labels (CASE-...) have changed" in changed.stdout
    assert json.loads(record.read_text())["key_fingerprint"] not in (first, "")
    assert not set(pd.read_parquet(records)["case"]) & set(before["case"])


@pytest.mark.slow
def test_audit_template_and_sample(lscb, project, tmp_path):
    out = tmp_path / "tool.xlsx"
    done = lscb(
        "audit",
        "template",
        "--theme",
        "neglect",
        "--agencies",
        "police,csc",
        "--cases",
        "6",
        "--out",
        str(out),
        project=project,
    )
    assert done.returncode == 0 and out.is_file()
    frame = tmp_path / "cases.csv"
    frame.write_text(
        "case,category\n"
        + "".join(f"C{i:03d},{'neglect' if i % 3 else 'abuse'}\n" for i in range(60))
    )
    first = lscb(
        "audit",
        "sample",
        "--frame",
        str(frame),
        "--n",
        "12",
        "--stratify",
        "category",
        "--seed",
        "7",
        "--out",
        str(tmp_path / "s1"),
        project=project,
    )
    second = lscb(
        "audit",
        "sample",
        "--frame",
        str(frame),
        "--n",
        "12",
        "--stratify",
        "category",
        "--seed",
        "7",
        "--out",
        str(tmp_path / "s2"),
        project=project,
    )
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert (tmp_path / "s1/sample.csv").read_text() == (tmp_path / "s2/sample.csv").read_text()
