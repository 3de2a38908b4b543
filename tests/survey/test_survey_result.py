"""The survey ingest's issue codes are all documented."""

from __future__ import annotations

from lscb_analysis.survey import survey_result


def test_issue_codes_are_documented():
    documented = set(survey_result.ISSUE_CODES)
    assert set(survey_result.REJECTION_CODES) | survey_result.ROW_EXCLUSION_CODES <= documented
