"""Tests for lscb_analysis.present.data_dictionary: the dictionary file and reference formats."""

from __future__ import annotations

import re

import pytest

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.present import data_dictionary


def test_every_dictionary_entry_is_readable():
    dictionary = data_dictionary.load_dictionary()
    assert len(dictionary) > 100
    for column in dictionary.values():
        assert column.kind in data_dictionary.KINDS
        assert not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", column.label), column


def test_best_fit_model_pis_have_their_precision():
    from lscb_analysis.model import catalogue

    pis = catalogue.load_catalogue().pis
    row = pis[pis["decimals"].notna()].iloc[0]
    assert data_dictionary.indicator_formats()[row["id"]] == (row["unit"], int(row["decimals"]))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("share,Share,,percent,one,,,", r"line 3: decimals 'one' of column 'share'"),
        ("kappa,Kappa,,fraction,2,,,", r"line 3: kind 'fraction' of column 'kappa'"),
        ("graded,,,count,0,,,", r"line 3: column 'graded' has no label"),
    ],
)
def test_a_bad_dictionary_row_is_named_by_line_and_column(tmp_path, row, message):
    path = tmp_path / "data_dictionary.csv"
    path.write_text(
        "column,label,unit,kind,decimals,codes,missing,description\n"
        "graded,Graded answers,,count,0,,,\n" + row + "\n"
    )
    with pytest.raises(ReferenceDataError, match=message):
        data_dictionary._dictionary(path, 0.0)


def test_a_column_described_twice_is_refused(tmp_path):
    path = tmp_path / "data_dictionary.csv"
    path.write_text(
        "column,label,unit,kind,decimals,codes,missing,description\n"
        "graded,Graded answers,,count,0,,,\ngraded,Graded,,count,0,,,\n"
    )
    with pytest.raises(ReferenceDataError, match=r"line 3: column 'graded' is described twice"):
        data_dictionary._dictionary(path, 0.0)
