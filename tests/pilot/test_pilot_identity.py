"""A pilot return is never taken as another borough's: file name and hidden sheet must agree."""

from __future__ import annotations

from ingest_inputs import ISSUED, save_workbook

from lscb_analysis.core import register
from lscb_analysis.model import catalogue
from lscb_analysis.pilot import pilot_ingest, pilot_periods, pilot_workbook


def test_a_return_named_for_barnet_whose_hidden_sheet_says_enfield_is_set_aside(
    tmp_path, public_indicators
):
    # The probe that got through: Enfield's template saved as Barnet's return was taken as
    # Enfield's re-submission and its values went into use.
    folder = tmp_path / "pilot"
    folder.mkdir()
    workbook = pilot_workbook.build_template(
        [register.resolve("Enfield")],
        pilot_periods.period_range("2025Q1..2025Q4"),
        catalogue.load_catalogue("1.0"),
        public_indicators,
        generated=ISSUED,
    )
    save_workbook(workbook, folder / "SYNTHETIC_barnet_pilot_return.xlsx")
    result = pilot_ingest.ingest_pilot(folder, published=public_indicators)
    [row] = result.returns.itertuples()
    assert (row.state, row.reason) == ("rejected", "identity_mismatch")
    assert "the file name says Barnet, the hidden sheet says Enfield" in row.message
    assert "ask Enfield whether it is theirs" in row.message
    assert result.values.empty
