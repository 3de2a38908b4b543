"""Hostile returned feedback forms for ``lscb model feedback`` (issue 20's hostile-input suite).

Each file has its expected outcome: used (with the query or error it deserves) or set aside
with its reason. Every file in the folder is accounted for, nothing reaches another
organisation's answers, the command exits by the rule (0: ran and accounted for every file;
1 with ``--strict`` when any was set aside) and ``data/raw`` is byte-identical afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io as bytes_io
import os
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from feedback_helpers import LATEST, make_form, pi_row

from lscb_analysis.cli.main import main
from lscb_analysis.model import catalogue, consultation, feedback_form


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _set_model(key, value):
    def edit(workbook):
        for row in workbook[feedback_form.MODEL_SHEET].iter_rows(max_col=2):
            if row[0].value == key:
                row[1].value = value

    return edit


def _cell(pi_id: str, column: int, value):
    """Put ``value`` in the Feedback sheet's ``column`` on the PI's row."""

    def edit(workbook):
        sheet = workbook[feedback_form.FEEDBACK_SHEET]
        sheet.cell(pi_row(sheet, pi_id), column).value = value

    return edit


def _respondent_date(value):
    def edit(workbook):
        for row in workbook[feedback_form.RESPONDENT_SHEET].iter_rows(max_col=2):
            if row[0].value == "Date":
                row[1].value = value

    return edit


def _with_member(path: Path, name: str, data: bytes, method: int) -> None:
    """Add one part to a saved workbook (a huge or padded file as a sender might make)."""
    with zipfile.ZipFile(path, "a", compression=method) as archive:
        archive.writestr(name, data)


@pytest.fixture
def hostile(project):
    """A folder of hostile forms; returns (folder, {file: (status, reason, issue code)})."""
    folder = project / "data" / "raw" / "consultation"
    keep = {"BF-LD-01": ("keep", "", "", "")}
    expected: dict[str, tuple[str, str, str]] = {}

    # Genuine forms that the hostile ones must not replace.
    make_form(folder, "camden_police.xlsx", organisation="Camden Police", answers=keep)
    expected["camden_police.xlsx"] = ("used", "", "")
    make_form(folder, "barnet_police.xlsx", organisation="Barnet Police", answers=keep)
    expected["barnet_police.xlsx"] = ("used", "", "")

    # Wrong identity: the file name, a folder or the organisation it was sent to names
    # another borough than the organisation written in.
    later = dt.datetime(2026, 3, 30)
    remove = {"BF-LD-01": ("remove", "", "", "")}
    make_form(
        folder, "redbridge_police.xlsx", organisation="Camden Police", date=later, answers=remove
    )
    expected["redbridge_police.xlsx"] = ("rejected", "identity_mismatch", "identity_mismatch")
    make_form(folder / "Barnet", "form.xlsx", organisation="Enfield Police", answers=remove)
    expected["Barnet/form.xlsx"] = ("rejected", "identity_mismatch", "identity_mismatch")
    make_form(
        folder,
        "returned_police_form.xlsx",
        organisation="Enfield Police",
        date=later,
        answers=remove,
        edit=_set_model(feedback_form.SENT_TO_KEY, "Barnet Police"),
    )
    expected["returned_police_form.xlsx"] = (
        "rejected",
        "identity_mismatch",
        "identity_mismatch",
    )

    # Wrong version: one the model never had, and a form whose PI list is not its version's.
    make_form(
        folder,
        "v9.xlsx",
        organisation="Brent Police",
        answers=keep,
        edit=_set_model("version", "9.9"),
    )
    expected["v9.xlsx"] = ("rejected", "unknown_version", "unknown_version")
    make_form(
        folder,
        "relabelled.xlsx",
        organisation="Ealing Schools",
        answers=keep,
        edit=_set_model("version", "1.0" if LATEST != "1.0" else "0.3"),
    )
    expected["relabelled.xlsx"] = ("rejected", "checksum_mismatch", "checksum_mismatch")

    # A formula typed into a comment: read as the value Excel last saved (none), with a query.
    make_form(
        folder,
        "formula.xlsx",
        organisation="Hackney Housing",
        answers=keep,
        edit=_cell("BF-EH-01", 10, '=HYPERLINK("http://example.invalid","x")'),
    )
    expected["formula.xlsx"] = ("used", "", "formula")

    # Excel error values where an answer should be: not an answer, an error on the cell.
    make_form(
        folder,
        "errors.xlsx",
        organisation="Croydon Children's Services",
        answers=keep,
        edit=_cell("BF-EH-01", 7, "#N/A"),
    )
    expected["errors.xlsx"] = ("used", "", "unknown_choice")

    # Dates typed as text: a day-first date is read; words that are no date are a query.
    make_form(
        folder,
        "date_text.xlsx",
        organisation="Lambeth Police",
        answers=keep,
        edit=_respondent_date("02/03/2026"),
    )
    expected["date_text.xlsx"] = ("used", "", "")
    make_form(
        folder,
        "date_words.xlsx",
        organisation="Sutton Police",
        answers=keep,
        edit=_respondent_date("early March"),
    )
    expected["date_words.xlsx"] = ("used", "", "date_not_read")

    # Huge files: one larger on disk than the limit, one that unpacks to far more than it is.
    limits = project / "data" / "reference" / "disclosure.yaml"
    config = yaml.safe_load(limits.read_text())
    config["workbook_limits"]["max_file_bytes"] = 1_000_000
    limits.write_text(yaml.safe_dump(config))
    padded = make_form(folder, "padded.xlsx", organisation="Ealing Police", answers=keep)
    _with_member(padded, "xl/media/padding.bin", os.urandom(1_200_000), zipfile.ZIP_STORED)
    expected["padded.xlsx"] = ("rejected", "unsafe_workbook", "unsafe_workbook")
    bomb = make_form(folder, "bomb.xlsx", organisation="Harrow Police", answers=keep)
    _with_member(bomb, "xl/media/zeros.bin", b"\0" * 30_000_000, zipfile.ZIP_DEFLATED)
    expected["bomb.xlsx"] = ("rejected", "unsafe_workbook", "unsafe_workbook")

    # Corrupt: a form cut short in transfer, and bytes that are no workbook at all.
    whole = make_form(folder, "whole.xlsx", organisation="Merton Police", answers=keep)
    (folder / "truncated.xlsx").write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    whole.unlink()
    expected["truncated.xlsx"] = ("rejected", "unsafe_workbook", "unsafe_workbook")
    (folder / "garbage.xlsx").write_bytes(bytes_io.BytesIO(os.urandom(4096)).getvalue())
    expected["garbage.xlsx"] = ("rejected", "unsafe_workbook", "unsafe_workbook")
    return folder, expected


def test_each_hostile_form_ends_as_expected_and_raw_is_untouched(hostile, project, capsys):
    folder, expected = hostile
    raw = project / "data" / "raw"
    before = _tree_hashes(raw)

    # The exit-code rule (lscb_analysis.cli.ingest_rule): every file accounted for exits 0;
    # with --strict the files set aside (and the error value in a cell) make it 1.
    assert main(["model", "feedback", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert main(["model", "feedback", str(folder), "--strict"]) == 1
    assert _tree_hashes(raw) == before

    result = consultation.read_ingested_feedback(folder)
    files = result.files.set_index("file")
    # Every file accounted for: exactly the files in the folder, each with its outcome.
    assert set(files.index) == set(expected)
    for name, (status, reason, code) in expected.items():
        assert (name, files.at[name, "status"], files.at[name, "reason"]) == (name, status, reason)
        if code:
            assert code in set(result.issues.loc[result.issues["file"] == name, "code"]), name
        if status == "rejected":
            assert f"SET ASIDE {name} ({reason})" in err
    assert out.startswith(f"{len(expected)} form(s) read")

    # Nothing set aside reaches the answers, and no genuine form was replaced by one.
    used = result.responses[result.responses["used"]]
    assert set(used["file"]) == {n for n, (s, _, _) in expected.items() if s == "used"}
    assert not (used["choice"] == "remove").any()
    assert files.at["camden_police.xlsx", "status"] == "used"

    # The identity message names every source and what to do.
    message = files.at["Barnet/form.xlsx", "message"]
    assert "folder 'Barnet' says Barnet" in message and "Respondent sheet says Enfield" in message
    assert "the form was sent to says Barnet" in files.at["returned_police_form.xlsx", "message"]
    # The date typed as text was read day first.
    assert files.at["date_text.xlsx", "date"] == pd.Timestamp("2026-03-02")
    # The Excel error value is no answer.
    errors = used[(used["file"] == "errors.xlsx") & (used["pi_id"] == "BF-EH-01")]
    assert list(errors["choice"]) == [""]


def test_nothing_usable_is_a_failure_and_an_empty_folder_too(project, capsys):
    folder = project / "data" / "raw" / "consultation"
    folder.mkdir(parents=True, exist_ok=True)
    assert main(["model", "feedback", str(folder)]) == 1
    assert "No file could be read (0 set aside)" in capsys.readouterr().err
    (folder / "notes.csv").write_text("our comments\n")
    assert main(["model", "feedback", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "SET ASIDE notes.csv (not_a_workbook)" in err and "(1 set aside)" in err
    make_form(folder, "a.xlsx", answers={"BF-LD-01": ("keep", "", "", "")})
    assert main(["model", "feedback", str(folder)]) == 0
    assert main(["model", "feedback", str(folder), "--strict"]) == 1
    assert main(["model", "feedback", str(project / "nowhere")]) == 2


def test_a_form_sent_to_an_organisation_carries_it(project, tmp_path):
    model = catalogue.load_catalogue(LATEST)
    path = feedback_form.write_feedback_form(model, tmp_path / "f.xlsx", "Barnet Police")
    book = openpyxl.load_workbook(path)
    meta = {r[0].value: r[1].value for r in book[feedback_form.MODEL_SHEET].iter_rows(max_col=2)}
    assert meta[feedback_form.SENT_TO_KEY] == "Barnet Police"
    organisation = next(
        r[1].value
        for r in book[feedback_form.RESPONDENT_SHEET].iter_rows(max_col=2)
        if r[0].value == "Organisation"
    )
    assert organisation == "Barnet Police"
