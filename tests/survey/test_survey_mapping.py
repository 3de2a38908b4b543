"""Phase I mapping on small hand-built ingest outputs."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.survey import survey_mapping, survey_template

CANDIDATES = survey_template.candidate_indicators()


def test_board_code_wins_then_keywords_then_none(items):
    matched = survey_mapping.match_candidates(items, CANDIDATES).set_index("item")
    assert matched.at["Something", "candidate_code"] == "CP06"
    assert matched.at["Something", "match_method"] == "board_code"
    assert matched.at["Number of LADO allegations", "candidate_code"] == "LADO01"
    assert matched.at["Missing episodes reported to police", "candidate_code"] == "MIS01"
    assert matched.at["Prevent referrals", "match_method"] == "none"
    assert matched.at["Prevent referrals", "domain"] == survey_mapping.UNCOVERED


def test_coverage_and_candidate_counts_use_only_returns_in_use(items):
    matched = survey_mapping.match_candidates(items, CANDIDATES)
    coverage = survey_mapping.coverage_by_domain(matched, CANDIDATES)
    assert coverage.at["Barnet", "LADO and allegations"] == 1
    assert coverage.at["Brent", "Child protection"] == 1
    assert coverage.at["Brent", survey_mapping.UNCOVERED] == 1  # "Old list" is not in use
    counts = survey_mapping.candidate_counts(matched, CANDIDATES).set_index("code")
    assert counts.at["CP06", "boards_collecting"] == 1
    assert counts.at["MIS02", "boards_wanting"] == 1


def test_agency_shares_and_local_authority_share(items):
    matched = survey_mapping.match_candidates(items, CANDIDATES)
    shares = survey_mapping.agency_shares(matched)
    assert shares.at["Barnet", "police"] == pytest.approx(2 / 3)
    assert shares.at["Barnet", "local_authority_share"] == pytest.approx(1 / 3)
    assert shares.at["London", "items"] == 5
    assert shares.at["London", "local_authority_share"] == pytest.approx(2 / 5)
    assert survey_mapping.agency_finding(shares).startswith("Local authority services supply 40%")


def test_frequency_shares(items):
    frequencies = survey_mapping.frequency_shares(
        survey_mapping.match_candidates(items, CANDIDATES)
    )
    assert frequencies.at["London", "annual"] == pytest.approx(3 / 5)
    assert frequencies.at["Barnet", "items"] == 3
    assert survey_mapping.frequency_finding(frequencies) == (
        "60% of collected items are reported only once a year"
    )
    # The headline cycle and its words come from survey.yaml.
    config = {"frequency_headline": {"cycle": "monthly", "words": "every month"}}
    monthly = frequencies.at["London", "monthly"]
    assert survey_mapping.frequency_finding(frequencies, config) == (
        f"{monthly:.0%} of collected items are reported only every month"
    )


def test_uncovered_items_grouped_by_similar_wording(items):
    groups = survey_mapping.uncovered_groups(survey_mapping.match_candidates(items, CANDIDATES))
    assert groups.iloc[0]["heading"] == "Prevent referrals"
    assert groups.iloc[0]["boards"] == 2 and groups.iloc[0]["items"] == 2


def test_response_register_statuses(project):
    contacts_csv = project / "contacts.csv"
    contacts_csv.write_text(
        "borough,contact,date_sent,date_chased,acknowledged,notes\n"
        "Barnet,A,2026-01-10,,yes,\nBrent,B,2026-01-10,,no,\nBromley,C,2026-01-10,,Y,\n"
        "Camden,D,2026-01-10,,no,\nEaling,E,2026-01-10,,no,\nNarnia,F,2026-01-10,,no,\n"
    )
    contacts, issues = survey_mapping.read_contacts(contacts_csv)
    assert list(issues["code"]) == ["unknown_borough"] and issues.iloc[0]["row"] == 7
    returns = pd.DataFrame(
        [
            {
                "file": "a.xlsx",
                "state": "ingested",
                "reason": "",
                "borough": "Barnet",
                "la_number": "302",
                "return_date": "2026-02-01",
                "modified": "2026-02-01",
                "sections_filled": 2,
                "items_collects": 5,
                "items_would_like": 1,
                "used": True,
            },
            {
                "file": "b.xlsx",
                "state": "rejected",
                "reason": "password_protected",
                "borough": "Brent",
                "la_number": "304",
                "return_date": None,
                "modified": "2026-02-03",
                "sections_filled": 0,
                "items_collects": 0,
                "items_would_like": 0,
                "used": False,
            },
            {
                "file": "c.xlsx",
                "state": "ingested",
                "reason": "",
                "borough": "Camden",
                "la_number": "202",
                "return_date": "2026-04-20",
                "modified": "2026-04-20",
                "sections_filled": 1,
                "items_collects": 2,
                "items_would_like": 0,
                "used": True,
            },
        ]
    )
    table = survey_mapping.response_register(returns, contacts).set_index("borough")
    assert table.at["Barnet", "status"] == "returned_with_data"
    assert table.at["Brent", "status"] == "returned_unreadable"
    assert table.at["Bromley", "status"] == "acknowledged_without_data"
    assert table.at["Ealing", "status"] == "no_response"
    assert table.at["Croydon", "status"] == "not_asked"
    assert len(table) == 33
    early = survey_mapping.response_register(returns, contacts, as_at="2026-03-31")
    assert early.set_index("borough").at["Camden", "status"] == "no_response"
    assert survey_mapping.response_summary(early).startswith(
        "3 of 5 boards asked responded, 1 with information"
    )


def test_missing_contacts_list_is_a_warning_not_a_failure(tmp_path):
    contacts, issues = survey_mapping.read_contacts(tmp_path / "contacts.csv")
    assert contacts.empty and list(issues["code"]) == ["no_contacts"]


def test_check_parameters(project):
    (project / "data/raw/survey").mkdir()
    folder, when, area = survey_mapping.check_parameters("data/raw/survey", "2026-03-31", "RBKC")
    assert folder == project / "data/raw/survey" and str(when) == "2026-03-31"
    assert area.name == "Kensington and Chelsea"
    with pytest.raises(ParameterError, match="'survey_folder'"):
        survey_mapping.check_parameters("data/raw/nowhere", None, None)
    with pytest.raises(ParameterError, match="'as_at'"):
        survey_mapping.check_parameters("data/raw/survey", "last March", None)
    with pytest.raises(ParameterError, match="'borough'"):
        survey_mapping.check_parameters("data/raw/survey", None, "Gotham")


def test_every_wish_list_item_no_candidate_covers_is_kept_with_boards_and_barriers(items):
    from conftest import survey_item

    wishes = pd.DataFrame(
        [
            survey_item(
                "Barnet",
                "Young carers identified",
                section="would_like",
                agency="education",
                barrier="no system",
            ),
            survey_item(
                "Brent",
                "Young carers identified by schools",
                section="would_like",
                agency="education",
                barrier="information sharing",
            ),
            survey_item("Camden", "Young carers identified", section="would_like", used=False),
        ]
    )
    matched = survey_mapping.match_candidates(pd.concat([items, wishes]), CANDIDATES)
    wanted = survey_mapping.uncovered_groups(matched, "would_like")
    # "Return home interviews" is a candidate (MIS02): counted there, not here.
    assert wanted["heading"].tolist() == ["Young carers identified"]
    row = wanted.iloc[0]
    assert (row["items"], row["boards"]) == (2, 2)  # Camden's list is not in use
    assert row["barriers"] == "information sharing, no system"
    assert "Young carers identified by schools" in row["examples"]
