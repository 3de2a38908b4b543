"""The report index: one static page (and a CSV) listing every run of every notebook.

Notebooks record what the index shows about them with :func:`record_for_index` (two or three
headline values, the period, the data "as at" date and the model version), stored in the
executed notebook as a scrapbook scrap, never scraped from the HTML. The runner copies them
into each run's ``manifest.json`` (:func:`index_values`), and :func:`write_index` reads only the
manifests, the pack record (which runs were skipped as unchanged, :func:`record_outcomes`) and
the ingests' issue tables (validation errors and queries per borough,
:func:`validation_counts`). It writes ``index.html`` (:mod:`lscb_analysis.present.report_index_page`:
sortable by type and filterable by borough and notebook in the browser with a little inline
JavaScript, a plain table without it) and ``index.csv`` with the same rows.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.core.errors import DataFileError, InvalidArgumentError

INDEX_SCRAP = "lscb_index"
OUTCOMES_FILE = "pack.json"
HEADLINES_SHOWN = 3
LONDON_SLUG = "london"
ANALYST = "analyst"
INDEX_COLUMNS = [
    "notebook",
    "borough",
    "slug",
    "tier",
    "status",
    "reason",
    "error",
    "period",
    "as_at",
    "model_version",
    "started",
    "seconds",
    "errors",
    "queries",
    "validation",
    *[f"{kind}_{n}" for n in range(1, HEADLINES_SHOWN + 1) for kind in ("headline", "value")],
    "link",
    "xlsx",
    "manifest",
    "last_good",
    "last_good_at",
    "unchanged_since",
    "synthetic",
]


def _plain(value):
    """Return ``value`` as something JSON can hold (numbers, text, None).

    >>> import numpy as np
    >>> [_plain(np.int64(3)), _plain(float("nan")), _plain(date(2025, 3, 31)), _plain("x")]
    [3, None, '2025-03-31', 'x']
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "item") and not isinstance(value, pd.Series | pd.DataFrame):
        value = value.item()
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()[:10]
    if value is pd.NA or value is pd.NaT:
        return None
    return value if isinstance(value, int | float | str) else str(value)


def headline_pairs(
    values,
    value_column: str | None = None,
    rows: list | None = None,
    key_column: str = "indicator",
    label_column: str = "title",
) -> dict:
    """Return ``{label: value}`` for the index from a mapping or from rows of a table.

    Args:
        values: ``{label: value}``, or a table with one row per item.
        value_column: the table's column holding the value to show.
        rows: the ``key_column`` values of the rows to take, in order.
        key_column, label_column: the table's key and label columns.

    >>> table = pd.DataFrame({"indicator": ["a", "b"], "title": ["Rate A", "Rate B"],
    ...                       "borough": ["1.5", "2.0"]})
    >>> headline_pairs(table, "borough", ["b", "a"])
    {'Rate B': '2.0', 'Rate A': '1.5'}
    >>> headline_pairs({"Responses": 28})
    {'Responses': 28}

    Raises:
        InvalidArgumentError: a table without ``value_column``/``rows``, or a row or column
            that is not there (the message names it).
    """
    if not isinstance(values, pd.DataFrame):
        return {str(label): _plain(value) for label, value in dict(values).items()}
    missing = [c for c in (key_column, label_column, value_column) if c not in values.columns]
    if value_column is None or rows is None or missing:
        raise InvalidArgumentError(
            "record_for_index: give the table's value column and the rows to show; columns "
            f"missing: {', '.join(str(c) for c in missing) or 'none'}."
        )
    table = values.drop_duplicates(key_column).set_index(key_column)
    absent = [row for row in rows if row not in table.index]
    if absent:
        raise InvalidArgumentError(
            f"record_for_index: no row {', '.join(map(repr, absent))} in column "
            f"{key_column!r}. Rows there: {', '.join(map(str, table.index[:10]))}."
        )
    return {str(table.at[row, label_column]): _plain(table.at[row, value_column]) for row in rows}


def record_for_index(
    values,
    value_column: str | None = None,
    rows: list | None = None,
    *,
    key_column: str = "indicator",
    label_column: str = "title",
    period=None,
    as_at=None,
    model_version=None,
) -> None:
    """Record, in a running notebook, what the report index shows about this run.

    Call it once, in the run-record cell. The values are stored in the executed notebook as
    the scrapbook scrap ``lscb_index`` (not shown in the report).

    Args:
        values, value_column, rows, key_column, label_column: the headline values, see
            :func:`headline_pairs` (the index shows the first three).
        period: the period the report covers, as resolved (e.g. 2025).
        as_at: the date the data are "as at", as words or a date.
        model_version: the PI model version the report uses, where there is one.

    Raises:
        InvalidArgumentError: see :func:`headline_pairs`.
    """
    import scrapbook

    record = {
        "headlines": headline_pairs(values, value_column, rows, key_column, label_column),
        "period": _plain(period),
        "as_at": _plain(as_at),
        "model_version": _plain(model_version),
    }
    scrapbook.glue(INDEX_SCRAP, record, encoder="json")


def index_values(executed) -> dict:
    """Return what an executed notebook recorded with :func:`record_for_index` ({} if none)."""
    import scrapbook

    scraps = scrapbook.models.Notebook(executed).scraps.data_dict
    found = scraps.get(INDEX_SCRAP)
    return found if isinstance(found, dict) else {}


def _write_atomically(text: str, path: Path) -> Path:
    target = io.ensure_writable(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
    return target


def read_outcomes(reports_dir: Path) -> dict:
    """Return the pack record: ``{"<notebook>/<slug>": {"status", "at"}}`` ({} if none)."""
    try:
        record = json.loads((Path(reports_dir) / OUTCOMES_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return record.get("runs", {}) if isinstance(record, dict) else {}


def record_outcomes(reports_dir: Path, results: list, reasons: dict | None = None) -> Path:
    """Merge what happened to each run this time (ok, failed, skipped) into ``pack.json``.

    Args:
        results: :class:`lscb_analysis.runs.run_record.RunResult` objects.
        reasons: ``{"<notebook>/<slug>": why it ran or was skipped}``.
    """
    from lscb_analysis.core import provenance

    runs = read_outcomes(reports_dir)
    now = provenance.now_iso()
    for result in results:
        key = f"{result.notebook}/{result.slug}"
        runs[key] = {"status": result.status, "at": now, "reason": (reasons or {}).get(key, "")}
    return _write_atomically(
        json.dumps({"updated": now, "runs": runs}, indent=2), Path(reports_dir) / OUTCOMES_FILE
    )


def _slug_lookup():
    from lscb_analysis.core import register

    table = register.load_register()
    by_number = {
        row.la_number: register.slugify(row.la_name) for row in table.itertuples(index=False)
    }
    cache: dict[str, str] = {}

    def by_name(name) -> str:
        key = str(name).strip()
        if key not in cache:
            try:
                cache[key] = register.resolve(key).slug if key else ""
            except register.UnknownAreaError:
                cache[key] = ""
        return cache[key]

    return by_number, by_name


def _issue_slugs(issues: pd.DataFrame, source: dict, lookups) -> pd.Series:
    """The borough (slug) each issue belongs to; "" when it cannot be told."""
    from lscb_analysis.core import paths

    by_number, by_name = lookups
    if "la_number" in issues.columns:
        return issues["la_number"].astype(str).map(by_number).fillna("")
    if "borough" in issues.columns:
        return issues["borough"].fillna("").map(by_name)
    if "file" in issues.columns:
        for relative in source.get("borough_from", []):
            path = paths.project_dir() / relative
            if not path.is_file():
                continue
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if "file" not in table.columns:
                continue
            column = "la_number" if "la_number" in table.columns else "borough"
            if column not in table.columns:
                continue
            names = table.drop_duplicates("file").set_index("file")[column]
            found = issues["file"].map(names).fillna("")
            return found.map(by_number).fillna("") if column == "la_number" else found.map(by_name)
    return pd.Series("", index=issues.index)


def validation_counts(sources: dict | None = None) -> pd.DataFrame:
    """Count validation errors and queries per borough from the ingests' issue tables.

    Args:
        sources: ``{name: {"file", "errors", "queries", "borough_from", "skip_when"}}``;
            default the ``issues`` of each prerequisite in ``data/reference/notebooks.yaml``.
            ``file`` may be a pattern (``data/processed/audit/*/issues.csv``); ``errors`` and
            ``queries`` list the severities counted as each; ``borough_from`` lists tables
            with ``file`` and ``borough`` (or ``la_number``) columns, for issue tables that
            name only the file; rows whose ``skip_when`` column is true (``superseded``) are
            not counted. A missing issue table is skipped.

    Returns:
        Columns ``slug, source, errors, queries``: one row per borough and source; issues
        that cannot be tied to a borough have slug "".

    Raises:
        DataFileError: an issue table has no ``severity`` column.
    """
    from lscb_analysis.core import paths

    if sources is None:
        from lscb_analysis.core import notebooks

        sources = {
            name: step.issues for name, step in notebooks.prerequisites().items() if step.issues
        }
    frames = []
    lookups = None
    for name, source in sources.items():
        tables = []
        for path in sorted(paths.project_dir().glob(source["file"])):
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if "severity" not in table.columns:
                raise DataFileError(f"{path} has no 'severity' column; re-run its ingest.")
            tables.append(table)
        if not tables:
            continue
        issues = pd.concat(tables, ignore_index=True)
        skip = source.get("skip_when")
        if skip and skip in issues.columns:
            issues = issues[~issues[skip].str.strip().str.lower().isin(["true", "yes", "1"])]
        lookups = lookups or _slug_lookup()
        severity = issues["severity"].str.strip().str.lower()
        frames.append(
            pd.DataFrame(
                {
                    "slug": _issue_slugs(issues, source, lookups).to_numpy(),
                    "source": name,
                    "errors": severity.isin(source.get("errors", ["error"])).astype(int).to_numpy(),
                    "queries": severity.isin(source.get("queries", ["warning", "query"]))
                    .astype(int)
                    .to_numpy(),
                }
            )
        )
    columns = ["slug", "source", "errors", "queries"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return (
        pd.concat(frames)
        .groupby(["slug", "source"], as_index=False)[["errors", "queries"]]
        .sum()[columns]
    )


def _validation_for(counts: pd.DataFrame, slug: str) -> tuple:
    if counts.empty:
        return None, None, ""
    mine = counts if slug == LONDON_SLUG else counts[counts["slug"] == slug]
    by_source = mine.groupby("source")[["errors", "queries"]].sum()
    detail = "; ".join(
        f"{source}: {int(row.errors)} errors, {int(row.queries)} queries"
        for source, row in by_source.iterrows()
    )
    return int(mine["errors"].sum()), int(mine["queries"].sum()), detail


def _first_line(text) -> str:
    return str(text).strip().splitlines()[0] if text and str(text).strip() else ""


def _last_good(run_dir: Path) -> dict:
    """The manifest of the last good run kept beside a failed one ({} if none or unreadable)."""
    try:
        found = json.loads((run_dir / "last_good" / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return found if isinstance(found, dict) else {}


def collect_runs(reports_dir: Path, counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read every run's ``manifest.json`` (``<reports_dir>/<notebook>/<slug>/``).

    Args:
        reports_dir: the reports folder.
        counts: validation counts (default :func:`validation_counts`).

    Returns:
        One row per run with ``INDEX_COLUMNS``; ``status`` is ok or failed: a run the last
        pack found unchanged keeps its last good status "ok", with ``unchanged_since`` the
        time of the run whose report still stands (else ""); a failed run with a kept last
        good report has its time in ``last_good_at`` and, when it recorded none itself, that
        report's headline values; ``synthetic`` is what the run's manifest recorded;
        ``error`` is the error's first line; paths
        (``link`` to the report or, for a failed run, its notebook; ``xlsx`` joined by
        ``;``; ``manifest``; ``last_good`` report of a failed run) are relative to
        ``reports_dir``; ``tier`` is ``analyst`` for an unsuppressed analyst-tier run
        (``--analyst``), else ``board``. Sorted by borough, then notebook.

    Raises:
        DataFileError: a manifest is not valid JSON (the message names it).
    """
    reports_dir = Path(reports_dir)
    outcomes = read_outcomes(reports_dir)
    counts = validation_counts() if counts is None else counts
    rows = []
    for manifest_path in sorted(reports_dir.glob("*/*/manifest.json")):
        run_dir = manifest_path.parent.relative_to(reports_dir)
        if any(part.startswith(".") for part in run_dir.parts):
            continue  # a run being written, or one renamed aside while being replaced
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise DataFileError(
                f"{manifest_path} is not valid JSON ({error}). Re-run that report or delete "
                "its folder."
            ) from error
        outputs, index = manifest.get("outputs", {}), manifest.get("index") or {}
        parameters = manifest.get("parameters") or {}
        status = manifest.get("status", "unknown")
        outcome = outcomes.get(f"{run_dir.parts[0]}/{run_dir.parts[-1]}", {})
        unchanged = status == "ok" and outcome.get("status") == "skipped"
        reason = (
            outcome.get("reason", "") if outcome.get("status") in (status, "ok", "skipped") else ""
        )
        last_good = _last_good(manifest_path.parent)
        if status == "failed" and not index:
            index = last_good.get("index") or {}  # the last good report's figures stand
        target = outputs.get("html") or outputs.get("notebook")
        slug = manifest.get("slug", run_dir.parts[-1])
        errors, queries, detail = _validation_for(counts, slug)
        row = {
            "notebook": manifest.get("notebook", run_dir.parts[0]),
            "borough": manifest.get("borough", ""),
            "slug": slug,
            "tier": parameters.get("tier") or "board",
            "status": status,
            "reason": reason,
            "error": _first_line(manifest.get("error")),
            "period": index.get("period") or parameters.get("period") or "",
            "as_at": index.get("as_at") or "",
            "model_version": index.get("model_version") or parameters.get("model_version") or "",
            "started": manifest.get("started", ""),
            "seconds": manifest.get("seconds"),
            "errors": errors,
            "queries": queries,
            "validation": detail,
            "link": (run_dir / target).as_posix() if target else "",
            "xlsx": ";".join((run_dir / name).as_posix() for name in outputs.get("xlsx", [])),
            "manifest": (run_dir / "manifest.json").as_posix(),
            "last_good": (run_dir / "last_good" / "report.html").as_posix()
            if (manifest_path.parent / "last_good" / "report.html").is_file()
            else "",
            "last_good_at": last_good.get("finished") or last_good.get("started") or "",
            "unchanged_since": (manifest.get("finished") or manifest.get("started") or "")
            if unchanged
            else "",
            "synthetic": bool(manifest.get("synthetic", False)),
        }
        headlines = list((index.get("headlines") or {}).items())[:HEADLINES_SHOWN]
        for number in range(1, HEADLINES_SHOWN + 1):
            label, value = headlines[number - 1] if number <= len(headlines) else ("", "")
            row[f"headline_{number}"], row[f"value_{number}"] = label, value
        rows.append(row)
    return pd.DataFrame(rows, columns=INDEX_COLUMNS).sort_values(
        ["borough", "notebook"], ignore_index=True, key=lambda s: s.str.lower()
    )


def render_index(runs: pd.DataFrame, synthetic: bool = False) -> str:
    """Return the index page's HTML (see :func:`lscb_analysis.present.report_index_page.render_index`)."""
    from lscb_analysis.present import report_index_page

    return report_index_page.render_index(runs, synthetic)


def write_index(reports_dir: Path) -> Path:
    """Rebuild ``<reports_dir>/index.html`` and ``index.csv``; return the HTML's path.

    Both are written to a temporary file and renamed into place, so a reader never sees half
    of one.
    """
    from lscb_analysis.present import report_html

    runs = collect_runs(Path(reports_dir))
    synthetic = report_html.is_synthetic() or bool(runs["synthetic"].eq(True).any())
    _write_atomically(runs.to_csv(index=False), Path(reports_dir) / "index.csv")
    return _write_atomically(render_index(runs, synthetic), Path(reports_dir) / "index.html")
