"""The actions log and each board's targets file are recorded inputs: editing one re-runs
exactly the runs that read it (the deep dives for the actions log, that board's score card for
its targets) and leaves the others "unchanged, skipped"."""

from __future__ import annotations

import json

from lscb_analysis import __version__
from lscb_analysis.core import provenance
from lscb_analysis.runs.planning import plan_runs
from lscb_analysis.runs.run_record import change_reason

CODE = "fingerprint"


def _specs(out):
    specs = []
    for notebook in ("scorecard", "deep_dive"):
        specs += plan_runs(notebook, "Barnet,Brent", {}, out)
    return specs


def _record_success(spec):
    """What a successful run leaves: its report and a manifest of its inputs' hashes."""
    spec.run_dir.mkdir(parents=True, exist_ok=True)
    (spec.run_dir / "report.html").write_text("<p>report</p>")
    manifest = {
        "status": "ok",
        "parameters": spec.parameters,
        "inputs": provenance.input_hashes(spec.inputs),
        "package_version": __version__,
        "code_fingerprint": CODE,
        "outputs": {"html": "report.html"},
    }
    (spec.run_dir / "manifest.json").write_text(json.dumps(manifest, default=str))


def _to_rerun(out):
    return {
        spec.key: reason
        for spec in _specs(out)
        if (reason := change_reason(spec, provenance.input_hashes(spec.inputs), CODE))
    }


def test_editing_the_actions_log_or_a_boards_targets_reruns_exactly_their_runs(project, tmp_path):
    out = tmp_path / "reports"
    actions = project / "data" / "raw" / "audit" / "actions.csv"
    actions.parent.mkdir(parents=True, exist_ok=True)
    actions.write_text("action_id,la_number\nA1,302\n")
    targets = project / "data" / "reference" / "targets"
    targets.mkdir(parents=True, exist_ok=True)
    (targets / "barnet.csv").write_text("pi,target\nBF-SG-01,85\n")
    for spec in _specs(out):
        _record_success(spec)
    assert _to_rerun(out) == {}  # nothing changed: every run "unchanged, skipped"

    actions.write_text("action_id,la_number\nA1,302\nA2,304\n")
    assert _to_rerun(out) == {
        "deep_dive/barnet": "data/raw/audit/actions.csv changed",
        "deep_dive/brent": "data/raw/audit/actions.csv changed",
    }
    for spec in _specs(out):
        _record_success(spec)

    (targets / "barnet.csv").write_text("pi,target\nBF-SG-01,90\n")
    assert _to_rerun(out) == {"scorecard/barnet": "data/reference/targets/barnet.csv changed"}
    for spec in _specs(out):
        _record_success(spec)

    # A board that starts a targets file (named by its LA number) re-runs its card only.
    (targets / "304.csv").write_text("pi,target\nBF-SG-01,70\n")
    assert _to_rerun(out) == {"scorecard/brent": "data/reference/targets/304.csv changed"}
