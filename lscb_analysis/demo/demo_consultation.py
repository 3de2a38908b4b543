"""Synthetic returned feedback forms on the best-fit model, for the demo; all marked SYNTHETIC.

:func:`write_demo_consultation` writes into ``data/raw/consultation/`` (only when it holds no
forms yet, through :func:`lscb_analysis.core.io.create_raw_file`) the forms partner agencies
send back: each is the real form (:func:`lscb_analysis.model.feedback_form.write_feedback_form`)
filled in with openpyxl. Thirteen organisations from the police, councils' children's services,
health, education, youth offending, probation, housing, the voluntary sector and a board
business unit answer version 1.0: mostly keep, with a few PIs many would remove, reword
or rate differently, suggested wordings, comments and two new PIs. And the messy cases the
ingest must handle (:func:`demo_consultation_plan` lists what each file should end as):

* the model then moved to version 1.1 (one PI changed, one added): two organisations answer
  1.1, one of them again, so the summary for 1.1 shows answers carried from 1.0, answers to
  confirm about the changed PI and the new PI's first answers;
* a form on an older version of the model (0.3), made before forms recorded each PI's
  fingerprint (it is fingerprinted from the version it names);
* a form named for one borough whose organisation is in another (set aside:
  ``identity_mismatch``);
* a form with no organisation;
* a form answering "Keep it" (not keep, amend or remove) and "amend" with no wording;
* a comment naming a child with a date of birth (withheld by the ingest);
* the same organisation returning the form twice (the later one is used);
* a form whose answers were copied into a new workbook without the hidden Model sheet
  (rejected).

Every file is named ``SYNTHETIC_...``, says so on its Respondent sheet, every organisation
starts "SYNTHETIC", and the folder gets a ``SYNTHETIC.md`` listing the files. The same seed
gives the same bytes (workbook dates, zip member times and file times are fixed).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import openpyxl
import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model import feedback_form
from lscb_analysis.protect import safe_files
from lscb_analysis.protect.safe_files import write_cell

LOGGER = logging.getLogger(__name__)

DEFAULT_SEED = 20261122
DEMO_MARKER = "SYNTHETIC DEMO DATA - not real returns"
OLDER_VERSION = "0.3"
CONSULTED_VERSION = "1.0"
"""The version most organisations answer; the model then moved to :data:`NEW_VERSION`."""
NEW_VERSION = "1.1"
"""The version after the consultation: one PI changed (BF-CP-02), one added (BF-YS-08)."""
FOLDER = "consultation"
FIXED_TIME = dt.datetime(2026, 3, 1, 9, 0, 0)
PLAN_COLUMNS = ["file", "organisation", "version", "expected_status", "expected_reason", "what"]
"""Columns of :func:`demo_consultation_plan`: one row per file written (SYNTHETIC.md aside)."""

RESPONDENTS: list[tuple[str, str]] = [
    ("barnet_police", "SYNTHETIC Barnet Police"),
    ("brent_csc", "SYNTHETIC Brent Children's Social Care"),
    ("ncl_icb", "SYNTHETIC North Central London ICB"),
    ("ealing_schools", "SYNTHETIC Ealing Schools"),
    ("enfield_yot", "SYNTHETIC Enfield Youth Offending Team"),
    ("southwark_board", "SYNTHETIC Southwark LSCB business unit"),
    ("london_probation", "SYNTHETIC London Probation Service"),
    ("camden_health", "SYNTHETIC Camden Community Health"),
    ("hackney_housing", "SYNTHETIC Hackney Housing"),
    ("nspcc", "SYNTHETIC NSPCC London"),
    ("croydon_csc", "SYNTHETIC Croydon Children's Services"),
    ("haringey_camhs", "SYNTHETIC Haringey Mental Health Trust"),
    ("lambeth_police", "SYNTHETIC Lambeth Police"),
]
"""(file slug, organisation) of the organisations answering the latest version."""

# PIs that draw a particular answer, so the summary has something to flag.
CONTESTED = {"BF-LD-01": (0.25, 0.10, 0.55), "BF-DA-04": (0.35, 0.15, 0.40)}
REWORD = {"BF-CP-02": (0.30, 0.60, 0.05), "BF-YS-03": (0.35, 0.50, 0.05)}
RERATE = {"BF-CP-04": "critical", "BF-WF-01": "priority outcome"}
DEFAULT_ODDS = (0.80, 0.08, 0.02)  # keep, amend, remove; the rest: no answer
WORDINGS = {
    "BF-CP-02": [
        "Strategy discussions attended by police and health (in person or by call) (%)",
        "Strategy discussions with police, health and education taking part (%)",
    ],
    "BF-YS-03": [
        "Return home interviews offered within 72 hours of the child's return (%)",
        "Return home interviews completed within 3 working days (%)",
    ],
    "BF-LD-01": ["Practitioners completing multi-agency training in the year (number)"],
    "BF-DA-04": ["Pregnant women asked about domestic abuse at any antenatal contact (%)"],
}
COMMENTS = [
    "Our system cannot report this quarterly yet.",
    "Definition should follow the Working Together wording.",
    "Agree, but the denominator needs to be clearer.",
    "Hard to collect consistently across the partnership.",
    "Useful for the Operational Board.",
    "Data are held by more than one agency; agree who supplies it.",
]
IDENTIFIER_COMMENT = "As with Child: Amy Example, DOB 03/02/2015, the return interview was late."
NEW_PIS: dict[str, list[str]] = {
    "barnet_police": [
        "Children detained overnight in police custody per 10,000 aged 10-17",
        "Children held overnight in police custody after charge, per 10,000 children aged 10-17",
        "Children held overnight in police custody after charge",
        "Children aged 10-17 in the borough",
        "police",
        "Custody is a safeguarding risk the board cannot see today.",
    ],
    "nspcc": [
        "Children who say they feel safe where they live (%)",
        "Share of children answering yes to 'I feel safe where I live' in the school survey",
        "Children answering yes",
        "Children answering the question",
        "Education",
        "The dataset has no measure of what children themselves say.",
    ],
}


@dataclass
class _DemoForm:
    name: str
    organisation: str
    version: str
    returned: dt.date
    status: str
    reason: str
    what: str
    content: bytes = b""
    answers: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)


def _answers(
    rng: random.Random, model: catalogue_module.Catalogue
) -> dict[str, tuple[str, str, str, str]]:
    """{PI id: (choice, suggested rating, suggested wording, comment)} for one respondent."""
    answers = {}
    for pi in model.pis.itertuples(index=False):
        keep, amend, remove = CONTESTED.get(pi.id) or REWORD.get(pi.id) or DEFAULT_ODDS
        draw = rng.random()
        choice = (
            "keep"
            if draw < keep
            else "amend"
            if draw < keep + amend
            else "remove"
            if draw < keep + amend + remove
            else ""
        )
        rating = RERATE[pi.id] if pi.id in RERATE and rng.random() < 0.55 else ""
        wording = comment = ""
        if choice == "amend":
            if pi.id in WORDINGS and rng.random() < 0.8:
                wording = rng.choice(WORDINGS[pi.id])
            else:
                comment = rng.choice(COMMENTS)
        elif choice == "remove" and rng.random() < 0.5:
            comment = rng.choice(COMMENTS)
        answers[pi.id] = (choice, rating, wording, comment)
    return answers


def _blank_form(model: catalogue_module.Catalogue) -> bytes:
    """The unfilled form for ``model`` (written in a temporary folder, never in data/raw)."""
    with tempfile.TemporaryDirectory() as folder:
        return feedback_form.write_feedback_form(model, Path(folder) / "form.xlsx").read_bytes()


def _fill(
    blank: bytes,
    organisation: str,
    role: str,
    returned: dt.date,
    answers: dict[str, tuple[str, str, str, str]],
    new_pis: list[list[str]],
    drop_model_sheet: bool = False,
    legacy: bool = False,
) -> bytes:
    """The blank form filled in as a respondent would, as repeatable bytes; ``legacy``: as
    forms were made before they recorded each PI's fingerprint (no such line)."""
    workbook = openpyxl.load_workbook(BytesIO(blank))
    respondent = workbook[feedback_form.RESPONDENT_SHEET]
    write_cell(respondent["A2"], DEMO_MARKER)
    for row in respondent.iter_rows(min_col=1, max_col=2):
        label = row[0].value
        if label == "Organisation" and organisation:
            write_cell(row[1], organisation)
        elif label == "Name and role":
            write_cell(row[1], role)
        elif label == "Date":
            row[1].value = dt.datetime.combine(returned, dt.time())
    sheet = workbook[feedback_form.FEEDBACK_SHEET]
    first = len(feedback_form.FEEDBACK_COLUMNS) - 3
    for r in range(2, sheet.max_row + 1):
        pi_id = sheet.cell(row=r, column=1).value
        for offset, value in enumerate(answers.get(pi_id, ())):
            if value:
                write_cell(sheet.cell(row=r, column=first + offset), value)
    suggestions = workbook[feedback_form.NEW_PI_SHEET]
    for r, values in enumerate(new_pis, start=2):
        for c, value in enumerate(values, start=1):
            write_cell(suggestions.cell(row=r, column=c), value)
    if drop_model_sheet:
        workbook.remove(workbook[feedback_form.MODEL_SHEET])
    elif legacy:
        model_sheet = workbook[feedback_form.MODEL_SHEET]
        for row in model_sheet.iter_rows(max_col=2):
            if row[0].value == feedback_form.FINGERPRINT_KEY:
                row[0].value = row[1].value = None
    properties = workbook.properties
    properties.creator = "SYNTHETIC demo generator"
    properties.title = DEMO_MARKER
    properties.created = properties.modified = FIXED_TIME
    buffer = BytesIO()
    workbook.save(buffer)
    return safe_files.fixed_zip_bytes(buffer.getvalue(), FIXED_TIME)


def _forms(
    seed: int,
    latest: catalogue_module.Catalogue,
    older: catalogue_module.Catalogue,
    newer: catalogue_module.Catalogue,
) -> list[_DemoForm]:
    """The demo forms with their answers (no workbook bytes yet): ``latest`` is the version
    most organisations answer (:data:`CONSULTED_VERSION`), ``newer`` the next one."""
    rng = random.Random(seed)
    start = dt.date(2026, 3, 2)
    forms = []
    for number, (slug, organisation) in enumerate(RESPONDENTS):
        returned = start + dt.timedelta(days=number)
        answers = _answers(rng, latest)
        what = "answers the latest version"
        if slug == "haringey_camhs":
            answers["BF-EH-01"] = ("Keep it", "", "", "")
            answers["BF-EH-02"] = ("amend", "", "", "")
            what = "an answer 'Keep it' (unknown) and 'amend' with no wording"
        if slug == "nspcc":
            answers["BF-YS-03"] = ("amend", "", "", IDENTIFIER_COMMENT)
            what = "a comment naming a child (withheld) and a new PI"
        if slug == "barnet_police":
            what = "answers the latest version and suggests a new PI"
        forms.append(
            _DemoForm(
                f"SYNTHETIC_feedback_{slug}.xlsx",
                organisation,
                latest.version,
                returned,
                "used",
                "",
                what,
                answers=answers,
            )
        )
    # The same organisation again, later, changing its mind: the first form is superseded.
    brent = forms[1]
    brent.status, brent.reason = "superseded", "superseded"
    brent.what = "replaced by the organisation's later form"
    revised = dict(brent.answers)
    revised["BF-LD-01"] = ("remove", "", "", "On reflection we cannot collect this.")
    forms.append(
        _DemoForm(
            "SYNTHETIC_feedback_brent_csc_revised.xlsx",
            brent.organisation,
            latest.version,
            dt.date(2026, 3, 24),
            "used",
            "",
            "the same organisation's later form: used",
            answers=revised,
        )
    )
    forms.append(
        _DemoForm(
            "SYNTHETIC_feedback_unsigned.xlsx",
            "",
            latest.version,
            dt.date(2026, 3, 18),
            "used",
            "",
            "no organisation given: used, with an error",
            answers=_answers(rng, latest),
        )
    )
    forms.append(
        _DemoForm(
            "SYNTHETIC_feedback_islington_acute_v0.3.xlsx",
            "SYNTHETIC Islington Acute Trust",
            older.version,
            dt.date(2026, 1, 20),
            "used",
            "",
            f"comments on the older version {older.version}",
            answers=_answers(rng, older),
        )
    )
    forms.append(
        _DemoForm(
            "SYNTHETIC_feedback_kingston_copied.xlsx",
            "SYNTHETIC Kingston Children's Services",
            latest.version,
            dt.date(2026, 3, 19),
            "rejected",
            "no_model_sheet",
            "answers copied into a new workbook without the Model sheet",
            answers=_answers(rng, latest),
        )
    )
    forms.append(
        _DemoForm(
            "SYNTHETIC_feedback_redbridge_police.xlsx",
            "SYNTHETIC Camden Police",
            latest.version,
            dt.date(2026, 3, 20),
            "rejected",
            "identity_mismatch",
            "named for Redbridge, but the organisation is Camden's: set aside",
            answers=_answers(rng, latest),
        )
    )
    forms += _newer_forms(rng, newer)
    return forms


def _newer_forms(rng: random.Random, newer: catalogue_module.Catalogue) -> list[_DemoForm]:
    """Forms on the version after the consultation: one organisation again, one new."""
    forms = []
    for number, (slug, organisation, what) in enumerate(
        [
            (
                "barnet_police_v1.1",
                "SYNTHETIC Barnet Police",
                f"answers version {newer.version} again: its new answers stand, the rest carry",
            ),
            (
                "tower_hamlets_csc_v1.1",
                "SYNTHETIC Tower Hamlets Children's Social Care",
                f"a first answer, on version {newer.version}",
            ),
        ]
    ):
        forms.append(
            _DemoForm(
                f"SYNTHETIC_feedback_{slug}.xlsx",
                organisation,
                newer.version,
                dt.date(2026, 5, 4 + number),
                "used",
                "",
                what,
                answers=_answers(rng, newer),
            )
        )
    return forms


def _catalogues() -> tuple[catalogue_module.Catalogue, ...]:
    return tuple(
        catalogue_module.load_catalogue(v) for v in (CONSULTED_VERSION, OLDER_VERSION, NEW_VERSION)
    )


def _build(seed: int) -> list[_DemoForm]:
    models = _catalogues()
    forms = _forms(seed, *models)
    blanks = {model.version: _blank_form(model) for model in models}
    for form in forms:
        slug = form.name.removeprefix("SYNTHETIC_feedback_").removesuffix(".xlsx")
        role = "SYNTHETIC Safeguarding lead" if form.organisation else ""
        form.content = _fill(
            blanks[form.version],
            form.organisation,
            role,
            form.returned,
            form.answers,
            [NEW_PIS[slug]] if slug in NEW_PIS else [],
            drop_model_sheet=form.reason == "no_model_sheet",
            legacy=form.version == OLDER_VERSION,
        )
    return forms


def demo_consultation_plan(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """What each demo form should end as: columns :data:`PLAN_COLUMNS`, sorted by file.

    The ingest must give each file its ``expected_status`` and ``expected_reason`` (tests
    check). Raises CatalogueError when the catalogue is missing.
    """
    forms = _forms(seed, *_catalogues())
    rows = [(f.name, f.organisation, f.version, f.status, f.reason, f.what) for f in forms]
    return pd.DataFrame(rows, columns=PLAN_COLUMNS).sort_values("file", ignore_index=True)


def _marker_text(seed: int, forms: list[_DemoForm]) -> str:
    lines = [
        f"# {DEMO_MARKER}",
        "",
        "Every file in this folder was written by `lscb demo-data` "
        f"(lscb_analysis.demo.demo_consultation, seed {seed}). None of it is real: the "
        "organisations, answers, wordings and comments are invented to show how the workbench "
        "reads returned feedback forms on the best-fit model (`lscb model feedback`). Delete "
        "the folder's contents before putting real forms here.",
        "",
        "| file | organisation | version | returned | should end as | what it shows |",
        "|---|---|---|---|---|---|",
    ]
    for form in sorted(forms, key=lambda f: f.name):
        end = form.status + (
            f" ({form.reason})" if form.reason and form.reason != form.status else ""
        )
        lines.append(
            f"| {form.name} | {form.organisation or '(blank)'} | {form.version} | "
            f"{form.returned} | {end} | {form.what} |"
        )
    return "\n".join(lines) + "\n"


def write_demo_consultation(raw_dir: Path | str, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the synthetic feedback forms into ``raw_dir/consultation/`` unless it holds files.

    Inputs: ``raw_dir`` (the project's ``data/raw/``; files can only be created inside it);
    ``seed`` (the same seed writes byte-identical files with the same modification times).
    Output: the paths written (the forms and ``SYNTHETIC.md``), or an empty list when the
    folder already holds files (nothing is written then). Raises RawDataWriteError when
    ``raw_dir`` is not inside the project's ``data/raw/``; CatalogueError when the catalogue
    is missing.
    """
    folder = Path(raw_dir) / FOLDER
    if io.holds_returns(folder):
        LOGGER.info("The consultation folder already holds files; no demo forms were written.")
        return []
    forms = _build(seed)
    written = []
    for form in forms:
        stamp = dt.datetime.combine(form.returned, dt.time(17, 0), tzinfo=dt.UTC)
        written.append(
            io.create_raw_file(folder / form.name, form.content, modified=stamp.timestamp())
        )
    fixed = dt.datetime.combine(dt.date(2026, 3, 31), dt.time(18, 0), tzinfo=dt.UTC)
    written.append(
        io.create_raw_file(
            folder / "SYNTHETIC.md", _marker_text(seed, forms).encode(), modified=fixed.timestamp()
        )
    )
    LOGGER.info("Wrote %d synthetic consultation files.", len(written))
    return written
