"""Synthetic case-file audits, actions log and support log for the demo (``lscb demo-data``).

:func:`write_demo_audits` writes, into ``data/raw/`` and only where the files are absent:

* six themed audits for three London boroughs, each in ``data/raw/audit/<audit-id>/`` with
  a ``SYNTHETIC.md`` marker: Barnet neglect 2025 and its repeat in 2026 (so trends can be
  shown), Barnet, Croydon and Lambeth exploitation and missing 2026, and Croydon neglect
  2026 (see :data:`DEMO_AUDITS`). Most audits come back as one workbook with every agency's
  sheet; Barnet neglect 2026 comes back as one copy of the tool per agency. They have double-marked cases, moderation changes,
  "Not applicable" answers, one missing grade (Croydon exploitation, Police), low auditor
  agreement in Croydon exploitation, sections with only 1 to 5 graded answers in four audits
  (:data:`SMALL_SECTIONS`, so the board tier always has small counts), and exactly ONE
  planted identifier: a made-up NHS number with a valid check digit in one evidence cell
  (Barnet neglect 2026, Health (community) sheet), which the ingest must withhold;
* ``data/raw/audit/actions.csv`` (actions after audit findings and PI exceptions, some
  overdue and some due for re-audit as at :data:`DEMO_AS_AT`);
* ``data/raw/support/support_log.csv`` (support days, Barnet over its allowance, pan-London
  work).

Everything is marked SYNTHETIC: workbook names start ``SYNTHETIC_``, audit ids start
``SYNTHETIC-``, each cover sheet says so, each folder has a ``SYNTHETIC.md``, case references
are ``SYN-nnnn`` and every name and free-text field in the CSV logs starts "SYNTHETIC". The
two CSV logs keep the names the workbench reads (``actions.csv``, ``support_log.csv``).
The bytes depend only on the seed (workbook timestamps are fixed), so a re-run writes the
same files. Files are created only through :func:`io.create_raw_file` (new synthetic files
inside ``data/raw/``); existing files are never overwritten, so a second run keeps them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as stdlib_io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from lscb_analysis.core import io, paths, register
from lscb_analysis.protect import safe_files
from lscb_analysis.qa import audit, audit_tool

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20260331
DEMO_AS_AT = dt.date(2026, 3, 31)
"""The date the demo's actions and support are reported "as at"."""

MARKER = "SYNTHETIC.md"
PLANTED_NHS_NUMBER = "943 476 5919"
NEGLECT_AGENCIES = ("children's social care", "police", "health (community)", "education")
EXPLOITATION_AGENCIES = (*NEGLECT_AGENCIES, "youth offending")


@dataclass(frozen=True)
class DemoAudit:
    """One synthetic audit: borough, theme, date, agencies, cases, quality and layout."""

    borough: str
    theme: str
    date: dt.date
    agencies: tuple[str, ...]
    cases: int
    quality: float  # mean grade rank before section, agency and case effects
    layout: str  # "single" (one workbook) or "copies" (one copy per agency)
    first_case: int  # case references SYN-<first_case>...
    agreement: float = 0.75  # chance the second auditor gives the same grade

    @property
    def audit_id(self) -> str:
        """``SYNTHETIC-<year>-<borough>-<theme>``."""
        return f"SYNTHETIC-{self.date.year}-{register.slugify(self.borough)}-{self.theme}"


DEMO_AUDITS: tuple[DemoAudit, ...] = (
    DemoAudit("Barnet", "neglect", dt.date(2025, 3, 14), NEGLECT_AGENCIES, 8, 2.35, "single", 101),
    DemoAudit("Barnet", "neglect", dt.date(2026, 3, 13), NEGLECT_AGENCIES, 8, 2.95, "copies", 121),
    DemoAudit(
        "Barnet", "exploitation", dt.date(2026, 2, 20), EXPLOITATION_AGENCIES, 6, 2.6, "single", 141
    ),
    DemoAudit("Croydon", "neglect", dt.date(2026, 1, 23), NEGLECT_AGENCIES, 6, 2.8, "single", 201),
    DemoAudit(
        "Croydon",
        "exploitation",
        dt.date(2026, 2, 27),
        EXPLOITATION_AGENCIES,
        6,
        2.3,
        "single",
        221,
        agreement=0.35,
    ),
    DemoAudit(
        "Lambeth", "exploitation", dt.date(2026, 3, 6), EXPLOITATION_AGENCIES, 6, 2.7, "single", 301
    ),
)

SMALL_SECTIONS: dict[str, tuple[str, int]] = {
    "SYNTHETIC-2025-barnet-neglect": ("voice_of_child", 4),
    "SYNTHETIC-2026-barnet-exploitation": ("planning", 5),
    "SYNTHETIC-2026-croydon-neglect": ("impact", 3),
    "SYNTHETIC-2026-lambeth-exploitation": ("voice_of_child", 2),
}
"""Audit id -> (section, graded answers kept): sections with 1 to 5 graded answers (the rest
"Not applicable"), so the board tier has small counts to suppress and the recovery attack
(:mod:`lscb_analysis.protect.recovery_attack`) always has something to try."""

SECTION_EFFECT = {
    "recognition": 0.25,
    "assessment": 0.0,
    "planning": -0.35,
    "joint_working": 0.1,
    "impact": -0.2,
    "voice_of_child": -0.45,
}
AGENCY_EFFECT = {
    "children's social care": 0.1,
    "police": -0.1,
    "health (community)": 0.15,
    "education": 0.0,
    "youth offending": -0.15,
}
DOUBLE_MARKED = 2  # cases per audit marked by a second auditor
MODERATED_SHARE = 0.15  # share of single-marked answers moderation looked at

EVIDENCE = {
    "recognition": (
        (
            "Concerns were not picked up at first contact; the pattern only became clear after "
            "several referrals.",
            "Early signs were noted but not shared until a later incident.",
        ),
        (
            "Concerns recognised at first contact and shared the same week.",
            "The practitioner linked school attendance, presentation and home conditions.",
        ),
    ),
    "assessment": (
        (
            "The assessment describes the latest incident but not the history or its impact.",
            "No chronology on file; parental capacity to change not analysed.",
        ),
        (
            "The assessment uses the chronology and sets out daily life for the child.",
            "Clear analysis of risk and strengths, with the family's history taken into account.",
        ),
    ),
    "planning": (
        (
            "Plan actions are tasks for the family with no measurable outcomes or timescales.",
            "Review dates slipped twice and drift was not escalated.",
        ),
        (
            "Outcomes are specific and reviewed on time; progress is tracked at each core group.",
            "Contingency plan agreed and understood by the family.",
        ),
    ),
    "joint_working": (
        (
            "Information held by one agency was not shared before the strategy discussion.",
            "Agencies missed core groups and actions were not followed up.",
        ),
        (
            "All agencies attended core groups and shared information promptly.",
            "Disagreement about the level of risk was escalated and resolved quickly.",
        ),
    ),
    "impact": (
        (
            "Little evidence that the help changed things for the child.",
            "Circumstances unchanged at the last review.",
        ),
        (
            "Attendance and health appointments improved during the plan.",
            "The child is safer and the family sustains the changes.",
        ),
    ),
    "voice_of_child": (
        (
            "The child was not seen alone and their views are not recorded.",
            "Views recorded once, in adult language, and not used in planning.",
        ),
        (
            "The child was seen alone and their words are recorded and reflected in the plan.",
            "Direct work helped the child explain what life is like at home.",
        ),
    ),
}
MODERATION_REASONS = {
    "down": (
        "Moderation agreed the evidence does not show impact for the child.",
        "Evidence cited describes activity rather than difference made.",
    ),
    "up": (
        "Further evidence found in the agency's records at moderation.",
        "Moderation agreed the practice met the descriptor for the higher grade.",
    ),
    "confirmed": ("Moderation confirmed the grade after discussion.",),
}
README_AUDIT = """# SYNTHETIC demonstration data

Everything in this folder was made up by the LSCB workbench's demo generator
(`lscb demo-data`, module `lscb_analysis.demo.demo_audits`). None of it is about real children,
families or practitioners. Case references (`SYN-nnnn`) are fake; one evidence cell holds a
made-up NHS number on purpose, to show that the ingest withholds identifiers.

Delete this folder before putting real audit returns in `data/raw/audit/`.
"""
README_SUPPORT = """# SYNTHETIC demonstration data

`support_log.csv` here was made up by the LSCB workbench's demo generator
(`lscb demo-data`). It records no real support. Replace it with the real support log.
"""


@dataclass
class DemoResult:
    """Files :func:`write_demo_audits` wrote (``written``) or left alone (``kept``)."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def _write_new(
    path: Path, data: bytes | Callable[[], bytes], result: DemoResult, modified: dt.datetime
) -> None:
    """Create ``path`` through :func:`io.create_raw_file`; keep an existing file as it is.

    ``data`` may be a function, called only when the file is absent. ``modified`` becomes the
    file's modification time, so the demo set is the same every time.
    """
    target = path.absolute()
    if target.exists():
        result.kept.append(target)
        return
    content = data() if callable(data) else data
    stamp = modified.replace(tzinfo=dt.UTC).timestamp()
    result.written.append(io.create_raw_file(target, content, modified=stamp))


def _rank(value: float) -> int:
    return int(np.clip(np.rint(value), 1, 4))


def _fill_audit(
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


def _plant(spec: DemoAudit, answers: dict) -> None:
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


def _shrink(spec: DemoAudit, answers: dict, config: dict) -> None:
    """Leave only a few graded answers in the audit's small section (:data:`SMALL_SECTIONS`)."""
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


def _workbook(spec: DemoAudit, answers: dict, only: str | None, config: dict) -> bytes:
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


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = stdlib_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[safe_files.neutralise_text(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def demo_actions() -> bytes:
    """Return the bytes of the synthetic ``actions.csv``."""
    header = [
        "action_id",
        "borough",
        "action",
        "owner",
        "due_date",
        "source_type",
        "source_ref",
        "status",
        "reaudit_date",
        "completed_date",
        "notes",
    ]
    rows = [
        [
            "SYN-A01",
            "Barnet",
            "SYNTHETIC: workshop for health visitors and school nurses on "
            "recognising cumulative neglect",
            "SYNTHETIC designated nurse",
            "31/01/2026",
            "audit finding",
            "SYNTHETIC-2025-barnet-neglect/NEG-REC-2",
            "complete",
            "13/03/2026",
            "20/01/2026",
            "SYNTHETIC: re-audited in the 2026 neglect audit",
        ],
        [
            "SYN-A02",
            "Barnet",
            "SYNTHETIC: core group template to record measurable outcomes and timescales",
            "SYNTHETIC head of service, child protection",
            "28/02/2026",
            "audit finding",
            "SYNTHETIC-2025-barnet-neglect/NEG-PLA-1",
            "in progress",
            "30/09/2026",
            "",
            "",
        ],
        [
            "SYN-A03",
            "Barnet",
            "SYNTHETIC: review every plan open 18 months or more at legal planning meeting",
            "SYNTHETIC service manager",
            "30/06/2026",
            "PI exception",
            "cpp_2yrs_pct",
            "open",
            "",
            "",
            "",
        ],
        [
            "SYN-A04",
            "Croydon",
            "SYNTHETIC: raise return home interview take-up with the commissioned provider",
            "SYNTHETIC missing children lead",
            "31/12/2025",
            "PI exception",
            "cla_missing_pct",
            "in progress",
            "31/05/2026",
            "",
            "",
        ],
        [
            "SYN-A05",
            "Croydon",
            "SYNTHETIC: every child open to the exploitation panel to have "
            "a safety plan covering places and peers",
            "SYNTHETIC exploitation panel chair",
            "31/05/2026",
            "audit finding",
            "SYNTHETIC-2026-croydon-exploitation/EXP-PLA-1",
            "open",
            "30/11/2026",
            "",
            "",
        ],
        [
            "SYN-A06",
            "Lambeth",
            "SYNTHETIC: dip sample re-referrals within 12 months",
            "SYNTHETIC front door manager",
            "31/10/2025",
            "PI exception",
            "rereferral_pct",
            "complete",
            "31/03/2026",
            "15/10/2025",
            "",
        ],
        [
            "SYN-A07",
            "pan-London",
            "SYNTHETIC: audit tool training for quality assurance leads",
            "SYNTHETIC regional adviser",
            "30/04/2026",
            "other",
            "regional QA forum",
            "open",
            "",
            "",
            "",
        ],
    ]
    return _csv_bytes(header, rows)


def demo_support_log() -> bytes:
    """Return the bytes of the synthetic ``support_log.csv``."""
    header = [
        "support_id",
        "borough",
        "theme",
        "days",
        "commissioned_by",
        "start_date",
        "end_date",
        "adviser",
        "activity",
    ]
    rows = [
        [
            "SYN-S01",
            "Barnet",
            "neglect",
            "4",
            "SYNTHETIC partnership business manager",
            "12/05/2025",
            "30/06/2025",
            "SYNTHETIC adviser 1",
            "Neglect audit design and moderation",
        ],
        [
            "SYN-S02",
            "Barnet",
            "neglect",
            "5",
            "SYNTHETIC partnership business manager",
            "01/09/2025",
            "31/10/2025",
            "SYNTHETIC adviser 1",
            "Neglect strategy refresh",
        ],
        [
            "SYN-S03",
            "Barnet",
            "exploitation and missing",
            "3",
            "SYNTHETIC director of children's services",
            "12/01/2026",
            "20/02/2026",
            "SYNTHETIC adviser 2",
            "Exploitation audit moderation",
        ],
        [
            "SYN-S04",
            "Croydon",
            "exploitation and missing",
            "6",
            "SYNTHETIC director of children's services",
            "03/11/2025",
            "27/02/2026",
            "SYNTHETIC adviser 2",
            "Exploitation pathway review",
        ],
        [
            "SYN-S05",
            "Lambeth",
            "leadership and governance",
            "4",
            "SYNTHETIC independent scrutineer",
            "07/07/2025",
            "29/08/2025",
            "SYNTHETIC adviser 3",
            "Board self-assessment",
        ],
        [
            "SYN-S06",
            "Hackney",
            "early help",
            "3",
            "SYNTHETIC partnership business manager",
            "06/10/2025",
            "28/11/2025",
            "SYNTHETIC adviser 3",
            "Early help threshold workshop",
        ],
        [
            "SYN-S07",
            "pan-London",
            "performance data",
            "5",
            "SYNTHETIC London ADCS",
            "01/04/2025",
            "31/03/2026",
            "SYNTHETIC adviser 1",
            "Pan-London dataset work",
        ],
        [
            "SYN-S08",
            "pan-London",
            "training",
            "2",
            "SYNTHETIC London ADCS",
            "14/01/2026",
            "15/01/2026",
            "SYNTHETIC adviser 2",
            "Audit tool training",
        ],
    ]
    return _csv_bytes(header, rows)


def write_demo_audits(raw_dir: Path | str | None = None, *, seed: int = DEFAULT_SEED) -> DemoResult:
    """Write the synthetic audits, actions log and support log into ``data/raw/``.

    Inputs: ``raw_dir`` (None: the project's ``data/raw/``; it must be that folder or inside
    it, because files are created with :func:`io.create_raw_file`); ``seed`` (the same seed
    writes the same bytes and file times). Output: :class:`DemoResult` listing the files
    written and those kept because they already existed (they are never overwritten).
    Folders: ``audit/<audit-id>/`` per :data:`DEMO_AUDITS`, ``audit/actions.csv``,
    ``support/support_log.csv``, and a ``SYNTHETIC.md`` in ``audit/``, each audit folder and
    ``support/``. Raises: RawDataWriteError when ``raw_dir`` is outside the project's
    ``data/raw/``.
    """
    raw = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    result = DemoResult()
    config = audit.audit_config()
    audit_root = raw / "audit"
    as_at = dt.datetime.combine(DEMO_AS_AT, dt.time(9, 0))
    _write_new(audit_root / MARKER, README_AUDIT.encode("utf-8"), result, as_at)
    for index, spec in enumerate(DEMO_AUDITS):
        folder = audit_root / spec.audit_id
        returned = dt.datetime.combine(spec.date, dt.time(17, 0))
        _write_new(folder / MARKER, README_AUDIT.encode("utf-8"), result, returned)
        answers = _fill_audit(spec, index, seed, config)
        _plant(spec, answers)
        _shrink(spec, answers, config)
        if spec.layout == "single":
            name = f"SYNTHETIC_{spec.audit_id}_all_agencies.xlsx"
            _write_new(
                folder / name, partial(_workbook, spec, answers, None, config), result, returned
            )
        else:
            for agency in spec.agencies:
                slug = register.slugify(agency)
                name = f"SYNTHETIC_{spec.audit_id}_{slug}.xlsx"
                _write_new(
                    folder / name,
                    partial(_workbook, spec, answers, agency, config),
                    result,
                    returned,
                )
    _write_new(audit_root / "actions.csv", demo_actions(), result, as_at)
    _write_new(raw / "support" / MARKER, README_SUPPORT.encode("utf-8"), result, as_at)
    _write_new(raw / "support" / "support_log.csv", demo_support_log(), result, as_at)
    logger.info("Demo audits: %d file(s) written, %d kept.", len(result.written), len(result.kept))
    return result
