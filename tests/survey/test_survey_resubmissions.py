"""Which survey return is used: the latest by its own date, then file time, never by name;
ties flagged; copies compared with a file read under a name that fits it."""

from __future__ import annotations

import datetime as dt
import os
import shutil

from lscb_analysis.survey import survey_ingest


def test_a_later_return_supersedes_an_earlier_one(folder, template_return, by_code):
    template_return(
        folder / "camden_v2.xlsx", board="Camden", items=4, date=dt.datetime(2026, 3, 20)
    )
    template_return(folder / "camden_v1.xlsx", board="Camden", items=2, date="02/02/2026")
    result = survey_ingest.ingest_survey(folder)
    returns = result.returns.set_index("file")
    assert bool(returns.loc["camden_v2.xlsx", "used"]) is True
    assert bool(returns.loc["camden_v1.xlsx", "used"]) is False
    assert returns.loc["camden_v1.xlsx", "state"] == "ingested_with_warnings"
    assert returns.loc["camden_v2.xlsx", "state"] == "ingested"
    superseded = by_code(result, "superseded_return")
    assert list(superseded["file"]) == ["camden_v1.xlsx"]
    assert "camden_v2.xlsx" in superseded.iloc[0]["message"]
    used = result.items.groupby("file")["used"].agg(["all", "any"])
    assert used.loc["camden_v2.xlsx", "all"] and not used.loc["camden_v1.xlsx", "any"]
    assert len(result.items) == 4 + 2 + 2 * 2


def test_without_dates_the_later_modified_file_is_used(folder, template_return, by_code):
    for name, stamp, items in [("first.xlsx", 1_767_000_000, 2), ("second.xlsx", 1_768_000_000, 3)]:
        template_return(folder / name, board="Sutton", items=items, date=None)
        os.utime(folder / name, (stamp, stamp))
    result = survey_ingest.ingest_survey(folder)
    used = result.returns.set_index("file")["used"]
    assert bool(used["second.xlsx"]) and not bool(used["first.xlsx"])
    assert "modification time" in by_code(result, "superseded_return").iloc[0]["message"]


def test_returns_tied_on_date_and_file_time_are_flagged_not_decided_by_name(
    folder, template_return, by_code
):
    # Same date inside, same file time: neither is newer. The first by name is used (so the
    # result is stable) and the other is flagged for the board to decide; the name never
    # counts as "later".
    for name, items in [("sutton_a.xlsx", 2), ("sutton_b.xlsx", 3)]:
        template_return(folder / name, board="Sutton", items=items, date=dt.datetime(2026, 3, 2))
        os.utime(folder / name, (1_767_000_000, 1_767_000_000))
    result = survey_ingest.ingest_survey(folder)
    used = result.returns.set_index("file")["used"]
    assert bool(used["sutton_a.xlsx"]) and not bool(used["sutton_b.xlsx"])
    [tied] = by_code(result, "tied_return").itertuples()
    assert tied.file == "sutton_b.xlsx"
    assert "same return date and file time as sutton_a.xlsx, so neither is newer" in tied.message
    assert by_code(result, "superseded_return").empty


def test_a_renamed_copy_set_aside_for_its_name_does_not_make_the_genuine_return_a_duplicate(
    folder, template_return, state_of, by_code
):
    genuine = template_return(folder / "SYNTHETIC_camden_survey_return.xlsx", board="Camden")
    # The same bytes under Barnet's name sort first: set aside for its name, it must not
    # push Camden's own file out as a "duplicate" of a file that is not used.
    shutil.copy2(genuine, folder / "SYNTHETIC_barnet_survey_return.xlsx")
    shutil.copy2(genuine, folder / "SYNTHETIC_camden_survey_return_copy.xlsx")
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "SYNTHETIC_barnet_survey_return.xlsx") == (
        "rejected",
        "identity_mismatch",
    )
    assert state_of(result, "SYNTHETIC_camden_survey_return.xlsx") == ("ingested", "")
    [copy] = by_code(result, "duplicate")["message"]
    assert copy.startswith("SYNTHETIC_camden_survey_return_copy.xlsx is byte-identical to ")
    assert "SYNTHETIC_camden_survey_return.xlsx is used" in copy
