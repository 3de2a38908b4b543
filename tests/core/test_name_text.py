"""Names as text, not tricks: hidden characters are refused in names, removed from display."""

from __future__ import annotations

import pytest

from lscb_analysis.core import register
from lscb_analysis.core.errors import InvalidNameError, UnknownAreaError
from lscb_analysis.core.name_text import check_name, display_text, hidden_characters
from lscb_analysis.survey.survey_rules import find_borough

# The probe that got through: Barnet, a right-to-left override and mark, then Arabic text.
DISGUISED_BARNET = "Barnet\u202e\u200f\u0645\u0631\u062d\u0628\u0627"


def test_hidden_characters_are_named_by_code_point_and_name():
    assert hidden_characters(DISGUISED_BARNET) == [
        "U+202E RIGHT-TO-LEFT OVERRIDE",
        "U+200F RIGHT-TO-LEFT MARK",
    ]
    assert hidden_characters("Bar\u200bnet\u200d") == [
        "U+200B ZERO WIDTH SPACE",
        "U+200D ZERO WIDTH JOINER",
    ]
    assert hidden_characters("Barnet\x07") == ["U+0007 unnamed character"]
    # Ordinary names, accents, other scripts and line breaks hide nothing.
    assert hidden_characters("Kensington & Chelsea\tRBKC\n") == []
    assert hidden_characters("Saint-Étienne \u0645\u0631\u062d\u0628\u0627") == []


def test_a_name_with_hidden_characters_is_refused_with_them_named():
    with pytest.raises(InvalidNameError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE") as caught:
        check_name(DISGUISED_BARNET, "borough")
    assert "Type the borough again" in str(caught.value)
    # NFKC: full-width letters and non-breaking spaces are ordinary text.
    assert check_name("\uff22\uff41\uff52\uff4e\uff45\uff54\u00a0 LSCB ", "board") == "Barnet LSCB"


def test_the_register_does_not_read_a_disguised_name_as_the_borough_it_looks_like():
    with pytest.raises(UnknownAreaError, match="do not show on screen"):
        register.resolve(DISGUISED_BARNET)
    with pytest.raises(UnknownAreaError, match="ZERO WIDTH SPACE"):
        register.resolve("Bar\u200bnet")
    assert register.resolve("\uff22\uff41\uff52\uff4e\uff45\uff54").name == "Barnet"


def test_a_return_naming_a_disguised_borough_names_no_borough():
    # Survey, pilot and consultation returns find their borough through find_borough.
    assert find_borough(DISGUISED_BARNET) is None
    assert find_borough(f"SYNTHETIC_{DISGUISED_BARNET}_return") is None
    assert find_borough("SYNTHETIC_barnet_return").name == "Barnet"


def test_display_text_drops_hidden_characters_and_keeps_the_rest():
    assert display_text(DISGUISED_BARNET) == "Barnet\u0645\u0631\u062d\u0628\u0627"
    assert display_text("line one\nline\u200b two") == "line one\nline two"
