"""Consultation across versions: answers carry when the PI is unchanged, else are to confirm.

Versions 1.0 and 1.1 of data/reference/best_fit_model differ by one changed PI (BF-CP-02, its
definition) and one added PI (BF-YS-08): ``lscb model diff 1.0 1.1`` shows exactly those.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest
from feedback_helpers import make_form
from hypothesis import given, settings
from hypothesis import strategies as st

from lscb_analysis.model import (
    catalogue,
    catalogue_diff,
    consultation,
    consultation_carry,
    consultation_summary,
    feedback_form,
)

OLD, NEW = "1.0", "1.1"
CHANGED, ADDED, SAME = "BF-CP-02", "BF-YS-08", "BF-LD-01"


def test_versions_1_0_and_1_1_differ_by_one_changed_and_one_added_pi():
    diff = catalogue_diff.diff_catalogues(
        catalogue.load_catalogue(OLD), catalogue.load_catalogue(NEW)
    )
    pis = diff[diff["pi_id"] != ""]
    assert set(zip(pis["change"], pis["pi_id"], strict=True)) == {
        ("changed", CHANGED),
        ("added", ADDED),
    }


def test_a_fingerprint_follows_what_the_respondent_saw():
    old, new = catalogue.load_catalogue(OLD), catalogue.load_catalogue(NEW)
    before, after = feedback_form.pi_fingerprints(old), feedback_form.pi_fingerprints(new)
    assert before[SAME] == after[SAME] and before[CHANGED] != after[CHANGED]
    assert ADDED not in before and len(after[ADDED]) == 16
    # Case and line breaks are not a change; a word is.
    pi = old.pi(SAME).to_dict()
    assert (
        feedback_form.pi_fingerprint({**pi, "definition": pi["definition"].upper() + "\n"})
        == (before[SAME])
    )
    assert feedback_form.pi_fingerprint({**pi, "numerator": pi["numerator"] + " x"}) != before[SAME]
    assert feedback_form.pi_fingerprint({**pi, "rating": "critical"}) != before[SAME] or (
        pi["rating"] == "critical"
    )


@pytest.fixture
def forms(project):
    folder = project / "data" / "raw" / "consultation"
    answers = {
        SAME: ("remove", "", "", ""),
        CHANGED: ("keep", "", "", ""),
        "BF-EH-01": ("keep", "", "", ""),
    }
    make_form(folder, "brent_v10.xlsx", version=OLD, organisation="Brent Police", answers=answers)
    make_form(
        folder, "ealing_v10.xlsx", version=OLD, organisation="Ealing Schools", answers=answers
    )
    # Ealing answers again on 1.1: its new answer replaces its carried one for BF-EH-01 only.
    make_form(
        folder,
        "ealing_v11.xlsx",
        version=NEW,
        organisation="Ealing Schools",
        date=dt.datetime(2026, 5, 4),
        answers={"BF-EH-01": ("amend", "", "Count families", "")},
    )
    return folder


def test_answers_carry_to_the_new_version_or_wait_to_be_confirmed(forms):
    result = consultation.ingest_feedback(forms)
    assert set(result.files["status"]) == {"used"}
    assert (result.files["fingerprint_source"] == "form").all()
    model = consultation_summary.check_version(None, result)
    assert model.version == NEW
    standing = consultation_carry.answers_for_version(result.responses, model)
    got = standing.set_index(["respondent", "pi_id"])
    assert got.at[("brent police", SAME), "standing"] == "carried"
    assert got.at[("brent police", SAME), "note"] == "carried from v1.0"
    assert got.at[("brent police", CHANGED), "standing"] == "to_confirm"
    assert got.at[("brent police", CHANGED), "note"] == "the PI changed since v1.0: confirm"
    assert got.at[("ealing schools", "BF-EH-01"), "standing"] == "answered"
    assert got.at[("ealing schools", "BF-EH-01"), "choice"] == "amend"
    # Ealing left BF-LD-01 blank on 1.1: its answer on 1.0 still stands, carried.
    assert got.at[("ealing schools", SAME), "standing"] == "carried"

    summary = consultation_summary.summarise_feedback(result.responses, model).set_index("pi_id")
    # Hand count: BF-LD-01 two removes carried; BF-CP-02 two keeps to confirm, none counted;
    # BF-EH-01 Brent's keep carried and Ealing's amend on 1.1; BF-YS-08 only Ealing saw it.
    assert summary.loc[SAME, ["remove", "carried", "to_confirm", "respondents"]].tolist() == [
        2,
        2,
        0,
        2,
    ]
    assert summary.loc[CHANGED, ["keep", "answered", "to_confirm", "no_answer"]].tolist() == [
        0,
        0,
        2,
        0,
    ]
    assert summary.loc["BF-EH-01", ["keep", "amend", "carried"]].tolist() == [1, 1, 1]
    assert summary.at[SAME, "consultation"] == "2 from v1.0 carried"
    assert summary.at[CHANGED, "consultation"] == "2 from v1.0 to confirm: the PI changed since"
    assert summary.at["BF-EH-01", "consultation"] == "1 from v1.0 carried; 1 answered on v1.1"
    assert summary.at[ADDED, "consultation"] == "not yet consulted"
    assert summary.at[ADDED, "respondents"] == 1 and summary.at[ADDED, "no_answer"] == 1
    shares = consultation_summary.support_table(summary.reset_index())
    assert shares.sum(axis=1).round(9).isin([0.0, 1.0]).all()
    assert shares.filter(like=CHANGED, axis=0)["to confirm"].iloc[0] == 1.0

    # On 1.0 itself nothing is carried or to confirm.
    on_old = consultation_summary.summarise_feedback(
        result.responses, catalogue.load_catalogue(OLD)
    ).set_index("pi_id")
    assert on_old.loc[CHANGED, ["keep", "to_confirm"]].tolist() == [2, 0]


def test_the_diff_says_which_answers_carry(forms):
    result = consultation.ingest_feedback(forms)
    old, new = catalogue.load_catalogue(OLD), catalogue.load_catalogue(NEW)
    table = consultation_carry.carry_table(result.responses, old, new).set_index("pi_id")
    assert table.loc[SAME, ["change", "answers", "carry", "ask_again"]].tolist() == [
        "unchanged",
        2,
        2,
        0,
    ]
    assert table.loc[CHANGED, ["change", "answers", "carry", "ask_again"]].tolist() == [
        "changed",
        2,
        0,
        2,
    ]
    assert table.at[ADDED, "change"] == "added"
    assert table.at[ADDED, "what"] == "new in v1.1: not yet consulted"
    text = consultation_carry.format_carry(table.reset_index(), OLD, NEW)
    assert "to ask again (the PI changed)" in text and f"{CHANGED}  2 to ask again" in text


def test_a_form_made_before_fingerprints_is_read_against_its_version(project):
    folder = project / "data" / "raw" / "consultation"

    def legacy(workbook):
        for row in workbook[feedback_form.MODEL_SHEET].iter_rows(max_col=2):
            if row[0].value == feedback_form.FINGERPRINT_KEY:
                row[0].value = row[1].value = None

    make_form(folder, "old.xlsx", version=OLD, answers={SAME: ("keep", "", "", "")}, edit=legacy)
    result = consultation.ingest_feedback(folder)
    files = result.files.set_index("file")
    assert files.at["old.xlsx", "status"] == "used"
    assert files.at["old.xlsx", "fingerprint_source"] == "version 1.0"
    issue = result.issues[result.issues["code"] == "fingerprint_from_version"]
    assert len(issue) == 1 and "as version 1.0 words it now" in issue.iloc[0]["message"]
    standing = consultation_carry.answers_for_version(
        result.responses, catalogue.load_catalogue(NEW)
    )
    assert standing.set_index("pi_id").at[SAME, "standing"] == "carried"


def _frame(rows):
    frame = pd.DataFrame(
        rows, columns=["organisation", "version", "pi_id", "choice", "fingerprint"]
    )
    for column in ("suggested_rating", "suggested_wording", "comment"):
        frame[column] = ""
    frame["file"] = frame["organisation"] + frame["version"]
    frame["used"] = True
    frame["date"] = pd.Timestamp("2026-03-01")
    return frame


@functools.cache
def _fingerprints() -> dict:
    """Each version's PI fingerprints, worked out once for every example of the property."""
    return {v: feedback_form.pi_fingerprints(catalogue.load_catalogue(v)) for v in (OLD, NEW)}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.sampled_from([OLD, NEW]),
            st.sampled_from([SAME, CHANGED, "BF-EH-01"]),
            st.sampled_from(["keep", "amend", "remove", ""]),
        ),
        max_size=12,
    )
)
def test_one_standing_answer_per_respondent_and_pi(rows):
    prints = _fingerprints()
    frame = _frame([(o, v, p, c, prints[v][p]) for o, v, p, c in rows])
    standing = consultation_carry.answers_for_version(frame, catalogue.load_catalogue(NEW))
    assert not standing.duplicated(["respondent", "pi_id"]).any()
    assert set(standing["standing"]) <= set(consultation_carry.STANDINGS)
    # Answers about the changed PI from 1.0 never count as carried.
    assert not ((standing["pi_id"] == CHANGED) & (standing["standing"] == "carried")).any()
