"""Published safeguarding statistics as one tidy table: ``public_indicators``.

:func:`build_public_indicators` reads the DfE and ONS files in ``data/external/`` and computes
every indicator in ``data/reference/indicators.csv`` for every local authority, region
(London, Inner and Outer London, the other regions) and England, every year published, exactly
as DfE computes its published figures:

* where the file publishes the figure itself (a percentage or a rate), that is the value, with
  its numerator and denominator kept beside it;
* otherwise the value is numerator / denominator x multiplier, unrounded; rates per 10,000
  divide by the ONS mid-year estimate of children aged 0-17 for the year before the reporting
  year.

A suppressed or missing figure keeps its published reason in ``status`` and is never turned
into zero or dropped.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from lscb_analysis.core import indicators, io
from lscb_analysis.core.errors import DataLayoutError

logger = logging.getLogger(__name__)

OUTPUT_COLUMNS = [
    "indicator",
    "period",
    "la_number",
    "area_code",
    "area_name",
    "area_type",
    "numerator",
    "denominator",
    "value",
    "unit",
    "status",
]
AREA_COLUMNS = [
    "time_period",
    "geographic_level",
    "country_code",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
]
KEY = ["period", "area_type", "area_code", "la_number"]
POPULATION_FILE = "ons_mid-year_population_estimates_2012_to_2024.csv"
POPULATION_DENOMINATOR = "population"
AREA_TYPE_ORDER = {"england": 0, "region": 1, "sub_region": 2, "la": 3}
GEOGRAPHIC_LEVELS = {"National": "england", "Regional": "region", "Local authority": "la"}
SUB_REGION_PREFIX = "E13"  # ONS codes of Inner London (E13000001) and Outer London (E13000002)
OK = "ok"
BLANK_STATUS = "not_available"


def load_symbols() -> dict[str, str]:
    """Return the published suppression symbols and the status each stands for.

    Read from ``data/reference/symbols.csv`` (``c`` -> ``suppressed``, ``x`` ->
    ``not_available``, ...), so a new symbol is added there, not in code.
    """
    table = io.read_reference_csv("symbols.csv", ["symbol", "status"])
    return dict(zip(table["symbol"].str.strip(), table["status"].str.strip(), strict=True))


def parse_values(
    cells: pd.Series, file_name: str, column: str, lines: pd.Series, symbols: dict[str, str]
) -> pd.DataFrame:
    """Turn published cells into numbers and statuses.

    Args:
        cells: the column as text.
        file_name, column: where the cells come from (for the error message).
        lines: the line number of each cell in the file.
        symbols: published symbol -> status (see :func:`load_symbols`).

    Returns:
        A frame aligned with ``cells`` with ``number`` (float, NaN where not a number) and
        ``status`` (``ok``, the symbol's status, or ``not_available`` for a blank cell).

    Raises:
        DataLayoutError: a cell is neither a number nor a known symbol; the message names the
        file, column, line and value.

    >>> out = parse_values(pd.Series(["12", "c", None, "1,234"]), "f.csv", "n",
    ...                    pd.Series([2, 3, 4, 5]), {"c": "suppressed"})
    >>> out["number"].tolist()[::3], out["status"].tolist()
    ([12.0, 1234.0], ['ok', 'suppressed', 'not_available', 'ok'])
    """
    text = cells.astype("string").str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    status = pd.Series(OK, index=cells.index, dtype=object)
    blank = text.isna() | (text == "")
    status[blank] = BLANK_STATUS
    symbolic = numbers.isna() & ~blank
    mapped = text[symbolic].map(symbols)
    unknown = mapped[mapped.isna()]
    if len(unknown):
        position = unknown.index[0]
        raise DataLayoutError(
            f"{file_name}, column {column!r}, line {int(lines.loc[position])}: value "
            f"{text.loc[position]!r} is neither a number nor a known symbol "
            f"({', '.join(symbols)}). If the publisher has introduced a new symbol, add it to "
            "data/reference/symbols.csv with the status it stands for."
        )
    status[symbolic] = mapped
    return pd.DataFrame({"number": numbers.astype(float), "status": status}, index=cells.index)


def published_areas(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Add the area columns (``period, area_type, area_code, la_number, area_name``).

    Rows that publish several LAs together (the workforce file's "314 / 318" row for
    Kingston upon Thames and Richmond upon Thames) become one row per LA with the same figures.

    Raises:
        DataLayoutError: an unknown geographic level or a year that is not a number.
    """
    levels = frame["geographic_level"].map(GEOGRAPHIC_LEVELS)
    if levels.isna().any():
        position = levels[levels.isna()].index[0]
        raise DataLayoutError(
            f"{file_name}, column 'geographic_level', line {frame.at[position, 'source_line']}: "
            f"unknown level {frame.at[position, 'geographic_level']!r}; expected one of "
            f"{', '.join(GEOGRAPHIC_LEVELS)}."
        )
    periods = pd.to_numeric(frame["time_period"], errors="coerce")
    if periods.isna().any():
        position = periods[periods.isna()].index[0]
        raise DataLayoutError(
            f"{file_name}, column 'time_period', line {frame.at[position, 'source_line']}: "
            f"{frame.at[position, 'time_period']!r} is not a year."
        )
    out = frame.assign(period=periods.astype(int), area_type=levels)
    is_la = out["area_type"] == "la"
    is_region = out["area_type"] == "region"
    sub_region = is_region & out["region_code"].fillna("").str.startswith(SUB_REGION_PREFIX)
    out.loc[sub_region, "area_type"] = "sub_region"
    out["area_code"] = np.where(
        is_la, out["new_la_code"], np.where(is_region, out["region_code"], out["country_code"])
    )
    out["area_name"] = np.where(
        is_la, out["la_name"], np.where(is_region, out["region_name"], out["country_name"])
    )
    out["la_number"] = out["old_la_code"].where(is_la)
    combined = is_la & out["la_number"].fillna("").str.contains("/")
    if combined.any():
        out = _split_combined_rows(out, combined)
    return out


def _split_combined_rows(frame: pd.DataFrame, combined: pd.Series) -> pd.DataFrame:
    parts = []
    for _, row in frame[combined].iterrows():
        numbers = [p.strip() for p in str(row["la_number"]).split("/")]
        codes = [p.strip() for p in str(row["area_code"]).split("/")]
        names = [p.strip() for p in str(row["area_name"]).split("/")]
        if not len(numbers) == len(codes) == len(names):
            codes = codes if len(codes) == len(numbers) else [""] * len(numbers)
            names = names if len(names) == len(numbers) else [row["area_name"]] * len(numbers)
        for number, code, name in zip(numbers, codes, names, strict=True):
            parts.append(
                row.copy().set_axis(row.index).to_dict()
                | {
                    "la_number": number,
                    "area_code": code,
                    "area_name": name,
                }
            )
    split = pd.DataFrame(parts, columns=frame.columns)
    return pd.concat([frame[~combined], split], ignore_index=True)


def parse_filter(text: str) -> list[tuple[str, str]]:
    """Parse ``"col=value & col2=value2"`` into ``[(col, value), ...]``.

    >>> parse_filter("cla_group=CLA on 31 March & placement_stability=Total children")
    [('cla_group', 'CLA on 31 March'), ('placement_stability', 'Total children')]
    >>> parse_filter("")
    []
    """
    conditions = []
    for part in str(text).split(" & "):
        if part.strip():
            column, _, value = part.partition("=")
            conditions.append((column.strip(), value.strip()))
    return conditions


def _filter_rows(frame: pd.DataFrame, text: str, file_name: str, indicator_id: str):
    selected = frame
    for column, value in parse_filter(text):
        if column not in frame.columns:
            raise DataLayoutError(
                f"{file_name}: indicator {indicator_id!r} filters on column {column!r}, which "
                "the file does not have. Update data/reference/indicators.csv."
            )
        selected = selected[selected[column].astype("string").str.strip() == value]
        if selected.empty:
            raise DataLayoutError(
                f"{file_name}, column {column!r}: no row has the value {value!r} needed by "
                f"indicator {indicator_id!r}. The publisher may have renamed the category: "
                "update data/reference/indicators.csv."
            )
    return selected


def _column_parts(spec: str) -> list[str]:
    return [part.strip() for part in spec.split("+") if part.strip()]


def _measure(rows: pd.DataFrame, spec: str, file_name: str, symbols: dict[str, str]):
    """Return KEY + ``number, status`` for a column spec such as ``A`` or ``A+B``."""
    total = None
    for column in _column_parts(spec):
        parsed = parse_values(rows[column], file_name, column, rows["source_line"], symbols)
        if total is None:
            total = parsed
        else:
            worse = (total["status"] == OK) & (parsed["status"] != OK)
            total = pd.DataFrame(
                {
                    "number": total["number"] + parsed["number"],
                    "status": total["status"].where(~worse, parsed["status"]),
                }
            )
    return pd.concat([rows[KEY], total], axis=1)


def _unique(frame: pd.DataFrame, file_name: str, indicator_id: str) -> pd.DataFrame:
    repeated = frame.duplicated(KEY, keep=False)
    if repeated.any():
        first = frame[repeated].iloc[0]
        raise DataLayoutError(
            f"{file_name}: indicator {indicator_id!r} finds more than one row for "
            f"{first['area_code']} in {first['period']}. The filters in "
            "data/reference/indicators.csv must pick exactly one row per area and year."
        )
    return frame


def load_population() -> pd.DataFrame:
    """Return ONS mid-year estimates of children aged 0-17 by area and year.

    Returns:
        Columns ``period`` (the reporting year they serve: mid-2024 serves 2025),
        ``area_type, area_code, la_number, population, population_status``.
    """
    symbols = load_symbols()
    raw = io.read_published_csv(POPULATION_FILE, [*AREA_COLUMNS, "population_estimate"])
    areas = published_areas(raw, POPULATION_FILE)
    parsed = parse_values(
        areas["population_estimate"],
        POPULATION_FILE,
        "population_estimate",
        areas["source_line"],
        symbols,
    )
    out = areas[KEY].assign(
        period=areas["period"] + 1,
        population=parsed["number"],
        population_status=parsed["status"],
    )
    return _unique(out, POPULATION_FILE, "population")


def _join_population(frame: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Attach each row's population: LAs by DfE number (stable when ONS codes change)."""
    la = frame["area_type"] == "la"
    la_pop = population[population["area_type"] == "la"][
        ["period", "la_number", "population", "population_status"]
    ]
    other_pop = population[population["area_type"] != "la"][
        ["period", "area_code", "population", "population_status"]
    ]
    joined_la = frame[la].merge(la_pop, on=["period", "la_number"], how="left")
    joined_other = frame[~la].merge(other_pop, on=["period", "area_code"], how="left")
    joined = pd.concat([joined_la, joined_other], ignore_index=True)
    joined["population_status"] = joined["population_status"].fillna(BLANK_STATUS)
    return joined


def compute_indicator(
    meta: pd.Series, source: pd.DataFrame, population: pd.DataFrame, symbols: dict[str, str]
) -> pd.DataFrame:
    """Compute one indicator from its published file (already read, with area columns).

    Args:
        meta: the indicator's row of ``indicators.csv``.
        source: the published file after :func:`published_areas`.
        population: :func:`load_population`.
        symbols: :func:`load_symbols`.

    Returns:
        One row per area and year in the file, with ``OUTPUT_COLUMNS``.

    Raises:
        DataLayoutError: a filter matches nothing, a column is missing, a cell is unreadable,
        or an area has two rows for one year.
    """
    file_name, indicator_id = meta["source_file"], meta["id"]
    base = _filter_rows(source, meta["row_filter"], file_name, indicator_id)
    has_value = bool(meta["value_column"])
    primary_rows = meta["value_rows"] if has_value else meta["numerator_rows"]
    primary_spec = meta["value_column"] if has_value else meta["numerator_column"]
    primary_source = _filter_rows(base, primary_rows, file_name, indicator_id)
    table = _unique(primary_source[[*KEY, "area_name"]].copy(), file_name, indicator_id)
    primary = _measure(primary_source, primary_spec, file_name, symbols)
    table["primary"], table["primary_status"] = primary["number"], primary["status"]

    for part in ("numerator", "denominator"):
        spec = meta[f"{part}_column"]
        if not spec:
            table[part], table[f"{part}_status"] = np.nan, BLANK_STATUS
            continue
        if spec == POPULATION_DENOMINATOR:
            table = _join_population(table, population)
            table = table.rename(
                columns={"population": part, "population_status": f"{part}_status"}
            )
            continue
        rows = _filter_rows(base, meta[f"{part}_rows"], file_name, indicator_id)
        measured = _unique(_measure(rows, spec, file_name, symbols), file_name, indicator_id)
        measured = measured.rename(columns={"number": part, "status": f"{part}_status"})
        table = table.merge(measured, on=KEY, how="left")
        table[f"{part}_status"] = table[f"{part}_status"].fillna(BLANK_STATUS)

    if has_value:
        table["value"], table["status"] = table["primary"], table["primary_status"]
    else:
        table["numerator"] = table["primary"]
        table["numerator_status"] = table["primary_status"]
        with np.errstate(divide="ignore", invalid="ignore"):
            computed = table["numerator"] / table["denominator"] * float(meta["multiplier"])
        status = table["numerator_status"].where(
            table["numerator_status"] != OK, table["denominator_status"]
        )
        status = status.mask((status == OK) & (table["denominator"] == 0), "not_applicable")
        table["value"] = computed.where(status == OK)
        table["status"] = status
    table["indicator"], table["unit"] = indicator_id, meta["unit"]
    return table[OUTPUT_COLUMNS]


def source_columns(meta: pd.Series) -> list[str]:
    """Return every column of the published file an indicator reads."""
    columns = list(AREA_COLUMNS)
    for field in ("row_filter", "value_rows", "numerator_rows", "denominator_rows"):
        columns += [column for column, _ in parse_filter(meta[field])]
    for field in ("value_column", "numerator_column", "denominator_column"):
        if meta[field] and meta[field] != POPULATION_DENOMINATOR:
            columns += _column_parts(meta[field])
    return list(dict.fromkeys(columns))


def read_source(file_name: str, required_columns: list[str]) -> pd.DataFrame:
    """Read a published file and add its area columns (see :func:`published_areas`)."""
    return published_areas(io.read_published_csv(file_name, required_columns), file_name)


def build_public_indicators() -> pd.DataFrame:
    """Compute every indicator in the metadata table from the published files.

    Returns:
        One row per indicator, period and area with ``OUTPUT_COLUMNS``: ``period`` an int
        (2025 for 2024-25), ``la_number`` the DfE number (missing for non-LA rows),
        ``area_type`` one of ``la, region, sub_region, england``, ``value`` unrounded, and
        ``status`` ``ok`` or the published reason the value is missing.

    Raises:
        MissingDataFileError: a published file is missing from ``data/external/``.
        DataLayoutError: a published file has an unexpected layout (names file and column).
    """
    metadata = indicators.load_metadata()
    symbols = load_symbols()
    population = load_population()
    sources: dict[str, pd.DataFrame] = {}
    frames = []
    for _, meta in metadata.iterrows():
        needed = source_columns(meta)
        file_name = meta["source_file"]
        if file_name not in sources or not set(needed) <= set(sources[file_name].columns):
            sources[file_name] = read_source(file_name, needed)
        frame = compute_indicator(meta, sources[file_name], population, symbols)
        logger.info("%s: %d rows from %s", meta["id"], len(frame), file_name)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["la_number"] = table["la_number"].astype("string")
    table["period"] = table["period"].astype(int)
    for column in ("numerator", "denominator", "value"):
        table[column] = table[column].astype(float)
    order = table["area_type"].map(AREA_TYPE_ORDER)
    table = (
        table.assign(_order=order)
        .sort_values(["indicator", "period", "_order", "area_code"])
        .drop(columns="_order")
    )
    return table.reset_index(drop=True)


def load_public_indicators() -> pd.DataFrame:
    """Read ``data/processed/public_indicators.parquet`` (built by ``lscb data build``).

    Raises:
        MissingDataFileError: it has not been built yet; the message gives the command.
    """
    return io.read_processed_table("public_indicators", "lscb data build")


def latest_period(table: pd.DataFrame, la_number: str | None = None) -> int:
    """Return the latest year with any usable value (for one LA when ``la_number`` is given)."""
    usable = table[table["status"] == OK]
    if la_number is not None:
        usable = usable[usable["la_number"] == la_number]
    return int(usable["period"].max())


def period_label(period: int) -> str:
    """Return the financial-year label DfE uses for a reporting year.

    >>> period_label(2025)
    '2024-25'
    """
    return f"{int(period) - 1}-{int(period) % 100:02d}"


FACTORS_FILE = "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv"
FACTORS_DENOMINATOR = "Episodes_with_assessment_factor"


def assessment_factors(factors: list[str]) -> pd.DataFrame:
    """Factors identified at the end of assessment (DfE children in need, table C3).

    Args:
        factors: the file's factor columns to read, e.g. ``["Neglect", "Going_missing"]``.

    Returns:
        Long frame, one row per factor, area and year: ``factor, period, la_number,
        area_code, area_name, area_type, count, episodes`` (episodes with any factor
        recorded, the denominator), ``pct`` (count / episodes x 100, unrounded) and
        ``status`` (``ok`` or the published reason; heavily suppressed at LA level).

    Raises:
        MissingDataFileError: the file is missing from data/external/.
        DataLayoutError: a factor column is not in the file, or a cell is unreadable.
    """
    symbols = load_symbols()
    source = read_source(FACTORS_FILE, [*AREA_COLUMNS, FACTORS_DENOMINATOR, *factors])
    episodes = parse_values(
        source[FACTORS_DENOMINATOR],
        FACTORS_FILE,
        FACTORS_DENOMINATOR,
        source["source_line"],
        symbols,
    )
    parts = []
    for factor in factors:
        counts = parse_values(source[factor], FACTORS_FILE, factor, source["source_line"], symbols)
        status = counts["status"].where(counts["status"] != OK, episodes["status"])
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = counts["number"] / episodes["number"] * 100
        parts.append(
            source[["period", "la_number", "area_code", "area_name", "area_type"]].assign(
                factor=factor,
                count=counts["number"],
                episodes=episodes["number"],
                pct=pct.where(status == OK),
                status=status,
            )
        )
    table = pd.concat(parts, ignore_index=True)
    return table[
        [
            "factor",
            "period",
            "la_number",
            "area_code",
            "area_name",
            "area_type",
            "count",
            "episodes",
            "pct",
            "status",
        ]
    ]
