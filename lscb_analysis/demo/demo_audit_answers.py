"""Synthetic audit answers: filling, moderating and planting an audit, and its workbook bytes.

Turns a :class:`~lscb_analysis.demo.demo_audit_specs.DemoAudit` into graded answers (with a
second marker and moderation on some), plants the problems the QA checks should find, leaves
the small sections small, and writes the answers into the real audit template as fixed
bytes; also the fixed CSV bytes the logs use.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from lscb_analysis.demo.demo_audit_specs import (
    AGENCY_EFFECT,
    DOUBLE_MARKED,
    EVIDENCE,
    MODERATED_SHARE,
    MODERATION_REASONS,
    PLANTED_NHS_NUMBER,
    SECTION_EFFECT,
    SMALL_SECTIONS,
    DemoAudit,
)
from lscb_analysis.protect import safe_files
from lscb_analysis.qa import audit, audit_tool


def _rank(value: float) -> int:
    return int(np.clip(np.rint(value), 1, 4))


def fill_audit(
    spec: DemoAudit, index: int, seed: int, config: dict
) -> dict[str, dict[tuple[int, str], dict]]:
    """Answers per agency: {agency: {(slot, question id): {field: value}}}."""
    rng = np.random.Generator(np.random.PCG64([seed, index]))
    bank = audit.question_bank(spec.theme, config)
    grades = {g["rank"]: g["grade"] for g in config["grades"]}
    na = audit.not_applicable_label(config)
    case_effect = rng.normal(0.0, 0.45, spec.cases)
    double = set(rng.choice(spec.cases, size=DOUBLE_MARKED, replace=False) + 1)
    answers: dict[str, dict[tuple[int, str], dict]] = {}
    for agency in spec.agencies:
        code = "".join(w[0] for w in agency.replace("(", "").split()).upper()
        sheet: dict[tuple[int, str], dict] = {}
        for slot in range(1, spec.cases + 1):
            for question in bank.itertuples():
                mean = (
                    spec.quality
                    + SECTION_EFFECT[question.section]
                    + AGENCY_EFFECT.get(agency, 0.0)
                    + case_effect[slot - 1]
                )
                rank = _rank(mean + rng.normal(0.0, 0.55))
                entry: dict = {"auditor": f"SYNTHETIC auditor {code}-1"}
                if rng.random() < 0.04:
                    entry.update(
                        grade=na,
                        evidence="Not applicable: this agency had no "
                        "involvement in this part of the work.",
                    )
                    sheet[(slot, question.question_id)] = entry
                    continue
                weak, strong = EVIDENCE[question.section]
                phrases = strong if rank >= 3 else weak
                entry.update(grade=grades[rank], evidence=phrases[int(rng.integers(len(phrases)))])
                if slot in double:
                    second = (
                        rank if rng.random() < spec.agreement else _rank(rank + rng.choice([-1, 1]))
                    )
                    entry.update(
                        second_grade=grades[second], second_auditor=f"SYNTHETIC auditor {code}-2"
                    )
                    if second != rank:  # disagreements go to moderation
                        agreed = rank if rng.random() < 0.7 else second
                        _moderate(entry, rank, agreed, grades, rng)
                elif rng.random() < MODERATED_SHARE:
                    draw = rng.random()
                    agreed = (
                        _rank(rank - 1) if draw < 0.2 else _rank(rank + 1) if draw < 0.25 else rank
                    )
                    _moderate(entry, rank, agreed, grades, rng)
                sheet[(slot, question.question_id)] = entry
        answers[agency] = sheet
    return answers


def _moderate(entry: dict, rank: int, agreed: int, grades: dict, rng) -> None:
    direction = "confirmed" if agreed == rank else "up" if agreed > rank else "down"
    reasons = MODERATION_REASONS[direction]
    entry.update(
        moderated_grade=grades[agreed],
        moderator="SYNTHETIC moderator QA-1",
        moderation_reason=reasons[int(rng.integers(len(reasons)))],
    )


def plant_problems(spec: DemoAudit, answers: dict) -> None:
    """The one planted identifier and the one missing grade."""
    if spec.audit_id == "SYNTHETIC-2026-barnet-neglect":
        entry = answers["health (community)"][(3, "NEG-REC-1")]
        entry["evidence"] = (
            f"Health visiting records checked; NHS number {PLANTED_NHS_NUMBER} "
            "was copied into the audit notes in error (SYNTHETIC test "
            "number)."
        )
    if spec.audit_id == "SYNTHETIC-2026-croydon-exploitation":
        entry = answers["police"][(5, "EXP-IMP-2")]
        entry.pop("grade", None)
        entry["evidence"] = "Records requested from another force; not yet graded."


def shrink_small_section(spec: DemoAudit, answers: dict, config: dict) -> None:
    """Leave only a few graded answers in the audit's small section.

    The sections and how many to keep are in
    :data:`~lscb_analysis.demo.demo_audit_specs.SMALL_SECTIONS`.
    """
    if spec.audit_id not in SMALL_SECTIONS:
        return
    section, keep = SMALL_SECTIONS[spec.audit_id]
    bank = audit.question_bank(spec.theme, config)
    ids = set(bank.loc[bank["section"] == section, "question_id"])
    na = audit.not_applicable_label(config)
    kept = 0
    for agency in spec.agencies:
        for key in sorted(answers[agency]):
            entry = answers[agency][key]
            if key[1] not in ids or entry.get("grade") in (None, na):
                continue
            if kept < keep:
                kept += 1
                continue
            answers[agency][key] = {
                "auditor": entry["auditor"],
                "grade": na,
                "evidence": "Not applicable: this agency had no involvement in this part of "
                "the work (SYNTHETIC small section).",
            }


def audit_workbook_bytes(spec: DemoAudit, answers: dict, only: str | None, config: dict) -> bytes:
    """The audit's workbook (the real template) holding ``answers``, as fixed bytes.

    ``only`` names one agency when the audit comes back as one copy of the tool per agency
    (only that agency's sheet is filled); None fills every agency's sheet.
    """
    workbook = audit_tool.build_audit_workbook(
        spec.theme,
        spec.agencies,
        spec.cases,
        spec.audit_id,
        borough=spec.borough,
        audit_date=spec.date,
        synthetic=True,
        config=config,
    )
    cases = workbook[audit.CASES_SHEET]
    sampled = dt.datetime.combine(spec.date - dt.timedelta(days=21), dt.time())
    for slot in range(1, spec.cases + 1):
        safe_files.write_cell(
            cases.cell(row=slot + 1, column=2), f"SYN-{spec.first_case + slot - 1:04d}"
        )
        cases.cell(row=slot + 1, column=3, value=sampled)
    fields = [f for f, _, _ in audit.AGENCY_COLUMNS]
    bank = audit.question_bank(spec.theme, config)
    for agency in spec.agencies:
        if only is not None and agency != only:
            continue
        sheet = workbook[audit.agency_sheet_title(agency)]
        row = 2
        for slot in range(1, spec.cases + 1):
            for question in bank.itertuples():
                entry = answers[agency][(slot, question.question_id)]
                for name, value in entry.items():
                    safe_files.write_cell(sheet.cell(row=row, column=fields.index(name) + 1), value)
                row += 1
    stamp = dt.datetime.combine(spec.date, dt.time(9, 0))
    return audit_tool.workbook_bytes(workbook, stamp)
