"""Gap analysis: every board's data collection against the best-fit model.

For every London borough and every current PI of a catalogue version, a status with its
evidence (``data/reference/gap_rules.yaml`` describes each):

* ``national`` / ``national_suppressed``: the PI is a published indicator and
  ``public_indicators`` has the borough's figure for the latest year (or a suppression);
* ``collected`` / ``partial``: the board's survey return lists an item matching the PI, with
  the agency, frequency and age range the PI needs (partial says which falls short);
* ``wanted``: on the board's "would like" list, with the barrier;
* ``not_collected``; ``no_return`` (the board sent no return with data).

Survey items are matched to PIs by the Phase I code the board chose, else by a suggestion from
the item's wording. Suggestions are never taken as final silently: they are written to
``data/reference/item_pi_matches.csv`` for the consultant to confirm or correct, confirmed
matches are reused on the next run, and the matrix says which matches are unconfirmed
(the matching is in :mod:`lscb_analysis.model.item_matching`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from lscb_analysis.core import io, register
from lscb_analysis.model.catalogue import Catalogue

RULES_FILE = "gap_rules.yaml"
MATRIX_COLUMNS = [
    "borough",
    "la_number",
    "goal",
    "cluster",
    "pi_id",
    "pi_title",
    "rating",
    "status",
    "evidence",
    "match_confirmed",
    "source_rows",
    "model_version",
]
AGE_PATTERN = re.compile(r"(\d{1,2})\s*(?:-|to|–)\s*(\d{1,2})")


def load_rules() -> dict:
    """Return ``data/reference/gap_rules.yaml``."""
    return io.read_reference_yaml(RULES_FILE)


def _age_range(text) -> tuple[int, int] | None:
    found = AGE_PATTERN.search(str(text or ""))
    return (int(found.group(1)), int(found.group(2))) if found else None


def _shortfalls(item, pi, rules: dict) -> list[str]:
    """Ways a collected item falls short of what the PI needs (empty: a full match)."""
    per_year = rules["frequency_per_year"]
    problems = []
    needed, given = per_year.get(pi.frequency), per_year.get(item.frequency)
    if needed is not None and given is not None and given < needed:
        problems.append(f"reported {item.frequency}, the PI needs {pi.frequency}")
    agency = str(pi.source_agency or "")
    if (
        agency
        and item.agency
        and item.agency != agency
        and not (item.agency == "health" and agency.startswith("health"))
    ):
        problems.append(f"supplied by {item.agency}, the PI's source is {agency}")
    own, wanted = _age_range(item.age_range), _age_range(pi.age_range)
    if own and wanted and (own[0] > wanted[0] or own[1] < wanted[1]):
        problems.append(f"covers ages {own[0]}-{own[1]}, the PI covers {wanted[0]}-{wanted[1]}")
    if item.score < float(rules["full_match_from"]):
        problems.append(f"only partly matches the definition (wording score {item.score:.2f})")
    return problems


def _provenance(rows: pd.DataFrame) -> str:
    return "; ".join(f"{r.file}:{r.sheet}:{r.row}" for r in rows.itertuples(index=False))


def _national_status(pi, area, latest: pd.DataFrame) -> tuple[str, str]:
    rows = latest[
        (latest["indicator"] == pi.source_indicator) & (latest["la_number"] == area.la_number)
    ]
    if rows.empty:
        return "national_suppressed", f"{pi.source_indicator}: no row for the borough"
    row = rows.iloc[0]
    if row["status"] == "ok":
        return "national", f"{pi.source_indicator} {int(row['period'])}: published"
    return "national_suppressed", (
        f"{pi.source_indicator} {int(row['period'])}: {row['status'].replace('_', ' ')}"
    )


def gap_matrix(
    matched: pd.DataFrame,
    catalogue: Catalogue,
    public: pd.DataFrame,
    boroughs_with_data: set[str],
    rules: dict,
) -> pd.DataFrame:
    """The status of every current PI for every London borough, with its evidence.

    Args:
        matched: survey items (returns in use) after
            :func:`~lscb_analysis.model.item_matching.apply_confirmed` (``borough,
            section, item, agency, frequency, age_range, barrier, pi_id, score,
            match_confirmed, file, sheet, row``).
        catalogue: the catalogue version used.
        public: ``public_indicators``.
        boroughs_with_data: boroughs whose return holds data (the response register's
            ``returned_with_data``); the others are ``no_return`` for local PIs.
        rules: :func:`load_rules`.

    Returns:
        ``MATRIX_COLUMNS``: one row per borough and PI.
    """
    latest_year = public[public["status"] == "ok"].groupby("indicator")["period"].max()
    latest = public[public["period"] == public["indicator"].map(latest_year)]
    rows = []
    for area in register.london_boroughs():
        mine = matched[matched["borough"] == area.name]
        for pi in catalogue.current.itertuples(index=False):
            base = {
                "borough": area.name,
                "la_number": area.la_number,
                "goal": pi.goal,
                "cluster": pi.cluster,
                "pi_id": pi.id,
                "pi_title": pi.title,
                "rating": pi.rating,
                "model_version": catalogue.version,
                "match_confirmed": True,
                "source_rows": "",
            }
            if pi.source_type == "national":
                status, evidence = _national_status(pi, area, latest)
                rows.append(base | {"status": status, "evidence": evidence})
                continue
            if area.name not in boroughs_with_data:
                rows.append(
                    base
                    | {"status": "no_return", "evidence": "no return with data from this board"}
                )
                continue
            collected = mine[(mine["section"] == "collects") & (mine["pi_id"] == pi.id)]
            wanted = mine[(mine["section"] == "would_like") & (mine["pi_id"] == pi.id)]
            if len(collected):
                best = min(
                    (
                        (_shortfalls(item, pi, rules), item)
                        for item in collected.itertuples(index=False)
                    ),
                    key=lambda pair: len(pair[0]),
                )
                problems, item = best
                status = "partial" if problems else "collected"
                evidence = (
                    f"'{item.item}' ({item.agency or 'agency not stated'}, "
                    f"{item.frequency or 'frequency not stated'})"
                )
                if problems:
                    evidence += ": " + "; ".join(problems)
                rows.append(
                    base
                    | {
                        "status": status,
                        "evidence": evidence,
                        "match_confirmed": bool(collected["match_confirmed"].all()),
                        "source_rows": _provenance(collected),
                    }
                )
            elif len(wanted):
                barriers = ", ".join(sorted({b for b in wanted["barrier"] if b})) or "not stated"
                rows.append(
                    base
                    | {
                        "status": "wanted",
                        "evidence": f"would like it; barrier: {barriers}",
                        "match_confirmed": bool(wanted["match_confirmed"].all()),
                        "source_rows": _provenance(wanted),
                    }
                )
            else:
                rows.append(
                    base | {"status": "not_collected", "evidence": "no matching item in the return"}
                )
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


def coverage_scores(matrix: pd.DataFrame, rules: dict, by: str = "borough") -> pd.DataFrame:
    """Share of PIs available (national or collected), weighted by rating.

    Args:
        matrix: :func:`gap_matrix`.
        rules: :func:`load_rules` (``rating_weights``).
        by: ``borough`` or ``goal`` or a list of columns, e.g. ``["borough", "goal"]``.

    Returns:
        One row per group: ``pis``, ``available`` (count), ``coverage`` (weighted share,
        0-1) and ``critical_available`` (available critical PIs of all critical PIs).
    """
    weights = matrix["rating"].map(rules["rating_weights"]).fillna(1)
    available = matrix["status"].isin(["national", "collected"])
    frame = matrix.assign(
        _weight=weights,
        _available=available,
        _weighted=weights * available,
        _critical=matrix["rating"] == "critical",
    )
    grouped = frame.groupby(by)
    out = pd.DataFrame(
        {
            "pis": grouped.size(),
            "available": grouped["_available"].sum(),
            "coverage": grouped["_weighted"].sum() / grouped["_weight"].sum(),
            "critical_available": frame[frame["_critical"]].groupby(by)["_available"].mean(),
        }
    )
    return out.reset_index()


def pi_rankings(matrix: pd.DataFrame) -> pd.DataFrame:
    """PIs ranked by how widely they are already available, and how often boards want them.

    Returns:
        One row per PI: ``pi_id, pi_title, rating, available`` (boroughs national or
        collected), ``partial``, ``wanted``, ``not_collected``, ``no_return``,
        ``availability_rank`` (1 = most widely available: cheapest to adopt) and
        ``wanted_rank`` (1 = most wanted but not got).
    """
    counts = pd.crosstab(
        [matrix["pi_id"], matrix["pi_title"], matrix["rating"]], matrix["status"]
    ).reset_index()
    for status in (
        "national",
        "national_suppressed",
        "collected",
        "partial",
        "wanted",
        "not_collected",
        "no_return",
    ):
        if status not in counts:
            counts[status] = 0
    counts["available"] = counts["national"] + counts["collected"]
    counts["availability_rank"] = counts["available"].rank(ascending=False, method="min")
    counts["wanted_rank"] = counts["wanted"].rank(ascending=False, method="min")
    columns = [
        "pi_id",
        "pi_title",
        "rating",
        "available",
        "partial",
        "wanted",
        "not_collected",
        "no_return",
        "availability_rank",
        "wanted_rank",
    ]
    return (
        counts[columns]
        .astype({"availability_rank": int, "wanted_rank": int})
        .sort_values(["availability_rank", "pi_id"], ignore_index=True)
    )


def next_steps(matrix: pd.DataFrame, catalogue: Catalogue, borough: str) -> pd.DataFrame:
    """One borough's gaps with what to do next: who holds the data and how often it is needed.

    Returns:
        One row per PI not available to the borough (``partial``, ``wanted``,
        ``not_collected``, ``no_return``, ``national_suppressed``): ``pi_id, pi_title,
        rating, status, evidence, holder, frequency_needed, next_step``.
    """
    pis = catalogue.current.set_index("id")
    gaps = matrix[
        (matrix["borough"] == borough) & ~matrix["status"].isin(["national", "collected"])
    ].copy()
    holders, frequencies, steps = [], [], []
    for row in gaps.itertuples(index=False):
        pi = pis.loc[row.pi_id]
        holder = (
            f"DfE ({pi.source_indicator})"
            if pi.source_type == "national"
            else str(pi.source_agency)
        )
        holders.append(holder)
        frequencies.append(pi.frequency)
        steps.append(
            {
                "partial": f"Agree with {holder} to report it as the PI defines it, {pi.frequency}.",
                "wanted": f"Take the barrier to {holder}: the PI needs it {pi.frequency}.",
                "not_collected": f"Ask {holder} for it, {pi.frequency}, using the definition in the "
                "catalogue.",
                "no_return": "Ask the board for its return before judging this gap.",
                "national_suppressed": "Use the borough's own unsuppressed figure, reported "
                "locally with small numbers suppressed.",
            }.get(row.status, "")
        )
    gaps["holder"], gaps["frequency_needed"], gaps["next_step"] = holders, frequencies, steps
    order = {"critical": 0, "priority outcome": 1, "universal outcome": 2}
    gaps = gaps.sort_values(
        ["rating", "pi_id"], key=lambda s: s.map(order) if s.name == "rating" else s
    )
    return gaps[
        [
            "pi_id",
            "pi_title",
            "rating",
            "status",
            "evidence",
            "holder",
            "frequency_needed",
            "next_step",
        ]
    ].reset_index(drop=True)


def status_grid(matrix: pd.DataFrame) -> pd.DataFrame:
    """Boroughs x PIs table of statuses (PIs in catalogue order), for the gap heatmap."""
    order = list(dict.fromkeys(matrix["pi_id"]))
    grid = matrix.pivot(index="borough", columns="pi_id", values="status")
    return grid[order]


def write_gaps_workbook(
    steps: pd.DataFrame, borough_matrix: pd.DataFrame, path, notes: list[tuple[str, str]]
) -> Path:
    """Write one borough's gap list for its performance lead.

    Sheets: ``Gaps and next steps`` (:func:`next_steps`), ``All PIs`` (the borough's rows
    of the matrix), ``Notes`` (what the statuses mean, model version, sources). Headers,
    values, codes and missing words as :mod:`lscb_analysis.present.presenter_workbook` writes them;
    headers bold and frozen, filters, widths; text can never run as a formula. Printed as
    :mod:`lscb_analysis.present.workbook_print` lays out: title rows (gap list, borough, model version,
    tier; SYNTHETIC DATA for the demo), A4 landscape, print titles, header and footer; a table
    too wide for one legible page keeps PI id and the first columns, the rest going to a
    ``Detail`` sheet keyed by PI id.

    Returns:
        The path written (never under ``data/raw/``).
    """
    from lscb_analysis.present import presenter_workbook, workbook_print
    from lscb_analysis.protect import safe_files

    sheets = {
        "Gaps and next steps": presenter_workbook.workbook_frame(steps),
        "All PIs": presenter_workbook.workbook_frame(borough_matrix.drop(columns=["la_number"])),
        "Notes": pd.DataFrame(notes, columns=["Item", "Note"]),
    }
    # Print: each table one A4 landscape page wide, the rest on a detail sheet keyed by PI
    # (the shown header of the pi_id column, whatever words it is given).
    sources = {"Gaps and next steps": steps, "All PIs": borough_matrix.drop(columns=["la_number"])}
    sheets = workbook_print.split_for_print(
        sheets,
        {
            name: [sheets[name].columns[list(source.columns).index("pi_id")]]
            for name, source in sources.items()
        },
    )
    target = safe_files.write_safe_xlsx(sheets, path)
    return workbook_print.finish_workbook(
        target, _print_title(borough_matrix), per_sheet=presenter_workbook.apply_number_formats
    )


def _print_title(borough_matrix: pd.DataFrame):
    """The gap list's title rows, header and footer: borough, model version, tier."""
    from lscb_analysis.present import workbook_print

    settings = workbook_print.load_settings()
    boroughs = sorted(set(borough_matrix["borough"].astype(str))) if len(borough_matrix) else []
    versions = (
        sorted(set(borough_matrix["model_version"].astype(str)))
        if "model_version" in borough_matrix and len(borough_matrix)
        else []
    )
    return workbook_print.PrintTitle(
        "Gap list",
        ", ".join(boroughs),
        f"best-fit model {', '.join(versions)}".strip(),
        str(settings["tiers"]["gaps"]),
        workbook_print.data_are_synthetic(),
    )


def gap_notes(rules: dict, catalogue: Catalogue) -> list[tuple[str, str]]:
    """The notes sheet and method note: statuses, model version, weights and sources."""
    notes = [
        (
            "Best-fit model",
            f"Version {catalogue.version} ({catalogue.date}): {catalogue.consultation}",
        )
    ]
    from lscb_analysis.present import data_dictionary

    words = data_dictionary.code_labels("statuses")
    notes += [(words.get(status, status), meaning) for status, meaning in rules["statuses"].items()]
    weights = ", ".join(f"{k} {v}" for k, v in rules["rating_weights"].items())
    notes += [
        ("Coverage score", f"Share of PIs national or collected, weighted by rating ({weights})."),
        (
            "Matching",
            "Survey items are matched to PIs by the Phase I code the board chose, "
            "else by the PI's keywords in the item's wording; unconfirmed "
            "matches are listed in data/reference/item_pi_matches.csv for the "
            "consultant to confirm.",
        ),
        (
            "Sources",
            "Survey returns (data/raw/survey), DfE published statistics "
            "(data/processed/public_indicators), best-fit model "
            "(data/reference/best_fit_model).",
        ),
    ]
    return notes


def load_gap_matrix(version: str) -> pd.DataFrame:
    """Read ``data/processed/gap_matrix.parquet`` and check it was built for ``version``.

    Raises:
        MissingDataFileError: not built yet (run ``lscb model gaps``).
        ParameterError: built for another model version; the message gives the command.
    """
    from lscb_analysis.core.errors import ParameterError

    matrix = io.read_processed_table("gap_matrix", "lscb model gaps")
    built = set(matrix["model_version"].astype(str))
    if built != {str(version)}:
        raise ParameterError(
            f"Parameter 'model_version': the gap matrix was built for version "
            f"{', '.join(sorted(built))}, not {version}. Run `lscb model gaps --version "
            f"{version}` first."
        )
    return matrix


def coverage_finding(scores: pd.DataFrame) -> str:
    """Title for the gap heatmap: the London picture in one line."""
    median = scores["coverage"].median()
    best = scores.sort_values("coverage", ascending=False).iloc[0]
    return (
        f"Boards already have {median:.0%} of the weighted model (median); "
        f"{best['borough']} has most, {best['coverage']:.0%}"
    )


def index_headlines(scores: pd.DataFrame, catalogue: Catalogue) -> dict:
    """The gap analysis's headline values for the report index.

    Inputs: :func:`coverage_scores` by borough (``coverage``) and the catalogue used. Output:
    ``{label: value}``: the median board's weighted coverage (as in the heatmap's title), the
    number of boroughs and of current PIs. Raises nothing.

    >>> scores = pd.DataFrame({"borough": ["A", "B", "C"], "coverage": [0.2, 0.5, 0.6]})
    >>> index_headlines(scores, type("Model", (), {"current": [1, 2]})())
    {'London coverage (weighted, median board)': '50%', 'Boroughs': 3, 'Current PIs': 2}
    """
    return {
        "London coverage (weighted, median board)": f"{scores['coverage'].median():.0%}",
        "Boroughs": len(scores),
        "Current PIs": len(catalogue.current),
    }


def wanted_barriers(matrix: pd.DataFrame) -> pd.DataFrame:
    """Barriers named for wanted PIs: ``barrier, pis, boroughs`` sorted by boroughs."""
    wanted = matrix[matrix["status"] == "wanted"].copy()
    wanted["barrier"] = wanted["evidence"].str.extract(r"barrier: (.*)$")[0].str.split(", ")
    wanted = wanted.explode("barrier")
    table = wanted.groupby("barrier").agg(pis=("pi_id", "nunique"), boroughs=("borough", "nunique"))
    return table.sort_values("boroughs", ascending=False).reset_index()


def coverage_display(scores: pd.DataFrame):
    """Coverage scores ready to show through :mod:`lscb_analysis.present.presenter`: best first,
    shares as percentages, "no critical PIs" where there are none; captioned by the first
    column (borough or goal)."""
    from lscb_analysis.present import presenter

    by = str(scores.columns[0]) if len(scores.columns) else "borough"
    return presenter.show(
        scores.sort_values("coverage", ascending=False), f"Coverage score by {by}"
    )


def borough_section(matrix: pd.DataFrame, catalogue: Catalogue, area, rules: dict):
    """The one-board section: write its ``gaps.xlsx`` into the run's folder and return the
    gap list ready to show (or, with no borough, a note that this is the London report)."""
    from IPython.display import Markdown

    from lscb_analysis.core import provenance

    if area is None:
        return Markdown("No borough chosen: this is the London report.")
    folder = provenance.run_output_dir("gap_analysis", area.slug)
    write_borough_workbook(matrix, catalogue, area.name, rules, folder)
    from lscb_analysis.present import presenter

    return presenter.show(
        next_steps(matrix, catalogue, area.name), f"{area.name}: gaps and next steps"
    )


BOARDS_FOLDER = "boards"
"""Where the London report keeps each board's gap workbook: ``boards/<slug>_gaps.xlsx``."""


def board_workbooks(
    matrix: pd.DataFrame, catalogue: Catalogue, rules: dict, boards: str | None
) -> pd.DataFrame:
    """Write each board's ``gaps.xlsx`` beside the London report, for the boards named.

    Inputs: the gap ``matrix`` and ``catalogue``; ``rules`` (gap_rules.yaml); ``boards``:
    ``all``/``london``/``england`` (every borough in the matrix), boroughs separated by
    commas, or None (none: the London report alone, as run by hand).
    Output: DataFrame ``board``, ``workbook`` (file name under ``boards/``), ``gaps`` (PIs
    the board does not yet have): one row per board, in the matrix's order; a named board
    that is not in the matrix has no workbook and says so.
    Raises: UnknownAreaError for a name the register does not know.
    """
    from lscb_analysis.core import provenance, register

    columns = ["board", "workbook", "gaps"]
    if not boards:
        return pd.DataFrame(columns=columns)
    in_matrix = list(dict.fromkeys(matrix["borough"]))
    wanted = (
        in_matrix
        if str(boards).strip().lower() in ("all", "london", "england")
        else [area.name for area in register.resolve_many(str(boards))]
    )
    folder = provenance.run_output_dir("gap_analysis", "london") / BOARDS_FOLDER
    folder.mkdir(exist_ok=True)
    rows = []
    for board in wanted:
        if board not in in_matrix:
            rows.append({"board": board, "workbook": "not in the gap matrix", "gaps": None})
            continue
        steps = next_steps(matrix, catalogue, board)
        path = write_gaps_workbook(
            steps,
            matrix[matrix["borough"] == board],
            folder / f"{register.resolve(board).slug}_gaps.xlsx",
            gap_notes(rules, catalogue),
        )
        rows.append(
            {"board": board, "workbook": f"{BOARDS_FOLDER}/{path.name}", "gaps": len(steps)}
        )
    return pd.DataFrame(rows, columns=columns)


def write_borough_workbook(
    matrix: pd.DataFrame, catalogue: Catalogue, borough: str, rules: dict, folder: Path
) -> Path:
    """Write ``gaps.xlsx`` for one borough into ``folder`` (the run's folder) and return it."""
    return write_gaps_workbook(
        next_steps(matrix, catalogue, borough),
        matrix[matrix["borough"] == borough],
        Path(folder) / "gaps.xlsx",
        gap_notes(rules, catalogue),
    )
