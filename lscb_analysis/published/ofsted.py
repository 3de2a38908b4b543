"""Ofsted's inspections of local authority children's services (ILACS), as a tidy table.

Reads the ILACS inspection history from Ofsted's published workbook
(``data/external/LA_Inspection_Outcomes_as_at_31_March_2025.ods``, Official Statistics, Open
Government Licence v3.0) and matches each local authority to the register by its ONS code.
Used by the deep dive (the borough's and its neighbours' latest judgements) and the support
targeting review (which areas Ofsted judged requires improvement or inadequate).
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import io, register
from lscb_analysis.core.errors import DataFileError, DataLayoutError

INSPECTIONS_FILE = "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
HISTORY_SHEET = "ILACS_inspection_history"
HEADER_MARKER = "Web link"
# Published column heading -> tidy column name.
COLUMNS = {
    "Local authority area code": "ons_code",
    "Local authority name": "la_name",
    "Local authority status": "la_status",
    "Inspection date": "inspection_date",
    "Publication date": "publication_date",
    "Inspection type": "inspection_type",
    "Overall effectiveness": "overall_effectiveness",
    "The impact of leaders on social work practice with children and families": "leadership",
    "The experiences and progress of children who need help and protection": "help_and_protection",
    "The experiences and progress of children in care": "children_in_care",
    "The experiences and progress of care leavers": "care_leavers",
}
JUDGEMENT_COLUMNS = [
    "overall_effectiveness",
    "leadership",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
]
GRADES = ["Outstanding", "Good", "Requires improvement to be good", "Inadequate"]
SHORT_GRADES = {
    "Outstanding": "Outstanding",
    "Good": "Good",
    "Requires improvement to be good": "Requires improvement",
    "Inadequate": "Inadequate",
}


def read_inspection_history() -> pd.DataFrame:
    """Every ILACS standard and short inspection since 2018, one row per inspection.

    Returns:
        ``la_number, ons_code, la_name, la_status, inspection_date, publication_date,
        inspection_type`` and the judgements ``overall_effectiveness, leadership,
        help_and_protection, children_in_care, care_leavers`` (Ofsted's wording; empty where
        the judgement did not exist yet: care leavers from January 2023). ``la_number`` is
        empty for an authority the register does not know by that ONS code.

    Raises:
        MissingDataFileError: the workbook is missing.
        DataLayoutError: the sheet or a column is not where Ofsted publishes it, or a
        judgement is not one of Ofsted's four grades.
    """
    path = io.external_file(INSPECTIONS_FILE)
    try:
        raw = pd.read_excel(path, engine="odf", sheet_name=HISTORY_SHEET, header=None, dtype=str)
    except ValueError as error:
        raise DataLayoutError(
            f"{path}: no sheet {HISTORY_SHEET!r} ({error}). {io.RESTORE_EXTERNAL_HINT}"
        ) from error
    except (OSError, KeyError) as error:
        raise DataFileError(
            f"{path} cannot be read ({error}). {io.RESTORE_EXTERNAL_HINT}"
        ) from error
    header_rows = raw.index[raw[0].astype(str).str.strip() == HEADER_MARKER]
    if header_rows.empty:
        raise DataLayoutError(
            f"{path}, sheet {HISTORY_SHEET!r}: no header row starting {HEADER_MARKER!r}. "
            f"{io.RESTORE_EXTERNAL_HINT}"
        )
    start = header_rows[0]
    table = raw.iloc[start + 1 :].set_axis([str(c).strip() for c in raw.iloc[start]], axis=1)
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise DataLayoutError(
            f"{path}, sheet {HISTORY_SHEET!r}: no column {', '.join(map(repr, missing))}. "
            "Ofsted may have renamed it: update COLUMNS in lscb_analysis/ofsted.py."
        )
    table = table[list(COLUMNS)].rename(columns=COLUMNS).dropna(subset=["ons_code"])
    for column in JUDGEMENT_COLUMNS:
        table[column] = table[column].fillna("").str.strip()
        unknown = set(table[column]) - set(GRADES) - {""}
        if unknown:
            raise DataLayoutError(
                f"{path}, sheet {HISTORY_SHEET!r}, column {column!r}: unknown judgement "
                f"{sorted(unknown)[0]!r}; expected one of {', '.join(GRADES)}."
            )
    for column in ("inspection_date", "publication_date"):
        table[column] = pd.to_datetime(table[column], errors="coerce")
    codes = register.load_register().set_index("ons_code")["la_number"]
    table.insert(0, "la_number", table["ons_code"].map(codes).fillna(""))
    return table.sort_values(["la_number", "inspection_date"], ignore_index=True)


def latest_judgements(history: pd.DataFrame, la_numbers: list[str] | None = None) -> pd.DataFrame:
    """The latest inspection of each local authority (optionally only those listed).

    Args:
        history: :func:`read_inspection_history`.
        la_numbers: DfE numbers to keep, in this order (e.g. a borough and its neighbours);
            an LA with no inspection gets a row with empty judgements.

    Returns:
        One row per LA: ``la_number, la_name, inspection_date, inspection_type`` and the
        judgements in Ofsted's wording.
    """
    latest = history.sort_values("inspection_date").groupby("la_number").tail(1)
    latest = latest.set_index("la_number")
    if la_numbers is None:
        return latest.reset_index()
    names = register.load_register().set_index("la_number")["la_name"]
    rows = []
    for number in la_numbers:
        if number in latest.index:
            rows.append(latest.loc[number].to_dict() | {"la_number": number})
        else:
            rows.append(
                {
                    "la_number": number,
                    "la_name": names.get(number, number),
                    "inspection_type": "no ILACS inspection published",
                }
            )
    columns = ["la_number", "la_name", "inspection_date", "inspection_type", *JUDGEMENT_COLUMNS]
    return pd.DataFrame(rows).reindex(columns=columns)


def needs_improvement(judgements: pd.DataFrame) -> pd.DataFrame:
    """Which areas of practice Ofsted judged requires improvement or inadequate.

    Args:
        judgements: :func:`latest_judgements` (or the history).

    Returns:
        Long frame ``la_number, la_name, inspection_date, area, judgement`` with one row per
        judgement below good (``area`` is the tidy column name, e.g. ``help_and_protection``).
    """
    long = judgements.melt(
        id_vars=["la_number", "la_name", "inspection_date"],
        value_vars=JUDGEMENT_COLUMNS,
        var_name="area",
        value_name="judgement",
    )
    weak = long["judgement"].isin(["Requires improvement to be good", "Inadequate"])
    return long[weak].reset_index(drop=True)
