import pandas as pd
import pytest

from lscb_analysis.core import register
from lscb_analysis.core.errors import UnknownAreaError

ISSUE_ALIASES = {
    "Kensington & Chelsea": "Kensington and Chelsea",
    "Royal Borough of Kensington and Chelsea": "Kensington and Chelsea",
    "RBKC": "Kensington and Chelsea",
    "Hammersmith & Fulham": "Hammersmith and Fulham",
    "LBHF": "Hammersmith and Fulham",
    "Richmond": "Richmond upon Thames",
    "Kingston": "Kingston upon Thames",
    "City": "City of London",
    "Barking & Dagenham": "Barking and Dagenham",
    "LB Barnet": "Barnet",
    "E09000002": "Barking and Dagenham",
    "301": "Barking and Dagenham",
}


@pytest.mark.parametrize(("written", "expected"), sorted(ISSUE_ALIASES.items()))
def test_resolver_accepts_the_names_people_write(written, expected):
    assert register.resolve(written).name == expected


@pytest.mark.parametrize(
    "written",
    [
        "rbkc",
        "  Kensington   &   CHELSEA ",
        "kensington and chelsea",
        "Kensington-and-Chelsea",
        "e09000020",
        "207",
        207,
    ],
)
def test_resolver_ignores_case_spacing_and_punctuation(written):
    assert register.resolve(written).la_number == "207"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("London Borough of Barnet", "Barnet"),
        ("Barnet Council", "Barnet"),
        ("Barnet LSCB", "Barnet"),
        ("Royal Borough of Greenwich", "Greenwich"),
        ("Tower Hamlets Safeguarding Children Partnership", "Tower Hamlets"),
    ],
)
def test_resolver_strips_council_and_board_words(written, expected):
    assert register.resolve(written).name == expected


def test_unknown_name_lists_closest_matches():
    with pytest.raises(UnknownAreaError) as caught:
        register.resolve("Barnit")
    message = str(caught.value)
    assert "'Barnit'" in message and "Barnet" in message and "area_aliases.csv" in message


def test_unknown_name_with_nothing_close_still_explains():
    with pytest.raises(UnknownAreaError, match="not a local authority"):
        register.resolve("Atlantis")


def test_kingston_and_richmond_aliases_do_not_pick_the_wrong_council():
    assert register.resolve("Kingston upon Hull").la_number == "810"
    assert register.resolve("Kingston").la_number == "314"


def test_resolve_many_all_gives_the_33_london_boroughs():
    boroughs = register.resolve_many("all")
    assert len(boroughs) == 33
    assert {b.region for b in boroughs} == {"London"}
    assert {b.london_sub_region for b in boroughs} == {"inner", "outer"}
    assert sum(b.london_sub_region == "inner" for b in boroughs) == 14


def test_resolve_many_reports_the_bad_name():
    with pytest.raises(UnknownAreaError, match="Narnia"):
        register.resolve_many("Barnet, Narnia")


def test_register_matches_a_rebuild_from_the_published_files():
    committed = register.load_register()
    rebuilt = register.build_register()
    pd.testing.assert_frame_equal(committed.reset_index(drop=True), rebuilt.astype(str))


def test_register_holds_every_english_la_with_neighbours():
    table = register.load_register()
    current = table[table["is_current"] == "yes"]
    assert len(current) == 153
    assert current["ons_code"].str.match(r"^E(06|07|08|09|10)\d{6}$").all()
    assert (current[register.NEIGHBOUR_COLUMNS] != "").all().all()
    assert set(current[register.NEIGHBOUR_COLUMNS].stack()) <= set(table["la_number"])


def test_dfe_inner_outer_london_split():
    assert register.resolve("Haringey").london_sub_region == "inner"
    assert register.resolve("Newham").london_sub_region == "inner"
    assert register.resolve("Greenwich").london_sub_region == "outer"


def test_borough_record_carries_its_neighbours_and_slug():
    barnet = register.resolve("Barnet")
    assert len(barnet.neighbours) == 10 and barnet.neighbours[0] == "320"
    assert register.resolve("RBKC").slug == "kensington-and-chelsea"
