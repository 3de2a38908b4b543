"""Each board's own targets: read a board's targets file and say which target applies when.

The London default target of a PI is the catalogue's (``target`` of the best-fit model,
:mod:`lscb_analysis.model.catalogue`). A board may agree its own in
``data/reference/targets/<borough slug>.csv`` (or ``<LA number>.csv``), one row per PI and
start quarter, columns :data:`TARGET_COLUMNS`:

* ``pi`` a PI of the model; ``target`` a number in the PI's unit; ``tolerance`` (optional) how
  far a figure may miss the target, in the PI's unit, and still be amber (empty: the score
  card's ``targets.amber_within`` share of the target);
* ``direction`` one of the words in ``scorecard.yaml`` ``targets.directions`` (which way is
  better); it must agree with the PI's polarity;
* ``applies_from`` the first quarter the target applies (``2026Q1``, or any form
  :func:`lscb_analysis.pilot.pilot_periods.parse_period` reads); ``agreed_by`` who agreed it;
  ``note`` free text.

A board's target overrides the London default from the quarter it applies (:func:`apply_targets`
for the card's quarter, :func:`targets_by_period` for each point of an SPC chart, so a change of
target is drawn as a step). Every bad cell raises a :class:`ReferenceDataError` naming the
file, the row (as a spreadsheet shows it: the header is row 1) and the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from lscb_analysis.core import io, paths, register
from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError
from lscb_analysis.pilot import pilot_periods

TARGET_COLUMNS: list[str] = [
    "pi",
    "target",
    "tolerance",
    "direction",
    "applies_from",
    "agreed_by",
    "note",
]

"""Columns of a checked targets table (:func:`check_targets`)."""
CHECKED_COLUMNS: list[str] = [
    "pi_id",
    "target",
    "tolerance",
    "polarity",
    "applies_from",
    "agreed_by",
    "note",
    "file",
    "row",
]

TARGETS_FOLDER = "targets"


def targets_file(area: register.LocalAuthority) -> Path | None:
    """The board's targets file (``<slug>.csv``, else ``<LA number>.csv``), or None."""
    folder = paths.reference_dir() / TARGETS_FOLDER
    for name in (f"{area.slug}.csv", f"{area.la_number}.csv"):
        if (folder / name).is_file():
            return folder / name
    return None


def _number(text: str, where: str, column: str, *, required: bool) -> float:
    if text.strip() == "":
        if required:
            raise ReferenceDataError(f"{where}, column '{column}': empty. Write a number.")
        return np.nan
    try:
        return float(text.strip().rstrip("%").replace(",", ""))
    except ValueError:
        raise ReferenceDataError(
            f"{where}, column '{column}': {text!r} is not a number. Write a number in the "
            "PI's unit, such as 85 or 12.5."
        ) from None


def _direction(text: str, where: str, directions: Mapping) -> str:
    wanted = " ".join(text.strip().lower().replace("_", " ").split())
    for polarity, words in directions.items():
        if wanted in [" ".join(str(w).lower().split()) for w in words]:
            return str(polarity)
    allowed = ", ".join(f"'{w}'" for words in directions.values() for w in words)
    raise ReferenceDataError(
        f"{where}, column 'direction': {text!r} is not a direction. Write one of: {allowed}."
    )


def _check_row(
    record: Mapping, where: str, polarities: Mapping[str, str], directions: Mapping
) -> dict:
    pi_id = str(record["pi"]).strip()
    if pi_id not in polarities:
        raise ReferenceDataError(
            f"{where}, column 'pi': {pi_id!r} is not a PI of the model. Use a PI id such as "
            f"{', '.join(sorted(polarities)[:5])} (the full list is in the model's catalogue)."
        )
    target = _number(str(record["target"]), where, "target", required=True)
    tolerance = _number(str(record["tolerance"]), where, "tolerance", required=False)
    if not np.isnan(tolerance) and tolerance < 0:
        raise ReferenceDataError(f"{where}, column 'tolerance': {tolerance:g} is negative.")
    polarity = _direction(str(record["direction"]), where, directions)
    if polarities[pi_id] in ("high", "low") and polarities[pi_id] != polarity:
        raise ReferenceDataError(
            f"{where}, column 'direction': {record['direction']!r} disagrees with {pi_id}'s "
            f"polarity ({polarities[pi_id]} is better). Correct the direction or the PI."
        )
    try:
        start = pilot_periods.parse_period(str(record["applies_from"]))
    except InvalidArgumentError as error:
        raise ReferenceDataError(f"{where}, column 'applies_from': {error}") from None
    return {
        "pi_id": pi_id,
        "target": target,
        "tolerance": tolerance,
        "polarity": polarity,
        "applies_from": start,
        "agreed_by": str(record["agreed_by"]).strip(),
        "note": str(record["note"]).strip(),
    }


def check_targets(
    raw: pd.DataFrame, file: str, polarities: Mapping[str, str], directions: Mapping
) -> pd.DataFrame:
    """Check a board's targets table as read (text cells) and return it typed.

    Inputs: ``raw`` with :data:`TARGET_COLUMNS` (text), ``file`` (named in errors),
    ``polarities`` (PI id -> polarity, the model's PIs), ``directions`` (``scorecard.yaml``
    ``targets.directions``: polarity -> accepted words).
    Output: :data:`CHECKED_COLUMNS` (``row`` as a spreadsheet numbers it), sorted by PI and
    start quarter.
    Raises: ReferenceDataError naming the file, row and column of the first bad cell, a
    missing column, or two rows for the same PI and quarter.
    """
    missing = [c for c in TARGET_COLUMNS if c not in raw.columns]
    if missing:
        raise ReferenceDataError(
            f"{file}: no column {', '.join(repr(c) for c in missing)}. A targets file has the "
            f"columns {', '.join(TARGET_COLUMNS)} (see data/reference/README.md)."
        )
    rows = []
    for number, record in enumerate(raw.fillna("").to_dict("records"), start=2):
        if all(str(record[c]).strip() == "" for c in TARGET_COLUMNS):
            continue  # a blank line left by a spreadsheet
        checked = _check_row(record, f"{file}, row {number}", polarities, directions)
        rows.append({**checked, "file": file, "row": number})
    table = pd.DataFrame(rows, columns=CHECKED_COLUMNS)
    twice = table[table.duplicated(["pi_id", "applies_from"], keep="first")]
    if len(twice):
        first = twice.iloc[0]
        raise ReferenceDataError(
            f"{file}, row {first['row']}: a second target for {first['pi_id']} from "
            f"{first['applies_from']}. Keep one row per PI and start quarter."
        )
    table["_order"] = [pilot_periods.period_index(p) for p in table["applies_from"]]
    table = table.sort_values(["pi_id", "_order"]).drop(columns="_order")
    return table.reset_index(drop=True)


def load_targets(area: register.LocalAuthority, pis: pd.DataFrame, rules: Mapping) -> pd.DataFrame:
    """The board's checked targets (:data:`CHECKED_COLUMNS`; empty without a targets file).

    ``pis`` the model's PIs (``id``, ``polarity``); ``rules`` the score card's rules.
    Raises: ReferenceDataError as :func:`check_targets`.
    """
    path = targets_file(area)
    if path is None:
        return pd.DataFrame(columns=CHECKED_COLUMNS)
    raw = io.read_reference_csv(f"{TARGETS_FOLDER}/{path.name}")
    polarities = dict(zip(pis["id"], pis["polarity"], strict=True))
    name = f"data/reference/{TARGETS_FOLDER}/{path.name}"
    return check_targets(raw, name, polarities, rules["targets"]["directions"])


def target_at(targets: pd.DataFrame, pi_id: str, quarter: str) -> dict | None:
    """The board's target row for ``pi_id`` applying in ``quarter`` (latest start not after it)."""
    own = targets[targets["pi_id"] == pi_id]
    when = pilot_periods.period_index(quarter)
    started = [
        r for r in own.to_dict("records") if pilot_periods.period_index(r["applies_from"]) <= when
    ]
    return started[-1] if started else None


def target_owner(row: Mapping | None, borough: str) -> str:
    """Whose target it is, in words: the board's (from when, agreed by whom) or London's."""
    if row is None:
        return "London default"
    agreed = f", agreed by {row['agreed_by']}" if row["agreed_by"] else ""
    return f"{borough}'s target, from {row['applies_from']}{agreed}"


def apply_targets(
    pis: pd.DataFrame, targets: pd.DataFrame, quarter: str, borough: str
) -> pd.DataFrame:
    """The model's PIs with the board's targets applying in ``quarter`` in place of London's.

    Output: ``pis`` with ``target_value`` replaced where the board's target applies, and three
    columns added: ``london_target`` (the catalogue's), ``target_tolerance`` (NaN: the default amber rule) and ``target_source``
    (:func:`target_owner`'s words).
    """
    out = pis.copy()
    out["london_target"] = out["target_value"].astype(float)
    values, tolerances, sources = [], [], []
    for pi_id, default in zip(out["id"], out["target_value"], strict=True):
        row = target_at(targets, pi_id, quarter) if len(targets) else None
        values.append(default if row is None else row["target"])
        tolerances.append(np.nan if row is None else row["tolerance"])
        has_target = row is not None or not pd.isna(default)
        sources.append(target_owner(row, borough) if has_target else "")
    out["target_value"] = pd.Series(values, index=out.index, dtype=float)
    out["target_tolerance"] = pd.Series(tolerances, index=out.index, dtype=float)
    out["target_source"] = sources
    return out


def targets_by_period(
    targets: pd.DataFrame, pi_id: str, quarters: list[str], default: float
) -> list[float]:
    """The target applying in each quarter (the board's from its start, else ``default``)."""
    out = []
    for quarter in quarters:
        row = target_at(targets, pi_id, quarter) if len(targets) else None
        out.append(float(default) if row is None else float(row["target"]))
    return out
