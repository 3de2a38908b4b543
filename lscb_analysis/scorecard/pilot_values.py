"""The pilot's local values and data-quality issues as the score card reads them.

:func:`load_pilot_tables` reads the pilot's values and issues as ingested into
``data/processed/`` (empty frames when the pilot has not been ingested); :func:`prepare_pilot` gives each value its
state (shown, suppressed, not available) for a disclosure tier; :func:`prepare_issues` keeps the
issues that still stand. Column lists: :data:`PILOT_VALUE_COLUMNS`, :data:`PILOT_ISSUE_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from lscb_analysis.core import ingest_record, paths
from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.pilot import pilot_periods, pilot_read
from lscb_analysis.protect import disclosure, disclosure_config

PILOT_VALUE_COLUMNS = [
    "borough",
    "la_number",
    "pi_id",
    "period",
    "numerator",
    "denominator",
    "value",
    "status",
    "narrative",
    "prefilled",
    "validation_status",
    "submitted",
]

PILOT_ISSUE_COLUMNS = ["la_number", "pi_id", "period", "code", "severity", "superseded"]

USABLE = "ok"


def empty_pilot_values() -> pd.DataFrame:
    """An empty pilot_values table (the columns the score card reads).

    >>> list(empty_pilot_values().columns)[:4]
    ['borough', 'la_number', 'pi_id', 'period']
    """
    return pd.DataFrame(
        {
            name: pd.Series(
                dtype="float64" if name in ("numerator", "denominator", "value") else "object"
            )
            for name in PILOT_VALUE_COLUMNS
        }
    )


def empty_pilot_issues() -> pd.DataFrame:
    """An empty pilot_issues table (the columns the score card reads)."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in PILOT_ISSUE_COLUMNS})


def clean_la(values: pd.Series) -> pd.Series:
    """LA numbers as text ("302"), whether read as text, numbers or "302.0"."""
    text = values.astype("string").fillna("")
    return text.str.replace(r"\.0+$", "", regex=True).str.strip()


def load_pilot_tables(processed_dir: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the pilot's values and issues as ``lscb pilot ingest`` wrote them.

    Input: ``processed_dir`` (None: ``data/processed/``). Output: (values, issues), issues
    as text; read through the ingest's record (:mod:`lscb_analysis.core.ingest_record`) when
    there is one, else from ``pilot_values.parquet`` and ``pilot_issues.csv`` when they
    exist; empty tables (the columns of :func:`empty_pilot_values` /
    :func:`empty_pilot_issues`) when the pilot has not been ingested, so a score card works
    with national PIs alone.
    Raises: StaleDataError when the returns folder changed since it was ingested (run
    ``lscb pilot ingest``); ReferenceDataError when a table lacks a column the score card
    needs.
    """
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    values, issues = empty_pilot_values(), empty_pilot_issues()
    values_file, issues_file = folder / "pilot_values.parquet", folder / "pilot_issues.csv"
    record = ingest_record.read_record("pilot", folder)
    if record is not None:
        # as ingested, refused when the returns folder has changed since
        tables = ingest_record.read_ingested(
            "pilot",
            ("values", "issues"),
            record.get("source") or pilot_read.pilot_folder(),
            record.get("command") or "lscb pilot ingest",
            folder,
            pilot_read.pilot_folder(),
        )
        values = tables["values"]
        issues = tables["issues"].astype(object).where(tables["issues"].notna(), "").astype(str)
    else:
        if values_file.is_file():
            values = pd.read_parquet(values_file)
        if issues_file.is_file():
            issues = pd.read_csv(issues_file, dtype=str, keep_default_na=False)
    for table, needed, file in (
        (values, PILOT_VALUE_COLUMNS, values_file),
        (issues, PILOT_ISSUE_COLUMNS, issues_file),
    ):
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ReferenceDataError(
                f"{file} lacks the column(s) {', '.join(missing)}; rebuild it with "
                "`lscb pilot ingest`."
            )
    return values, issues


def pilot_states(values: pd.DataFrame, pilot_rules: Mapping) -> pd.Series:
    """State of each pilot row: ok, error, suppressed, not_published, not_available, ...

    A figure whose denominator is 0 is ``not_applicable`` (a share of nothing is undefined).
    """
    statuses = pilot_rules["statuses"]
    published = statuses["published"]
    with_figure = set(statuses["with_figure"]) | {published["ok"]}
    status = values["status"].astype("string").fillna("").str.strip()
    state = pd.Series("not_available", index=values.index, dtype=object)
    state[status.isin(with_figure) & values["value"].notna()] = USABLE
    # A percentage or rate of a denominator of 0 (0 of 0) is undefined, whatever figure the
    # return typed: it is never charted, tested or compared (the catalogue's PIs with a
    # denominator are all percentages or rates; counts carry none).
    state[(state == USABLE) & pd.to_numeric(values["denominator"], errors="coerce").eq(0)] = (
        "not_applicable"
    )
    state[status == published["suppressed"]] = "suppressed"
    state[status.isin([published["missing"], published["not_yet"]])] = "not_published"
    state[status.isin(statuses["not_due"])] = "not_yet_due"
    state[values["validation_status"].astype("string").fillna("") == "error"] = "error"
    return state


def prepare_pilot(
    values: pd.DataFrame,
    tier: str = disclosure_config.DEFAULT_TIER,
    pilot_rules: Mapping | None = None,
    disclosure_rules: disclosure_config.DisclosureRules | None = None,
) -> pd.DataFrame:
    """Give each pilot value its state and apply the output tier's disclosure control.

    Inputs: ``values`` (pilot_values); ``tier`` (``board``: small-number suppression of the
    borough's own figures, DfE's published figures untouched; ``analyst``: as returned).
    Output: a copy with ``la_number`` as text, ``state`` (``ok``, ``error``, ``suppressed``,
    ``not_published``, ``not_available``, ``not_applicable`` (a denominator of 0),
    ``not_yet_due``) and ``estimated`` (bool).
    Suppressed figures lose their value, numerator and denominator.
    Raises: ParameterError for an unknown tier.

    >>> values = pd.DataFrame({"borough": ["Barnet"] * 2, "la_number": ["302"] * 2,
    ...     "pi_id": ["BF-SG-02"] * 2, "period": ["2025Q3", "2025Q4"],
    ...     "numerator": [3.0, 40.0], "denominator": [4.0, 50.0], "value": [75.0, 80.0],
    ...     "status": ["provided", "estimated"], "narrative": ["", ""],
    ...     "prefilled": [False, False], "validation_status": ["ok", "ok"],
    ...     "submitted": [None, None]})
    >>> prepare_pilot(values)[["state", "value", "estimated"]].values.tolist()
    [['suppressed', nan, False], ['ok', 80.0, True]]
    >>> prepare_pilot(values, "analyst")["state"].tolist()
    ['ok', 'ok']
    """
    tier = disclosure_config.validate_tier(tier)
    pilot_rules = pilot_rules or pilot_periods.load_rules()
    out = values.copy()
    for name in PILOT_VALUE_COLUMNS:
        if name not in out.columns:
            out[name] = np.nan if name in ("numerator", "denominator", "value") else ""
    out["la_number"] = clean_la(out["la_number"])
    out["period"] = out["period"].astype("string").fillna("").astype(str)
    out["narrative"] = out["narrative"].astype("string").fillna("").astype(str)
    out["prefilled"] = out["prefilled"].fillna(False).astype(bool)
    for name in ("numerator", "denominator", "value"):
        out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
    out["state"] = pilot_states(out, pilot_rules)
    out["estimated"] = out["status"].astype("string").fillna("").str.strip().eq("estimated")
    if tier == "board" and len(out):
        rules = disclosure_rules or disclosure_config.load_disclosure_rules()
        own = out.index[(~out["prefilled"]) & (out["state"] == USABLE)]
        if len(own):
            counts = out.loc[own, ["numerator", "denominator", "value"]]
            mask = disclosure.suppress(
                counts,
                count_columns=["numerator", "denominator"],
                rates={"value": ["numerator", "denominator"]},
                rules=rules,
            ).mask
            hidden = mask.any(axis=1)
            rows = hidden.index[hidden]
            out.loc[rows, "state"] = "suppressed"
            out.loc[rows, ["numerator", "denominator", "value"]] = np.nan
    return out


def prepare_issues(issues: pd.DataFrame | None) -> pd.DataFrame:
    """The pilot issues that still stand (superseded ones dropped), keyed as text.

    Input and output columns: :data:`PILOT_ISSUE_COLUMNS`; ``None`` or empty gives the empty frame.
    """
    if issues is None or issues.empty:
        return empty_pilot_issues()
    out = issues.copy()
    out["la_number"] = clean_la(out["la_number"])
    superseded = out["superseded"].astype(str).str.strip().str.lower()
    out = out[~superseded.isin(["true", "1", "yes"])]
    return out.assign(
        period=out["period"].astype(str),
        pi_id=out["pi_id"].astype(str),
        severity=out["severity"].astype(str),
    )
