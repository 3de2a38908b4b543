"""Reading what people type in a figure cell: numbers, "no figure", "not available" words,
numbers with units, and text that is not a number; the words come from pilot_rules.yaml."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.pilot import pilot_value_text as typed_text
from lscb_analysis.pilot.pilot_value_text import ValueWords, word_key

RULES = pilot_periods.load_rules()
WORDS = ValueWords.from_rules(RULES)


@pytest.mark.parametrize(
    "text",
    [
        "n/a",
        "N/A",
        "NA",
        "n.a.",
        "-",
        "--",
        "\u2013",
        "\u2014",
        "not known",
        "Not Known",
        "unknown",
        "not available",
        "nk",
        "N/K",
        "unavailable",
    ],
)
def test_not_available_words_are_never_a_number(text):
    read = WORDS.read(text)
    assert (read.kind, read.number) == (typed_text.NOT_AVAILABLE, None)


@pytest.mark.parametrize(
    ("cell", "number", "unit", "percent"),
    [
        ("12 children", 12.0, "children", False),
        ("3 days", 3.0, "days", False),
        ("45 %", 45.0, "%", True),
        ("87%", 87.0, "%", True),
        ("45 per cent", 45.0, "per cent", True),
        ("1,234 cases", 1234.0, "cases", False),
        ("12.5 per 10,000", 12.5, "per 10,000", False),
        ("3\u00a0days", 3.0, "days", False),
    ],
)
def test_a_number_with_units_is_the_number(cell, number, unit, percent):
    read = WORDS.read(cell)
    assert (read.kind, read.number, read.unit, read.percent) == (
        typed_text.UNITS,
        number,
        unit,
        percent,
    )


@pytest.mark.parametrize(
    ("cell", "kind", "number"),
    [
        (None, typed_text.BLANK, None),
        ("", typed_text.BLANK, None),
        ("tbc", typed_text.BLANK, None),
        (float("nan"), typed_text.BLANK, None),
        (12, typed_text.NUMBER, 12.0),
        (0.87, typed_text.NUMBER, 0.87),
        ("1,234", typed_text.NUMBER, 1234.0),
        (" -3 ", typed_text.NUMBER, -3.0),
        ("12 of 40", typed_text.TEXT, None),  # two figures: not one number with a unit
        ("10-12", typed_text.TEXT, None),
        ("12/40", typed_text.TEXT, None),
        ("about 40", typed_text.TEXT, None),  # words before the number
        (dt.date(2025, 3, 31), typed_text.TEXT, None),
        (True, typed_text.TEXT, None),
        (float("inf"), typed_text.TEXT, None),
    ],
)
def test_numbers_blanks_and_text(cell, kind, number):
    read = WORDS.read(cell)
    assert (read.kind, read.number) == (kind, number)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_any_number_reads_as_itself_written_or_typed(number):
    assert WORDS.read(number).number == number
    assert WORDS.read(f"{number:,.3f}").number == pytest.approx(round(number, 3), abs=1e-6)
    assert WORDS.read(f"{number:.2f} children").number == pytest.approx(round(number, 2))


@given(st.sampled_from(sorted(RULES["not_available_words"])), st.sampled_from(["", " ", "  "]))
def test_not_available_words_in_any_case_and_spacing(word, pad):
    for variant in (word, word.upper(), word.title()):
        assert WORDS.read(f"{pad}{variant}{pad}").kind == typed_text.NOT_AVAILABLE


def test_word_key_ignores_case_spaces_and_punctuation():
    assert word_key("N.A.") == word_key("n/a") == word_key("NA") == "na"
    assert word_key("---") == word_key("\u2013") == "-"


def test_the_words_are_read_from_the_rules_file():
    rules = copy.deepcopy(RULES)
    rules["not_available_words"] = [*rules["not_available_words"], "awaiting system"]
    rules["blank_words"] = [w for w in rules["blank_words"] if w != "tbc"] + ["nothing yet"]
    words = ValueWords.from_rules(rules)
    assert words.read("Awaiting system").kind == typed_text.NOT_AVAILABLE
    assert words.read("nothing yet").kind == typed_text.BLANK
    assert words.read("tbc").kind == typed_text.TEXT  # no longer a blank word
    rules["typed_units"] = {**rules["typed_units"], "unit_pattern": "^%$"}
    assert ValueWords.from_rules(rules).read("12 children").kind == typed_text.TEXT


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda r: r.pop("not_available_words"), "not_available_words"),
        (lambda r: r["typed_units"].pop("unit_pattern"), "typed_units.unit_pattern"),
        (lambda r: r["typed_units"].update(unit_pattern="(unclosed"), "unit_pattern"),
        (lambda r: r.update(not_available_status="missing"), "not_available_status"),
    ],
)
def test_bad_rules_are_refused_naming_the_key(change, named):
    rules = copy.deepcopy(RULES)
    change(rules)
    with pytest.raises(ReferenceDataError, match=named) as error:
        ValueWords.from_rules(rules)
    assert "pilot_rules.yaml" in str(error.value)
