"""Tests for lscb_analysis.protect.recovery_attack: each method finds a planted leak; the demo is safe."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from statsmodels.stats.proportion import proportion_confint

from lscb_analysis.protect import recovery_attack

HEADER = [
    "Audit",
    "Section",
    "Outstanding",
    "Good",
    "Requires improvement",
    "Inadequate",
    "Graded answers",
    "Good or better (%)",
    "Lower (%)",
    "Upper (%)",
]


def _html(rows, sentences=(), caption="Grades by section", banner="") -> str:
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    said = "".join(f"<p>{s}</p>" for s in sentences)
    return (
        f"<html lang='en-GB'><body>{banner}<h2>{caption}</h2><table><tr>{head}</tr>{body}"
        f"</table><h2>Questions this raises</h2>{said}</body></html>"
    )


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# O=1, G=23, RI=30, I=10 (64 graded, 24 good or better), as in the issue.
LEAKY_ROW = ["A1", "impact", "c", "23", "30", "c", "64", "c", "c", "c"]


def test_share_times_base_recovers_the_issue_leak(tmp_path):
    _write(
        tmp_path,
        "deep_dive/barnet/report.html",
        _html([LEAKY_ROW], ["Impact (A1): 38% of graded answers were good or better, below 50%."]),
    )
    hits = recovery_attack.attack_folder(tmp_path)
    found = hits[hits["method"] == "share x base"]
    assert found["value"].tolist() == [1]  # Outstanding; Inadequate (10) is above the threshold
    assert "Outstanding" in found["place"].iloc[0]
    assert "1" not in found["message"].iloc[0].split(":")[-1]  # messages never give the value


def test_wilson_interval_inversion(tmp_path):
    _write(
        tmp_path,
        "deep_dive/barnet/report.html",
        _html([LEAKY_ROW], ["Impact (A1): the share is suppressed (95% interval 27% to 50%)."]),
    )
    hits = recovery_attack.attack_folder(tmp_path)
    assert hits["method"].tolist() == ["Wilson interval"] and hits["value"].tolist() == [1]


def test_exact_interval_inversion_from_table_cells(tmp_path):
    low, high = proportion_confint(24, 64, alpha=0.05, method="beta")
    row = [*LEAKY_ROW[:7], "c", f"{100 * low:.1f}", f"{100 * high:.1f}"]
    _write(tmp_path, "deep_dive/barnet/report.html", _html([row]))
    hits = recovery_attack.attack_folder(tmp_path)
    assert "exact interval" in hits["method"].tolist()
    assert set(hits["value"]) == {1}


def test_total_minus_others_in_a_workbook(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Grades"
    sheet.append(HEADER[:7])
    sheet.append(["A1", "impact", "c", 23, 30, 12, 66])
    path = tmp_path / "scorecard" / "barnet" / "grades.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    hits = recovery_attack.attack_folder(tmp_path)
    assert hits["method"].tolist() == ["total minus others"]
    assert hits["value"].tolist() == [1]
    assert hits["place"].iloc[0].startswith("Grades!")


def test_difference_across_two_reports_of_the_same_borough(tmp_path):
    # Each report alone is safe; together the total of one and the parts of the other leak.
    _write(
        tmp_path,
        "deep_dive/barnet/a.html",
        _html(
            [["A1", "impact", "c", "23", "30", "c", "c", "c", "c", "c"]], caption="Repeat audits"
        ),
    )
    _write(
        tmp_path,
        "deep_dive/barnet/b.html",
        _html(
            [["A1", "impact", "c", "c", "30", "10", "64", "c", "c", "c"]], caption="Repeat audits"
        ),
    )
    hits = recovery_attack.attack_folder(tmp_path)
    assert hits["method"].str.startswith("difference across reports").all()
    assert hits["value"].tolist() == [1]
    # Another borough's table with the same caption is not combined.
    _write(
        tmp_path,
        "deep_dive/croydon/c.html",
        _html(
            [["A1", "impact", "c", "23", "30", "c", "64", "c", "c", "c"]], caption="Repeat audits"
        ),
    )
    assert len(recovery_attack.attack_folder(tmp_path)) == 1


def test_safe_outputs_and_analyst_outputs_yield_nothing(tmp_path):
    _write(
        tmp_path,
        "deep_dive/barnet/report.html",
        _html(
            [LEAKY_ROW, ["A1", "planning", "10", "20", "30", "12", "72", "41.7", "30.9", "53.3"]],
            [
                "Impact (A1): the share of graded answers good or better is suppressed (fewer than "
                "6), below 50%.",
                "Planning (A1): 42% of graded answers were good or better (95% interval 31% to 53%).",
            ],
        ),
    )
    leak = _html([LEAKY_ROW], ["Impact (A1): 38% of graded answers were good or better."])
    _write(tmp_path, "analyst/deep_dive/barnet/report.html", leak)
    _write(
        tmp_path,
        "deep_dive/ealing/report.html",
        leak.replace("<body>", "<body><p>NOT FOR PUBLICATION: unsuppressed analyst copy</p>"),
    )
    assert recovery_attack.attack_folder(tmp_path).empty
    assert recovery_attack.suppressed_cells(tmp_path) == 5


@pytest.mark.slow
def test_demo_pack_board_outputs_give_nothing_back(demo_pack):
    reports = Path(demo_pack["root"]) / "reports"
    hits = recovery_attack.attack_folder(reports)
    assert hits.empty, recovery_attack.hit_messages(hits)
    assert demo_pack["codes"]["check reports"] == 0
    # The seeded small sections give the attack something to try in the deep dive.
    deep_dive = sorted((reports / "deep_dive").rglob("report.html"))
    assert deep_dive, "the Barnet pack must include the deep dive"
    assert recovery_attack.suppressed_cells(reports / "deep_dive") > 0
    html = deep_dive[0].read_text(encoding="utf-8")
    assert "suppressed (fewer than 6)" in html
    assert "audit sections are suppressed (fewer than 6) and are not compared with 50%" in html


def test_check_reports_and_the_publication_scan_refuse_a_leak(tmp_path, project, capsys):
    from lscb_analysis.cli import main as cli
    from lscb_analysis.runs import screening

    reports = tmp_path / "out"
    leak = _write(
        reports,
        "deep_dive/barnet/report.html",
        _html([LEAKY_ROW], ["Impact (A1): 38% of graded answers were good or better."]),
    )
    assert cli.main(["check", "reports", "--folder", str(reports)]) == 1
    said = capsys.readouterr().err
    assert "deep_dive/barnet/report.html" in said and "Impact (A1)" in said
    assert "share x base" in said and "Outstanding" in said

    # The runner's scan of a run's staging folder: a hit fails it and removes its outputs.
    (leak.parent / "manifest.json").write_text("{}")
    findings, _ = screening.screen_outputs(leak.parent)
    assert set(findings["kind"]) == {screening.RECOVERABLE}
    assert findings["masked"].eq("").all()
    message = screening.identifier_error(findings)
    assert "can be worked out" in message and "allowlist" not in message
    assert not leak.exists() and (leak.parent / "manifest.json").exists()

    safe = _write(reports, "deep_dive/barnet/report.html", _html([LEAKY_ROW]))
    assert cli.main(["check", "reports", "--folder", str(reports)]) == 0
    assert "none of their" in capsys.readouterr().out and safe.exists()


def test_a_title_row_above_the_header_is_skipped(tmp_path):
    text = _html([LEAKY_ROW], ["Impact (A1): 38% of graded answers were good or better."])
    text = text.replace("<table>", "<table><tr><th colspan='10'>Grades by section</th></tr>")
    _write(tmp_path, "deep_dive/barnet/report.html", text)
    assert recovery_attack.attack_folder(tmp_path)["value"].tolist() == [1]


def test_suppression_words_in_cells_count_as_suppressed(tmp_path):
    row = [cell if cell != "c" else "suppressed (fewer than 6)" for cell in LEAKY_ROW]
    _write(
        tmp_path,
        "deep_dive/barnet/report.html",
        _html([row], ["Impact (A1): 38% of graded answers were good or better."]),
    )
    assert recovery_attack.attack_folder(tmp_path)["value"].tolist() == [1]
