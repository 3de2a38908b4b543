"""What goes in a pilot template's table: an agency's rows for every borough, agency names."""

from __future__ import annotations

import pytest

from lscb_analysis.core import register
from lscb_analysis.core.errors import ParameterError
from lscb_analysis.model import catalogue
from lscb_analysis.pilot import pilot_table
from lscb_analysis.survey import survey_rules


def test_agency_rows_cover_every_borough(public_indicators):
    everyone = pilot_table.template_rows(
        catalogue.load_catalogue("1.0"),
        register.resolve_many("all"),
        ["2025Q1"],
        public_indicators,
        agency="police",
    )
    assert everyone["la_number"].nunique() == 33


def test_unknown_agency_is_refused():
    with pytest.raises(ParameterError, match="Agency 'the fire brigade' is not known"):
        survey_rules.resolve_agency("the fire brigade")
