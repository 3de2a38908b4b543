"""Tests for lscb_analysis.protect.disclosure: primary, secondary and derived suppression, tiers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lscb_analysis.core.errors import DisclosureError, ParameterError
from lscb_analysis.protect import disclosure_config
from lscb_analysis.protect.disclosure import (
    DERIVED,
    PRIMARY,
    SECONDARY,
    suppress,
    suppress_table,
    suppression_mask,
    table_for_tier,
)
from lscb_analysis.protect.disclosure_config import (
    NOT_FOR_PUBLICATION,
    load_disclosure_rules,
    tier_label,
    validate_tier,
)

RULES = load_disclosure_rules()


# --- an independent checker: can a suppressed cell be calculated exactly? ----------------


def solvable_cells(published: pd.DataFrame, row_total=None, column_total=None) -> set:
    """Suppressed cells a reader can calculate exactly from the published figures.

    Builds the linear equations "parts add up to the total" for every row (when there is a
    total column) and every column (when there is a total row), treats the "c" cells as
    unknowns, and asks linear algebra whether each unknown is determined: it is when its unit
    vector lies in the row space of the equations' coefficients on the unknowns.
    """
    unknowns = [
        (r, c) for r in published.index for c in published.columns if published.at[r, c] == "c"
    ]
    if not unknowns:
        return set()
    where = {cell: k for k, cell in enumerate(unknowns)}
    equations = []
    if column_total is not None:
        for r in published.index:
            equations.append({(r, c): (-1 if c == column_total else 1) for c in published.columns})
    if row_total is not None:
        for c in published.columns:
            equations.append({(r, c): (-1 if r == row_total else 1) for r in published.index})
    rows = []
    for equation in equations:
        row = np.zeros(len(unknowns))
        for cell, coefficient in equation.items():
            if cell in where:
                row[where[cell]] = coefficient
        rows.append(row)
    if not rows:
        return set()
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    solvable = set()
    for cell, k in where.items():
        unit = np.zeros(len(unknowns))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            solvable.add(cell)
    return solvable


def naive_primary_only(table: pd.DataFrame) -> pd.DataFrame:
    """What a naive approach does: blank out 1 to 5 and nothing else."""
    return table.astype(object).mask((table >= 1) & (table <= 5), "c")


def naive_rows_once(table: pd.DataFrame, column_total) -> pd.DataFrame:
    """A second naive approach: one pass of secondary suppression along rows only."""
    out = naive_primary_only(table)
    for r in out.index:
        suppressed = [c for c in out.columns if out.at[r, c] == "c"]
        if len(suppressed) == 1:
            others = [c for c in out.columns if out.at[r, c] != "c" and table.at[r, c] > 0]
            pick = min(others, key=lambda c: (c == column_total, table.at[r, c]))
            out.at[r, pick] = "c"
    return out


def with_totals(interior: pd.DataFrame) -> pd.DataFrame:
    """Add a Total column and a Total row to a table of counts."""
    table = interior.copy()
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


# --- primary suppression --------------------------------------------------------------------


def test_primary_suppresses_one_to_five_and_keeps_zero():
    table = pd.DataFrame({"n": [0, 1, 2, 5, 6, 120, np.nan]})
    result = suppress(table, rules=RULES)
    assert result.table["n"].tolist()[:6] == [0, "c", "c", "c", 6, 120]
    assert pd.isna(result.table["n"].iloc[6])
    assert result.reasons["n"].tolist() == ["", PRIMARY, PRIMARY, PRIMARY, "", "", ""]


def test_zero_rule_suppress_hides_zeros_too():
    rules = dataclasses.replace(RULES, zero_rule="suppress")
    assert suppress_table(pd.DataFrame({"n": [0, 3, 8]}), rules=rules)["n"].tolist() == [
        "c",
        "c",
        8,
    ]


def test_threshold_is_configurable():
    rules = dataclasses.replace(RULES, threshold=10)
    assert suppress_table(pd.DataFrame({"n": [7, 10, 11]}), rules=rules)["n"].tolist() == [
        "c",
        "c",
        11,
    ]


def test_input_symbols_and_numeric_text_are_understood():
    table = pd.DataFrame({"n": ["c", "12", "x", "40"], "label": ["a", "b", "c", "d"]})
    result = suppress(table, rules=RULES)
    # "c" already suppressed counts as primary; "x" is left alone; label is not a count
    assert result.reasons["n"].tolist() == [PRIMARY, "", "", ""]
    assert result.table["label"].tolist() == ["a", "b", "c", "d"]


def test_input_is_not_modified_and_untouched_columns_keep_dtype():
    table = pd.DataFrame({"a": [3, 40], "b": [50, 60]})
    before = table.copy()
    result = suppress(table, rules=RULES)
    pd.testing.assert_frame_equal(table, before)
    assert result.table["b"].dtype == table["b"].dtype
    assert result.table["a"].tolist() == ["c", 40]


def test_mask_and_helpers_agree():
    table = pd.DataFrame({"a": [3, 40], "b": [50, 60]})
    mask = suppression_mask(table, rules=RULES)
    assert mask.to_numpy().tolist() == [[True, False], [False, False]]
    assert mask.dtypes.eq(bool).all()


# --- secondary suppression ------------------------------------------------------------------


def test_one_way_total_naive_leaks_and_ours_does_not():
    table = pd.DataFrame({"children": [3, 10, 12, 40, 65]}, index=list("ABCD") + ["Total"])
    naive = naive_primary_only(table)
    # the naive table leaks: total minus the others gives the suppressed 3
    assert solvable_cells(naive, row_total="Total") == {("A", "children")}
    assert 65 - 10 - 12 - 40 == 3
    ours = suppress(table, row_total="Total", rules=RULES)
    assert solvable_cells(ours.table, row_total="Total") == set()
    # the complement is the next smallest non-zero cell (10), not the total
    assert ours.reasons["children"].tolist() == [PRIMARY, SECONDARY, "", "", ""]


def test_complement_skips_zeros():
    table = pd.DataFrame({"n": [2, 0, 9, 30, 41]}, index=list("ABCD") + ["Total"])
    reasons = suppress(table, row_total="Total", rules=RULES).reasons["n"].tolist()
    assert reasons == [PRIMARY, "", SECONDARY, "", ""]


def test_complement_falls_back_to_the_total_when_the_rest_are_zero():
    table = pd.DataFrame({"n": [2, 0, 0, 2]}, index=list("ABC") + ["Total"])
    # the total is 2 as well, so it is itself primary: two suppressed cells
    assert suppress(table, row_total="Total", rules=RULES).reasons["n"].tolist() == [
        PRIMARY,
        "",
        "",
        PRIMARY,
    ]
    # a row whose only other non-zero cell is its total: the total is suppressed
    wide = pd.DataFrame({"a": [1], "b": [0], "Total": [9]})  # totals need not add up
    rules = dataclasses.replace(RULES, threshold=1)
    reasons = suppress(wide, column_total="Total", rules=rules).reasons
    assert reasons.loc[0].tolist() == [PRIMARY, "", SECONDARY]


def test_two_way_table_naive_approaches_leak_and_ours_does_not():
    interior = pd.DataFrame(
        {"0-4": [3, 20, 15], "5-9": [12, 25, 30], "10-15": [14, 18, 40]},
        index=["Barnet", "Brent", "Camden"],
    )
    table = with_totals(interior)
    primary_only = naive_primary_only(table)
    assert solvable_cells(primary_only, "Total", "Total") == {("Barnet", "0-4")}
    # suppressing a second cell along the row only is not enough: the column total leaks
    rows_once = naive_rows_once(table, "Total")
    assert solvable_cells(rows_once, "Total", "Total"), "naive row-only pass should leak"
    result = suppress(table, row_total="Total", column_total="Total", rules=RULES)
    assert solvable_cells(result.table, "Total", "Total") == set()
    # every row and column has zero or at least two suppressed cells
    mask = result.mask
    assert not (mask.sum(axis=0) == 1).any()
    assert not (mask.sum(axis=1) == 1).any()
    # the total row and column are only suppressed when unavoidable (not here)
    assert not mask.loc["Total"].any() and not mask["Total"].any()


def test_bridge_between_two_blocks_is_closed():
    # Two 2x2 blocks of small numbers joined by one more small number: every row and column
    # has two or more suppressed cells, yet the joining cell can be solved by adding up
    # rows r0-r1 and subtracting columns c0-c1. The per-line rule alone misses this.
    interior = pd.DataFrame(
        [
            [2, 3, 50, 60, 40],
            [4, 1, 2, 70, 45],
            [80, 90, 3, 4, 50],
            [60, 70, 5, 1, 55],
        ],
        index=["r0", "r1", "r2", "r3"],
        columns=["c0", "c1", "c2", "c3", "c4"],
    )
    table = with_totals(interior)
    primary_only = naive_primary_only(table)
    assert not (primary_only.eq("c").sum(axis=0).isin([1])).any()
    assert not (primary_only.eq("c").sum(axis=1).isin([1])).any()
    assert solvable_cells(primary_only, "Total", "Total") == {("r1", "c2")}
    result = suppress(table, row_total="Total", column_total="Total", rules=RULES)
    assert solvable_cells(result.table, "Total", "Total") == set()
    assert result.mask.sum().sum() == 10  # one extra cell closes the bridge


def test_secondary_can_be_switched_off():
    table = pd.DataFrame({"n": [3, 10, 13]}, index=["A", "B", "Total"])
    rules = dataclasses.replace(RULES, secondary_suppression=False)
    assert suppress_table(table, row_total="Total", rules=rules)["n"].tolist() == ["c", 10, 13]


def test_no_totals_means_no_secondary():
    table = pd.DataFrame({"n": [3, 10, 13]}, index=["A", "B", "C"])
    assert suppress_table(table, rules=RULES)["n"].tolist() == ["c", 10, 13]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=2, max_value=4).flatmap(
        lambda n_rows: st.integers(min_value=2, max_value=4).flatmap(
            lambda n_cols: st.lists(
                st.lists(
                    st.one_of(st.integers(0, 6), st.integers(6, 60)),
                    min_size=n_cols,
                    max_size=n_cols,
                ),
                min_size=n_rows,
                max_size=n_rows,
            )
        )
    )
)
def test_property_no_small_count_published_and_nothing_solvable(cells):
    interior = pd.DataFrame(
        cells,
        index=[f"r{i}" for i in range(len(cells))],
        columns=[f"c{j}" for j in range(len(cells[0]))],
    )
    table = with_totals(interior)
    published = suppress_table(table, row_total="Total", column_total="Total", rules=RULES)
    values = published.to_numpy().ravel().tolist()
    assert not any(v != "c" and 1 <= v <= 5 for v in values)
    assert solvable_cells(published, "Total", "Total") == set()
    # only cells that were published unchanged or replaced by "c"
    for original, shown in zip(table.to_numpy().ravel(), values, strict=True):
        assert shown == "c" or shown == original


# --- rates and percentages ------------------------------------------------------------------


def test_rates_and_percentages_follow_their_counts():
    table = pd.DataFrame(
        {
            "plans": [4, 30, 8, 42],
            "children": [900, 1200, 700, 2800],
            "rate_per_10k": [44.4, 250.0, 114.3, 150.0],
            "pct_second_plan": [25.0, 10.0, 12.5, 11.9],
        },
        index=["A", "B", "C", "Total"],
    )
    result = suppress(
        table,
        count_columns=["plans", "children"],
        rates={"rate_per_10k": ["plans", "children"], "pct_second_plan": "plans"},
        row_total="Total",
        rules=RULES,
    )
    assert result.table["plans"].tolist() == ["c", 30, "c", 42]
    assert result.reasons["plans"].tolist() == [PRIMARY, "", SECONDARY, ""]
    # a rate whose numerator is suppressed (primary or secondary) is suppressed too
    assert result.table["rate_per_10k"].tolist() == ["c", 250.0, "c", 150.0]
    assert result.reasons["pct_second_plan"].tolist() == [DERIVED, "", DERIVED, ""]
    assert result.table["children"].tolist() == [900, 1200, 700, 2800]


def test_rate_columns_are_not_counts_by_default():
    table = pd.DataFrame({"n": [40, 50], "pct": [2.5, 97.5]})
    result = suppress(table, rates={"pct": "n"}, rules=RULES)
    assert result.table["pct"].tolist() == [2.5, 97.5]


def test_rate_depending_on_a_non_count_column_is_refused():
    table = pd.DataFrame({"n": [40, 50], "pct": [2.5, 97.5], "m": [1, 2]})
    with pytest.raises(DisclosureError, match="not among the count columns"):
        suppress(table, count_columns=["n"], rates={"pct": "m"}, rules=RULES)


def test_unknown_names_are_reported():
    table = pd.DataFrame({"n": [40, 50]}, index=["A", "B"])
    with pytest.raises(DisclosureError, match="count_columns names nope"):
        suppress(table, count_columns=["nope"], rules=RULES)
    with pytest.raises(DisclosureError, match="row_total 'Total' is not in"):
        suppress(table, row_total="Total", rules=RULES)
    with pytest.raises(DisclosureError, match="n2, missing not in the table"):
        suppress(table, rates={"n2": "missing"}, rules=RULES)


# --- tiers and plotting ---------------------------------------------------------------------


def test_tiers():
    assert disclosure_config.TIERS == ("board", "analyst")
    assert validate_tier("ANALYST") == "analyst"
    with pytest.raises(ParameterError, match="use 'board'"):
        validate_tier("boards")
    assert tier_label("analyst", RULES).startswith(NOT_FOR_PUBLICATION)
    table = pd.DataFrame({"n": [3, 10, 13]}, index=["A", "B", "Total"])
    board = table_for_tier(table, "board", rules=RULES, row_total="Total")
    analyst = table_for_tier(table, "analyst", rules=RULES, row_total="Total")
    assert board["n"].tolist() == ["c", "c", 13]
    assert analyst["n"].tolist() == [3, 10, 13]
    assert NOT_FOR_PUBLICATION in analyst.attrs["tier_label"]
    assert NOT_FOR_PUBLICATION not in board.attrs["tier_label"]
