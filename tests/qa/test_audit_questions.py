"""Questions audit findings raise: weak sections and low agreement."""

from __future__ import annotations

from qa_helpers import G, I, O, R, records

from lscb_analysis.qa import audit_questions


def test_weak_sections_and_low_agreement_raise_questions():
    # One answer per case: the clustered interval is the plain Wilson interval.
    rows = [
        {"grade": g, "section": "planning", "question_id": "NEG-PLA-1", "case": f"C-{n}"}
        for n, g in enumerate([R] * 9 + [G])
    ]
    rows += [
        {"grade": g, "section": "recognition", "case": f"C-{n}"}
        for n, g in enumerate([G] * 9 + [R])
    ]
    # 1 of 10 good or better: the board tier leaves the section out (even "below 50%" is
    # worked out from its suppressed counts) and counts every section with a suppressed
    # count, weak or not (recognition's single RI answer too), so the count points at none.
    board = audit_questions.weak_sections(records(rows))
    assert board.empty and board.attrs["withheld"] == 2
    analyst = audit_questions.weak_sections(records(rows), tier="analyst")
    assert analyst["section"].tolist() == ["planning"] and analyst.attrs["withheld"] == 0
    assert analyst.loc[0, "certainty"] == "clearly below"
    assert analyst.loc[0, "question"].startswith("Planning (A-1): 10% of graded answers")
    assert "drift" in analyst.loc[0, "question"]
    # With counts of 6 or more the board sees the share and its interval.
    big = [
        {"grade": g, "section": "planning", "case": f"C-{n}"}
        for n, g in enumerate([R] * 14 + [G] * 6)
    ]
    shown = audit_questions.weak_sections(records(big))
    assert shown["section"].tolist() == ["planning"] and shown.attrs["withheld"] == 0
    assert shown.loc[0, "question"].startswith(
        # Wilson interval for 6 of 20: statsmodels proportion_confint(method="wilson")
        "Planning (A-1): 30% of graded answers were good or better (95% interval 15% to 52%)"
    )
    # The same 20 answers about 4 cases of 5, the 6 good answers in two of them (5 and 1):
    # the interval widens with the design effect (stats/clustered, tested there by hand).
    clustered = [
        {**row, "case": f"C-{n // 5}"}
        for n, row in enumerate(sorted(big, key=lambda row: row["grade"] != G))
    ]
    wide = audit_questions.weak_sections(records(clustered), tier="analyst")
    assert wide.loc[0, "lower"] < shown.loc[0, "lower"]
    assert wide.loc[0, "upper"] > shown.loc[0, "upper"]

    pairs = [
        (G, I),
        (I, G),
        (R, O),
        (O, R),
        (G, G),
        (R, R),
        (G, I),
        (I, O),
        (O, I),
        (G, R),
        (R, G),
        (I, I),
    ]
    moderated = [(G, R)] * 6 + [(G, G)] * 6
    frame = records(
        [{"grade": a, "second_grade": b} for a, b in pairs]
        + [{"grade": a, "moderated_grade": b} for a, b in moderated]
    )
    signals = audit_questions.low_agreement(frame)
    measures = set(signals["measure"])
    assert {"auditor agreement", "moderation"} <= measures
    assert "Are the grade descriptors understood" in " ".join(signals["question"])
    # 12 double-marked, 3 agreed: the agreement share is suppressed on the board tier only
    agreement = signals[signals["measure"] == "auditor agreement"]["question"].iloc[0]
    assert "suppressed (fewer than 6)" in agreement and "kappa" not in agreement
    analyst = audit_questions.low_agreement(frame, tier="analyst")
    assert "kappa" in analyst[analyst["measure"] == "auditor agreement"]["question"].iloc[0]
    few = audit_questions.low_agreement(records([{"grade": G, "second_grade": G}]))
    assert few["measure"].tolist() == ["too few double-marked"]
