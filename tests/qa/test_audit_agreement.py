"""Agreement between auditors (weighted kappa) and moderation."""

from __future__ import annotations

import numpy as np
import pytest
from qa_helpers import G, I, O, R, records

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.qa import audit_agreement
from lscb_analysis.stats.clustered import clustered_share


def test_weighted_kappa_matches_a_hand_computed_example():
    # Ten double-marked answers (first auditor, second auditor):
    #   (O,G) x1, (G,G) x4, (G,R) x2, (R,R) x2, (R,I) x1
    # Table, first auditor in rows, grades in the order O, G, R, I:
    #        O  G  R  I | row
    #   O    0  1  0  0 |  1
    #   G    0  4  2  0 |  6
    #   R    0  0  2  1 |  3
    #   I    0  0  0  0 |  0
    #   col  0  5  4  1 | 10
    # Linear disagreement weights w_ij = |i - j| / 3.
    # Observed: sum w * n = 1*(1/3) + 2*(1/3) + 1*(1/3) = 4/3  -> per answer 4/30.
    # Expected counts e_ij = row_i * col_j / 10, so sum w * row_i * col_j / 100:
    #   row O (1): G 5*(1/3) + R 4*(2/3) + I 1*(3/3) = 5/3 + 8/3 + 1 = 16/3
    #   row G (6): R 24*(1/3) + I 6*(2/3)             = 8 + 4       = 12
    #   row R (3): G 15*(1/3) + I 3*(1/3)             = 5 + 1       = 6
    #   total 16/3 + 18 = 70/3                        -> per answer 70/300.
    # kappa = 1 - (4/30) / (70/300) = 1 - 40/70 = 3/7 = 0.428571...
    # Percent agreement: 6 of 10 on the diagonal = 60%.
    first = [O] + [G] * 4 + [G] * 2 + [R] * 2 + [R]
    second = [G] + [G] * 4 + [R] * 2 + [R] * 2 + [I]
    result = audit_agreement.weighted_kappa(first, second)
    assert result["kappa"] == pytest.approx(3 / 7, abs=1e-12)
    assert result["agreed"] == 6 and result["n"] == 10
    assert result["lower"] < result["kappa"] < result["upper"]
    assert result["upper"] - result["kappa"] == pytest.approx(result["kappa"] - result["lower"])
    assert result["upper"] - result["lower"] == pytest.approx(2 * 1.959964 * result["se"], rel=1e-5)

    table = audit_agreement.auditor_agreement(
        records(
            [
                {"grade": a, "second_grade": b, "case": f"CASE-{n // 3}"}
                for n, (a, b) in enumerate(zip(first, second, strict=True))
            ]
        )
    )
    row = table.iloc[0]
    assert row["items"] == 10 and row["agreed"] == 6 and row["cases"] == 4
    assert row["agreement_pct"] == pytest.approx(60.0)
    # Agreed per case (three answers each, one in the last): 2, 2, 2 and 0; the interval has
    # the case as the cluster (stats/clustered, tested there by hand and against statsmodels).
    clustered = clustered_share([2, 2, 2, 0], [3, 3, 3, 1]).iloc[0]
    assert row["agreement_lower"] == pytest.approx(clustered["lower"])
    assert row["agreement_upper"] == pytest.approx(clustered["upper"])
    assert row["kappa"] == pytest.approx(3 / 7)
    assert row["within_one_pct"] == pytest.approx(100.0)
    assert row["strength"] == "moderate"
    assert "linear" in table.attrs["method"]


def test_kappa_edge_cases():
    perfect = audit_agreement.weighted_kappa([G, R, I, O], [G, R, I, O])
    assert perfect["kappa"] == pytest.approx(1.0)
    same = audit_agreement.weighted_kappa([G, G, G], [G, G, G])
    assert np.isnan(same["kappa"]) and "undefined" in same["note"]
    assert np.isnan(audit_agreement.weighted_kappa([G], [G])["kappa"])
    with pytest.raises(InvalidArgumentError):
        audit_agreement.weighted_kappa([G, G], [G])


def test_moderation_direction_counts():
    frame = records(
        [
            {"grade": G, "moderated_grade": R},  # down
            {"grade": G, "moderated_grade": I},  # down (two steps)
            {"grade": R, "moderated_grade": G},  # up
            {"grade": O, "moderated_grade": O},  # confirmed
            {"grade": G},  # not moderated
            {"grade": G, "moderated_grade": "Not applicable"},  # not comparable
        ]
    )
    row = audit_agreement.moderation_summary(frame).iloc[0]
    assert (row["moderated"], row["confirmed"], row["moved_up"], row["moved_down"]) == (4, 1, 1, 2)
    assert row["changed_pct"] == pytest.approx(75.0)
    assert row["direction"].startswith("mostly down")
    matrix = audit_agreement.moderation_matrix(frame)
    assert matrix.loc[G, R] == 1 and matrix.loc[G, I] == 1 and matrix.loc[R, G] == 1
    assert matrix.loc["Total", "Total"] == 4
