"""The records of one returned audit tool: each started entry checked, pseudonymised, withheld.

One record per case x agency x question entry (:func:`records_for_file`): case slots and
question ids checked against the tool, grades parsed (invalid and missing ones flagged), the
moderation's direction, and evidence or moderation reasons that may hold an identifier
withheld. Issues name the file, sheet and cell, never the cell's text.
"""

from __future__ import annotations

from lscb_analysis.core.returned_workbook_cells import cell_text, is_excel_error
from lscb_analysis.protect import pseudonym
from lscb_analysis.protect.identifier_text import (
    WITHHELD_TEXT,
    describe_kinds,
    identifier_kinds,
)
from lscb_analysis.qa.audit import (
    AGENCY_COLUMNS,
    CASES_SHEET,
    CONFIG_FILE,
    ENTRY_FIELDS,
    GRADE_FIELDS,
    STATUS_ORDER,
    agency_sheet_title,
    cell_address,
    grade_names,
    grade_ranks,
    not_applicable_label,
    parse_grade,
    question_bank,
)
from lscb_analysis.qa.audit_returned import (
    ParsedFile,
    audit_issue,
    case_slot_number,
    is_filled,
)


def _check_case_slot(
    slot: int | None,
    parsed: ParsedFile,
    pseudonyms: dict[int, str],
    missing_reference_reported: set[int],
    title: str,
    add,
    where,
    problems: list[str],
    issues: list[dict],
) -> None:
    """Flag an entry whose case slot is unknown, or whose case has no reference (once per slot).

    ``add`` and ``where`` are the entry's issue recorder and cell locator from
    :func:`records_for_file`.
    """
    name = parsed.path.name
    if slot is None or slot not in parsed.cases:
        add(
            "unknown_case_slot",
            "error",
            "case_slot",
            f"{where('case_slot')}: the case slot is not one of the slots on the "
            f"{CASES_SHEET} sheet; restore it from the tool that was sent out.",
        )
    elif slot not in pseudonyms:
        problems.append("missing_case_reference")
        if slot not in missing_reference_reported:
            missing_reference_reported.add(slot)
            row_number = parsed.cases[slot][1]
            cell = cell_address(CASES_SHEET, "B", row_number)
            issues.append(
                audit_issue(
                    name,
                    CASES_SHEET,
                    row_number,
                    "Case reference",
                    cell,
                    "error",
                    "missing_case_reference",
                    f"{cell}: case slot {slot} has answers on sheet {title} but no case "
                    "reference; type the case reference there (references only, no "
                    "names).",
                )
            )


def _entry_grades(
    values: dict, agency: str, config: dict, labels: dict, add, where, problems: list[str]
) -> dict[str, str | None]:
    """Parse an entry's grades (first, second, moderated), flagging invalid and missing ones."""
    grades: dict[str, str | None] = {}
    for grade_field in GRADE_FIELDS:
        value, valid = parse_grade(values.get(grade_field), config)
        grades[grade_field] = value
        if not valid:
            code = {
                "grade": "invalid_grade",
                "second_grade": "invalid_second_grade",
                "moderated_grade": "invalid_moderated_grade",
            }[grade_field]
            add(
                code,
                "error",
                grade_field,
                f"{where(grade_field)}: the {labels[grade_field].lower()} is not one of "
                f"{', '.join(grade_names(config))} or {not_applicable_label(config)}; "
                "choose from the dropdown.",
            )
    if grades["grade"] is None and "invalid_grade" not in problems:
        add(
            "missing_grade",
            "warning",
            "grade",
            f"{where('grade')}: no grade. Ask {agency_sheet_title(agency)} to grade this "
            "question (or choose Not applicable).",
        )
    return grades


def _moderation_change(first: str | None, moderated: str | None, ranks: dict[str, int]) -> str:
    """How moderation moved the grade: "confirmed", "up", "down", "changed" or "" (none)."""
    moderation = ""
    if first in ranks and moderated in ranks:
        change = ranks[moderated] - ranks[first]
        moderation = "confirmed" if change == 0 else "up" if change > 0 else "down"
    elif moderated is not None and first is not None:
        moderation = "confirmed" if moderated == first else "changed"
    return moderation


def _blank_excel_errors(values: dict, add, where) -> None:
    """Read an entry's free-text cells holding an Excel error value (``#N/A``, ``#REF!``) as
    empty, with a warning naming the cell (grades holding one are invalid grades)."""
    for name in ENTRY_FIELDS:
        if name not in GRADE_FIELDS and is_excel_error(values.get(name)):
            values[name] = None
            add(
                "excel_error_value",
                "warning",
                name,
                f"{where(name)}: the cell shows an Excel error value, not an answer; it was "
                "read as empty. Type the answer itself (not a formula) and return the tool.",
            )


def records_for_file(
    parsed: ParsedFile,
    key: bytes,
    config: dict,
    references: list[str],
    scan_config,
    issues: list[dict],
    memo: dict[str, str],
) -> list[dict]:
    """The records of one returned tool (one per case x agency x question entry started).

    Inputs: the :class:`ParsedFile`; the pseudonymisation ``key``; the audit ``config``; the
    raw case ``references`` and ``scan_config`` for the identifier scan (``memo`` caches its
    answers); ``issues`` (appended to). Output: dicts with the keys of
    :data:`lscb_analysis.qa.audit.RECORD_COLUMNS` plus ``_answered``; case references are
    pseudonymised, identifying free text withheld. Nothing for a file not read.
    """
    if parsed.status != "read":
        return []
    meta = parsed.meta
    name = parsed.path.name
    bank = question_bank(meta["theme"], config).set_index("question_id")
    ranks = grade_ranks(config)
    pseudonyms = {
        slot: pseudonym.pseudonymise(raw, key)
        for slot, (raw, _) in parsed.cases.items()
        if raw is not None
    }
    missing_reference_reported: set[int] = set()
    labels = dict((f, h) for f, h, _ in AGENCY_COLUMNS)
    out: list[dict] = []
    for title, agency, letters, entries in parsed.sheets:
        if not any(any(is_filled(values.get(f)) for f in ENTRY_FIELDS) for _, values in entries):
            continue  # nobody started this sheet (e.g. another agency's copy)
        for number, values in entries:
            started = any(is_filled(values.get(f)) for f in ENTRY_FIELDS)
            slot = case_slot_number(values.get("case_slot"))
            if slot is not None and slot in parsed.cases and slot not in pseudonyms and not started:
                continue  # an unused case slot
            problems: list[str] = []

            def where(
                name_: str, number_: int = number, title_: str = title, letters_: dict = letters
            ) -> str:
                return cell_address(title_, letters_.get(name_, "?"), number_)

            def add(
                code: str,
                severity: str,
                column: str,
                message: str,
                number_: int = number,
                title_: str = title,
                problems_: list = problems,
            ) -> None:
                problems_.append(code)
                issues.append(
                    audit_issue(
                        name,
                        title_,
                        number_,
                        labels.get(column, column),
                        where(column, number_),
                        severity,
                        code,
                        message,
                    )
                )

            _check_case_slot(
                slot,
                parsed,
                pseudonyms,
                missing_reference_reported,
                title,
                add,
                where,
                problems,
                issues,
            )
            _blank_excel_errors(values, add, where)
            qid = cell_text(values.get("question_id"))
            if qid not in bank.index:
                add(
                    "unknown_question",
                    "error",
                    "question_id",
                    f"{where('question_id')}: the question id is not in the {meta['theme']} "
                    f"question bank (data/reference/{CONFIG_FILE}); restore the row from the "
                    "tool that was sent out.",
                )
            grades = _entry_grades(values, agency, config, labels, add, where, problems)
            moderator = cell_text(values.get("moderator"))
            reason = cell_text(values.get("moderation_reason"))
            if grades["moderated_grade"] is not None and not reason:
                add(
                    "moderation_reason_missing",
                    "warning",
                    "moderation_reason",
                    f"{where('moderation_reason')}: a moderated grade with no reason; record "
                    "why the grade was confirmed or changed.",
                )
            evidence = cell_text(values.get("evidence"))
            evidence_kinds = identifier_kinds(
                evidence, case_references=references, config=scan_config, memo=memo
            )
            if evidence_kinds:
                add(
                    "identifier_in_evidence",
                    "warning",
                    "evidence",
                    f"{where('evidence')}: the evidence may contain an identifier "
                    f"({describe_kinds(evidence_kinds)}); it is withheld from reports. Remove "
                    "it from the workbook and keep to case references only.",
                )
                evidence = WITHHELD_TEXT
            reason_kinds = identifier_kinds(
                reason, case_references=references, config=scan_config, memo=memo
            )
            if reason_kinds:
                add(
                    "identifier_in_reason",
                    "warning",
                    "moderation_reason",
                    f"{where('moderation_reason')}: the moderation reason may contain an "
                    f"identifier ({describe_kinds(reason_kinds)}); it is withheld from "
                    "reports. Remove it from the workbook.",
                )
                reason = WITHHELD_TEXT
            first, moderated = grades["grade"], grades["moderated_grade"]
            moderation = _moderation_change(first, moderated, ranks)
            section = bank.loc[qid, "section"] if qid in bank.index else ""
            status = next((s for s in STATUS_ORDER if s in problems), "ok")
            out.append(
                {
                    "audit_id": meta["audit_id"],
                    "borough": meta.get("borough", ""),
                    "theme": meta["theme"],
                    "audit_date": meta.get("audit_date", ""),
                    "agency": agency,
                    "case": pseudonyms.get(slot, ""),
                    "case_slot": slot,
                    "section": section,
                    "question_id": qid if qid in bank.index else "",
                    "question": bank.loc[qid, "question"] if qid in bank.index else "",
                    "grade": first or "",
                    "second_grade": grades["second_grade"] or "",
                    "auditor": cell_text(values.get("auditor")),
                    "second_auditor": cell_text(values.get("second_auditor")),
                    "moderated_grade": moderated or "",
                    "moderator": moderator,
                    "moderation_reason": reason,
                    "moderation": moderation,
                    "final_grade": moderated or first or "",
                    "evidence": evidence,
                    "evidence_withheld": evidence_kinds,
                    "reason_withheld": reason_kinds,
                    "status": status,
                    "problems": ";".join(dict.fromkeys(problems)),
                    "file": name,
                    "sheet": title,
                    "row": number,
                    "cell": where("grade"),
                    "_answered": started,
                }
            )
    return out
